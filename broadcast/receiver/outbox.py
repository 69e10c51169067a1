"""What the village heard, kept on the receiver's disk until the station acknowledges it.

One SQLite row per airing, keyed by a uid made of the day, the programme and the zone: a row is
written when the programme ends (or is cut), sent with the next flush, and marked sent only when
the station answered; a resend after a lost answer is ignored there (the station keys rows by uid
too), so nothing counts twice. The same uid tells the receiver, after a crash or a restart, that a
programme already aired: it never plays twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from broadcast.station.store import open_store

SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    uid TEXT PRIMARY KEY, row TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0
);
"""
BATCH = 200


class Outbox:
    def __init__(self, path: Path) -> None:
        self._db = open_store(path, SCHEMA)
        self._lock = threading.Lock()

    def add(self, row: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO rows (uid, row, sent) VALUES (?, ?, 0)",
                             (str(row["uid"]), json.dumps(dict(row), ensure_ascii=False)))

    def has(self, uid: str) -> bool:
        return self._db.execute("SELECT 1 FROM rows WHERE uid = ?", (uid,)).fetchone() is not None

    def unsent(self, limit: int = BATCH) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in
                self._db.execute("SELECT row FROM rows WHERE sent = 0 ORDER BY rowid LIMIT ?", (limit,))]

    def mark_sent(self, uids: list[str]) -> None:
        with self._lock:
            self._db.executemany("UPDATE rows SET sent = 1 WHERE uid = ?", [(u,) for u in uids])

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self._db.execute("SELECT row FROM rows ORDER BY rowid")]
