"""The files the gated player writes as it plays: its position (crash recovery) and per-second levels (receivers).

`Position` is rewritten atomically at most every second, so a restart after a crash closes the
as-run row where the audio really was; `Levels` appends the RMS and peak (dBFS) of each second of
PCM handed over, what was really on air, for a cluster's receiver.
"""

from __future__ import annotations

import json
import math
import operator
import os
import time
from pathlib import Path
from typing import Any


class Position:
    """The position file: {programme_id, zone, started_at, aired_s, position_s, at}, rewritten at most every second.

    `started_at` and `at` are Unix times; `aired_s` is the audio handed to the outputs since the
    start, `position_s` the same counted from the file's beginning (a resumed play adds its offset).
    """

    def __init__(self, path: str | None, meta: dict[str, Any]) -> None:
        self.path = Path(path) if path else None
        self.meta = meta
        self._last = 0.0

    def write(self, aired_s: float, offset_s: float, started: float, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.path is None or (not force and now - self._last < 1.0):
            return
        self._last = now
        record = {**self.meta, "started_at": started, "aired_s": round(aired_s, 3),
                  "position_s": round(offset_s + aired_s, 3), "at": time.time()}
        part = self.path.with_name(f".{self.path.name}.part")
        try:
            part.write_text(json.dumps(record), encoding="utf-8")
            os.replace(part, self.path)
        except OSError:
            pass        # a position is a help for the restart, never a reason to stop the audio


class Levels:
    """Per-second RMS and peak (dBFS) of the PCM handed over, appended as JSON lines (cheap: C-level sums)."""

    def __init__(self, path: str | None, per_s: int) -> None:
        self.per_s, self.second = per_s, 0
        self._sum = self._count = self._peak = self._bytes = 0
        try:
            self._handle = open(path, "a", encoding="utf-8") if path else None     # noqa: SIM115 - kept open
        except OSError:
            self._handle = None

    def add(self, data: bytes) -> None:
        if self._handle is None:
            return
        samples = memoryview(data[:len(data) // 2 * 2]).cast("h")
        if len(samples):
            self._peak = max(self._peak, max(samples), -min(samples))
            sub = samples[::4]                       # every 4th sample is plenty for an RMS
            self._sum += sum(map(operator.mul, sub, sub))
            self._count += len(sub)
        self._bytes += len(data)
        if self._bytes >= self.per_s:
            self.flush()

    def flush(self) -> None:
        if self._handle is None or not self._count:
            return
        rms = math.sqrt(self._sum / self._count)
        line = {"s": self.second, "rms_db": _db(rms), "peak_db": _db(self._peak), "at": round(time.time(), 3)}
        try:
            self._handle.write(json.dumps(line) + "\n")
            self._handle.flush()
        except OSError:
            pass          # a level is a report, never a reason to stop the audio
        self.second += 1
        self._sum = self._count = self._peak = self._bytes = 0

    def close(self) -> None:
        self.flush()
        if self._handle is not None:
            self._handle.close()


def _db(value: float) -> float:
    return round(20 * math.log10(value / 32768), 1) if value > 0 else -120.0
