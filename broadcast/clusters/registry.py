"""The station's loudspeaker clusters in SQLite: pairing codes, receivers' keys, revocations, what they sent.

    clusters   one row per cluster: its zone, state (cho-ghep, hoat-dong, thu-hoi), the SHA-256 of
               its one-time pairing code and when that expires, its public key once paired, its
               last heartbeat (JSON) and when it was seen
    nonces     the request nonces seen in the replay window, per cluster
    asrun      the as-run rows a cluster sent, keyed by (cluster, uid): a resend never counts twice

The station's own signing key (Ed25519, PEM, 0600) lives beside it; receivers pin its public key.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broadcast.clusters import protocol
from broadcast.errors import InputError
from broadcast.station.store import open_store

SCHEMA = """
CREATE TABLE IF NOT EXISTS clusters (
    name TEXT PRIMARY KEY, zone TEXT NOT NULL, state TEXT NOT NULL,
    code_sha256 TEXT, code_expires TEXT, public_key TEXT,
    created_at TEXT NOT NULL, paired_at TEXT, revoked_at TEXT,
    last_seen TEXT, heartbeat TEXT
);
CREATE TABLE IF NOT EXISTS nonces (
    cluster TEXT NOT NULL, nonce TEXT NOT NULL, seen_at REAL NOT NULL, PRIMARY KEY (cluster, nonce)
);
CREATE TABLE IF NOT EXISTS asrun (
    cluster TEXT NOT NULL, uid TEXT NOT NULL, row TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (cluster, uid)
);
"""
PENDING, ACTIVE, REVOKED = "cho-ghep", "hoat-dong", "thu-hoi"
STATE_LABELS = {PENDING: "chờ ghép", ACTIVE: "đang dùng", REVOKED: "đã thu hồi"}
CODE_VALID = timedelta(hours=24)
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")


@dataclass(frozen=True)
class Cluster:
    name: str
    zone: str
    state: str
    public_key: str | None
    paired_at: str | None
    last_seen: str | None
    heartbeat: dict[str, Any]


def _now() -> datetime:
    return datetime.now(UTC)


class ClusterRegistry:
    """One station's clusters; every method is one committed transaction (thread-safe)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        self.path = self.folder / "clusters.sqlite"
        self._lock = threading.Lock()
        self._db = open_store(self.path, SCHEMA)
        self._nonce_db = open_store(self.path, "")      # every request's nonce: committed without an fsync
        self._nonce_db.execute("PRAGMA synchronous=NORMAL")
        try:                                      # added after the first clusters were paired
            self._db.execute("ALTER TABLE clusters ADD COLUMN control TEXT")
        except sqlite3.OperationalError:
            pass

    def close(self) -> None:
        self._nonce_db.close()
        self._db.close()

    # -- the station's key

    def station_key(self) -> Ed25519PrivateKey:
        """The station's signing key, made on first use (0600)."""
        path = self.folder / "tram.key"
        with self._lock:
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(protocol.private_pem(Ed25519PrivateKey.generate()))
            return protocol.load_private(path.read_bytes())

    def station_public_key(self) -> str:
        return protocol.public_text(self.station_key().public_key())

    # -- the officer's actions

    def add(self, name: str, zone: str, *, now: datetime | None = None) -> str:
        """Register a cluster for `zone` and return its one-time pairing code (shown once)."""
        if not NAME.fullmatch(name):
            raise InputError(f"tên cụm loa '{name}' không hợp lệ",
                             hint="dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ: thon-dong-1")
        moment = now or _now()
        code = protocol.new_pairing_code()
        with self._lock:
            row = self._db.execute("SELECT state FROM clusters WHERE name = ?", (name,)).fetchone()
            if row is not None and row["state"] != PENDING:
                raise InputError(f"đã có cụm loa '{name}' ({STATE_LABELS[row['state']]})",
                                 hint="chọn tên khác, hoặc xóa cụm cũ bằng 'broadcast clusters remove "
                                      f"{name}' rồi thêm lại")
            self._db.execute(
                "INSERT OR REPLACE INTO clusters (name, zone, state, code_sha256, code_expires, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, zone, PENDING, protocol.code_digest(code), (moment + CODE_VALID).isoformat(),
                 moment.isoformat()))
        return code

    def pair(self, code: str, public_key: str, *, now: datetime | None = None) -> Cluster:
        """Take a receiver's public key for the unexpired code; InputError otherwise (the code is used once)."""
        try:
            protocol.load_public(public_key)
        except ValueError:
            raise InputError("khóa công khai của cụm loa không hợp lệ") from None
        moment = now or _now()
        with self._lock:
            row = self._db.execute("SELECT * FROM clusters WHERE state = ? AND code_sha256 = ?",
                                   (PENDING, protocol.code_digest(code))).fetchone()
            if row is None or datetime.fromisoformat(row["code_expires"]) < moment:
                raise InputError("mã ghép không đúng hoặc đã hết hạn",
                                 hint="trên máy của đài, tạo mã mới bằng 'broadcast clusters add TÊN --zone VÙNG'")
            self._db.execute(
                "UPDATE clusters SET state = ?, public_key = ?, paired_at = ?, code_sha256 = NULL, "
                "code_expires = NULL WHERE name = ?", (ACTIVE, public_key, moment.isoformat(), row["name"]))
        return self.get(row["name"])

    def revoke(self, name: str, *, now: datetime | None = None) -> None:
        self._require(name)
        with self._lock:
            self._db.execute("UPDATE clusters SET state = ?, revoked_at = ?, code_sha256 = NULL WHERE name = ?",
                             (REVOKED, (now or _now()).isoformat(), name))

    def remove(self, name: str) -> None:
        self._require(name)
        with self._lock:
            self._db.execute("DELETE FROM clusters WHERE name = ?", (name,))
            self._db.execute("DELETE FROM nonces WHERE cluster = ?", (name,))

    def set_control(self, name: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Merge the officer's remote settings (volume 0-100, mute, hours 'HH:MM-HH:MM') for a cluster."""
        self._require(name)
        with self._lock:
            row = self._db.execute("SELECT control FROM clusters WHERE name = ?", (name,)).fetchone()
            control = {**(json.loads(row["control"]) if row["control"] else {}), **dict(changes)}
            self._db.execute("UPDATE clusters SET control = ? WHERE name = ?", (json.dumps(control), name))
        return control

    def control(self, name: str) -> dict[str, Any]:
        row = self._db.execute("SELECT control FROM clusters WHERE name = ?", (name,)).fetchone()
        return json.loads(row["control"]) if row and row["control"] else {}

    # -- reading

    def get(self, name: str) -> Cluster | None:
        row = self._db.execute("SELECT * FROM clusters WHERE name = ?", (name,)).fetchone()
        return None if row is None else _cluster(row)

    def all(self) -> list[Cluster]:
        return [_cluster(r) for r in self._db.execute("SELECT * FROM clusters ORDER BY zone, name")]

    def _require(self, name: str) -> Cluster:
        found = self.get(name)
        if found is None:
            known = ", ".join(c.name for c in self.all()) or "chưa có cụm nào"
            raise InputError(f"không có cụm loa '{name}' (các cụm: {known})")
        return found

    # -- what receivers send

    def authenticate(self, headers: Mapping[str, str], method: str, path: str, body: bytes,
                     now: float) -> tuple[Cluster | None, str | None]:
        """(the active cluster that signed this request, None) or (None, why it is refused)."""
        name = headers.get(protocol.HEADER_CLUSTER, "")
        cluster = self.get(name) if NAME.fullmatch(name or "") else None
        if cluster is None or cluster.public_key is None:
            return None, "cụm loa không có trong danh sách của đài"
        if cluster.state != ACTIVE:
            return None, "cụm loa đã bị thu hồi"
        problem = protocol.check_request(headers, protocol.load_public(cluster.public_key), method, path, body, now)
        if problem:
            return None, problem
        nonce = headers.get(protocol.HEADER_NONCE, "")
        with self._lock:          # WAL, synchronous=NORMAL: durable past a crash of the station, not a power cut
            self._nonce_db.execute("DELETE FROM nonces WHERE seen_at < ?", (now - 2 * protocol.MAX_SKEW_S,))
            try:
                self._nonce_db.execute("INSERT INTO nonces VALUES (?, ?, ?)", (name, nonce, now))
            except sqlite3.IntegrityError:
                return None, "yêu cầu bị gửi lại (mã dùng một lần đã dùng)"
        return cluster, None

    def record_heartbeat(self, name: str, heartbeat: Mapping[str, Any], *, now: datetime | None = None) -> None:
        with self._lock:
            self._db.execute("UPDATE clusters SET last_seen = ?, heartbeat = ? WHERE name = ?",
                             ((now or _now()).isoformat(), json.dumps(dict(heartbeat), ensure_ascii=False), name))

    def record_rows(self, name: str, rows: Iterable[Mapping[str, Any]], *, now: datetime | None = None) -> int:
        """Store a cluster's as-run rows; returns how many were new (a resent uid is ignored)."""
        moment = (now or _now()).isoformat()
        added = 0
        with self._lock:
            for row in rows:
                uid = str(row.get("uid", ""))
                if not uid:
                    continue
                cursor = self._db.execute("INSERT OR IGNORE INTO asrun VALUES (?, ?, ?, ?)",
                                          (name, uid, json.dumps(dict(row), ensure_ascii=False), moment))
                added += cursor.rowcount
        return added

    def rows(self, name: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT cluster, row FROM asrun" + (" WHERE cluster = ?" if name else "") + " ORDER BY received_at, uid"
        return [{"cluster": r["cluster"], **json.loads(r["row"])}
                for r in self._db.execute(query, (name,) if name else ())]


def _cluster(row: sqlite3.Row) -> Cluster:
    return Cluster(row["name"], row["zone"], row["state"], row["public_key"], row["paired_at"], row["last_seen"],
                   json.loads(row["heartbeat"]) if row["heartbeat"] else {})


def registry_for(station: Any) -> ClusterRegistry:
    """The registry in the station's state folder (`var/cum-loa/`)."""
    return ClusterRegistry(station.path(station.paths.state) / "cum-loa")
