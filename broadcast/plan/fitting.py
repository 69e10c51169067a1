"""Fitting notices into a slot in near-linear time: which notice goes first, and the first cut that fits.

The rule is the planner's (DOMAIN.md §1.2): while the programme is longer than its slot, defer
the lowest-priority notice still in it (never a khẩn cấp one, never half an item). Done as
written, that assembles the programme once per deferred notice, and every assembly renders the
opening again with a new table of contents: quadratic in the notices waiting. Here the order
of deferral is found once (`drop_order`), and a cut is assembled only when it could fit: the
items that do not change with the cut (tunes, columns, relays) plus the notices kept already
give a floor, since no item lasts less than nothing; and a notice is estimated (rendered and
read) only when it could air. The result is the same programme, the same deferred notices in
the same order, as dropping them one by one.

    >>> drop_order([3, 1, 2, 2], key=lambda n: n, movable=lambda n: n != 1)
    [0, 2, 3]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

SLACK_S = 1e-6      # sums taken in another order may differ in the last bits: never skip a cut that close


def drop_order(ordered: Sequence[T], *, key: Callable[[T], Any],
               movable: Callable[[T], bool]) -> list[int]:
    """Positions of the movable entries in the order `max(movable, key=key)` would take them one by one.

    The greatest key first; among equal keys the earliest position (as `max` returns the first).
    """
    positions = [p for p, entry in enumerate(ordered) if movable(entry)]
    return sorted(positions, key=lambda p: (key(ordered[p]), -p), reverse=True)


def fit_notices(ordered: Sequence[Any], drops: Sequence[int], limit: float,
                assemble: Callable[[list[Any]], tuple[list[Any], float]],
                varies: Callable[[Any], bool],
                timed: Callable[[Any], Any], trace: Any = None) -> tuple[list[Any], list[Any], float, list[Any]]:
    """(kept, items, total, deferred) of the first cut along `drops` whose programme fits `limit`.

    `ordered` are the notices in air order, not yet estimated: `timed(notice)` estimates one,
    and is asked only for the notices that could air (the rest are deferred unestimated).
    `assemble(kept)` gives the programme's items and their total seconds; `varies(item)` says
    which of its items may change with the notices kept (the spoken furniture). When every
    cut overruns, the last one (only what cannot move) is returned, as the rule ends there.
    Estimates are durations: never negative (the floor relies on it). A `trace`
    (`broadcast.plan.trace.EstimateTrace`) is told every comparison the choice rested on.
    """
    def cut(count: int) -> list[Any]:
        gone = set(drops[:count])
        return [timed(n) for p, n in enumerate(ordered) if p not in gone]

    last = len(drops)
    least = cut(last)
    items, total = assemble(least)          # what no cut moves: the floor's fixed part
    if not drops:
        return least, items, total, []
    # Every cut keeps `least` and adds notices back; only the spoken furniture may change with
    # them. So once the fixed items and the notices added back overrun, no larger cut can fit.
    first = 0
    fixed = [i for i in items if not varies(i)]
    running = sum(i.est_duration_s for i in fixed)
    for count in range(last - 1, -1, -1):
        running += timed(ordered[drops[count]]).est_duration_s
        if running > limit + SLACK_S:
            first = count + 1
            break
    if trace is not None:       # where the floor stopped: the sum there, and one notice before (it only grows)
        def overruns(total: float) -> bool:
            return total > limit + SLACK_S

        added = [timed(ordered[drops[c]]) for c in range(last - 1, max(first - 1, 0) - 1, -1)]
        trace.check(fixed + added, overruns, len(fixed))
        if first > 0 and first < last:
            trace.check(fixed + added[:-1], overruns, len(fixed))
    for count in range(first, last):
        kept = cut(count)
        fitted, seconds = assemble(kept)
        if trace is not None:
            trace.check(fitted, lambda total: total <= limit)
        if seconds <= limit:
            return kept, fitted, seconds, [ordered[p] for p in drops[:count]]
    return least, items, total, [ordered[p] for p in drops]
