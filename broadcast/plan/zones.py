"""Planning per zone (pure): each zone's schedule (what targets it, outside its quiet hours) planned by `plan` unchanged.

A zone's schedule keeps the announcements, columns and relays whose `zones:` name it (or name
none) and drops the slots that start in its quiet hours. In a quiet slot only khẩn cấp notices
air: the slot is planned again with those alone, and dropped when there are none. A targeted
notice's values gain `vung_nghe` (`broadcast.model.AUDIENCE_VARIABLE`): the titles of its zones
as a list, read "thôn Đông và thôn Trung", the same in every zone that airs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.model import AUDIENCE_VARIABLE, Item, ItemKind, Priority, Programme
from broadcast.plan.planner import MODE_OFF, Estimator, _Templates, plan, slot_mode
from broadcast.schedule.model import AnnouncementSpec, Schedule, SlotSpec, ZoneSpec


def audience_titles(targets: Sequence[str] | None, zones: Sequence[ZoneSpec]) -> list[str]:
    """The titles of the targeted zones, lower-case first as inside a sentence: ['thôn Đông', 'thôn Trung']."""
    if not targets:
        return []
    titles = {z.name: z.title for z in zones}
    return [_inside_sentence(titles.get(name, name)) for name in targets]


def _inside_sentence(title: str) -> str:
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def targets(zone: str, chosen: Sequence[str] | None) -> bool:
    """True when something with `zones: chosen` (None: every zone) airs in `zone`."""
    return chosen is None or zone in chosen


def zone_schedule(schedule: Schedule, zone: ZoneSpec, zones: Sequence[ZoneSpec]) -> Schedule:
    """What `zone` hears: its targeted announcements, columns and relays; every slot (quiet ones too)."""
    announcements = tuple(_with_audience(a, zones) for a in schedule.announcements if targets(zone.name, a.zones))
    columns = tuple(c for c in schedule.columns if targets(zone.name, c.zones))
    slots = tuple(s if s.relay is None or targets(zone.name, s.relay.zones) else replace(s, relay=None)
                  for s in schedule.slots)
    return replace(schedule, announcements=announcements, columns=columns, slots=slots)


def _with_audience(spec: AnnouncementSpec, zones: Sequence[ZoneSpec]) -> AnnouncementSpec:
    if spec.zones is None or spec.template is None:
        return spec
    return replace(spec, values={**spec.values, AUDIENCE_VARIABLE: audience_titles(spec.zones, zones)})


def is_quiet(zone: ZoneSpec, slot: SlotSpec) -> bool:
    return zone.quiet_hours is not None and zone.quiet_hours.contains(slot.start)


def quiet_note(zone: ZoneSpec, slot: SlotSpec) -> str:
    return (f"Buổi {slot.label} không phát ở {zone.title} (giờ yên lặng {zone.quiet_hours}); "
            "chỉ thông báo khẩn cấp được phát.")


def plan_zone(schedule: Schedule, zone: ZoneSpec, day: date, *, tz: ZoneInfo, zones: Sequence[ZoneSpec],
              library: Any = None, estimate: Estimator | None = None,
              carry_over: bool = True, trace: Any = None) -> list[Programme]:
    """The programmes `zone` airs on `day`, each with `zones=(zone.name,)`, in air order."""
    own = zone_schedule(schedule, zone, zones)
    quiet = tuple(s for s in own.slots if is_quiet(zone, s))
    loud = replace(own, slots=tuple(s for s in own.slots if s not in quiet))
    programmes = plan(loud, day, tz=tz, library=library, estimate=estimate, carry_over=carry_over, trace=trace)
    if quiet:
        urgent = _urgent_only(own, quiet, library)
        if urgent.announcements:
            for p in plan(urgent, day, tz=tz, library=library, estimate=estimate, carry_over=False, trace=trace):
                if any(_is_urgent_notice(i) for i in p.items):
                    slot = own.slot(p.slot)
                    programmes.append(replace(p, warnings=p.warnings + (quiet_note(zone, slot),)))
        programmes.sort(key=lambda p: (p.start, p.slot))
    return [replace(p, zones=(zone.name,)) for p in programmes]


def _urgent_only(own: Schedule, quiet: tuple[SlotSpec, ...], library: Any) -> Schedule:
    """The quiet slots with nothing but the khẩn cấp announcements: no column, no relay."""
    templates = _Templates(library)
    urgent = tuple(a for a in own.announcements
                   if (a.priority or templates.priority(a.template)) is Priority.KHAN_CAP)
    return replace(own, slots=tuple(replace(s, relay=None) for s in quiet), columns=(), announcements=urgent)


def _is_urgent_notice(item: Item) -> bool:
    return item.kind in (ItemKind.NOTICE, ItemKind.URGENT) and item.priority is Priority.KHAN_CAP


def plan_zones(schedule: Schedule, zones: Sequence[ZoneSpec], day: date, *, tz: ZoneInfo, library: Any = None,
               estimate: Estimator | None = None, carry_over: bool = True,
               trace: Any = None) -> dict[str, list[Programme]]:
    """Each zone's programmes of `day`, by zone name, in the zones' order."""
    return {z.name: plan_zone(schedule, z, day, tz=tz, zones=zones, library=library, estimate=estimate,
                              carry_over=carry_over, trace=trace) for z in zones}


def distinct(per_zone: Mapping[str, Sequence[Programme]]) -> list[Programme]:
    """One programme per slot and content, in air order: zones hearing the same items share it.

    Its `zones` are every zone that hears it (in the zones' order); when a slot has several, each
    takes its first zone's name as `variant`, as the build names them (`broadcast.build.zoning`).
    """
    seen: dict[tuple, Programme] = {}
    for zone, programmes in per_zone.items():
        for p in programmes:
            key = (p.start, p.slot, tuple(i.id for i in p.items))
            first = seen.setdefault(key, replace(p, zones=()))
            seen[key] = replace(first, zones=first.zones + (zone,))
    variants: dict[tuple, int] = {}
    for start, slot, _ in seen:
        variants[(start, slot)] = variants.get((start, slot), 0) + 1
    out = [replace(p, variant=p.zones[0]) if variants[(p.start, p.slot)] > 1 else p for p in seen.values()]
    return sorted(out, key=lambda p: (p.start, p.slot))


def quiet_slots(schedule: Schedule, zone: ZoneSpec, day: date, programmes: Sequence[Programme]) -> list[SlotSpec]:
    """The slots of `day` that `zone` does not air because they start in its quiet hours."""
    aired = {p.slot for p in programmes}
    return [s for s in schedule.slots
            if is_quiet(zone, s) and s.name not in aired and slot_mode(schedule, s, day) != MODE_OFF]


def skipped_on(schedule: Schedule, zone: ZoneSpec, day: date, programmes: Sequence[Programme]) -> list[str]:
    """The notes for the slots of `day` that `zone` skips in its quiet hours (`plan --zone` prints them)."""
    return [quiet_note(zone, s).split(";")[0] + "." for s in quiet_slots(schedule, zone, day, programmes)]


def quiet_skips(schedule: Schedule, zones: Sequence[ZoneSpec]) -> list[str]:
    """'file:line: ...' for each slot some zone skips in its quiet hours (`broadcast check` prints them)."""
    out = []
    for zone in zones:
        for slot in schedule.slots:
            if is_quiet(zone, slot):
                where = f"{zone.path}:{zone.line}: " if zone.path is not None else ""
                out.append(where + quiet_note(zone, slot))
    return out


def differences(per_zone: Mapping[str, Sequence[Programme]], zones: Sequence[ZoneSpec]) -> list[str]:
    """Compact lines: per slot, what each zone hears beyond or without the first zone's programme.

        05:30 (sang): Thôn Đông như Thôn Trung; Thôn Tây: + Họp thôn Tây; Xóm Bãi: không phát
    """
    if len(zones) < 2:
        return []
    first = zones[0]
    slots: dict[str, Programme] = {}
    for z in zones:
        for p in per_zone.get(z.name, ()):
            slots.setdefault(p.slot, p)
    lines = []
    for name, shown in sorted(slots.items(), key=lambda kv: kv[1].start):
        by_zone = {z.name: next((p for p in per_zone.get(z.name, ()) if p.slot == name), None) for z in zones}
        base = by_zone[first.name]
        base_ids = _content(base)
        parts = []
        for z in zones[1:]:
            mine = by_zone[z.name]
            if mine is None:
                if base is not None:
                    parts.append(f"{z.title}: không phát (giờ yên lặng)")
                continue
            ids = _content(mine)
            if ids == base_ids and base is not None:
                continue
            added = [t for i, t in ids.items() if i not in base_ids]
            missing = [t for i, t in base_ids.items() if i not in ids]
            change = ", ".join([f"+ {t}" for t in added] + [f"− {t}" for t in missing]) or "cùng nội dung"
            parts.append(f"{z.title}: {change}")
        head = f"{shown.start:%H:%M} ({name})"
        if base is None:
            head += f", {first.title}: không phát (giờ yên lặng)"
        lines.append(f"{head}: " + ("; ".join(parts) if parts else f"mọi vùng nghe như {first.title}"))
    return lines


def _content(programme: Programme | None) -> dict[str, str]:
    """Notices, columns and relays of a programme by id (the furniture is the same everywhere)."""
    if programme is None:
        return {}
    kinds = (ItemKind.NOTICE, ItemKind.URGENT, ItemKind.COLUMN, ItemKind.RELAY, ItemKind.NEWS)
    return {i.id: i.title for i in programme.items if i.kind in kinds}
