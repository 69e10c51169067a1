"""Trạng thái (daemon heartbeat, next slot, last build, disk, engines) and Quản trị (accounts, settings, audit)."""

from __future__ import annotations

import re
import shutil
from dataclasses import fields
from datetime import date, timedelta

from broadcast.build import engine_options_for, load_plan
from broadcast.errors import BroadcastError
from broadcast.log.asrun import AsRunLog
from broadcast.play import spool
from broadcast.play.state import read_day, state_paths
from broadcast.speak import ENGINES
from broadcast.speak.fallback import engine_report
from broadcast.station.sections import SECTIONS
from broadcast.web.auth import EVERYONE, route
from broadcast.web.html import page
from broadcast.web.zonestatus import zone_status

ENGINE_LABELS = {"espeak": "eSpeak (giọng máy, không cần mạng)", "gtts": "Google (cần mạng)",
                 "edge": "Microsoft Edge (cần mạng)", "piper": "Piper (giọng tự nhiên, không cần mạng)",
                 "fake": "Giọng thử (chỉ để kiểm tra, không phải giọng đọc thật)"}
_TECHNICAL = re.compile(r"\s*\((?:không kết nối được|[A-Za-z]+Error)[^)]*\)|:\s*[A-Za-z]+(?:Error|error)\b.*$")
_PATH = re.compile(r"\s(?:trong|ở|tại)\s/\S+")


def engine_reason(reason: str) -> str:
    """An engine's note without exception names or file paths: 'không có mạng', not '...: gaierror'."""
    text = _PATH.sub(" trong thư mục giọng đọc của đài", _TECHNICAL.sub("", reason or "")).strip()
    return text[:1].upper() + text[1:]


def status_view(console) -> dict:
    station = console.station
    now = console.now()
    log_path, spool_dir = state_paths(station)
    beat = None
    if log_path.is_file():
        with AsRunLog(log_path) as log:
            beat = log.last_event(["heartbeat"])
    upcoming, plan_error = None, ""
    try:
        schedule = console.store.schedule()
        for offset in range(8):
            day = now.date() + timedelta(days=offset)
            later = [p for p in load_plan(console.toolkit, day, schedule=schedule) if p.start > now]
            if later:
                upcoming = later[0]
                break
    except BroadcastError as exc:
        plan_error = str(exc)
    audio_out = station.path(station.paths.audio_out)
    last_build = None
    if audio_out.is_dir():
        for folder in sorted((p for p in audio_out.iterdir() if p.is_dir()), reverse=True)[:14]:
            try:
                manifest = read_day(audio_out, date.fromisoformat(folder.name))
            except (ValueError, BroadcastError):
                continue
            if manifest and (last_build is None or manifest["generated_at"] > last_build["generated_at"]):
                last_build = manifest
    disk = shutil.disk_usage(station.root)
    order = list(station.speech.engines)
    engines = [{"name": ENGINE_LABELS.get(name, name), "ok": ok, "reason": engine_reason(reason),
                "order": order.index(name) + 1 if name in order else None}
               for name, ok, reason in engine_report(list(ENGINES), engine_options_for(station))]
    return {"daemon": spool.daemon_alive(spool_dir), "beat": beat, "upcoming": upcoming,
            "plan_error": plan_error, "last_build": last_build, "free_gb": disk.free / 1e9,
            "total_gb": disk.total / 1e9, "engines": engines, "now": now,
            "player_unit": station.web.player_unit}


def status(request, form):
    console = request.app.state.console
    return page(request, "status.html", {**status_view(console), **zone_status(console)})


def admin_context(console) -> dict:
    settings = []
    for section, cls in SECTIONS.items():
        current = getattr(console.station, section)
        for f in fields(cls):
            value = getattr(current, f.name)
            if "password" in f.name and value:
                value = "••••••"                       # never show a secret
            doc = f.metadata["doc"].replace(" (status: approved)", " trên trang Duyệt")   # the page's words
            settings.append({"key": f"[{section}] {f.name}", "value": value, "doc": doc})
    audit = console.audit.recent(limit=100)
    try:                                   # notices by title, not by file id
        titles = {a.id: a.title or a.id for a in console.store.schedule().announcements}
    except BroadcastError:
        titles = {}
    for row in audit:
        row["target"] = titles.get(row["target"], row["target"])
    return {"accounts": console.accounts.list(), "settings": settings, "audit": audit,
            "message": "", "draft": {"name": "", "role": ""}}


def admin(request, form):
    return page(request, "admin.html", admin_context(request.app.state.console))


ROUTES = [
    route("/trang-thai", status, roles=EVERYONE),
    route("/quan-tri", admin, roles=("quan-tri",)),
]
