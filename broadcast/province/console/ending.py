"""A bulletin already sent: cancel it (the leader; the communes stop airing and repeating it) or replace it.

Replacing writes a new bulletin on the form, filled from the one sent, with a new id and
`replaces:` set: the communes end the old one when the new one arrives (`actions.Commune.receive`).
The cancellation is signed by `Registry.cancel`, as `broadcast province bulletin cancel ID`.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse

from broadcast.errors import InputError
from broadcast.province.console import form as bulletin_form
from broadcast.province.console.html import SENDERS, WRITERS, page, province_route
from broadcast.province.console.pages import form_page, targets_text
from broadcast.web.html import flash

MAX_REASON = 300


def _sent(request):
    console = request.app.state.console
    document = console.registry.document(request.path_params["bulletin_id"])
    if document is None:
        raise InputError("Không có bản tin này", hint="xem danh sách ở trang Bản tin")
    return document


def cancel_form(request, form, *, message: str = "", status: int = 200):
    document = _sent(request)
    return page(request, "bulletin_cancel.html", {"doc": document, "target_text": targets_text(document["targets"]),
                                                  "message": message, "no_key": request.app.state.console.key is None},
                status=status)


def cancel(request, form):
    console = request.app.state.console
    document = _sent(request)
    if console.key is None:
        return cancel_form(request, form, status=409, message="Trang chưa có khóa ký của tỉnh: không hủy được.")
    if form.get("confirm") != "yes":
        return cancel_form(request, form, status=400, message="Chưa xác nhận: đánh dấu ô xác nhận hủy rồi bấm Hủy bản tin.")
    reason = " ".join(str(form.get("reason", "")).split())[:MAX_REASON]
    now = console.now()
    signed = console.registry.cancel(document["id"], console.key, now=now, reason=reason)
    console.audit.record(now, request.scope["user"].name, "bulletin-cancel", document["id"], reason)
    flash(request, f"Đã ký và gửi lệnh hủy số {signed['seq']} cho bản tin {document['id']}: các xã thôi phát.")
    return RedirectResponse("/ban-tin", status_code=303)


def replace(request, form):
    console = request.app.state.console
    document = _sent(request)
    new_id = bulletin_form.next_id(document["id"], lambda i: console.registry.taken(i) or console.drafts.get(i))
    values = bulletin_form.from_document(document, console.tz, new_id=new_id)
    return form_page(request, values, action="/viet", heading=f"Viết bản thay cho «{document['title']}»")


ROUTES = [
    province_route("/ban-tin/{bulletin_id}/huy", cancel_form, roles=SENDERS),
    province_route("/ban-tin/{bulletin_id}/huy", cancel, roles=SENDERS, methods=("POST",)),
    province_route("/ban-tin/{bulletin_id}/thay", replace, roles=WRITERS),
]
