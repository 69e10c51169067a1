"""A plan's trace says, without planning again, whether other estimates would give the same plan.

The cold build calibrates the reading speed after it planned; its stamp needs to know whether a
plan made with the new lengths would give the same programmes. `EstimateTrace.holds` must say
"yes" only when planning again gives the same programmes, deferrals and warnings (checked here
by planning again, on the variants of `test_plan_scale`), and must say it often enough to matter.
"""

from __future__ import annotations

import zlib
from datetime import date

import pytest
from test_plan_scale import COLUMN, DAY, TZ, VARIANTS, schedule, slot

from broadcast.plan.planner import plan
from broadcast.plan.trace import EstimateTrace


def scaled(estimate, factor):
    return lambda item: estimate(item) * factor


def jittered(estimate, spread):
    """Each item a little longer or shorter, by its id (what a new calibration does)."""
    return lambda item: estimate(item) * (1 + spread * ((zlib.crc32(item.id.encode()) % 201) - 100) / 100)


CHANGES = [("same", lambda e: e), ("0.1% longer", lambda e: scaled(e, 1.001)), ("1% shorter", lambda e: scaled(e, 0.99)),
           ("10% longer", lambda e: scaled(e, 1.1)), ("30% shorter", lambda e: scaled(e, 0.7)),
           ("jitter 2%", lambda e: jittered(e, 0.02)), ("jitter 25%", lambda e: jittered(e, 0.25))]


def shape(programmes):
    """What a build publishes and stamps from a plan: everything but the items' estimated seconds."""
    return [(p.slot, [i.id for i in p.items], [i.title for i in p.items], [n.id for n in p.deferred], p.warnings)
            for p in programmes]


@pytest.mark.parametrize(("announcements", "minutes", "relay", "estimate"),
                         [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_the_trace_holds_only_when_planning_again_gives_the_same_plan(announcements, minutes, relay, estimate):
    sched = schedule(announcements, [slot("sang", "05:30", minutes, relay), slot("chieu", "17:00", minutes / 2)],
                     columns=[COLUMN])
    for day in (DAY, date(2026, 12, 9)):
        trace = EstimateTrace()
        first = plan(sched, day, tz=TZ, estimate=estimate, trace=trace)
        assert shape(first) == shape(plan(sched, day, tz=TZ, estimate=estimate))    # tracing changes nothing
        assert trace.holds(estimate)
        for _, change in CHANGES:
            other = change(estimate)
            if trace.holds(other):
                assert shape(plan(sched, day, tz=TZ, estimate=other)) == shape(first)


def test_the_trace_answers_both_ways():
    """Not a trace that always says "plan again": small changes keep a plan, larger ones move notices."""
    answers = {}
    for name, announcements, minutes, relay, estimate in VARIANTS:
        sched = schedule(announcements, [slot("sang", "05:30", minutes, relay), slot("chieu", "17:00", minutes / 2)],
                         columns=[COLUMN])
        trace = EstimateTrace()
        first = plan(sched, DAY, tz=TZ, estimate=estimate, trace=trace)
        for label, change in CHANGES:
            other = change(estimate)
            moved = shape(plan(sched, DAY, tz=TZ, estimate=other)) != shape(first)
            answers[name, label] = (trace.holds(other), moved)
    assert not any(holds and moved for holds, moved in answers.values())
    kept = [holds for holds, moved in answers.values() if not moved]
    assert sum(kept) >= 0.8 * len(kept)                              # few needless second plans
    assert sum(moved for _, moved in answers.values()) >= 5          # the variants do move notices
    assert answers["fits", "10% longer"] == (True, False)
    assert answers["defers", "same"] == (True, False)


def test_a_comparison_at_the_limit_is_replayed_as_the_planner_summed():
    """The floor adds notices one by one and an assembly sums them: replayed the same way, bit for bit."""
    from broadcast.model import Item, ItemKind

    items = [Item(id=f"n{i}", kind=ItemKind.NOTICE, title="x", est_duration_s=0.1) for i in range(10)]
    trace = EstimateTrace()
    trace.check(items, lambda total: total <= 1.0)
    trace.check(items, lambda total: total <= 1.0, summed=0)
    assert trace.holds(lambda item: 0.1)
    assert not trace.holds(lambda item: 0.1000001)
