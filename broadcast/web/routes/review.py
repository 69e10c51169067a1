"""Duyệt: the approver's queue with written text, spoken text and a player; approve, or return with a comment."""

from __future__ import annotations

from starlette.responses import RedirectResponse

from broadcast.errors import InputError, MultiError
from broadcast.station.paths import OutsideStationError, confined
from broadcast.web.auth import EVERYONE, route
from broadcast.web.files import audio_file, not_found
from broadcast.web.html import flash, page, page_text
from broadcast.web.store import VersionConflict
from broadcast.web.workflow import approve, send_back

APPROVERS = ("duyet",)


def queue(console) -> list[dict]:
    """Pending announcements of thong-bao/, oldest submission first, each with what will be read."""
    items = []
    for spec in console.store.schedule().announcements:
        if spec.status != "pending" or not console.store.exists(spec.id):
            continue
        entry = console.store.load(spec.id)
        item = {"id": spec.id, "entry": entry, "spec": spec, "text": "", "spoken": "", "warnings": [],
                "recording": bool(entry.get("file"))}
        if not item["recording"]:
            prepared = console.toolkit.prepare(spec.template, spec.values)
            item.update(text=prepared.rendered.text, spoken=prepared.spoken, warnings=list(prepared.warnings))
            item["title"] = spec.title or prepared.rendered.title
        else:
            item["title"] = entry.get("title", spec.id)
        items.append(item)
    return sorted(items, key=lambda i: str(i["entry"].get("submitted_at", "")))


def review(request, form, *, card_error: tuple[str, str] | None = None, status: int = 200):
    """The queue; `card_error` (notice id, message) shows a refused decision on its own card."""
    console = request.app.state.console
    context = {"items": [], "errors": None, "me": request.scope["user"].name,
               "allow_self": console.station.web.allow_self_approval, "card_error": card_error or ("", "")}
    try:
        context["items"] = queue(console)
    except InputError as exc:
        context["errors"] = page_text(exc)
    return page(request, "review.html", context, status=status)


def decide(request, form):
    console = request.app.state.console
    notice_id = request.path_params["notice_id"]
    entry = console.store.load(notice_id)
    user = request.scope["user"]
    version = str(form.get("version", ""))
    allow_self = console.station.web.allow_self_approval
    now = console.now()
    try:
        if form.get("action") == "approve":
            decided, action = approve(entry, approver=user.name, now=now, allow_self=allow_self), "approve"
        else:
            decided = send_back(entry, approver=user.name, now=now, comment=str(form.get("comment", "")),
                                allow_self=allow_self)
            action = "return"
    except InputError as exc:                 # said on the card, the approver stays on Duyệt
        message = exc.message[:1].upper() + exc.message[1:] + (f": {exc.hint}." if exc.hint else ".")
        return review(request, form, card_error=(notice_id, message), status=400)
    try:
        saved = console.store.save(decided, expected_version=int(version) if version.isdigit() else -1)
    except (VersionConflict, MultiError) as exc:
        flash(request, f"Chưa ghi: {page_text(exc)}")
        return RedirectResponse("/duyet", status_code=303)
    console.audit.record(now, user.name, action, notice_id, saved.get("comment", ""))
    flash(request, "Đã duyệt: thông báo sẽ được phát." if action == "approve" else "Đã trả lại cho người viết.")
    return RedirectResponse("/duyet", status_code=303)


def listen_notice(request, form):
    """The approver's 'Nghe': the announcement as the station's voice reads it (cached)."""
    console = request.app.state.console
    notice_id = request.path_params["notice_id"]
    entry = console.store.load(notice_id)
    if entry.get("file"):
        return page(request, "_listen.html", {"key": "", "src": f"/ban-ghi/{notice_id}", "message": ""})
    prepared = console.toolkit.prepare(entry["template"], entry.get("values") or {})
    key, _ = console.listen_file(prepared.spoken, prepared.rendered.title)
    return page(request, "_listen.html", {"key": key, "message": ""})


def recording(request, form):
    """A recorded notice's file, only inside the station's recordings folder."""
    console = request.app.state.console
    entry = console.store.load(request.path_params["notice_id"])
    root = console.station.root
    try:
        path = confined(root, str(entry.get("file") or ""))
        folder = confined(root, console.station.web.recordings)
    except OutsideStationError:
        path = folder = None
    if path is None or not path.is_relative_to(folder) or not path.is_file():
        return not_found("bản ghi này")
    return audio_file(path)


ROUTES = [
    route("/duyet", review, roles=APPROVERS),
    route("/duyet/{notice_id}", decide, roles=APPROVERS, methods=("POST",)),
    route("/duyet/{notice_id}/nghe", listen_notice, roles=EVERYONE, methods=("POST",)),
    route("/ban-ghi/{notice_id}", recording, roles=EVERYONE),
]
