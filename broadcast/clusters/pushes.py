"""Urgent pushes to the clusters: each announcement (or cancellation) a document signed by the station.

    pushes   seq (the order receivers keep: an older or replayed one is refused), the push's id, kind
             ('khan-cap' or 'huy'), the zones it targets (empty: every zone), when it expires, the
             canonical document and the station's signature over it

The audio is decoded once, here, to a mono 16-bit WAV (`PCM_RATE`; one already mono 16-bit at that rate
or lower, the TTS's, is taken as it is) under `var/cum-loa/day/<id>.wav`;
the document names its SHA-256, size and format, and the receiver fetches it through a signed GET,
checks both and plays the samples as they are (`broadcast.play.pcmfile`: no decoder started on
each of the village's receivers when every second counts). A receiver that reconnects asks for
every push after the last sequence it took and gets those not yet expired.
"""

from __future__ import annotations

import base64
import json
import shutil
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.audio.pcm import decode_to_wav
from broadcast.clusters import protocol
from broadcast.clusters.registry import ClusterRegistry
from broadcast.digest import file_sha256
from broadcast.errors import InputError
from broadcast.play import SystemClock
from broadcast.play.pcmfile import wav_format
from broadcast.play.spool import announcement_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS pushes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, kind TEXT NOT NULL, zones TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, document TEXT, signature TEXT
);
"""
URGENT, CANCEL = "khan-cap", "huy"
VALID = timedelta(minutes=30)        # an urgent notice older than this is not played by a receiver coming back
AUDIO_FOLDER = "day"
POLICY_RESUME = "tiep-tuc"           # the interrupted programme resumes where it stopped
PCM_RATE = 24000                     # the urgent audio as receivers play it: mono 16-bit WAV, at most 48 kB a second


class Pushes:
    """The station's pushes, in the clusters' database."""

    def __init__(self, registry: ClusterRegistry) -> None:
        self.registry = registry
        self._db, self._lock = registry._db, registry._lock
        self._db.executescript(SCHEMA)
        self.audio_dir = registry.folder / AUDIO_FOLDER
        self._inlined: dict[str, str] = {}
        self._inline_lock = threading.Lock()

    def _record(self, fields: dict[str, Any], zones: list[str], now: datetime, expires: datetime) -> dict[str, Any]:
        key = self.registry.station_key()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")          # one commit: a push is never seen unsigned
            try:
                cursor = self._db.execute(
                    "INSERT INTO pushes (id, kind, zones, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    (fields["id"], fields["kind"], json.dumps(zones), now.isoformat(), expires.isoformat()))
                seq = int(cursor.lastrowid)
                document = {**fields, "seq": seq, "zones": zones, "created_at": now.isoformat(),
                            "expires_at": expires.isoformat()}
                data = protocol.canonical(document)
                self._db.execute("UPDATE pushes SET document = ?, signature = ? WHERE seq = ?",
                                 (data.decode("utf-8"), protocol.sign_bytes(data, key), seq))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return document

    def urgent(self, audio: Path, meta: Mapping[str, Any], *, now: datetime | None = None,
               valid: timedelta = VALID) -> dict[str, Any]:
        """Record an urgent announcement for the clusters of its zones (meta: id, title, zones, duration_s)."""
        moment = now or datetime.now(UTC)
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        name = f"{meta['id']}.wav"
        target = self.audio_dir / name
        rate, channels = wav_format(audio) or (0, 0)
        if channels == 1 and 0 < rate <= PCM_RATE:          # a mono 16-bit WAV (the TTS's) is sent as it is
            part = target.with_name(f".{name}.part")
            shutil.copyfile(audio, part)
            part.replace(target)
        else:                                                # else decoded once here, not on every receiver
            decode_to_wav(Path(audio), target, PCM_RATE)
            rate, channels = PCM_RATE, 1
        fields = {"kind": URGENT, "id": str(meta["id"]), "title": str(meta.get("title") or meta["id"]),
                  "audio": name, "sha256": file_sha256(target), "bytes": target.stat().st_size,
                  "format": {"codec": "pcm_s16le", "rate": rate, "channels": channels},
                  "duration_s": meta.get("duration_s"), "policy": POLICY_RESUME}
        return self._record(fields, [str(z) for z in meta.get("zones") or []], moment, moment + valid)

    def cancel(self, push_id: str, *, now: datetime | None = None) -> dict[str, Any]:
        """Record the cancellation of an urgent push (same zones, same expiry); InputError for an unknown id."""
        row = self._db.execute("SELECT zones, expires_at FROM pushes WHERE id = ? AND kind = ? ORDER BY seq DESC",
                               (push_id, URGENT)).fetchone()
        if row is None:
            known = [r["id"] for r in self._db.execute(
                "SELECT id FROM pushes WHERE kind = ? ORDER BY seq DESC LIMIT 5", (URGENT,))]
            raise InputError(f"không có thông báo khẩn '{push_id}'",
                             hint=f"các thông báo gần nhất: {', '.join(known) or 'chưa có'}")
        moment = now or datetime.now(UTC)
        expires = max(datetime.fromisoformat(row["expires_at"]), moment + timedelta(minutes=1))
        return self._record({"kind": CANCEL, "id": push_id}, json.loads(row["zones"]), moment, expires)

    def after(self, zone: str, seq: int, *, now: datetime | None = None, inline_bytes: int = 0) -> list[dict[str, str]]:
        """The signed pushes for `zone` after `seq`, not yet expired, oldest first; an urgent's audio rides along
        (`audio_b64`) while the answer's audio stays within `inline_bytes`: one request less on its way to the air."""
        moment = now or datetime.now(UTC)
        found = []
        with self._lock:
            rows = self._db.execute("SELECT kind, zones, document, signature, expires_at FROM pushes "
                                    "WHERE seq > ? AND document IS NOT NULL ORDER BY seq", (seq,)).fetchall()
        for row in rows:
            zones = json.loads(row["zones"])
            if (not zones or zone in zones) and datetime.fromisoformat(row["expires_at"]) > moment:
                found.append({"document": row["document"], "signature": row["signature"]})
                if row["kind"] == URGENT and inline_bytes > 0:
                    document = json.loads(row["document"])
                    size = int(document.get("bytes") or 0)
                    if 0 < size <= inline_bytes and (inline := self._inline(str(document.get("audio")))):
                        found[-1]["audio_b64"] = inline
                        inline_bytes -= size
        return found

    def _inline(self, name: str) -> str | None:
        """An urgent's audio as base64, read once (the last few kept: every receiver gets the same)."""
        with self._inline_lock:         # every waiting poll's thread asks at once
            if name not in self._inlined:
                try:
                    self._inlined[name] = base64.b64encode((self.audio_dir / name).read_bytes()).decode("ascii")
                except OSError:
                    return None
                while len(self._inlined) > 4:
                    self._inlined.pop(next(iter(self._inlined)))
            return self._inlined[name]

    def last_signed_seq(self) -> int:
        """The newest push receivers can be given (recorded and signed)."""
        with self._lock:
            row = self._db.execute("SELECT seq FROM pushes WHERE document IS NOT NULL ORDER BY seq DESC LIMIT 1").fetchone()
        return int(row[0]) if row else 0

    def last_seq(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM pushes").fetchone()[0])

    def audio_for(self, zone: str, name: str) -> Path | None:
        """The audio file `name` when an urgent push for `zone` names it (else None)."""
        with self._lock:
            rows = self._db.execute("SELECT zones, document FROM pushes WHERE kind = ? AND document IS NOT NULL",
                                    (URGENT,)).fetchall()
        for row in rows:
            zones = json.loads(row["zones"])
            if (not zones or zone in zones) and json.loads(row["document"]).get("audio") == name:
                path = self.audio_dir / name
                return path if path.is_file() else None
        return None

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        return [json.loads(r["document"]) for r in self._db.execute(
            "SELECT document FROM pushes WHERE document IS NOT NULL ORDER BY seq DESC LIMIT ?", (limit,))]


def push_announcement(state_dir: Path, audio: Path, meta: dict[str, Any], *,
                      now: datetime | None = None) -> dict[str, Any] | None:
    """The station's hook: an urgent announcement also goes to the clusters (when the station has any).

    `meta` gets its `id` here when it has none, so the spool and the clusters name it alike; its date
    and time are `now` on the station's clock (Vietnam's time, whatever the host's zone).
    """
    folder = Path(state_dir) / "cum-loa"
    if str(meta.get("priority")) != URGENT or not (folder / "clusters.sqlite").is_file():
        return None
    meta.setdefault("id", announcement_id(now or SystemClock().now()))
    registry = ClusterRegistry(folder)
    try:
        return Pushes(registry).urgent(audio, meta)
    finally:
        registry.close()
