"""Real-time help for the gated player: what scheduling it may have, memory locked, and a precise wait to the slot.

What real audio software does, within what the system permits (root, CAP_SYS_NICE, or
RLIMIT_RTPRIO from systemd's `LimitRTPRIO=`):

- `Realtime.probe()` at the player's start finds what it may have: SCHED_RR at `PRIORITY`
  (modest: PulseAudio's clients get 5–10, JACK 70+), else a negative nice, else nothing. It
  changes nothing yet: the decode, the pre-fill and the wait stay ordinary work.
- `lock_memory()` locks the process's pages mapped when it is ready (mlockall MCL_CURRENT) and
  `prefault()` touches every page of the pre-filled audio: the first write takes no page fault.
- `enter()` when the player is ready: its main thread goes real-time (SCHED_RR) for the final
  wait (on the gate, then to the slot) and the first writes; `leave()` after them. Bounded:
  RLIMIT_RTTIME gives a real-time thread `RTTIME_SOFT_S` of CPU without blocking before SIGXCPU,
  which puts it back to normal scheduling for good, and `RTTIME_HARD_S` before the kernel kills
  it, so a player that loops can never take a core from the machine.
- `wait_until(unix)` sleeps to `SPIN_S` before the time, then spins to it.

`describe()` is the one Vietnamese line the player says (the daemon's log keeps it once).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import threading
import time

PRIORITY = 10                   # SCHED_RR priority: above every normal process, below the kernel's and JACK's
NICE = -10                      # the fallback: a negative nice when real-time is not permitted
SPIN_S = 0.002                  # the last 2 ms before the slot are spun (a sleep's wake-up can be late by more)
RTTIME_SOFT_S = 0.5             # CPU a real-time thread may use without blocking before it is made normal again
RTTIME_HARD_S = 2.0             # ... and before the kernel ends it
MCL_CURRENT = 1
MCL_ONFAULT = 4


class Realtime:
    """What this process may have and has; see the module docstring."""

    def __init__(self) -> None:
        self.policy = "normal"          # 'rr' | 'nice' | 'normal': what `enter()` will give
        self.locked = "không"           # 'toàn bộ' (every page mapped when ready) | 'không'
        self.active = False
        self.demoted = False
        self._threads: set[int] = set()
        self._nice = os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0
        self._lock = threading.Lock()

    def probe(self) -> str:
        """Find what `enter()` may give (a short test of SCHED_RR on this thread, undone at once)."""
        if not hasattr(os, "sched_setscheduler"):
            return self.policy
        try:
            _limit_rttime()
            os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(PRIORITY))
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
            self.policy = "rr"
        except (OSError, ValueError):
            try:
                os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0))    # a harmless probe first
                current = os.getpriority(os.PRIO_PROCESS, 0)
                os.setpriority(os.PRIO_PROCESS, 0, min(current, NICE))
                os.setpriority(os.PRIO_PROCESS, 0, current)
                self.policy = "nice"
            except OSError:
                self.policy = "normal"
        if self.policy == "rr":
            signal.signal(signal.SIGXCPU, lambda *_: self.leave(demoted=True))     # the watchdog: see above
        return self.policy

    def lock_memory(self, *, touched: bool = False) -> str:
        """mlockall(MCL_CURRENT): every page mapped now (the code, the pre-filled audio); what was obtained.

        Not MCL_FUTURE: every later allocation of the decoding loop then faults and locks its pages at
        once, and under load that made each play seconds late (measured with the first-audio bench).
        `touched` (a cluster's small computer): MCL_ONFAULT too, only the pages already in memory are
        locked (the code run so far, the pre-filled audio) and nothing else is read in: locking every
        page mapped made a player 12 MB larger (28 MB instead of 16).
        """
        libc = _libc()
        if libc is None:
            return self.locked
        if libc.mlockall(MCL_CURRENT | (MCL_ONFAULT if touched else 0)) == 0:
            self.locked = "phần đang dùng" if touched else "toàn bộ"
        return self.locked

    def enter(self, tids: list[int] | None = None) -> None:
        """This thread and `tids` (the sinks' feeders, their own processes) go real-time (or nicer)."""
        with self._lock:
            if self.demoted:
                return
            self.active = True
            for tid in [threading.get_native_id(), *(tids or [])]:
                if self._raise(tid):
                    self._threads.add(tid)

    def leave(self, tids: list[int] | None = None, *, demoted: bool = False) -> None:
        """`tids` (all: None) back to normal scheduling (after the writes, or on SIGXCPU: never to come back)."""
        self.demoted = self.demoted or demoted
        chosen = list(self._threads) if tids is None else [t for t in tids if t in self._threads]
        for tid in chosen:
            try:
                if self.policy == "rr":
                    os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
                else:
                    os.setpriority(os.PRIO_PROCESS, tid, self._nice)      # the nice it had before
            except OSError:
                pass             # a thread or process that ended
            self._threads.discard(tid)
        self.active = bool(self._threads)

    def _raise(self, tid: int) -> bool:
        try:
            if self.policy == "rr":
                os.sched_setscheduler(tid, os.SCHED_RR, os.sched_param(PRIORITY))
                if tid != threading.get_native_id():
                    _limit_rttime(tid)
                return True
            if self.policy == "nice":
                os.setpriority(os.PRIO_PROCESS, tid, min(NICE, self._nice))
                return True
        except (OSError, ValueError):
            pass
        return False

    def describe(self) -> str:
        """One Vietnamese line: what the player obtained."""
        what = {"rr": f"ưu tiên thời gian thực SCHED_RR mức {PRIORITY}",
                "nice": f"không được ưu tiên thời gian thực, dùng nice {NICE}",
                "normal": "không được ưu tiên thời gian thực hay nice âm (chạy như tiến trình thường)"}[self.policy]
        return f"Trình phát: {what}; khoá bộ nhớ: {self.locked}"


def prefault(data: bytes | bytearray) -> int:
    """Touch every page of `data` (the pre-filled audio) so the first write takes no page fault."""
    view = memoryview(data)
    return sum(view[::4096]) if len(view) else 0


def wait_until(unix: float, stop: threading.Event | None = None) -> None:
    """Sleep until `SPIN_S` before `unix` (time.time()), then spin to it; returns at once when it is past."""
    while True:
        left = unix - time.time()
        if left <= SPIN_S or (stop is not None and stop.is_set()):
            break
        time.sleep(min(left - SPIN_S, 0.05))
    while time.time() < unix and not (stop is not None and stop.is_set()):
        pass


def _limit_rttime(pid: int = 0) -> None:
    """RLIMIT_RTTIME on this process (or `pid`): a real-time thread that never blocks is stopped, then ended."""
    limit = getattr(resource, "RLIMIT_RTTIME", None)
    if limit is None:
        return
    soft, hard = int(RTTIME_SOFT_S * 1e6), int(RTTIME_HARD_S * 1e6)
    try:
        if pid:
            resource.prlimit(pid, limit, (soft, hard))
        else:
            resource.setrlimit(limit, (soft, hard))
    except (OSError, ValueError):
        pass


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc if hasattr(libc, "mlockall") else None
    except OSError:
        return None
