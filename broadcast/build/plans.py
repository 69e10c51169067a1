"""Day plans kept between requests while the digest of their inputs stays the same (the console's week).

The key is the one the build stamp uses (`broadcast.publish.freshness.inputs`): the station's
settings, the engines, every file of the template and schedule folders, the other files the
schedules read, the calibration, the code. A request hashes those files (no YAML, no template)
and, when nothing moved, answers from the plans made before; otherwise it loads the schedules
once and plans the days it is asked for. A plan is kept only if the inputs were the same
before and after it was made, so an edit saved meanwhile is never hidden behind an old plan.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from broadcast.model import Programme
from broadcast.publish import freshness
from broadcast.station.bounded_yaml import recording_reads

KEPT_DAYS = 62          # plans kept per set of inputs (two months of days looked at)


class PlanCache:
    """Each day's plan by the digest of its inputs; one per toolkit (its estimator is part of the key)."""

    def __init__(self, kept_days: int = KEPT_DAYS) -> None:
        self.kept_days = kept_days
        self._lock = threading.Lock()
        self._inputs: dict | None = None          # the digest the kept plans were made from
        self._files: tuple[str, ...] = ()         # files outside the folders the schedules read
        self._days: OrderedDict[date, list[Programme]] = OrderedDict()
        self.planned = 0                          # days planned (not answered from the cache)

    def plans(self, toolkit: Any, days: Sequence[date], load_schedule: Callable[[], Any],
              plan_day: Callable[[date, Any], list[Programme]]) -> list[list[Programme]]:
        """The programmes of each day in `days`: `plan_day(day, schedule)` (`build.load_plan`) when not kept."""
        engines = toolkit.engine_names
        with self._lock:
            now = freshness.inputs(toolkit.station, engines, self._files)
            if now != self._inputs:
                self._days.clear()
            missing = [d for d in dict.fromkeys(days) if d not in self._days]
            if not missing:
                for d in days:
                    self._days.move_to_end(d)
                return [self._days[d] for d in days]
        with recording_reads() as reads:
            schedule = load_schedule()
        made = {d: plan_day(d, schedule) for d in missing}
        files = tuple(sorted(str(p) for p in reads))
        after = freshness.inputs(toolkit.station, engines, files)
        with self._lock:
            self.planned += len(made)
            if _steady(now, after):
                if after != self._inputs:
                    self._days.clear()
                self._inputs, self._files = after, files
                self._days.update(made)
                while len(self._days) > self.kept_days:
                    self._days.popitem(last=False)
        return [made[d] if d in made else self._days[d] for d in days]


def _steady(before: dict, after: dict) -> bool:
    """Nothing moved while planning: the same digest but for files first read this time."""
    return (all(before[k] == after[k] for k in before if k != "files")
            and all(after["files"].get(f, v) == v for f, v in before["files"].items()))
