"""The as-run log: what aired when, in SQLite, and its readable table."""
