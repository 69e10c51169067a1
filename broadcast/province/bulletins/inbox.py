"""The commune's inbox of province bulletins, in SQLite (`var/inbox.sqlite`): what came, its state, its airings.

    bulletins(id PRIMARY KEY, seq, level, title, document (JSON), state, received_at, schedule_file, note)
    airings(bulletin, at, kind ('dau-tien' | 'lap-lai'), delay_s)   -- khẩn cấp airings handed to the daemon
    refusals(at, seq, reason, message)                               -- unsigned, tampered, replayed, older...
    seen(seq PRIMARY KEY)                                            -- every number accepted
    meta(key PRIMARY KEY, value)                                     -- last_seq, last_report_row

`check_order` decides replay and order before anything is stored: a number already accepted is
a replay, a number below the highest accepted is older than what was seen; both are refused.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.province.bulletins.envelope import BulletinRefused
from broadcast.station.store import open_store

STATES = {
    "cho-xep-lich": "chờ xếp lịch", "da-len-lich": "đã lên lịch", "cho-phat": "chờ đến giờ phát",
    "dang-lap-lai": "đang lặp lại", "da-huy": "đã hủy", "da-thay": "đã thay", "het-han": "hết hạn",
    "da-bo": "đã bỏ qua", "khong-lien-quan": "không gửi cho xã này",
}
ACTIVE = ("cho-xep-lich", "da-len-lich", "cho-phat", "dang-lap-lai")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS bulletins (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, level TEXT, title TEXT, document TEXT NOT NULL,
    state TEXT NOT NULL, received_at TEXT NOT NULL, schedule_file TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS airings (bulletin TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, delay_s REAL);
CREATE TABLE IF NOT EXISTS refusals (at TEXT NOT NULL, seq INTEGER, reason TEXT NOT NULL, message TEXT);
CREATE TABLE IF NOT EXISTS seen (seq INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


class Inbox:
    """One commune's received bulletins; every method is one short transaction (threads share it)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = open_store(self.path, _SCHEMA)
        self.lock = threading.RLock()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Inbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- order

    def last_seq(self) -> int:
        return int(self.get_meta("last_seq") or 0)

    def check_order(self, seq: int) -> None:
        """BulletinRefused when `seq` was accepted already (replay) or is below the highest seen."""
        with self.lock:
            if self.db.execute("SELECT 1 FROM seen WHERE seq = ?", (seq,)).fetchone():
                raise BulletinRefused(f"bản tin số {seq} đã nhận trước đó (gửi lại): không nhận lần nữa",
                                      reason="replayed", seq=seq)
            if seq <= self.last_seq():
                raise BulletinRefused(f"bản tin số {seq} cũ hơn bản tin số {self.last_seq()} đã nhận: không nhận",
                                      reason="older", seq=seq)

    def accept_seq(self, seq: int) -> None:
        with self.lock:
            self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (seq,))
            if seq > self.last_seq():
                self.set_meta("last_seq", str(seq))

    def refuse(self, at: datetime, refusal: BulletinRefused) -> None:
        """Record a refusal once: the same number refused for the same reason again is not a new row."""
        with self.lock:
            if self.db.execute("SELECT 1 FROM refusals WHERE seq IS ? AND reason = ?",
                               (refusal.seq, refusal.reason)).fetchone():
                return
            self.db.execute("INSERT INTO refusals VALUES (?, ?, ?, ?)",
                            (at.isoformat(timespec="seconds"), refusal.seq, refusal.reason, str(refusal)))

    def refusals(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.db.execute("SELECT * FROM refusals ORDER BY rowid")]

    # -- bulletins

    def store(self, document: Mapping[str, Any], state: str, received_at: datetime, note: str = "") -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO bulletins VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                            (document["id"], document["seq"], document.get("level"), document.get("title"),
                             json.dumps(document, ensure_ascii=False), state,
                             received_at.isoformat(timespec="seconds"), note))

    def get(self, bulletin_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT * FROM bulletins WHERE id = ?", (bulletin_id,)).fetchone()
        return _decode(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT * FROM bulletins ORDER BY seq").fetchall()
            counts = dict(self.db.execute("SELECT bulletin, count(*) FROM airings GROUP BY bulletin").fetchall())
        return [{**_decode(r), "airings": counts.get(r["id"], 0)} for r in rows]

    def active(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(f"SELECT * FROM bulletins WHERE state IN ({','.join('?' * len(ACTIVE))}) "
                                   "ORDER BY seq", ACTIVE).fetchall()
        return [_decode(r) for r in rows]

    def set_state(self, bulletin_id: str, state: str, *, note: str | None = None,
                  schedule_file: str | None | bool = False) -> None:
        with self.lock:
            self.db.execute("UPDATE bulletins SET state = ?, note = coalesce(?, note) WHERE id = ?",
                            (state, note, bulletin_id))
            if schedule_file is not False:
                self.db.execute("UPDATE bulletins SET schedule_file = ? WHERE id = ?", (schedule_file, bulletin_id))

    # -- airings

    def aired(self, bulletin_id: str, at: datetime, kind: str, delay_s: float | None) -> None:
        with self.lock:
            self.db.execute("INSERT INTO airings VALUES (?, ?, ?, ?)",
                            (bulletin_id, at.isoformat(timespec="seconds"), kind, delay_s))

    def airings(self, bulletin_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            if bulletin_id is None:
                rows = self.db.execute("SELECT rowid, * FROM airings ORDER BY rowid").fetchall()
            else:
                rows = self.db.execute("SELECT rowid, * FROM airings WHERE bulletin = ? ORDER BY rowid",
                                       (bulletin_id,)).fetchall()
        return [dict(r) for r in rows]

    def last_airing(self, bulletin_id: str) -> datetime | None:
        with self.lock:
            row = self.db.execute("SELECT max(at) FROM airings WHERE bulletin = ?", (bulletin_id,)).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    # -- meta

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["document"] = json.loads(out["document"])
    out["state_name"] = STATES.get(out["state"], out["state"])
    return out
