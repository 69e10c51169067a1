"""Đã phát (the as-run log of a day) and Báo cáo (make and download the month or quarter report)."""

from __future__ import annotations

import re

from starlette.responses import RedirectResponse

from broadcast.errors import InputError
from broadcast.log.asrun import STATUS_LABELS as AIR_LABELS
from broadcast.log.asrun import AsRunLog
from broadcast.log.causes import shown_error
from broadcast.play.state import state_paths
from broadcast.report import ReportSettings, compute_report, parse_period, write_report_files
from broadcast.web.auth import EVERYONE, route
from broadcast.web.files import file_in
from broadcast.web.html import flash, page
from broadcast.web.routes.week import parse_iso_day

_REPORT_FILE = re.compile(r"^report-[0-9A-Za-z_-]{4,40}\.(md|csv|docx)$")
REPORT_TYPES = {".md": "text/markdown; charset=utf-8", ".csv": "text/csv; charset=utf-8",
                ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def aired(request, form):
    console = request.app.state.console
    day = parse_iso_day(request.query_params.get("ngay"), console.now().date())
    status = request.query_params.get("trang-thai") or ""
    log_path = state_paths(console.station)[0]
    rows = []
    if log_path.is_file():
        with AsRunLog(log_path) as log:
            rows = log.rows(day, day)
    if status:
        keep = {r["id"] for r in rows if r["kind"] == "programme" and r["status"] == status}
        rows = [r for r in rows if r["id"] in keep or r.get("parent_id") in keep]
    for r in rows:
        r["status_label"] = AIR_LABELS.get(r["status"], r["status"])
        r["error"] = shown_error(r)             # an old row may still hold ffmpeg's English
    return page(request, "aired.html", {"day": day, "rows": rows, "status": status, "labels": AIR_LABELS})


def _report_dir(console):
    return console.station.path(console.station.report.out_dir)


def reports(request, form):
    console = request.app.state.console
    folder = _report_dir(console)
    files = sorted((p.name for p in folder.iterdir() if _REPORT_FILE.fullmatch(p.name)), reverse=True) \
        if folder.is_dir() else []
    today = console.now().date()
    return page(request, "report.html", {"files": files, "month": f"{today:%Y-%m}",
                                         "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}"})


def make_report(request, form):
    """The same steps as `broadcast report`: the log's rows of the period, computed, written."""
    console = request.app.state.console
    station = console.station
    kind = form.get("kind")
    month = str(form.get("month", "")).strip() if kind == "month" else None
    quarter = str(form.get("quarter", "")).strip() if kind == "quarter" else None
    if not (month or quarter):
        raise InputError("chọn tháng (YYYY-MM) hoặc quý (YYYY-Qn)")
    period = parse_period(month, quarter, None, None, station.report.cutoff)
    log_path = state_paths(station)[0]
    rows = []
    if log_path.is_file():
        with AsRunLog(log_path) as log:
            rows = log.rows(period.start, period.end)
    report = compute_report(rows, period, generated_on=console.now().date())
    files = write_report_files(report, ReportSettings.from_station(station), _report_dir(console))
    console.audit.record(console.now(), request.scope["user"].name, "report", month or quarter,
                         ", ".join(f.name for f in files))
    flash(request, "Đã lập báo cáo: " + ", ".join(f.name for f in files))
    return RedirectResponse("/bao-cao", status_code=303)


def download(request, form):
    name = request.path_params["name"]
    kind = REPORT_TYPES.get(name[name.rfind("."):], "application/octet-stream")
    return file_in(_report_dir(request.app.state.console), name, _REPORT_FILE, what="báo cáo này",
                   media_type=kind, download=True)


ROUTES = [
    route("/da-phat", aired, roles=EVERYONE),
    route("/bao-cao", reports, roles=EVERYONE),
    route("/bao-cao", make_report, roles=("bien-tap", "duyet"), methods=("POST",)),
    route("/bao-cao/tai/{name}", download, roles=EVERYONE),
]
