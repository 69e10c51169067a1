"""Which core a commune's build runs on in a province build: one commune a core, its encoders with it.

ffmpeg 7 and later run every encode as a chain of threads (read, decode, filter, encode, write)
that hand each frame of audio to the next. Two communes side by side are four such chains (two
programmes each) on two cores, and the kernel moves their threads from core to core, so most
hand-offs wake a thread on the other core. Ten communes of the sample day (fake engine, 2 cores,
`benchmarks/bench_province.py`): ffmpeg spent 14–18 s in the kernel and 24 s in user code; with
each commune's build on a core of its own, 5 s and 20 s, and the build was a fifth shorter.

So `build_in_process` asks `Cores.commune()` for a core before a commune's build starts, and
pins the build's thread to it: the threads the build starts (its programmes' encoders) and the
ffmpeg processes they start inherit that core (Linux: a thread's CPU mask is its own, and a new
thread or process takes its parent thread's). The least busy core is given. The last communes to
start (fewer left than cores) are not pinned: pinned, the very last one would leave the other
cores idle while it finishes alone. Nothing is pinned where the process may use one core only or
the system cannot pin (not Linux); the days are the same bytes either way.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


def usable_cores() -> tuple[int, ...]:
    """The CPUs this thread may run on (its affinity, so `taskset` and cgroups are respected)."""
    if not hasattr(os, "sched_getaffinity"):
        return ()
    try:
        return tuple(sorted(os.sched_getaffinity(0)))
    except OSError:
        return ()


class Cores:
    """Hands each commune build the least busy core while at least as many communes are left as cores."""

    def __init__(self, communes: int, cores: tuple[int, ...] | None = None) -> None:
        self.cores = usable_cores() if cores is None else cores
        self._left = communes              # communes not started yet
        self._busy: Counter[int] = Counter()
        self._lock = threading.Lock()

    def _take(self) -> int | None:
        with self._lock:
            left, self._left = self._left, self._left - 1
            if len(self.cores) < 2 or left < len(self.cores):
                return None
            core = min(self.cores, key=lambda c: (self._busy[c], c))
            self._busy[core] += 1
            return core

    @contextmanager
    def commune(self) -> Iterator[int | None]:
        """Pin the calling thread to a core for one commune's build (None: left unpinned); unpin after."""
        core = self._take()
        before = None
        if core is not None:
            try:
                before = os.sched_getaffinity(0)
                os.sched_setaffinity(0, {core})
            except OSError:                 # the core was taken away from us meanwhile (cgroups)
                before = None
        try:
            yield core if before is not None else None
        finally:
            if before is not None:
                try:
                    os.sched_setaffinity(0, before)
                except OSError:
                    pass
            if core is not None:
                with self._lock:
                    self._busy[core] -= 1
