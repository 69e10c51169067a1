"""The province's signed documents in SQLite (`tinh.sqlite`): one sequence for every bulletin and cancellation.

    documents(seq INTEGER PRIMARY KEY,   -- 1, 2, 3 ... never reused (the commune refuses a lower one)
              id TEXT UNIQUE, type TEXT ('bulletin' | 'cancel'), level TEXT, title TEXT,
              target TEXT (the cancelled or replaced id), envelope TEXT (the signed JSON), added_at TEXT)

A number is taken and the document signed inside one `BEGIN IMMEDIATE` transaction, so two
`bulletin add` run at once (or `add` beside a running server) never share a number. A recording
a bulletin carries is copied beside the database under `ghi-am/<sha256>` for the server to hand out.
The same file holds the communes' reports (`reportstore`).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.errors import InputError
from broadcast.province.bulletins.document import SHA256, problems
from broadcast.province.bulletins.envelope import seal
from broadcast.station.store import open_store

RECORDINGS = "ghi-am"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, level TEXT, title TEXT,
    target TEXT, envelope TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_target ON documents(target);
"""


class Registry:
    """The signed documents of one province, safe to share between the server's threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = open_store(self.path, _SCHEMA)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing

    def add(self, document: Mapping[str, Any], key: Any, *, now: datetime, province: str = "",
            recording: Path | None = None) -> dict[str, Any]:
        """Number, sign and store a bulletin; returns the signed document. InputError on a conflict."""
        document = dict(document)
        with self.lock, _immediate(self.db):
            if self.db.execute("SELECT 1 FROM documents WHERE id = ?", (document["id"],)).fetchone():
                raise InputError(f"đã có bản tin mã '{document['id']}'",
                                 hint="mỗi bản tin một mã; bản cập nhật dùng mã mới và 'replaces: "
                                      f"{document['id']}'")
            replaced = document.get("replaces")
            if replaced:
                row = self._bulletin(replaced)
                if row is None:
                    raise InputError(f"không có bản tin '{replaced}' để thay ('replaces')",
                                     hint="xem mã các bản tin bằng 'broadcast province bulletin list'")
            document["seq"] = self._next_seq()
            document["province"] = document.get("province") or province
            found = problems(document)
            if found:
                raise InputError(f"bản tin chưa hợp lệ: {found[0]}")
            if recording is not None:
                self._keep_recording(recording, document["content"]["recording"]["sha256"])
            envelope = seal(document, key)
            self.db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (document["seq"], document["id"], "bulletin", document["level"], document["title"],
                             replaced, json.dumps(envelope, ensure_ascii=False), now.isoformat()))
        return document

    def cancel(self, bulletin_id: str, key: Any, *, now: datetime, reason: str = "") -> dict[str, Any]:
        """Number, sign and store the cancellation of `bulletin_id`."""
        with self.lock, _immediate(self.db):
            if self._bulletin(bulletin_id) is None:
                raise InputError(f"không có bản tin '{bulletin_id}'",
                                 hint="xem mã các bản tin bằng 'broadcast province bulletin list'")
            if self.db.execute("SELECT 1 FROM documents WHERE type = 'cancel' AND target = ?",
                               (bulletin_id,)).fetchone():
                raise InputError(f"bản tin '{bulletin_id}' đã bị hủy trước đó")
            seq = self._next_seq()
            document = {"type": "cancel", "id": f"huy-{seq}-{bulletin_id}"[:80].rstrip("-"), "seq": seq,
                        "cancels": bulletin_id, "issued": now.isoformat(timespec="seconds"), "reason": reason}
            envelope = seal(document, key)
            self.db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (seq, document["id"], "cancel", None, reason, bulletin_id,
                             json.dumps(envelope, ensure_ascii=False), now.isoformat()))
        return document

    # -- reading

    def after(self, seq: int, limit: int = 200) -> list[dict[str, Any]]:
        """Signed envelopes with a number above `seq`, oldest first, each with its `seq` beside it."""
        with self.lock:
            rows = self.db.execute("SELECT seq, envelope FROM documents WHERE seq > ? ORDER BY seq LIMIT ?",
                                   (seq, limit)).fetchall()
        return [{**json.loads(row["envelope"]), "seq": row["seq"]} for row in rows]

    def last_seq(self) -> int:
        with self.lock:
            return self.db.execute("SELECT coalesce(max(seq), 0) FROM documents").fetchone()[0]

    def listing(self) -> list[dict[str, Any]]:
        """Every bulletin with its number, level, title, validity, targets, zones, what it replaces and
        whether it was cancelled or replaced ('đã hủy', 'đã thay' or '')."""
        with self.lock:
            rows = self.db.execute("SELECT d.seq, d.id, d.level, d.title, d.envelope, "
                                   "(SELECT c.type FROM documents c WHERE c.target = d.id "
                                   " ORDER BY c.seq LIMIT 1) AS ended "
                                   "FROM documents d WHERE d.type = 'bulletin' ORDER BY d.seq").fetchall()
        out = []
        for row in rows:
            document = json.loads(json.loads(row["envelope"])["document"])
            out.append({"seq": row["seq"], "id": row["id"], "level": row["level"], "title": row["title"],
                        "issued": document["issued"], "valid_from": document["valid_from"],
                        "expires": document["expires"], "targets": document["targets"],
                        "zones": document.get("zones", []), "replaces": document.get("replaces"),
                        "repeat_every_minutes": document.get("repeat_every_minutes"),
                        "ended": {"cancel": "đã hủy", "bulletin": "đã thay"}.get(row["ended"] or "", "")})
        return out

    def document(self, bulletin_id: str) -> dict[str, Any] | None:
        """The signed bulletin `bulletin_id` as sent (with its `seq`), or None."""
        with self.lock:
            row = self._bulletin(bulletin_id)
        return {**json.loads(json.loads(row["envelope"])["document"]), "seq": row["seq"]} if row else None

    def taken(self, document_id: str) -> bool:
        """Is this id used by a bulletin or a cancellation already (an id is never used twice)?"""
        with self.lock:
            return self.db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is not None

    def recording_path(self, sha256: str) -> Path | None:
        if not SHA256.fullmatch(sha256):
            return None
        path = self.path.parent / RECORDINGS / sha256
        return path if path.is_file() else None

    # -- inside

    def _next_seq(self) -> int:
        return self.db.execute("SELECT coalesce(max(seq), 0) + 1 FROM documents").fetchone()[0]

    def _bulletin(self, bulletin_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE id = ? AND type = 'bulletin'",
                               (bulletin_id,)).fetchone()

    def _keep_recording(self, source: Path, sha256: str) -> None:
        folder = self.path.parent / RECORDINGS
        folder.mkdir(exist_ok=True)
        target = folder / sha256
        if not target.is_file():
            part = folder / f".{sha256}.part"
            shutil.copyfile(source, part)
            part.replace(target)


class _immediate:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an exception): one writer takes the next number."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
