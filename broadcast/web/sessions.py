"""Console sessions held on the server (`var/web.sqlite`): a cookie only names one, logout revokes it.

The signed cookie carries a random session id; the table keeps its SHA-256 (a copy of the
database opens no session), the account and when it began. A request is signed in only while
its row exists, so "Đăng xuất" ends that browser's session at once, even for a copy of the
cookie taken before; "Đăng xuất mọi nơi" (and removing an account) ends all of an account's
sessions. The account's epoch (bumped by a password or role change) is checked as well.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from broadcast.web.audit import AUDIT_DB

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    started TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
"""


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


class Sessions:
    """The live sessions of one station's console; one connection per call (handlers run in threads)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / AUDIT_DB
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
        db.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def open(self, user: str, now: datetime, max_age: timedelta) -> str:
        """A new session for `user`: its id (for the signed cookie). Expired rows are swept here."""
        sid = secrets.token_urlsafe(32)
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE started < ?", ((now - max_age).isoformat(),))
            db.execute("INSERT INTO sessions (digest, user, started) VALUES (?, ?, ?)",
                       (_digest(sid), user, now.isoformat()))
        db.close()
        return sid

    def valid(self, sid: object, user: str, now: datetime, max_age: timedelta) -> bool:
        """True while the session exists, belongs to `user` and began within `max_age` of `now`."""
        if not isinstance(sid, str) or not sid:
            return False
        with self._connect() as db:
            row = db.execute("SELECT user, started FROM sessions WHERE digest = ?", (_digest(sid),)).fetchone()
        db.close()
        if row is None or row[0] != user:
            return False
        try:
            started = datetime.fromisoformat(row[1])
        except ValueError:
            return False
        return timedelta(0) <= now - started <= max_age

    def close(self, sid: object) -> None:
        """End one session (logout)."""
        if isinstance(sid, str) and sid:
            with self._connect() as db:
                db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(sid),))
            db.close()

    def close_all(self, user: str) -> int:
        """End every session of `user` ("đăng xuất mọi nơi", an account removed); how many ended."""
        with self._connect() as db:
            count = db.execute("DELETE FROM sessions WHERE user = ?", (user,)).rowcount
        db.close()
        return count

    def count(self, user: str) -> int:
        with self._connect() as db:
            (n,) = db.execute("SELECT count(*) FROM sessions WHERE user = ?", (user,)).fetchone()
        db.close()
        return n
