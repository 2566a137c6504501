"""Word lists shipped with the code (common passwords)."""
