"""What a plan's choices rested on: the sums of estimates it compared, kept to tell whether new estimates change it.

The planner is a pure function of the schedule and the estimates, and the estimates reach its
result only through a few comparisons: does this cut of a slot fit its limit, do the fixed items
and the notices added back already overrun it, and the minutes an overrun warning prints. Each
is recorded as the items summed (in the planner's own order) and what the comparison gave.
With other estimates (a build that just calibrated the reading speed), `holds` replays every
comparison: when each gives what it gave, the planner would take the same path and return the
same programmes and warnings (only the items' `est_duration_s` differ), so there is no need
to plan again.

    >>> from broadcast.model import Item, ItemKind
    >>> a, b = (Item(id=n, kind=ItemKind.NOTICE, title=n, est_duration_s=10.0) for n in "ab")
    >>> trace = EstimateTrace()
    >>> trace.check([a, b], lambda s: s <= 25.0)
    >>> trace.holds(lambda item: 12.0), trace.holds(lambda item: 13.0)
    (True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from broadcast.model import Item


class EstimateTrace:
    """The comparisons of estimate sums a plan made, replayable with another estimator."""

    def __init__(self) -> None:
        self._checks: list[tuple[tuple[Item, ...], int, Callable[[float], Any], Any]] = []

    def __len__(self) -> int:
        return len(self._checks)

    def check(self, items: Sequence[Item], test: Callable[[float], Any], summed: int | None = None) -> None:
        """Note that the planner decided on `test(total of the items' estimates)`.

        The total is taken as the planner took it: `sum()` over the first `summed` items (all by
        default), then the rest added one by one (`sum` of floats is compensated since Python 3.12,
        so the two ways may differ in the last bits, and a comparison at the limit must not).
        """
        items = tuple(items)
        summed = len(items) if summed is None else summed
        self._checks.append((items, summed, test, test(_total([i.est_duration_s for i in items], summed))))

    def holds(self, estimate: Callable[[Item], float]) -> bool:
        """True when every comparison gives the same answer with `estimate`'s lengths."""
        seconds: dict[int, float] = {}
        for items, summed, test, answer in self._checks:
            values = []
            for item in items:
                found = seconds.get(id(item))
                if found is None:
                    found = seconds[id(item)] = float(estimate(item))
                values.append(found)
            if test(_total(values, summed)) != answer:
                return False
        return True


def _total(values: list[float], summed: int) -> float:
    total = sum(values[:summed])
    for value in values[summed:]:
        total += value
    return total
