"""Build staging folders: each held by a lock while its build runs, so the next build sweeps only dead ones.

A build writes its day in `audio_out/.staging-D-XXXX/` and swaps it in at the end. A build
killed mid-way used to leave that folder forever (hundreds of MB after a few kills). Now the
build first creates and locks `.staging-D-XXXX.lock` (flock / msvcrt), then the folder; the
lock lives as long as the build process. `sweep_stale()` (at every build and at daemon start)
removes a staging folder whose lock it can take (its build is dead) or that has no lock file
(left by an older version); a running build's folder is never touched.

Published days follow the umask: `publishable()` gives every file and folder of a staged day the
mode the umask allows (0644/0755 under 0022), where temporary-file helpers made them 0600/0700.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

PREFIX = ".staging-"
_umask_lock = threading.Lock()


def try_lock(handle: IO[bytes]) -> bool:
    """Take an exclusive lock on an open file without waiting; False when another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


class StagingFolder:
    """A new, locked staging folder for `day` in `audio_out`; `release()` drops the lock and its file."""

    def __init__(self, audio_out: Path, day_name: str) -> None:
        fd, lock = tempfile.mkstemp(prefix=f"{PREFIX}{day_name}-", suffix=".lock", dir=audio_out)
        self.lock_path = Path(lock)
        self._handle: IO[bytes] | None = os.fdopen(fd, "r+b")
        try_lock(self._handle)            # just created by us: nobody else can hold it
        self.path = self.lock_path.with_suffix("")
        self.path.mkdir()                 # after the lock: a folder never exists unlocked while building

    def release(self) -> None:
        if self._handle is not None:
            self.lock_path.unlink(missing_ok=True)
            self._handle.close()
            self._handle = None


def sweep_stale(audio_out: Path) -> list[Path]:
    """Remove staging folders (and lock files) of builds that are no longer running; the folders removed."""
    audio_out = Path(audio_out)
    if not audio_out.is_dir():
        return []
    removed = []
    for folder in sorted(audio_out.glob(f"{PREFIX}*")):
        if not folder.is_dir():
            continue
        lock = folder.with_name(folder.name + ".lock")
        try:
            handle = open(lock, "r+b")
        except FileNotFoundError:
            handle = None             # an older version's folder, or its lock already gone
        except OSError:
            continue
        try:
            if handle is not None and not try_lock(handle):
                continue              # its build is running
            shutil.rmtree(folder, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(folder)
        finally:
            if handle is not None:
                handle.close()
    for lock in audio_out.glob(f"{PREFIX}*.lock"):      # a build killed between its lock and its folder
        if not lock.with_suffix("").exists():
            with open(lock, "r+b") as handle:
                if try_lock(handle):
                    lock.unlink(missing_ok=True)
    return removed


def current_umask() -> int:
    """The process umask, read without changing it where /proc allows (else set and restored at once)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def publishable(folder: Path) -> None:
    """Give a staged day the modes the umask allows: files 0666 & ~umask, folders 0777 & ~umask."""
    if os.name != "posix":
        return
    mask = current_umask()
    for root, dirs, files in os.walk(folder):
        for name in files:
            os.chmod(os.path.join(root, name), 0o666 & ~mask)
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o777 & ~mask)
    os.chmod(folder, 0o777 & ~mask)
