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

_REPORT_FILE = re.compile(r"^report-[0-9A-Za-z_-]{4,40}\.(md|csv|docx|xlsx|png)$")
REPORT_TYPES = {".md": "text/markdown; charset=utf-8", ".csv": "text/csv; charset=utf-8",
                ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".png": "image/png"}
REPORT_KINDS = ((".docx", "Văn bản để ký (Word)"), (".xlsx", "Bảng tính (Excel)"), (".png", "Biểu đồ"),
                (".csv", "Bảng số liệu (CSV)"), (".md", "Bản xem nhanh"))


def aired(request, form):
    console = request.app.state.console
    day_error = ""
    try:
        day = parse_iso_day(request.query_params.get("ngay"), console.now().date())
    except InputError as exc:
        day, day_error = console.now().date(), f"{exc.message} ({exc.hint}): đang xem hôm nay."
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
    return page(request, "aired.html", {"day": day, "rows": rows, "status": status, "labels": AIR_LABELS,
                                        "day_error": day_error})


def _report_dir(console):
    return console.station.path(console.station.report.out_dir)


def _slug_label(slug: str) -> str:
    """'2026-12' → 'Tháng 12/2026', '2026-Q4' → 'Quý IV/2026', '2026-12-01_2026-12-14' → 'Từ 01/12/2026 đến 14/12/2026'."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", slug):
        return f"Tháng {int(m.group(2))}/{m.group(1)}"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", slug):
        return f"Quý {('I', 'II', 'III', 'IV')[int(m.group(2)) - 1]}/{m.group(1)}"
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})_(\d{4})-(\d{2})-(\d{2})", slug):
        a, b, c, d, e, f = m.groups()
        return f"Từ {c}/{b}/{a} đến {f}/{e}/{d}"
    return slug


def report_sets(folder) -> list[dict]:
    """The reports made, newest first: one row per period with each of its files (DOCX, XLSX, chart...)."""
    if not folder.is_dir():
        return []
    by_slug: dict[str, dict[str, str]] = {}
    for p in folder.iterdir():
        if _REPORT_FILE.fullmatch(p.name):
            slug, suffix = p.stem.removeprefix("report-").removesuffix("-bieu-do"), p.suffix
            by_slug.setdefault(slug, {})[suffix] = p.name
    return [{"label": _slug_label(slug), "slug": slug,
             "files": [(by_slug[slug][suffix], label) for suffix, label in REPORT_KINDS if suffix in by_slug[slug]],
             "chart": by_slug[slug].get(".png", "")}
            for slug in sorted(by_slug, reverse=True)]


def reports(request, form, *, message: str = "", status: int = 200):
    console = request.app.state.console
    today = console.now().date()
    first = today.replace(day=1)
    return page(request, "report.html", {
        "sets": report_sets(_report_dir(console)), "month": f"{today:%m/%Y}",
        "quarter": f"Q{(today.month - 1) // 3 + 1}/{today.year}", "start": f"{first:%d/%m/%Y}",
        "end": f"{today:%d/%m/%Y}", "message": message}, status=status)


def make_report(request, form):
    """The same steps as `broadcast report`: the log's rows of the period, computed, written."""
    console = request.app.state.console
    station = console.station
    kind = form.get("kind")
    month = str(form.get("month", "")).strip() if kind == "month" else None
    quarter = str(form.get("quarter", "")).strip() if kind == "quarter" else None
    start = str(form.get("start", "")).strip() if kind == "range" else None
    end = str(form.get("end", "")).strip() if kind == "range" else None
    if not (month or quarter or start or end):
        return reports(request, form, status=400, message="Chọn tháng (ví dụ 12/2026), quý (ví dụ Q4/2026) "
                                                          "hoặc từ ngày đến ngày (DD/MM/YYYY).")
    try:
        period = parse_period(month, quarter, start, end, station.report.cutoff)
    except InputError as exc:
        text = str(exc).replace("--from", "từ ngày").replace("--to", "đến ngày")
        return reports(request, form, status=400, message=text[:1].upper() + text[1:] + ".")
    log_path = state_paths(station)[0]
    rows = []
    if log_path.is_file():
        with AsRunLog(log_path) as log:
            rows = log.rows(period.start, period.end)
    report = compute_report(rows, period, generated_on=console.now().date())
    files = write_report_files(report, ReportSettings.from_station(station), _report_dir(console))
    console.audit.record(console.now(), request.scope["user"].name, "report", period.label,
                         ", ".join(f.name for f in files))
    flash(request, f"Đã lập báo cáo {period.label}: tải về ở danh sách bên dưới.")
    return RedirectResponse(f"/bao-cao#bc-{period.slug}", status_code=303)


def download(request, form):
    name = request.path_params["name"]
    kind = REPORT_TYPES.get(name[name.rfind("."):], "application/octet-stream")
    inline = request.query_params.get("xem") == "1" and name.endswith(".png")     # the chart shown on the page
    return file_in(_report_dir(request.app.state.console), name, _REPORT_FILE, what="báo cáo này",
                   media_type=kind, download=not inline)


ROUTES = [
    route("/da-phat", aired, roles=EVERYONE),
    route("/bao-cao", reports, roles=EVERYONE),
    route("/bao-cao", make_report, roles=("bien-tap", "duyet"), methods=("POST",)),
    route("/bao-cao/tai/{name}", download, roles=EVERYONE),
]
