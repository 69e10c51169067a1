"""The province's store of commune reports, in the same SQLite file as the bulletins (`tinh.sqlite`).

    communes(name PRIMARY KEY, public_key, first_seen, last_contact, heartbeat, disk_free_mb, engines)
    reports(commune, seq, made_at, received_at, rows, PRIMARY KEY (commune, seq))
    airings(commune, row, kind, programme_id, date, slot, title, status, origin, priority,
            scheduled_at, started_at, ended_at, duration_s, PRIMARY KEY (commune, row))
    deliveries(commune, bulletin, seq, level, state, received_at, first_aired_at, delay_s, airings,
               PRIMARY KEY (commune, bulletin))
    planned(commune, date, programmes, minutes, PRIMARY KEY (commune, date))
    fetched(commune, date, built_at, fetched_at, PRIMARY KEY (commune, date))   days taken by `fetch`
    reports.clusters_online, reports.clusters_total   the commune's loudspeaker clusters then

`receive` takes a POSTed signed report: the first public key a commune name shows is kept (trust
on first use; `forget` clears it after a commune's machine is replaced) and later reports must be
signed with it. A (commune, seq) already stored answers `stored: false` and changes nothing; an
as-run row is stored by (commune, row) and updated in place (a programme 'playing' in one report
and 'played' in the next is one row), so a resend never counts twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

from broadcast.province.bulletins.document import NAME_PATTERN
from broadcast.station.store import open_store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS communes (name TEXT PRIMARY KEY, public_key TEXT NOT NULL, first_seen TEXT NOT NULL,
    last_contact TEXT, heartbeat TEXT, disk_free_mb INTEGER, engines TEXT);
CREATE TABLE IF NOT EXISTS reports (commune TEXT NOT NULL, seq INTEGER NOT NULL, made_at TEXT, received_at TEXT,
    rows INTEGER, PRIMARY KEY (commune, seq));
CREATE TABLE IF NOT EXISTS airings (commune TEXT NOT NULL, row INTEGER NOT NULL, kind TEXT, programme_id TEXT,
    date TEXT, slot TEXT, title TEXT, status TEXT, origin TEXT, priority TEXT, scheduled_at TEXT,
    started_at TEXT, ended_at TEXT, duration_s REAL, PRIMARY KEY (commune, row));
CREATE INDEX IF NOT EXISTS airings_date ON airings (commune, date);
CREATE TABLE IF NOT EXISTS deliveries (commune TEXT NOT NULL, bulletin TEXT NOT NULL, seq INTEGER, level TEXT,
    state TEXT, received_at TEXT, first_aired_at TEXT, delay_s REAL, airings INTEGER,
    PRIMARY KEY (commune, bulletin));
CREATE TABLE IF NOT EXISTS planned (commune TEXT NOT NULL, date TEXT NOT NULL, programmes INTEGER, minutes REAL,
    PRIMARY KEY (commune, date));
CREATE TABLE IF NOT EXISTS fetched (commune TEXT NOT NULL, date TEXT NOT NULL, built_at TEXT, fetched_at TEXT,
    PRIMARY KEY (commune, date));
"""
AIRING_KEYS = ("row", "kind", "programme_id", "date", "slot", "title", "status", "origin", "priority",
               "scheduled_at", "started_at", "ended_at", "duration_s")
MAX_ROWS = 2000


