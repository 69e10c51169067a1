"""A small SQLite store on local disk: one way to open it, shared by the stores that are not the as-run log.

Autocommit (each statement, or an explicit `BEGIN`, is its transaction), WAL so readers never
wait on a writer, a 30-second busy timeout for another process's write, rows addressable by
column name or index, one connection shared by the caller's threads (the caller holds a lock
around multi-statement work), and the schema created if missing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_store(path: Path, schema: str) -> sqlite3.Connection:
    """The database at `path` (its folder made if missing), with `schema` applied."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db
