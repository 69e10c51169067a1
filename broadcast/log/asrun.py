"""The as-run log: what aired when, one SQLite row per programme and per item, committed at once."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS airings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('programme', 'item')),
    parent_id INTEGER NULL REFERENCES airings(id),
    programme_id TEXT NOT NULL,
    date TEXT NOT NULL,
    slot TEXT,
    session TEXT,
    scheduled_at TEXT,
    started_at TEXT NULL,
    ended_at TEXT NULL,
    item_id TEXT NULL,
    item_kind TEXT NULL,
    template TEXT NULL,
    title TEXT,
    tags TEXT,
    priority TEXT NULL,
    episode TEXT NULL,
    source TEXT NULL,
    repeat INTEGER NULL,
    duration_s REAL NULL,
    status TEXT NOT NULL CHECK (status IN ('playing', 'played', 'late', 'missed', 'failed',
                                           'interrupted', 'skipped')),
    error TEXT NULL,
    output TEXT NULL,
    file TEXT NULL,
    values_json TEXT NULL,
    origin TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (origin IN ('scheduled', 'urgent', 'manual', 'rehearsal')),
    note TEXT NULL,
    zone TEXT NULL
);
CREATE INDEX IF NOT EXISTS airings_programme ON airings (programme_id, kind);
CREATE INDEX IF NOT EXISTS airings_origin ON airings (origin);
CREATE INDEX IF NOT EXISTS airings_date ON airings (date);
CREATE INDEX IF NOT EXISTS airings_status ON airings (status);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
"""

# Columns added after the first release, with the ALTER TABLE that brings an older log up to date.
MIGRATIONS = (
    ("origin", "ALTER TABLE airings ADD COLUMN origin TEXT NOT NULL DEFAULT 'scheduled' "
               "CHECK (origin IN ('scheduled', 'urgent', 'manual', 'rehearsal'))"),
    ("note", "ALTER TABLE airings ADD COLUMN note TEXT NULL"),
    # The zone (group of loudspeakers) a row aired in; NULL on older rows: the whole commune.
    ("zone", "ALTER TABLE airings ADD COLUMN zone TEXT NULL"),
)
# Who put a row on air: the daemon by the schedule, the daemon for an announcement (đột xuất),
# an officer by hand (play / announce without the daemon), or a rehearsal (simulate, its own log).
ORIGINS = ("scheduled", "urgent", "manual", "rehearsal")
# Only these went out on the loudspeakers as the station's broadcasts (the report counts them).
BROADCAST_ORIGINS = frozenset({"scheduled", "urgent"})
ORIGIN_LABELS = {"scheduled": "theo lịch", "urgent": "đột xuất", "manual": "thủ công", "rehearsal": "diễn tập"}

STATUSES = ("playing", "played", "late", "missed", "failed", "interrupted", "skipped")
EVENT_KINDS = ("heartbeat", "clock-jump", "start", "stop", "reload", "build", "urgent", "missed", "relay",
               "output")
# A slot whose latest row has one of these is settled: it is never put on air again.
FINAL_STATUSES = frozenset({"played", "late", "missed", "failed", "skipped"})
AIRED_STATUSES = frozenset({"played", "late"})

STATUS_LABELS = {"playing": "đang phát", "played": "đã phát", "late": "phát muộn", "missed": "bị lỡ",
                 "failed": "lỗi", "interrupted": "bị ngắt", "skipped": "bỏ qua"}


