"""Orders from the station to one cluster (a restart), each a document signed by the station, applied once.

    orders   the cluster, the order's id (random), kind ('khoi-dong-lai'), when it was issued and
             expires, the canonical document and the station's signature, and when the receiver
             said it applied it (`done_at`)

An order waiting for its cluster rides on the answer to each heartbeat until the receiver lists its
id among the orders it applied (it does so in every heartbeat after). The receiver checks the
station's signature, its own name, the expiry, and refuses an id it already applied or an order
issued before the last one it applied: a replayed order does nothing. The remote control (volume,
mute, hours) comes signed the same way in every answer (`signed_control`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from broadcast.clusters import protocol
from broadcast.clusters.registry import ClusterRegistry

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    cluster TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, document TEXT NOT NULL, signature TEXT NOT NULL, done_at TEXT,
    PRIMARY KEY (cluster, id)
);
"""
RESTART = "khoi-dong-lai"
CONTROL = "dieu-khien"           # the remote control, signed in every heartbeat answer (not stored)
KINDS = (RESTART,)
VALID = timedelta(hours=1)         # a receiver offline longer than this does not restart when it comes back


class Orders:
    """The station's orders to its clusters, in the clusters' database."""

    def __init__(self, registry: ClusterRegistry) -> None:
        self.registry = registry
        self._db, self._lock = registry._db, registry._lock
        self._db.executescript(SCHEMA)

    def restart(self, name: str, *, now: datetime | None = None) -> dict[str, Any]:
        """Order the cluster `name` to restart (InputError for an unknown cluster); the signed document."""
        self.registry._require(name)
        return self._issue(name, RESTART, now or datetime.now(UTC))

    def _issue(self, name: str, kind: str, now: datetime) -> dict[str, Any]:
        document = {"kind": kind, "id": secrets.token_hex(8), "cluster": name, "issued_at": now.isoformat(),
                    "expires_at": (now + VALID).isoformat()}
        data = protocol.canonical(document)
        signature = protocol.sign_bytes(data, self.registry.station_key())
        with self._lock:
            self._db.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                             (name, document["id"], kind, document["issued_at"], document["expires_at"],
                              data.decode("utf-8"), signature))
        return document

    def pending(self, name: str, *, now: datetime | None = None) -> list[dict[str, str]]:
        """The signed orders the cluster has not applied yet and that have not expired, oldest first."""
        moment = (now or datetime.now(UTC)).isoformat()
        with self._lock:
            rows = self._db.execute("SELECT document, signature, expires_at FROM orders WHERE cluster = ? "
                                    "AND done_at IS NULL ORDER BY issued_at", (name,)).fetchall()
        return [{"document": r["document"], "signature": r["signature"]} for r in rows
                if datetime.fromisoformat(r["expires_at"]).isoformat() > moment]

    def acknowledge(self, name: str, ids: Iterable[Any], *, now: datetime | None = None) -> int:
        """Mark the orders the cluster says it applied; how many were newly marked."""
        moment = (now or datetime.now(UTC)).isoformat()
        marked = 0
        with self._lock:
            for order_id in ids:
                cursor = self._db.execute("UPDATE orders SET done_at = ? WHERE cluster = ? AND id = ? "
                                          "AND done_at IS NULL", (moment, name, str(order_id)))
                marked += cursor.rowcount
        return marked

    def signed_control(self, name: str, control: dict[str, Any], *, now: datetime | None = None) -> dict[str, str]:
        """The cluster's remote control (volume, mute, hours) as a document signed now: a receiver applies only a
        control the station signed for it, newer than the last one it took (an old answer replayed is refused)."""
        document = {"kind": CONTROL, "cluster": name, "control": control,
                    "issued_at": (now or datetime.now(UTC)).isoformat()}
        data = protocol.canonical(document)
        return {"document": data.decode("utf-8"), "signature": protocol.sign_bytes(data, self.registry.station_key())}

    def recent(self, name: str, limit: int = 10) -> list[dict[str, Any]]:
        """The cluster's last orders with when each was applied (None: not yet)."""
        rows = self._db.execute("SELECT id, kind, issued_at, done_at FROM orders WHERE cluster = ? "
                                "ORDER BY issued_at DESC LIMIT ?", (name, limit)).fetchall()
        return [dict(r) for r in rows]
