"""Urgent hand-over: `broadcast announce` drops rendered audio in a spool folder a running daemon watches.

The folder (owner-only, 0700) holds `daemon.lock`, locked by the running daemon for its whole
life, and three subfolders:

    incoming/    <id>.mp3 then <id>.json (each written to a temporary name, then renamed:
                 the .json appears last and is the signal)
    processing/  claimed by the daemon; left here if it dies before the play ends, and
                 picked up again at its next start
    done/        played, refused or interrupted for good

`submit()` returns False when no daemon holds the lock; the caller then plays directly.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from broadcast.errors import PlayoutError
from broadcast.play import SystemClock
from broadcast.publish.staging import try_lock

LOCK_NAME = "daemon.lock"
INCOMING, PROCESSING, DONE = "incoming", "processing", "done"


def announcement_id(now: datetime) -> str:
    """'2026-12-01-dot-xuat-143005-9f2c': the date of the airing, the time, a random tail."""
    return f"{now:%Y-%m-%d}-dot-xuat-{now:%H%M%S}-{secrets.token_hex(2)}"


def prepare(spool_dir: Path) -> Path:
    """Create the spool folders, readable and writable by the station's user only."""
    spool_dir = Path(spool_dir)
    for sub in ("", INCOMING, PROCESSING, DONE):
        folder = spool_dir / sub
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(folder, 0o700)
    return spool_dir


# --- the daemon's lock -------------------------------------------------------------------------

class DaemonLock:
    """Held by the running daemon: proves it is alive (a pid file alone can name a reused pid)."""

    def __init__(self, spool_dir: Path) -> None:
        self.path = prepare(spool_dir) / LOCK_NAME
        self._handle: IO[bytes] | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a+b")
        if not try_lock(handle):
            handle.close()
            pid = _read_pid(self.path)
            raise PlayoutError(f"Đã có một tiến trình phát đang chạy{f' (pid {pid})' if pid else ''}.",
                               hint="Dừng nó trước (systemctl stop broadcast) hoặc dùng 'broadcast announce' "
                                    "để gửi thông báo cho nó")
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()     # closing drops the lock
            self._handle = None

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None


def daemon_alive(spool_dir: Path) -> bool:
    """Is a daemon holding the spool's lock right now?"""
    path = Path(spool_dir) / LOCK_NAME
    if not path.exists():
        return False
    with open(path, "a+b") as handle:
        return not try_lock(handle)      # closing the handle releases a lock we just took


# --- the sender's side -------------------------------------------------------------------------

def _write_atomic(target: Path, write: Any) -> None:
    part = target.with_name(f".{target.name}.part")
    try:
        write(part)
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def submit(spool_dir: Path, audio_path: Path, meta: Mapping[str, Any], *, now: datetime | None = None) -> bool:
    """Hand an announcement to the running daemon; False (and nothing written) when none runs.

    `meta`: title, priority ('khan-cap' interrupts at once), template, values, tags, repeat,
    duration_s, text, zones (the zones that hear it; absent: every zone). `id` and
    `submitted_at` are added when absent.
    """
    spool_dir = Path(spool_dir)
    if not daemon_alive(spool_dir):
        return False
    audio_path = Path(audio_path)
    if not audio_path.is_file():
        raise PlayoutError(f"không có tệp âm thanh {audio_path}")
    prepare(spool_dir)
    now = now or SystemClock().now()           # the station's clock: the id's date is the airing's date there
    meta = dict(meta)
    meta.setdefault("submitted_at", now.isoformat(timespec="seconds"))
    meta.setdefault("id", announcement_id(now))
    audio_name = f"{meta['id']}{audio_path.suffix or '.audio'}"
    meta["audio"] = audio_name
    incoming = spool_dir / INCOMING
    _write_atomic(incoming / audio_name, lambda part: shutil.copyfile(audio_path, part))
    _write_atomic(incoming / f"{meta['id']}.json",
                  lambda part: part.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"))
    return True


# --- the daemon's side -------------------------------------------------------------------------

@dataclass(frozen=True)
class SpoolEntry:
    meta: dict[str, Any]
    audio: Path
    meta_path: Path


class Spool:
    """The daemon's view: claim new announcements, and file them away once settled."""

    def __init__(self, spool_dir: Path) -> None:
        self.dir = prepare(spool_dir)

    def claim(self, *, include_processing: bool = False) -> tuple[list[SpoolEntry], list[str]]:
        """Move new announcements to processing/ and return them (oldest first), with problems found.

        `include_processing` also returns those a previous daemon claimed but never settled.
        """
        entries, problems = [], []
        if include_processing:
            for meta_path in sorted((self.dir / PROCESSING).glob("*.json")):
                self._load(meta_path, entries, problems)
        for meta_path in sorted((self.dir / INCOMING).glob("*.json")):
            claimed = self.dir / PROCESSING / meta_path.name
            try:
                os.replace(meta_path, claimed)
            except FileNotFoundError:
                continue
            self._load(claimed, entries, problems)
        return entries, problems

    def _load(self, meta_path: Path, entries: list[SpoolEntry], problems: list[str]) -> None:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            audio_name = meta["audio"]
            for key in ("id", "submitted_at"):
                meta[key]  # noqa: B018 - required keys
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{meta_path.name}: tệp thông tin hỏng ({exc})")
            os.replace(meta_path, self.dir / DONE / (meta_path.name + ".hong"))
            return
        audio = meta_path.parent / audio_name
        if meta_path.parent.name == PROCESSING and not audio.exists():
            incoming_audio = self.dir / INCOMING / audio_name
            if incoming_audio.exists():
                os.replace(incoming_audio, audio)
        entries.append(SpoolEntry(meta, audio, meta_path))

    def done(self, entry: SpoolEntry) -> None:
        """File a settled announcement (and its audio) under done/."""
        for path in (entry.audio, entry.meta_path):
            if path.exists():
                os.replace(path, self.dir / DONE / path.name)
