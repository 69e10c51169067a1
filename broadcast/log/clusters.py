"""What the villages heard, in the station's as-run log: each cluster's rows (origin 'cluster') in `asrun.sqlite`.

    cluster_airings   one row per (cluster, uid): the cluster that aired it, origin 'cluster', the
                      day, kind ('chuong-trinh' or 'khan-cap'), programme id, title, zone, planned
                      and real times, status, error, fault, urgent delay, levels and the row as sent
                      (JSON), and when the station received it

They sit beside `airings` in the same database, in their own table: the station's own checks
(`AsRunLog.status_of`, the report's count of what the station aired) never take a village's row
for the station's own airing. A row is keyed by its uid: a receiver resending its outbox (after a
lost answer, a restart) never counts twice. Standard library only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ORIGIN = "cluster"
SCHEMA = """
CREATE TABLE IF NOT EXISTS cluster_airings (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL DEFAULT 'cluster' CHECK (origin = 'cluster'),
    cluster TEXT NOT NULL,
    uid TEXT NOT NULL,
    kind TEXT NOT NULL,
    date TEXT,
    programme_id TEXT,
    title TEXT,
    zone TEXT,
    scheduled_at TEXT,
    started_at TEXT,
    ended_at TEXT,
    status TEXT,
    error TEXT,
    fault TEXT,
    delay_s REAL,
    row_json TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (cluster, uid)
);
CREATE INDEX IF NOT EXISTS cluster_airings_day ON cluster_airings (cluster, date);
"""
PROGRAMME, URGENT = "chuong-trinh", "khan-cap"


class ClusterLog:
    """The clusters' rows of one station's as-run log (its own connection; thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ClusterLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def merge(self, cluster: str, rows: Iterable[Mapping[str, Any]], *, now: datetime | None = None) -> int:
        """Add a cluster's rows; how many were new (a uid already here is left as it is)."""
        moment = (now or datetime.now(UTC)).isoformat()
        added = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:
                    uid = str(row.get("uid") or "")
                    if not uid:
                        continue
                    delay = row.get("delay_s")
                    cursor = self._db.execute(
                        "INSERT OR IGNORE INTO cluster_airings (cluster, uid, kind, date, programme_id, title, zone, "
                        "scheduled_at, started_at, ended_at, status, error, fault, delay_s, row_json, received_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (cluster, uid, URGENT if row.get("kind") == URGENT else PROGRAMME, _text(row.get("date")),
                         _text(row.get("programme_id")), _text(row.get("title")), _text(row.get("zone")),
                         _text(row.get("scheduled_at")), _text(row.get("started_at")), _text(row.get("ended_at")),
                         _text(row.get("status")), _text(row.get("error")), _text(row.get("fault")),
                         float(delay) if isinstance(delay, (int, float)) else None,
                         json.dumps(dict(row), ensure_ascii=False), moment))
                    added += cursor.rowcount
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return added

    def rows(self, cluster: str | None = None) -> list[dict[str, Any]]:
        """The rows as the receivers sent them (with 'cluster' and 'origin'), in the order they arrived."""
        query = "SELECT cluster, origin, row_json FROM cluster_airings" + (" WHERE cluster = ?" if cluster else "")
        with self._lock:
            found = self._db.execute(query + " ORDER BY received_at, uid", (cluster,) if cluster else ()).fetchall()
        return [{**json.loads(r["row_json"]), "cluster": r["cluster"], "origin": r["origin"]} for r in found]

    def count(self, cluster: str | None = None) -> int:
        query = "SELECT COUNT(*) FROM cluster_airings" + (" WHERE cluster = ?" if cluster else "")
        with self._lock:
            return int(self._db.execute(query, (cluster,) if cluster else ()).fetchone()[0])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def merge_registry(log: ClusterLog, registry: Any) -> int:
    """Bring rows the cluster registry holds but the log lacks (sent before the log took them) into the log."""
    by_cluster: dict[str, list[dict[str, Any]]] = {}
    for row in registry.rows():
        by_cluster.setdefault(str(row["cluster"]), []).append(row)
    return sum(log.merge(name, rows) for name, rows in by_cluster.items())
