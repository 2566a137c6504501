"""UI building blocks: plain functions returning rx.Component; no database access."""
