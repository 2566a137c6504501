"""Running withUs as several instances behind nginx: see deploy/README.md."""
