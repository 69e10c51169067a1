"""Thông báo: every announcement with its window, slots, status and who wrote and approved it."""

from __future__ import annotations

from broadcast.errors import InputError
from broadcast.schedule.vocabulary import ANNOUNCEMENT_FOLDER
from broadcast.web.auth import EVERYONE, route
from broadcast.web.html import page
from broadcast.web.routes.week import parse_iso_day
from broadcast.web.workflow import STATUS_LABELS

REVIEW_KEYS = ("author", "submitted_at", "approved_by", "approved_at", "comment", "version")


def notice_rows(console, *, status: str | None = None, day=None) -> list[dict]:
    """Announcements of the schedules, newest window first; only thong-bao/ files are editable here."""
    library = console.toolkit.library
    rows = []
    for a in console.store.schedule().announcements:
        if status and a.status != status:
            continue
        if day is not None and not a.valid_on(day):
            continue
        template = getattr(a, "template", None)
        title = a.title or (library.get(template).title if template else a.id)
        rows.append({"spec": a, "title": title, "review": {k: (getattr(a, "review", {}) or {}).get(k, "") for k in REVIEW_KEYS},
                     "status_label": STATUS_LABELS.get(a.status, a.status),
                     "editable": a.path.startswith(f"{console.station.paths.schedules}/{ANNOUNCEMENT_FOLDER}/")})
    rows.sort(key=lambda r: (r["spec"].valid_from, r["spec"].id), reverse=True)
    return rows


def notices(request, form):
    console = request.app.state.console
    status = request.query_params.get("trang-thai") or None
    if status is not None and status not in STATUS_LABELS:
        raise InputError(f"trạng thái '{status[:20]}' không có", hint="chọn: " + ", ".join(STATUS_LABELS))
    raw_day = request.query_params.get("ngay") or None
    day = parse_iso_day(raw_day, console.now().date()) if raw_day else None
    context = {"status": status or "", "day": raw_day or "", "rows": [], "errors": None}
    try:
        context["rows"] = notice_rows(console, status=status, day=day)
    except InputError as exc:
        context["errors"] = str(exc)
    return page(request, "notices.html", context)


ROUTES = [route("/thong-bao", notices, roles=EVERYONE)]