class ReportStore:
    """Reports from every commune of the province; shared by the server's threads."""

    def __init__(self, path: Path, *, now: Callable[[], datetime] | None = None,
                 known: Iterable[str] | None = None) -> None:
        self.db = open_store(Path(path), _SCHEMA)
        have = {r["name"] for r in self.db.execute("PRAGMA table_info(reports)")}
        for column in ("clusters_online", "clusters_total"):      # a store made before clusters were reported
            if column not in have:
                self.db.execute(f"ALTER TABLE reports ADD COLUMN {column} INTEGER")
        self.lock = threading.Lock()
        self.now = now or (lambda: datetime.now(UTC))
        self.known = set(known) if known is not None else None

    def close(self) -> None:
        self.db.close()

    def receive(self, data: bytes) -> tuple[HTTPStatus, dict[str, Any]]:
        """Check and store one POSTed report; (HTTP status, answer)."""
        from broadcast.province.signing import SignatureError, load_public_key, verify

        try:
            envelope = json.loads(data)
            text = envelope["document"]
            document = json.loads(text)
            commune, seq = document["commune"], document["seq"]
            if document.get("type") != "report" or not isinstance(seq, int) or not NAME_PATTERN.fullmatch(commune) \
                    or not isinstance(document.get("airings"), list) or len(document["airings"]) > MAX_ROWS \
                    or not isinstance(document.get("bulletins"), list):
                raise ValueError
            rows = [{k: a.get(k) for k in AIRING_KEYS} for a in document["airings"]]
            if not all(isinstance(r["row"], int) for r in rows):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            return HTTPStatus.BAD_REQUEST, {"error": "báo cáo sai cấu trúc"}
        if self.known is not None and commune not in self.known:
            return HTTPStatus.FORBIDDEN, {"error": f"tỉnh không phục vụ xã '{commune}'"}
        with self.lock:
            row = self.db.execute("SELECT public_key FROM communes WHERE name = ?", (commune,)).fetchone()
            key_text = row["public_key"] if row and row["public_key"] else str(document.get("public_key", ""))
            try:
                verify(text.encode("utf-8"), str(envelope.get("signature", "")), load_public_key(key_text),
                       where="báo cáo")
            except (SignatureError, Exception):  # noqa: BLE001 - a bad key text is a bad signature too
                return HTTPStatus.FORBIDDEN, {"error": "chữ ký báo cáo không đúng khóa của xã"}
            received = self.now().isoformat(timespec="seconds")
            self.db.execute("BEGIN IMMEDIATE")
            try:
                stored = self._store(document, rows, commune, key_text, row, received)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return HTTPStatus.OK, {"stored": stored}

    def _store(self, document: dict[str, Any], rows: list[dict[str, Any]], commune: str, key_text: str,
               known: sqlite3.Row | None, received: str) -> bool:
        db = self.db
        if known is None:
            db.execute("INSERT INTO communes (name, public_key, first_seen) VALUES (?, ?, ?)",
                       (commune, key_text, received))
        elif not known["public_key"]:                   # forgotten: this report's key is kept from now on
            db.execute("UPDATE communes SET public_key = ? WHERE name = ?", (key_text, commune))
        db.execute("UPDATE communes SET last_contact = ? WHERE name = ?", (received, commune))
        if db.execute("SELECT 1 FROM reports WHERE commune = ? AND seq = ?", (commune, document["seq"])).fetchone():
            return False
        clusters = document.get("clusters") if isinstance(document.get("clusters"), dict) else {}
        db.execute("INSERT INTO reports (commune, seq, made_at, received_at, rows, clusters_online, clusters_total) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", (commune, document["seq"], document.get("made_at"), received,
                                                    len(rows), _count(clusters.get("online")),
                                                    _count(clusters.get("total"))))
        db.execute("UPDATE communes SET heartbeat = coalesce(?, heartbeat), disk_free_mb = ?, engines = ? "
                   "WHERE name = ?", (document.get("heartbeat"), document.get("disk_free_mb"),
                                      json.dumps(document.get("engines") or []), commune))
        for r in rows:
            db.execute(f"INSERT INTO airings (commune, {', '.join(AIRING_KEYS)}) VALUES (?{', ?' * len(AIRING_KEYS)}) "
                       "ON CONFLICT (commune, row) DO UPDATE SET status = excluded.status, "
                       "started_at = excluded.started_at, ended_at = excluded.ended_at, "
                       "duration_s = excluded.duration_s", (commune, *(r[k] for k in AIRING_KEYS)))
        for b in document["bulletins"][:500]:
            if isinstance(b, dict) and isinstance(b.get("id"), str):
                db.execute("INSERT OR REPLACE INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (commune, b["id"], b.get("seq"), b.get("level"), b.get("state"), b.get("received_at"),
                            b.get("first_aired_at"), b.get("delay_s"), b.get("airings")))
        for p in (document.get("planned") or [])[:31]:
            if isinstance(p, dict) and isinstance(p.get("date"), str):
                db.execute("INSERT OR REPLACE INTO planned VALUES (?, ?, ?, ?)",
                           (commune, p["date"], p.get("programmes"), p.get("minutes")))
        for d in (document.get("days") or [])[:62]:
            if isinstance(d, dict) and isinstance(d.get("date"), str) and isinstance(d.get("fetched_at"), str):
                db.execute("INSERT OR REPLACE INTO fetched VALUES (?, ?, ?, ?)",
                           (commune, d["date"][:10], str(d.get("built_at") or "")[:40] or None, d["fetched_at"][:40]))
        return True

    def forget(self, commune: str) -> bool:
        """Drop a commune's kept key (its machine was replaced); its history stays."""
        with self.lock:
            return self.db.execute("UPDATE communes SET public_key = '' WHERE name = ?", (commune,)).rowcount > 0

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """Read-only rows for the dashboard."""
        with self.lock:
            return [dict(r) for r in self.db.execute(sql, tuple(args)).fetchall()]


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000 else None
