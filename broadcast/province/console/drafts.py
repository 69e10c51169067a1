"""Bulletins written in the province console but not sent yet: the YAML text `bulletin add` reads, in SQLite.

    drafts(id TEXT PRIMARY KEY,    -- the bulletin's id, unique among drafts (the registry checks sent ones)
           text TEXT,              -- the bulletin YAML (`yamlfile`), what is read again when it is sent
           author TEXT, saved_at TEXT, source TEXT ('bieu-mau' | 'cap'))

A draft is removed when it is sent; nothing in this table is ever signed by itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from broadcast.errors import InputError
from broadcast.station.store import open_store

DRAFTS_DB = "ban-tin-nhap.sqlite"
SOURCES = {"bieu-mau": "biểu mẫu", "cap": "cảnh báo CAP"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY, text TEXT NOT NULL, author TEXT NOT NULL, saved_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'bieu-mau');
"""


@dataclass(frozen=True)
class Draft:
    id: str
    text: str
    author: str
    saved_at: str
    source: str

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)


class Drafts:
    """The drafts of one province console, shared by its handler threads."""

    def __init__(self, state: Path) -> None:
        self.db = open_store(Path(state) / DRAFTS_DB, _SCHEMA)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def save(self, draft_id: str, text: str, *, author: str, now: datetime, source: str = "bieu-mau",
             old_id: str | None = None) -> Draft:
        """Store (or overwrite) a draft; `old_id` renames the draft being edited. InputError when
        another draft holds the id already."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if draft_id != old_id and self.db.execute("SELECT 1 FROM drafts WHERE id = ?",
                                                          (draft_id,)).fetchone():
                    raise InputError(f"đã có bản nháp mã '{draft_id}'", hint="đặt mã khác hoặc mở bản nháp đó để sửa")
                if old_id:
                    self.db.execute("DELETE FROM drafts WHERE id = ?", (old_id,))
                self.db.execute("INSERT OR REPLACE INTO drafts VALUES (?, ?, ?, ?, ?)",
                                (draft_id, text, author, now.isoformat(timespec="seconds"), source))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return Draft(draft_id, text, author, now.isoformat(timespec="seconds"), source)

    def get(self, draft_id: str) -> Draft | None:
        with self.lock:
            row = self.db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        return Draft(**dict(row)) if row else None

    def listing(self) -> list[Draft]:
        with self.lock:
            rows = self.db.execute("SELECT * FROM drafts ORDER BY saved_at DESC").fetchall()
        return [Draft(**dict(r)) for r in rows]

    def delete(self, draft_id: str) -> None:
        with self.lock:
            self.db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
