"""Thông báo: every announcement, searched and filtered; delete a draft, withdraw one that airs, write again from one.

A withdrawn announcement leaves `schedules/thong-bao/` (so it stops airing at once) for
`var/web/da-rut/`, and the audit keeps who withdrew it, when and why.
"""

from __future__ import annotations

import unicodedata

from starlette.responses import RedirectResponse

from broadcast.atomic import write_text_atomic
from broadcast.errors import InputError, MultiError
from broadcast.schedule.vocabulary import ANNOUNCEMENT_FOLDER
from broadcast.web.auth import EVERYONE, route
from broadcast.web.html import flash, page, page_text
from broadcast.web.routes.week import parse_iso_day
from broadcast.web.store import VersionConflict, dump_entry
from broadcast.web.workflow import STATUS_LABELS

REVIEW_KEYS = ("author", "submitted_at", "approved_by", "approved_at", "comment", "version")
WITHDRAWERS = ("bien-tap", "duyet")


def _folded(text: str) -> str:
    """Lower case without diacritics: 'hop thon' finds 'Họp thôn'."""
    key = unicodedata.normalize("NFD", str(text).lower()).replace("đ", "d")
    return "".join(c for c in key if not unicodedata.combining(c))


def notice_rows(console, *, status: str | None = None, day=None, query: str = "", template: str = "") -> list[dict]:
    """Announcements of the schedules, newest window first; only thong-bao/ files are editable here."""
    library = console.toolkit.library
    needle = _folded(" ".join(query.split()))
    rows = []
    for a in console.store.schedule().announcements:
        if status and a.status != status:
            continue
        if day is not None and not a.valid_on(day):
            continue
        a_template = getattr(a, "template", None) or ""
        if template and a_template != template:
            continue
        title = a.title or (library.get(a_template).title if a_template else a.id)
        if needle:
            haystack = " ".join([title, a_template, *(str(v) for v in (getattr(a, "values", None) or {}).values())])
            if needle not in _folded(haystack):
                continue
        rows.append({"spec": a, "title": title, "review": {k: (getattr(a, "review", {}) or {}).get(k, "") for k in REVIEW_KEYS},
                     "status_label": STATUS_LABELS.get(a.status, a.status),
                     "editable": a.path.startswith(f"{console.station.paths.schedules}/{ANNOUNCEMENT_FOLDER}/")})
    rows.sort(key=lambda r: (r["spec"].valid_from, r["spec"].id), reverse=True)
    return rows


def notices(request, form):
    console = request.app.state.console
    params = request.query_params
    status = params.get("trang-thai") or None
    if status is not None and status not in STATUS_LABELS:
        status = None
    raw_day = (params.get("ngay") or "").strip()
    query, template = (params.get("tim") or "")[:100], (params.get("mau") or "")[:60]
    context = {"status": status or "", "day": raw_day, "query": query, "template": template, "rows": [],
               "errors": None, "day_error": "", "saved": params.get("vua-luu", ""),
               "templates": _templates_in_use(console)}
    day = None
    if raw_day:
        try:
            day = parse_iso_day(raw_day, console.now().date())
        except InputError as exc:
            context["day_error"] = f"{exc.message} ({exc.hint})"
    try:
        context["rows"] = notice_rows(console, status=status, day=day, query=query, template=template)
    except InputError as exc:
        context["errors"] = page_text(exc)
    return page(request, "notices.html", context)


def _templates_in_use(console) -> list[tuple[str, str]]:
    library = console.toolkit.library
    out = []
    for name in library.names():
        try:
            info = library.get(name)
        except InputError:
            continue
        if info.kind in ("thong-bao", "khan-cap", "ban-tin"):
            out.append((name, info.title))
    return sorted(out, key=lambda pair: pair[1])


def _entry_and_version(console, form, notice_id):
    entry = console.store.load(notice_id)
    version = str(form.get("version", ""))
    return entry, int(version) if version.isdigit() else -1


def delete_draft(request, form):
    """Xóa: only a draft or a returned announcement (one that never aired as approved)."""
    console = request.app.state.console
    notice_id = request.path_params["notice_id"]
    entry, version = _entry_and_version(console, form, notice_id)
    if entry.get("status") not in ("draft", "returned"):
        flash(request, "Chỉ xóa được bản nháp hoặc bản bị trả lại; thông báo đã gửi duyệt thì dùng nút Rút.")
        return RedirectResponse(f"/thong-bao#tb-{notice_id}", status_code=303)
    try:
        console.store.remove(notice_id, expected_version=version)
    except (VersionConflict, MultiError) as exc:
        flash(request, f"Chưa xóa: {page_text(exc)}")
        return RedirectResponse("/thong-bao", status_code=303)
    title = entry.get("title") or notice_id
    console.audit.record(console.now(), request.scope["user"].name, "delete", title, "")
    flash(request, f"Đã xóa bản nháp: {title}.")
    return RedirectResponse("/thong-bao", status_code=303)


def withdraw(request, form):
    """Rút: the announcement stops airing now; a copy and the audit keep what it was."""
    console = request.app.state.console
    notice_id = request.path_params["notice_id"]
    entry, version = _entry_and_version(console, form, notice_id)
    reason = " ".join(str(form.get("reason", "")).split())[:300]
    user, now = request.scope["user"], console.now()
    archive = console.station.path(console.station.paths.state) / "web" / "da-rut"
    archive.mkdir(parents=True, exist_ok=True)
    kept = {**entry, "withdrawn_by": user.name, "withdrawn_at": now.isoformat(timespec="seconds"),
            "withdrawn_reason": reason}
    write_text_atomic(archive / f"{notice_id}-{now:%Y%m%d%H%M%S}.yaml", dump_entry(kept).decode("utf-8"))
    try:
        console.store.remove(notice_id, expected_version=version)
    except (VersionConflict, MultiError) as exc:
        flash(request, f"Chưa rút: {page_text(exc)}")
        return RedirectResponse("/thong-bao", status_code=303)
    title = entry.get("title") or notice_id
    console.audit.record(now, user.name, "withdraw", title, reason)
    flash(request, f"Đã rút thông báo \"{title}\": không phát nữa. Trang Tài khoản (quản trị) giữ lại ai rút, lúc nào.")
    return RedirectResponse("/thong-bao", status_code=303)


ROUTES = [
    route("/thong-bao", notices, roles=EVERYONE),
    route("/thong-bao/{notice_id}/xoa", delete_draft, roles=("bien-tap",), methods=("POST",)),
    route("/thong-bao/{notice_id}/rut", withdraw, roles=WITHDRAWERS, methods=("POST",)),
]
