"""A draft from a CAP 1.2 alert uploaded on the page: `cap.parse_alert` (defusedxml, at most 1 MB, read by
its content, never by its name or type) and `cap_draft.draft`, as `bulletin from-cap`; the draft is
kept for a person to review, edit and send. Nothing is sent from here."""

from __future__ import annotations

import re

from starlette.responses import RedirectResponse

from broadcast.errors import InputError
from broadcast.province.bulletins.cap import MAX_BYTES, parse_alert
from broadcast.province.bulletins.cap_draft import draft
from broadcast.province.console import form as bulletin_form
from broadcast.province.console.html import WRITERS, page, province_route
from broadcast.web.html import page_text

UPLOAD_CAP = MAX_BYTES + (64 << 10)          # the alert and the multipart framing around it
_ID_LINE = re.compile(r"^id: .*$", re.MULTILINE)
_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def upload_form(request, form, *, error: str = "", status: int = 200):
    area = request.app.state.console.area
    return page(request, "cap_upload.html", {"error": error, "area_set": area.configured,
                                             "max_kb": MAX_BYTES >> 10}, status=status)


def upload(request, form):
    console = request.app.state.console
    upload = form.get("alert")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return upload_form(request, form, status=400, error="Chọn tệp cảnh báo CAP (.xml) rồi bấm Soạn nháp.")
    data = upload.file.read(MAX_BYTES + 1)
    name = _FILE_NAME.sub("-", upload.filename)[:100]
    try:
        if len(data) > MAX_BYTES:
            raise InputError(f"tệp cảnh báo lớn quá {MAX_BYTES >> 10} KB")
        text = draft(parse_alert(data, where=name), tz=console.tz, area=console.area, source=name)
    except InputError as exc:
        return upload_form(request, form, status=400, error=f"Không soạn được nháp từ {name}: {page_text(exc)}")
    draft_id = bulletin_form.from_yaml(text)["id"]
    taken = lambda i: console.registry.taken(i) or console.drafts.get(i) is not None  # noqa: E731
    if taken(draft_id):                  # the same alert again, or an update of it: a new draft beside
        draft_id = bulletin_form.next_id(draft_id, taken)
        text = _ID_LINE.sub(f'id: "{draft_id}"', text, count=1)
    now = console.now()
    console.drafts.save(draft_id, text, author=request.scope["user"].name, now=now, source="cap")
    console.audit.record(now, request.scope["user"].name, "cap-draft", draft_id, name)
    return RedirectResponse(f"/nhap/{draft_id}", status_code=303)


ROUTES = [
    province_route("/cap", upload_form, roles=WRITERS),
    province_route("/cap", upload, roles=WRITERS, methods=("POST",), max_body=UPLOAD_CAP),
]
