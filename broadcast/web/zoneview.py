"""Zones in the console: the station's declared zones, the zone picker of a form, and the week per zone.

A station that declares no `zones:` has none here (`declared` is empty): its pages stay as they
were, planned for the whole commune. Pages name zones by title; ids travel only in form values
and links, and an unknown one is an `InputError` (HTTP 400) in Vietnamese.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from broadcast.errors import BroadcastError, InputError
from broadcast.plan.planner import MODE_OFF, slot_mode
from broadcast.plan.zones import is_quiet
from broadcast.schedule.model import ZoneSpec

ZONE_FIELD = "vung"
UNKNOWN_ZONE = ("Vùng phát đã chọn không có trong lịch phát của đài (có thể vừa được đổi tên hoặc bỏ đi)",
                "tải lại trang rồi chọn lại vùng")


def declared(console: Any) -> tuple[ZoneSpec, ...]:
    """The zones the schedules declare (none: a zone-less station, planned for the whole commune)."""
    try:
        return tuple(console.store.schedule().zones or ())
    except BroadcastError:
        return ()


def pickable(console: Any) -> tuple[ZoneSpec, ...]:
    """The zones a form offers: only when there is a choice (two zones or more)."""
    zones = declared(console)
    return zones if len(zones) > 1 else ()


def titles_of(names: Sequence[str] | None, zones: Sequence[ZoneSpec]) -> list[str]:
    """The titles of `names`, in the zones' order (unknown names are left out)."""
    chosen = set(names or ())
    return [z.title for z in zones if z.name in chosen]


def read_choice(form: Any, zones: Sequence[ZoneSpec]) -> tuple[list[str] | None, str]:
    """(the chosen zone names, or None for every zone; an error for the field) from a form's checkboxes.

    A value that is no zone of the station raises InputError (400): the page sent what it never offered.
    """
    if not zones:
        return None, ""
    getlist = getattr(form, "getlist", None)
    sent = [str(v) for v in (getlist(ZONE_FIELD) if getlist else [])]
    known = {z.name for z in zones}
    if any(v not in known for v in sent):
        raise InputError(UNKNOWN_ZONE[0], hint=UNKNOWN_ZONE[1])
    chosen = [z.name for z in zones if z.name in sent]
    if not chosen:
        return [], "chọn ít nhất một vùng phát (mặc định: mọi vùng)"
    return (None if len(chosen) == len(zones) else chosen), ""


def choice_context(zones: Sequence[ZoneSpec], chosen: Sequence[str] | None, error: str = "") -> dict[str, Any]:
    """What `_zones.html` needs: the zones (title, name, checked) and the field's error."""
    marked = set(z.name for z in zones) if chosen is None else set(chosen)
    return {"zone_choice": [{"name": z.name, "title": z.title, "checked": z.name in marked} for z in zones],
            "zone_error": error}


def zone_named(zones: Sequence[ZoneSpec], raw: str | None) -> ZoneSpec | None:
    """The zone a link asks for (`?vung=`); None when it asks for none; InputError for an unknown one."""
    if not raw:
        return None
    for z in zones:
        if z.name == raw:
            return z
    raise InputError(UNKNOWN_ZONE[0], hint="chọn vùng trong danh sách ở đầu trang")


# -- the week, per zone ------------------------------------------------------------------------

def plan_zone_day(toolkit: Any, day: date, schedule: Any) -> dict[str, Any]:
    """One day per zone: each zone's programmes and the slots it skips in its quiet hours (with why)."""
    from broadcast.build.zoning import zone_plans

    zones, per_zone = zone_plans(toolkit, schedule, day)
    skipped: dict[str, list[dict[str, Any]]] = {}
    for zone in zones:
        aired = {p.slot for p in per_zone[zone.name]}
        skipped[zone.name] = [
            {"slot": s.name, "start": s.start, "title": s.title,
             "why": f"Không phát: giờ yên lặng của {zone.title} ({zone.quiet_hours})"}
            for s in schedule.slots
            if is_quiet(zone, s) and s.name not in aired and slot_mode(schedule, s, day) != MODE_OFF]
    return {"zones": zones, "programmes": per_zone, "skipped": skipped}


def _published_for(manifest: Mapping[str, Any] | None, zone: str) -> dict[str, dict]:
    """The day's published programmes that `zone` airs, by slot (absent `zones`: every zone)."""
    out: dict[str, dict] = {}
    for entry in (manifest or {}).get("programmes", []):
        zones = entry.get("zones")
        if not zones or zone in zones:
            out.setdefault(str(entry.get("slot", "")), entry)
    return out


def zone_days(console: Any, week: Sequence[date], build_state: Any, describe_items: Any) -> list[dict[str, Any]]:
    """Each day of `week` as rows of slots, each slot with one cell per zone (programme or skipped)."""
    from broadcast.play.state import read_day

    toolkit = console.toolkit
    cache = console.zone_plans
    plans = cache.plans(toolkit, list(week), console.store.schedule,
                        lambda day, schedule: plan_zone_day(toolkit, day, schedule))
    audio_out = console.station.path(console.station.paths.audio_out)
    days = []
    for day, planned in zip(week, plans):
        manifest = read_day(audio_out, day)
        zones = planned["zones"]
        slots: dict[str, dict[str, Any]] = {}
        for zone in zones:
            published = _published_for(manifest, zone.name)
            for p in planned["programmes"][zone.name]:
                row = slots.setdefault(p.slot, {"start": p.start.time(), "title": p.title, "cells": {}})
                entry = published.get(p.slot)
                build = build_state(toolkit, p, {p.id: entry} if entry else None)
                row["cells"][zone.name] = {"p": p, "items": describe_items(p), "build": build}
            for s in planned["skipped"][zone.name]:
                row = slots.setdefault(s["slot"], {"start": s["start"], "title": s["title"], "cells": {}})
                row["cells"][zone.name] = {"skipped": s["why"]}
        rows = [slots[k] for k in sorted(slots, key=lambda k: slots[k]["start"])]
        for row in rows:
            for zone in zones:
                row["cells"].setdefault(zone.name, {"none": True})
        days.append({"day": day, "rows": rows})
    return days


def zone_week(console: Any, first: date, zones: Sequence[ZoneSpec], chosen: ZoneSpec | None,
              build_state: Any, describe_items: Any) -> dict[str, Any]:
    """The week page's context for a station with zones: every zone side by side, or the chosen one.

    On a phone one zone shows at a time: the chosen one, else the first (`shown`).
    """
    from datetime import timedelta

    from broadcast.normalize.numbers import weekday_name

    week = [first + timedelta(days=offset) for offset in range(7)]
    days = zone_days(console, week, build_state, describe_items)
    for d in days:
        name = weekday_name(d["day"])
        d["name"] = name[0].upper() + name[1:]
        d["programmes"] = [c for r in d["rows"] for c in r["cells"].values() if "p" in c]
    shown = chosen or zones[0]
    columns = [{"name": z.name, "title": z.title, "shown": z.name == shown.name,
                "visible": chosen is None or z.name == chosen.name,
                "quiet": str(z.quiet_hours) if z.quiet_hours else ""} for z in zones]
    return {"days": days, "zone_cols": columns, "zone": chosen,
            "zone_keep": f"&vung={chosen.name}" if chosen else ""}
