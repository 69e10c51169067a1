"""Build progress in seconds of audio: what is synthesized and encoded, across every day of a run.

Each programme counts its estimated length twice, once as its texts are spoken and once as it
is encoded; a programme reused unchanged counts both at once. The bar therefore moves with the
work, not one step per programme, and reaches 100% exactly at the end of the last day.

    >>> seen = []
    >>> run = BuildProgress(total_s=40.0, show=lambda done, label: seen.append((done, label)))
    >>> run.day(1, 2, "07/12/2026")
    >>> run.begin("05:30 sang", "đọc")
    >>> run.advance(10.0)
    >>> seen[-1]
    (0.25, 'ngày 1/2 · 07/12/2026 · 05:30 sang: đọc')
"""

from __future__ import annotations

import threading
from collections.abc import Callable

READING, ENCODING = "đọc", "mã hóa"


class BuildProgress:
    """Counts seconds of audio done out of `total_s` and tells `show(fraction, label)` each step."""

    def __init__(self, total_s: float, show: Callable[[float, str], None]) -> None:
        self.total_s = max(total_s, 1e-9)
        self.done_s = 0.0
        self._show = show
        self._day = ""
        self._what = ""
        self._lock = threading.Lock()      # the encodes of a day report from two threads

    def day(self, index: int, count: int, label: str) -> None:
        with self._lock:
            self._day = f"ngày {index}/{count} · {label}"
            self._what = ""
            self._emit()

    def begin(self, programme: str, phase: str) -> None:
        with self._lock:
            self._what = f"{programme}: {phase}"
            self._emit()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.done_s = min(self.total_s, self.done_s + max(0.0, seconds))
            self._emit()

    def finish(self) -> None:
        with self._lock:
            self.done_s = self.total_s
            self._what = ""
            self._emit()

    @property
    def label(self) -> str:
        return f"{self._day} · {self._what}" if self._what else self._day

    def _emit(self) -> None:
        self._show(self.done_s / self.total_s, self.label)
