"""Tuần này: the week's programmes, their items in order, build state, and a player for each built one."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.responses import RedirectResponse

from broadcast.build import compose, inputs_hash, load_plan
from broadcast.errors import BroadcastError, InputError
from broadcast.model import ItemKind
from broadcast.normalize.numbers import weekday_name
from broadcast.plan.view import KIND_LABELS
from broadcast.play import spool
from broadcast.play.state import read_day, state_paths
from broadcast.publish.day import MANIFEST
from broadcast.schedule.vocabulary import parse_date
from broadcast.web.auth import EVERYONE, route
from broadcast.web.files import audio_file, not_found
from broadcast.web.html import flash, page, page_text
from broadcast.web.weekpage import decorate, shown_day
from broadcast.web.zoneview import declared, zone_named, zone_week

BUILD_LABELS = {"built": "Đã dựng", "stale": "Cần dựng lại", "missing": "Chưa dựng"}


def parse_iso_day(raw: str | None, default: date) -> date:
    """A day typed as DD/MM/YYYY (or ISO, in the page's own links); the default when empty."""
    if not raw:
        return default
    try:
        return parse_date(raw)
    except ValueError:
        raise InputError(f"Ngày '{raw[:20]}' không hợp lệ", hint="viết DD/MM/YYYY, ví dụ 07/12/2026") from None


def build_state(toolkit, programme, published: dict | None) -> dict:
    """Built (same inputs as now), out of date, or not built; and whether a fallback voice spoke."""
    entry = (published or {}).get(programme.id)
    if entry is None:
        return {"state": "missing", "label": BUILD_LABELS["missing"], "entry": None, "fallback": False}
    try:
        current = inputs_hash(toolkit, compose(toolkit, programme))
    except BroadcastError:
        current = None
    state = "built" if current == entry.get("inputs_hash") else "stale"
    fallback = entry.get("engine") != toolkit.engine_names[0] or bool(entry.get("engine_notes"))
    return {"state": state, "label": BUILD_LABELS[state], "entry": entry, "fallback": fallback}


def describe_items(p) -> list[dict]:
    """A programme's items as the page lists them."""
    return [{"kind": KIND_LABELS[i.kind], "title": i.title, "id": i.id,
             "priority": i.priority.label if i.kind in (ItemKind.NOTICE, ItemKind.URGENT) else "",
             "repeat": i.repeat, "seconds": i.est_duration_s} for i in p.items]


def week_view(console, first: date) -> dict:
    toolkit = console.toolkit
    audio_out = console.station.path(console.station.paths.audio_out)
    week = [first + timedelta(days=offset) for offset in range(7)]
    # planned once per change of the inputs (`broadcast.build.plans`), not on every request
    plans = toolkit.plan_cache.plans(toolkit, week, console.store.schedule,
                                     lambda day, schedule: load_plan(toolkit, day, schedule=schedule))
    days = []
    for day, planned in zip(week, plans):
        manifest = read_day(audio_out, day)
        published = {p["id"]: p for p in manifest["programmes"]} if manifest else None
        programmes = [{"p": p, "items": describe_items(p), "build": build_state(toolkit, p, published)}
                      for p in planned]
        name = weekday_name(day)
        days.append({"day": day, "name": name[0].upper() + name[1:], "programmes": programmes})
    return {"days": days}


def week(request, form):
    console = request.app.state.console
    today = console.now().date()
    start = parse_iso_day(request.query_params.get("tu"), today)
    first = start - timedelta(days=start.isoweekday() - 1)
    context = {"first": first, "prev": first - timedelta(days=7), "next": first + timedelta(days=7),
               "today": today, "errors": None, "days": [], "shown": today, "rebuild": console.rebuilder.current}
    zones = declared(console)
    chosen = zone_named(zones, request.query_params.get("vung"))     # an unknown zone: 400
    try:
        if zones:                        # each zone's own plan; a zone-less station as before
            context.update(zone_week(console, first, zones, chosen, build_state, describe_items))
        else:
            context.update(week_view(console, first))
        _decorate(request, console, context["days"])
    except InputError as exc:
        context["errors"] = page_text(exc)
    wanted = None
    try:
        wanted = parse_iso_day(request.query_params.get("ngay"), today) if request.query_params.get("ngay") else None
    except InputError:
        pass
    context["shown"] = shown_day(context["days"], today, wanted)
    return page(request, "week.html", context)


def _decorate(request, console, days) -> None:
    """The page's words for the planner's warnings, and why a built programme is out of date."""
    audio_out = console.station.path(console.station.paths.audio_out)
    for d in days:
        manifest = read_day(audio_out, d["day"])
        d["generated_at"] = manifest.get("generated_at", "") if manifest else ""
        stamp = audio_out / d["day"].isoformat() / MANIFEST
        d["manifest_mtime"] = stamp.stat().st_mtime if manifest and stamp.is_file() else None
    alive = spool.daemon_alive(state_paths(console.station)[1])
    decorate(console, days, role=request.scope["user"].role, daemon_alive=alive, schedule=console.store.schedule())


def rebuild(request, form):
    """'Dựng lại': build one day in the background; the page then shows its progress."""
    console = request.app.state.console
    day = parse_iso_day(str(form.get("ngay", "")), console.now().date())
    if console.rebuilder.start(console, day) is None:
        flash(request, "Đang dựng một ngày khác: chờ xong rồi bấm Dựng lại.")
    else:
        console.audit.record(console.now(), request.scope["user"].name, "rebuild", f"{day:%d/%m/%Y}", "")
    return RedirectResponse(f"/tuan?tu={day.isoformat()}&ngay={day.isoformat()}#dung-lai", status_code=303)


def rebuild_status(request, form):
    return page(request, "_rebuild.html", {"rebuild": request.app.state.console.rebuilder.current})


def programme_audio(request, form):
    """A built programme's file, only when the day's manifest names it (range requests for seeking)."""
    console = request.app.state.console
    day = parse_iso_day(request.path_params["day"], console.now().date())
    name = request.path_params["name"]
    manifest = read_day(console.station.path(console.station.paths.audio_out), day)
    files = {p["file"] for p in manifest["programmes"]} if manifest else set()
    if name not in files:
        return not_found("tệp này")
    return audio_file(console.station.path(console.station.paths.audio_out) / day.isoformat() / name)


ROUTES = [
    route("/tuan", week, roles=EVERYONE),
    route("/tuan/dung-lai", rebuild, roles=EVERYONE, methods=("POST",)),
    route("/tuan/dung-lai", rebuild_status, roles=EVERYONE),
    route("/audio/{day}/{name}", programme_audio, roles=EVERYONE),
]
