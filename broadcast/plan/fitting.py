"""Fitting notices into a slot in near-linear time: which notice goes first, and the first cut that fits.

The rule is the planner's (DOMAIN.md §1.2): while the programme is longer than its slot, defer
the lowest-priority notice still in it (never a khẩn cấp one, never half an item). Done as
written, that assembles the programme once per deferred notice, and every assembly renders the
opening again with a new table of contents: quadratic in the notices waiting. Here the order
of deferral is found once (`drop_order`), and a cut is assembled only when it could fit: the
items that do not change with the cut (tunes, columns, relays) plus the notices kept already
give a floor, since no item lasts less than nothing. The result is the same programme, the
same deferred notices in the same order.

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
                varies: Callable[[Any], bool]) -> tuple[list[Any], list[Any], float, list[Any]]:
    """(kept, items, total, deferred) of the first cut along `drops` whose programme fits `limit`.

    `assemble(kept)` gives the programme's items and their total seconds; `varies(item)` says
    which of its items may change with the notices kept (the spoken furniture). When every
    cut overruns, the last one (only what cannot move) is returned, as the rule ends there.
    """
    def cut(count: int) -> list[Any]:
        gone = set(drops[:count])
        return [n for p, n in enumerate(ordered) if p not in gone]

    kept = list(ordered)
    items, total = assemble(kept)
    if total <= limit or not drops:
        return kept, items, total, []
    notice_ids = {id(n) for n in ordered}
    in_items = sum(1 for i in items if id(i) in notice_ids)
    # The floor holds only if the notices are items and no item is negative (an injected estimator).
    floored = in_items == len(ordered) and all(i.est_duration_s >= 0 for i in items)
    fixed = sum(i.est_duration_s for i in items if id(i) not in notice_ids and not varies(i))
    dropped = set(drops)
    stay = sum(n.est_duration_s for p, n in enumerate(ordered) if p not in dropped)
    # movable[count]: seconds of the movable notices still kept after `count` drops, summed from the
    # end so that the small sums near the fitting cut carry no error from the large ones
    movable = [0.0] * (len(drops) + 1)
    for count in range(len(drops) - 1, -1, -1):
        movable[count] = movable[count + 1] + ordered[drops[count]].est_duration_s
    for count in range(1, len(drops) + 1):
        last = count == len(drops)
        if floored and not last and fixed + stay + movable[count] > limit + SLACK_S:
            continue                                  # cannot fit, whatever the furniture says
        kept = cut(count)
        items, total = assemble(kept)
        if total <= limit or last:
            return kept, items, total, [ordered[p] for p in drops[:count]]
    raise AssertionError("unreachable: the last cut returns")
