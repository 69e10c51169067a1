"""The output interface: `PlayResult`, the `Playback` handle of one play, and the `Output` protocol.

Every output plays one file at a time and reports what really happened as a `PlayResult`
(status 'played' | 'interrupted' | 'failed', actual start and end). The end callback is always
called from another thread than the one calling `start()`, except for a manual (simulated)
playback which is finished by its driver.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from broadcast.play import Clock


@dataclass(frozen=True)
class PlayResult:
    """What happened to one play: status, the real start and end, and why it failed."""

    status: str                     # played | interrupted | failed
    started_at: datetime
    ended_at: datetime
    error: str | None = None

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


EndCallback = Callable[[PlayResult], None]


class Output(Protocol):
    name: str

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback: ...


class Playback:
    """Handle of one play in progress; `wait()` blocks until it ends, `stop()` ends it now."""

    def __init__(self, path: Path, clock: Clock, on_end: EndCallback | None) -> None:
        self.path = path
        self.clock = clock
        self.started_at = clock.now()
        self._on_end = on_end
        self._done = threading.Event()
        self._stopping = threading.Event()
        self._result: PlayResult | None = None
        self._lock = threading.Lock()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def result(self) -> PlayResult | None:
        return self._result

    def wait(self, timeout: float | None = None) -> PlayResult | None:
        """The result once the play has ended; None if `timeout` passed first."""
        self._done.wait(timeout)
        return self._result

    def stop(self) -> None:
        self._stopping.set()

    def _settle(self, status: str, error: str | None = None, ended_at: datetime | None = None) -> bool:
        """Record the result once (the first caller wins) and call the end callback."""
        with self._lock:
            if self._result is not None:
                return False
            self._result = PlayResult(status, self.started_at, ended_at or self.clock.now(), error)
        self._done.set()
        if self._on_end is not None:
            self._on_end(self._result)
        return True
