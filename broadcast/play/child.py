"""Player processes that die with their parent, and the PID files that let a restart end a leftover one.

A plain `subprocess.Popen` child outlives a Python parent killed with SIGKILL: the ffmpeg
player plays on and a restarted daemon plays the same programme on top of it. So:

- Linux: the child asks the kernel for SIGKILL when its parent dies (`prctl(PR_SET_PDEATHSIG)`
  through ctypes in `preexec_fn`). The kernel's "parent" is the *thread* that forked, so every
  player is spawned from one long-lived spawner thread, never from a short-lived watcher thread.
- Windows: every child is put in one Job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; the
  handle closes when the parent dies, and the system ends the job's processes.
- Everywhere: one PID file per running player in `var/player/` (`<pid>.pid`: the child's start
  time, the owner's pid and start time). `end_leftovers()` at start ends a player whose owner is
  gone, and only when the process start time still matches: a reused PID is never killed.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
_spawner: _Spawner | None = None
_spawner_lock = threading.Lock()


# --- dying with the parent -----------------------------------------------------------------------

def _linux_preexec() -> Callable[[], None] | None:
    """A preexec_fn arming PR_SET_PDEATHSIG, resolved in the parent (the child only calls it)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:      # the parent died between fork and prctl
            os._exit(1)

    return arm


class _WindowsJob:
    """One Job object for the process's lifetime: closing it (the parent dying) ends its children."""

    def __init__(self) -> None:
        from ctypes import wintypes  # noqa: PLC0415 - Windows only

        class IoCounters(ctypes.Structure):
            _fields_ = [(n, ctypes.c_ulonglong) for n in ("r", "w", "o", "rb", "wb", "ob")]

        class BasicLimits(ctypes.Structure):
            _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                        ("LimitFlags", wintypes.DWORD), ("MinimumWorkingSetSize", ctypes.c_size_t),
                        ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", wintypes.DWORD),
                        ("Affinity", ctypes.c_size_t), ("PriorityClass", wintypes.DWORD),
                        ("SchedulingClass", wintypes.DWORD)]

        class ExtendedLimits(ctypes.Structure):
            _fields_ = [("BasicLimitInformation", BasicLimits), ("IoInfo", IoCounters),
                        ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                        ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        self._kernel32 = kernel32
        self.handle = kernel32.CreateJobObjectW(None, None)
        if not self.handle:
            raise OSError(ctypes.get_last_error(), "CreateJobObjectW")
        info = ExtendedLimits()
        info.BasicLimitInformation.LimitFlags = 0x2000       # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        if not kernel32.SetInformationJobObject(self.handle, 9, ctypes.byref(info), ctypes.sizeof(info)):
            raise OSError(ctypes.get_last_error(), "SetInformationJobObject")

    def assign(self, proc: subprocess.Popen) -> None:
        handle = int(getattr(proc, "_handle", 0))
        if handle and not self._kernel32.AssignProcessToJobObject(self.handle, handle):
            raise OSError(ctypes.get_last_error(), "AssignProcessToJobObject")


class _Spawner:
    """The one thread that starts players, so the kernel's parent of each is a thread that lives on."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._preexec = _linux_preexec() if sys.platform.startswith("linux") else None
        self._job = None
        if sys.platform == "win32":
            try:
                self._job = _WindowsJob()
            except OSError:
                self._job = None
        threading.Thread(target=self._run, daemon=True, name="player-spawner").start()

    def _run(self) -> None:
        while True:
            args, kwargs, reply = self._jobs.get()
            try:
                reply.put((self._spawn(args, kwargs), None))
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                reply.put((None, exc))

    def _spawn(self, args: list[str], kwargs: dict[str, Any]) -> subprocess.Popen:
        if self._preexec is not None:
            kwargs["preexec_fn"] = self._preexec
        proc = subprocess.Popen(args, **kwargs)
        if self._job is not None:
            try:
                self._job.assign(proc)
            except OSError:
                pass          # the PID file still lets the next start end it
        return proc

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen:
        reply: queue.Queue = queue.Queue(maxsize=1)
        self._jobs.put((list(args), kwargs, reply))
        proc, exc = reply.get()
        if exc is not None:
            raise exc
        return proc


def warm() -> _Spawner:
    """The spawner thread, started now if it is not running yet (a prepared play starts it before its slot)."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = _Spawner()
        return _spawner


def popen(args: list[str], **kwargs: Any) -> subprocess.Popen:
    """`subprocess.Popen` for a player: the child ends when this process ends, however it ends."""
    return warm().popen(args, **kwargs)


# --- PID files -----------------------------------------------------------------------------------

def start_time(pid: int) -> str | None:
    """The process start time (clock ticks since boot, /proc/PID/stat field 22); None if gone or unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


class PidFiles:
    """`var/player/<pid>.pid` for every player this process runs; see the module docstring."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def add(self, pid: int) -> None:
        started = start_time(pid)
        if started is None:
            return            # gone already, or no /proc (Windows: the Job object covers it)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        owner = os.getpid()
        tmp = self.folder / f".{pid}.pid.tmp"
        tmp.write_text(f"{started} {owner} {start_time(owner) or ''}\n", encoding="ascii")
        os.replace(tmp, self.folder / f"{pid}.pid")

    def remove(self, pid: int) -> None:
        (self.folder / f"{pid}.pid").unlink(missing_ok=True)

    def end_leftovers(self, *, kill: Callable[[int], None] | None = None) -> list[int]:
        """End players left by a dead owner (start time checked); return the pids ended."""
        ended = []
        kill = kill or _kill
        for path in sorted(self.folder.glob("*.pid")) if self.folder.is_dir() else []:
            try:
                pid = int(path.stem)
                child_start, owner, *rest = path.read_text(encoding="ascii").split()
                owner_start = rest[0] if rest else None
            except (OSError, ValueError):
                path.unlink(missing_ok=True)
                continue
            if owner_start and start_time(int(owner)) == owner_start:
                continue       # its owner is alive (a manual play beside the daemon): not ours to end
            if start_time(pid) == child_start:
                kill(pid)
                ended.append(pid)
            path.unlink(missing_ok=True)       # gone, reused by another program, or ended now
        return ended


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
    except OSError:
        pass
