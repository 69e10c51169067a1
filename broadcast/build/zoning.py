"""A day's programmes per zone, composed and deduplicated: zones whose programmes come out identical share one.

Each zone is planned on its own (`broadcast.plan.zones`), each programme composed and hashed
(`inputs_hash`: everything that changes its sound). Within a slot, equal hashes are one programme
airing in all those zones: one file, encoded once. A slot with one programme for every zone keeps
today's id and file (`2026-12-07-sang`, `0530-sang.mp3`); when zones differ each programme takes
the name of its first zone as a suffix (`2026-12-07-sang-thon-dong`, `0530-sang-thon-dong.mp3`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from broadcast.build.composed import ComposedProgramme, compose, inputs_hash
from broadcast.build.toolkit import Toolkit
from broadcast.model import Programme
from broadcast.plan.planner import Estimator
from broadcast.plan.zones import plan_zones
from broadcast.schedule.model import ZoneSpec
from broadcast.schedule.zones import effective_zones


def zone_plans(toolkit: Toolkit, schedule: Any, day: date, *, estimate: Estimator | None = None,
               trace: Any = None, library: Any = None) -> tuple[tuple[ZoneSpec, ...], dict[str, list[Programme]]]:
    """The station's zones and each one's programmes of `day` (calibrated estimates).

    `library`: what the planner asks for template titles and priorities (default the toolkit's)."""
    station = toolkit.station
    zones = effective_zones(schedule, station)
    return zones, plan_zones(schedule, zones, day, tz=station.tz, library=library or toolkit.library,
                             estimate=estimate or toolkit.estimator, trace=trace)


def compose_zones(toolkit: Toolkit, schedule: Any, day: date, *, estimate: Estimator | None = None,
                  trace: Any = None, library: Any = None) -> tuple[list[ComposedProgramme], list[str]]:
    """The day's distinct programmes (each with the zones that air it) in air order, and their hashes.

    With a `trace` (`broadcast.plan.trace.EstimateTrace`) the plan notes what in it rests on the estimates;
    `library`: what the planner asks for template titles and priorities (`zone_plans`).
    """
    zones, per_zone = zone_plans(toolkit, schedule, day, estimate=estimate, trace=trace, library=library)
    slots: dict[tuple, dict[str, tuple[ComposedProgramme, list[str]]]] = {}
    for zone in zones:
        for programme in per_zone[zone.name]:
            composed = compose(toolkit, programme)
            digest = inputs_hash(toolkit, composed)
            group = slots.setdefault((programme.start, programme.slot), {})
            if digest in group:
                group[digest][1].append(zone.name)
            else:
                group[digest] = (composed, [zone.name])
    out: list[ComposedProgramme] = []
    hashes: list[str] = []
    for key in sorted(slots):
        group = slots[key]
        for digest, (composed, names) in group.items():
            variant = names[0] if len(group) > 1 else ""
            programme = replace(composed.programme, zones=tuple(names), variant=variant)
            out.append(ComposedProgramme(programme, composed.items))
            hashes.append(digest)
    return out, hashes
