"""Putting audio on air: clocks shared by the outputs, the player queue and the daemon.

`broadcast.play.outputs` (device, file, Icecast, null), `broadcast.play.player` (one queue,
one thing on air at a time, urgent interruption, `play_file`), `broadcast.play.spool` (urgent
hand-over to a running daemon). Time always comes from a clock object so the same code runs on
the wall clock (`SystemClock`) and on a virtual one (`VirtualClock`: tests, `broadcast simulate`).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

STATION_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    tz: tzinfo

    def now(self) -> datetime: ...          # aware, in the station timezone

    def monotonic(self) -> float: ...       # seconds; never jumps when the wall clock is corrected


class SystemClock:
    """The machine's clock in the station timezone."""

    def __init__(self, tz: tzinfo = STATION_TZ) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def monotonic(self) -> float:
        return time.monotonic()


class VirtualClock:
    """A clock that moves only when told: `advance()` moves both readings, `jump()` only the wall.

    >>> c = VirtualClock(datetime(2026, 12, 1, 5, 30, tzinfo=STATION_TZ))
    >>> c.advance(90); c.now().strftime("%H:%M:%S")
    '05:31:30'
    """

    def __init__(self, start: datetime, tz: tzinfo | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware start time")
        self.tz = tz or start.tzinfo
        self._now = start.astimezone(self.tz)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float | timedelta) -> None:
        delta = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
        if delta < 0:
            raise ValueError("time only moves forward; use jump() for a wall-clock correction")
        with self._lock:
            self._now += timedelta(seconds=delta)
            self._mono += delta

    def advance_to(self, moment: datetime) -> None:
        """Move forward to `moment` (no-op if it is already past)."""
        delta = (moment - self.now()).total_seconds()
        if delta > 0:
            self.advance(delta)

    def jump(self, seconds: float | timedelta) -> None:
        """The wall clock is corrected (NTP after boot): monotonic time does not move."""
        delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        with self._lock:
            self._now += delta