def iso(moment: datetime | None) -> str | None:
    """The log's time format: aware ISO 8601 to the millisecond."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("as-run times must be timezone-aware")
    return moment.isoformat(timespec="milliseconds")


def parse_moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class AsRunLog:
    """One SQLite file in WAL mode; every state change is its own committed transaction.

    A process killed at any moment leaves at worst a programme row in 'playing', which
    `open_programmes()` finds and the daemon closes on its next start. Safe to share between
    the daemon's threads (one connection behind a lock).
    """

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, got {synchronous!r}")
        self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()
        self._db.executescript(SCHEMA)
        if os.name == "posix":
            for path in (self.path, self.path.with_name(self.path.name + "-wal"),
                         self.path.with_name(self.path.name + "-shm")):
                if path.exists():
                    os.chmod(path, 0o600)   # private whatever the umask: who aired what, and when

    def _migrate(self) -> None:
        """Bring a log written by an older version up to date (old rows are 'scheduled')."""
        with self._lock:
            columns = {r["name"] for r in self._db.execute("PRAGMA table_info(airings)").fetchall()}
            if not columns:
                return          # a new log: SCHEMA creates the table with every column
            for name, statement in MIGRATIONS:
                if name not in columns:
                    self._db.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> AsRunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------------

    def programme_started(self, *, programme_id: str, day: date, slot: str, session: str,
                          scheduled_at: datetime, title: str, started_at: datetime | None,
                          status: str = "playing", entry: Mapping[str, Any] | None = None,
                          tags: Iterable[str] = (), priority: str | None = None,
                          duration_s: float | None = None, output: str | None = None,
                          file: str | None = None, source: str | None = None,
                          ended_at: datetime | None = None, error: str | None = None,
                          origin: str = "scheduled", offset_s: float = 0.0, note: str | None = None,
                          zone: str | None = None) -> int:
        """Insert a programme row (and, given its manifest `entry`, one row per item); its id.

        Items start in the same status as the programme, timed from the programme start plus
        their manifest offset; `finish()` settles them. A missed or failed programme is
        written with `entry=None`: nothing of it aired, so it has no item rows. A play resumed
        `offset_s` into the file logs only the items from there on. Items carry the
        programme's `origin` and `zone`; `note` says why the row exists (a resumed or restarted play).
        """
        _check_status(status)
        if origin not in ORIGINS:
            raise ValueError(f"unknown origin {origin!r}; one of {', '.join(ORIGINS)}")
        with self._lock, self._transaction():
            row_id = self._insert(
                kind="programme", parent_id=None, programme_id=programme_id, date=day.isoformat(),
                slot=slot, session=session, scheduled_at=iso(scheduled_at), started_at=iso(started_at),
                ended_at=iso(ended_at), title=title, tags=json.dumps(list(tags), ensure_ascii=False),
                priority=priority, source=source, duration_s=duration_s, status=status, error=error,
                output=output, file=file, origin=origin, note=note, zone=zone)
            if entry is not None:
                self._insert_items(row_id, entry, programme_id=programme_id, day=day, slot=slot,
                                   session=session, scheduled_at=scheduled_at, started_at=started_at,
                                   status=status, output=output, origin=origin, offset_s=offset_s, zone=zone)
        return row_id

    def item_rows(self, parent_id: int) -> list[dict[str, Any]]:
        """The item rows of one programme row, in air order."""
        with self._lock:
            cur = self._db.execute("SELECT * FROM airings WHERE parent_id = ? ORDER BY id", (parent_id,))
            return [_decode(r) for r in cur.fetchall()]

    def finish(self, row_id: int, status: str, ended_at: datetime, error: str | None = None) -> None:
        """Settle a programme row and its items at `ended_at`.

        Items whose planned end is not after `ended_at` aired ('played'); the item on air at
        that moment takes `status` ('played' when the programme finished normally); the
        items after it never started ('skipped'). A part still open (`part_started`: no planned
        length) ends with the programme, in its `status`, at `ended_at`.
        """
        _check_status(status)
        with self._lock, self._transaction():
            self._db.execute("UPDATE airings SET status = ?, ended_at = ?, error = ? WHERE id = ?",
                             (status, iso(ended_at), error, row_id))
            items = self._db.execute(
                "SELECT id, started_at, duration_s, status, item_kind FROM airings WHERE parent_id = ? ORDER BY id",
                (row_id,)).fetchall()
            for item in items:
                start = parse_moment(item["started_at"])
                if item["status"] == "playing" and item["item_kind"] == "tiep-am" and item["duration_s"] is None:
                    aired = max(0.0, (ended_at - start).total_seconds()) if start else None
                    self._db.execute("UPDATE airings SET status = ?, ended_at = ?, duration_s = ?, error = ? "
                                     "WHERE id = ?", (status, iso(ended_at), aired, error, item["id"]))
                    continue
                end = start + timedelta(seconds=item["duration_s"] or 0.0) if start else None
                if status in AIRED_STATUSES or (end is not None and end <= ended_at):
                    self._db.execute("UPDATE airings SET status = 'played', ended_at = ? WHERE id = ?",
                                     (iso(end), item["id"]))
                elif start is not None and start <= ended_at:
                    self._db.execute("UPDATE airings SET status = ?, ended_at = ?, error = ? WHERE id = ?",
                                     (status, iso(ended_at), error, item["id"]))
                else:
                    self._db.execute("UPDATE airings SET status = 'skipped', started_at = NULL, "
                                     "ended_at = NULL WHERE id = ?", (item["id"],))

    def part_started(self, parent_id: int, part: Mapping[str, Any]) -> int:
        """An item row 'playing' for a part of a programme beyond its file (the live relay) as it goes on air.

        `part`: item_id, item_kind, title, source, started_at. It has no planned length: `finish()`
        closes it with the programme (after a crash: 'interrupted' at the last heartbeat), and
        `add_aired()` with the part's `id` settles it with what really aired.
        """
        with self._lock, self._transaction():
            parent = self._db.execute("SELECT * FROM airings WHERE id = ?", (parent_id,)).fetchone()
            return self._insert_part(parent, {**part, "status": "playing", "ended_at": None})

    def add_aired(self, parent_id: int, parts: Iterable[Mapping[str, Any]], *, note: str | None = None) -> None:
        """Append item rows for what a programme aired beyond its file (a live relay and its fallback).

        Each part: item_id, item_kind, title, source, started_at, ended_at, status, error; a part
        with the `id` of a row `part_started()` opened settles that row instead. The programme's
        duration becomes its real length from start to end, and `note` is added to it.
        """
        with self._lock, self._transaction():
            parent = self._db.execute("SELECT * FROM airings WHERE id = ?", (parent_id,)).fetchone()
            for part in parts:
                if part.get("id") is None:
                    self._insert_part(parent, part)
                    continue
                start, end = part.get("started_at"), part.get("ended_at")
                self._db.execute(
                    "UPDATE airings SET status = ?, started_at = ?, ended_at = ?, duration_s = ?, error = ?, "
                    "title = ?, source = ? WHERE id = ? AND parent_id = ?",
                    (part["status"], iso(start), iso(end), (end - start).total_seconds() if start and end else None,
                     part.get("error"), part.get("title") or "", part.get("source"), part["id"], parent_id))
            started = parse_moment(parent["started_at"])
            row = self._db.execute("SELECT ended_at, note FROM airings WHERE id = ?", (parent_id,)).fetchone()
            ended = parse_moment(row["ended_at"])
            length = (ended - started).total_seconds() if started and ended else parent["duration_s"]
            notes = "; ".join(n for n in (row["note"], note) if n) or None
            self._db.execute("UPDATE airings SET duration_s = ?, note = ? WHERE id = ?", (length, notes, parent_id))

    def _insert_part(self, parent: sqlite3.Row, part: Mapping[str, Any]) -> int:
        start, end = part.get("started_at"), part.get("ended_at")
        aired = (end - start).total_seconds() if start and end else None
        return self._insert(
            kind="item", parent_id=parent["id"], programme_id=parent["programme_id"], date=parent["date"],
            slot=parent["slot"], session=parent["session"], scheduled_at=iso(start) if start else None,
            started_at=iso(start) if start else None, ended_at=iso(end) if end else None,
            item_id=part["item_id"], item_kind=part.get("item_kind"), title=part.get("title") or "",
            tags="[]", source=part.get("source"), duration_s=aired, status=part["status"],
            error=part.get("error"), output=parent["output"], origin=parent["origin"], zone=parent["zone"])

    def event(self, kind: str, at: datetime, message: str = "") -> None:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}; one of {', '.join(EVENT_KINDS)}")
        with self._lock:
            self._db.execute("INSERT INTO events (at, kind, message) VALUES (?, ?, ?)",
                             (iso(at), kind, message))

    # --- reading ---------------------------------------------------------------------------

    def status_of(self, programme_id: str, zone: str | None = None) -> str | None:
        """Status of the latest programme row for this id (in `zone`, or a row of no zone); None if it never came up."""
        row = self.latest_programme(programme_id, zone)
        return row["status"] if row else None

    def latest_programme(self, programme_id: str, zone: str | None = None) -> dict[str, Any] | None:
        """The latest programme row for this id (what a resume continues from).

        With `zone`, the latest row of that zone or of no zone (an older row: the whole commune).
        """
        query, args = "SELECT * FROM airings WHERE programme_id = ? AND kind = 'programme'", [programme_id]
        if zone is not None:
            query += " AND (zone = ? OR zone IS NULL)"
            args.append(zone)
        with self._lock:
            row = self._db.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return _decode(row) if row else None

    def open_programmes(self) -> list[dict[str, Any]]:
        """Programme rows still 'playing': left behind by a process that died mid-play."""
        with self._lock:
            cur = self._db.execute("SELECT * FROM airings WHERE kind = 'programme' AND status = 'playing' "
                                   "ORDER BY id")
            return [_decode(r) for r in cur.fetchall()]

    def last_event(self, kinds: Iterable[str] | None = None) -> dict[str, Any] | None:
        with self._lock:
            if kinds:
                kinds = list(kinds)
                marks = ",".join("?" * len(kinds))
                row = self._db.execute(f"SELECT * FROM events WHERE kind IN ({marks}) ORDER BY id DESC LIMIT 1",
                                       kinds).fetchone()
            else:
                row = self._db.execute("SELECT * FROM events ORDER BY id DESC LIMIT 1").fetchone()
        return dict(row) if row else None

    def rows(self, start: date, end: date) -> list[dict[str, Any]]:
        """Airings whose slot date is in [start, end], in log order, with `tags` decoded."""
        with self._lock:
            cur = self._db.execute("SELECT * FROM airings WHERE date BETWEEN ? AND ? ORDER BY id",
                                   (start.isoformat(), end.isoformat()))
            return [_decode(r) for r in cur.fetchall()]

    def span(self) -> tuple[date, date] | None:
        """The first and last slot dates in the log; None when it has no airings."""
        with self._lock:
            row = self._db.execute("SELECT min(date), max(date) FROM airings").fetchone()
        return (date.fromisoformat(row[0]), date.fromisoformat(row[1])) if row and row[0] else None

    def events(self, start: date, end: date, kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Events whose local date is in [start, end], oldest first."""
        query = "SELECT * FROM events WHERE substr(at, 1, 10) BETWEEN ? AND ?"
        args: list[Any] = [start.isoformat(), end.isoformat()]
        if kinds:
            kinds = list(kinds)
            query += f" AND kind IN ({','.join('?' * len(kinds))})"
            args += kinds
        with self._lock:
            return [dict(r) for r in self._db.execute(query + " ORDER BY id", args).fetchall()]

    # --- internals -------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _insert(self, **fields: Any) -> int:
        names = ",".join(fields)
        marks = ",".join("?" * len(fields))
        cur = self._db.execute(f"INSERT INTO airings ({names}) VALUES ({marks})", list(fields.values()))
        return int(cur.lastrowid)

    def _insert_items(self, parent_id: int, entry: Mapping[str, Any], *, programme_id: str, day: date,
                      slot: str, session: str, scheduled_at: datetime, started_at: datetime | None,
                      status: str, output: str | None, origin: str, offset_s: float,
                      zone: str | None = None) -> None:
        for item in entry.get("items") or []:
            offset = float(item.get("offset_s") or 0.0)
            if offset_s > 0 and offset + float(item.get("duration_s") or 0.0) <= offset_s:
                continue        # aired before the cut; this play starts after it
            start = started_at + timedelta(seconds=max(0.0, offset - offset_s)) if started_at else None
            values = item.get("values")
            self._insert(
                kind="item", parent_id=parent_id, programme_id=programme_id, date=day.isoformat(),
                slot=slot, session=session, scheduled_at=iso(scheduled_at + timedelta(seconds=offset)),
                started_at=iso(start), item_id=item.get("id"), item_kind=item.get("kind"),
                template=item.get("template"), title=item.get("title") or "",
                tags=json.dumps(list(item.get("tags") or []), ensure_ascii=False),
                priority=item.get("priority"), episode=item.get("episode"), source=item.get("source"),
                repeat=item.get("repeat"), duration_s=item.get("duration_s"), status=status,
                output=output, origin=origin, zone=zone,
                values_json=json.dumps(values, ensure_ascii=False) if values is not None else None)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT around a programme and its items, so they land together."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["tags"] = json.loads(out["tags"]) if out.get("tags") else []
    return out
