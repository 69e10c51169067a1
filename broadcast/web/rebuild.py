"""'Dựng lại' from the week page: one day built in a background thread, its progress shown on the page.

The same `build_day` as `broadcast build` (unchanged programmes reused), with the same
`BuildProgress`; one build at a time. It holds the console's speech lock, since libespeak-ng
is global state, so "Nghe thử" waits for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from broadcast.errors import BroadcastError


@dataclass
class Rebuild:
    """Where one day's build stands."""

    day: date
    fraction: float = 0.0
    label: str = "bắt đầu"
    state: str = "running"          # running | done | failed
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    summary: str = ""

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    @property
    def left(self) -> str:
        """Time left, from the pace so far: 'khoảng 2 phút' (empty until there is a pace)."""
        if self.state != "running" or self.fraction < 0.05:
            return ""
        spent = time.monotonic() - self.started
        rest = spent / self.fraction * (1 - self.fraction)
        return f"còn khoảng {max(1, round(rest / 60))} phút" if rest >= 60 else f"còn khoảng {max(1, int(rest))} giây"


class Rebuilder:
    """The console's one background build."""

    def __init__(self, build: Any = None) -> None:
        self._build = build
        self._lock = threading.Lock()
        self.current: Rebuild | None = None

    def start(self, console: Any, day: date) -> Rebuild | None:
        """Start building `day`; None when a build is already running."""
        with self._lock:
            if self.current is not None and self.current.state == "running":
                return None
            self.current = Rebuild(day)
            job = self.current
        threading.Thread(target=self._run, args=(console, job), name=f"dung-lai-{day}", daemon=True).start()
        return job

    def _run(self, console: Any, job: Rebuild) -> None:
        from broadcast.build import build_day, load_plan
        from broadcast.progress import BuildProgress

        def show(fraction: float, label: str) -> None:
            job.fraction, job.label = fraction, label

        try:
            with console._speak_lock:
                toolkit = console.toolkit
                total = sum(2 * p.est_duration_s for p in load_plan(toolkit, job.day))
                progress = BuildProgress(total, show)
                progress.day(1, 1, f"{job.day:%d/%m/%Y}")
                result = (self._build or build_day)(console.station, job.day, toolkit=toolkit, progress=progress)
                progress.finish()
            job.summary = (f"{len(result.programmes)} chương trình: dựng mới {result.encoded}, "
                           f"dùng lại {result.reused}.")
            job.state = "done"
        except BroadcastError as exc:
            job.error, job.state = exc.message, "failed"
        except OSError as exc:
            from broadcast.io_errors import describe_os_error

            job.error, job.state = describe_os_error(exc).message, "failed"
