"""Bản tin: the bulletins sent and the drafts; write one, review it, send it (the leader), edit or drop a draft.

Every bulletin is a draft first: the form is checked by `bulletin add`'s reader (`form.check`) and
kept as the YAML that command reads; "Gửi" reads that YAML again (`yamlfile.parse_bulletin`) and
signs it with `Registry.add`, exactly what `broadcast province bulletin add FILE` does, so the
commune cannot tell a bulletin sent from the page from one sent from the command line. A khẩn cấp
bulletin is sent only with its confirmation box ticked.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse

from broadcast.errors import InputError
from broadcast.province.bulletins.dashboard import deliveries
from broadcast.province.bulletins.document import moment
from broadcast.province.bulletins.yamlfile import check_bulletin, parse_bulletin
from broadcast.province.console import form as bulletin_form
from broadcast.province.console.html import EVERYONE, SENDERS, WRITERS, page, province_route
from broadcast.web.html import flash, page_text


def bulletin_list(request, form):
    console = request.app.state.console
    now = console.now()
    sent = [_row(console, b, now) for b in reversed(console.registry.listing())]
    return page(request, "bulletins.html", {"sent": sent, "drafts": console.drafts.listing(),
                                            "can_send": request.scope["user"].role in SENDERS,
                                            "can_write": request.scope["user"].role in WRITERS})


def _row(console, bulletin: dict[str, Any], now) -> dict[str, Any]:
    start, end = moment(bulletin["valid_from"]), moment(bulletin["expires"])
    if bulletin["ended"]:
        state = bulletin["ended"]
    elif now >= end:
        state = "hết hạn"
    elif now < start:
        state = "chưa đến giờ"
    else:
        state = "đang hiệu lực"
    rows = deliveries(console.reports, bulletin["id"])
    aired = [r for r in rows if r["first_aired_at"]]
    delays = [r["delay_s"] for r in aired if r["delay_s"] is not None]
    return {**bulletin, "state": state, "active": state in ("đang hiệu lực", "chưa đến giờ"),
            "start": start.astimezone(console.tz), "end": end.astimezone(console.tz),
            "target_text": targets_text(bulletin["targets"]), "received": len(rows), "aired": len(aired),
            "worst_delay": max(delays) if delays else None}


def targets_text(targets: dict[str, Any]) -> str:
    if "communes" in targets:
        return "xã " + ", ".join(targets["communes"])
    if "tag" in targets:
        return f"các xã có nhãn {targets['tag']}"
    return "mọi xã"


def form_page(request, values: dict[str, str], *, action: str, heading: str, errors: dict[str, str] | None = None,
              status: int = 200):
    console = request.app.state.console
    errors = errors or {}
    return page(request, "bulletin_form.html", {
        "values": values, "errors": errors, "action": action, "heading": heading,
        "levels": bulletin_form.LEVEL_CHOICES, "communes": console.communes(),
        "message": "Chưa lưu: sửa các ô được đánh dấu." if errors else ""}, status=status)


def write(request, form):
    console = request.app.state.console
    return form_page(request, bulletin_form.blank(console.now()), action="/viet", heading="Viết bản tin")


def save_new(request, form):
    return _save(request, form, old_id=None, action="/viet", heading="Viết bản tin")


def edit(request, form):
    draft = _draft(request)
    return form_page(request, bulletin_form.from_yaml(draft.text), action=f"/nhap/{draft.id}/sua",
                     heading="Sửa bản nháp")


def save_edit(request, form):
    draft = _draft(request)
    return _save(request, form, old_id=draft.id, action=f"/nhap/{draft.id}/sua", heading="Sửa bản nháp")


def _save(request, form, *, old_id: str | None, action: str, heading: str):
    """Check the form with `bulletin add`'s reader; a draft is stored only when nothing is wrong."""
    console = request.app.state.console
    now = console.now()
    values = bulletin_form.from_form(form)
    text, document, errors = bulletin_form.check(values, now=now, tz=console.tz, folder=console.state)
    if "id" not in errors and console.registry.taken(document["id"]):
        errors["id"] = f"Mã '{document['id']}' đã dùng cho một bản tin đã gửi: đặt mã khác"
    replaced = document.get("replaces")
    if replaced and "replaces" not in errors and console.registry.document(replaced) is None:
        errors["replaces"] = f"Không có bản tin '{replaced}' đã gửi để thay"
    if not errors:
        try:
            console.drafts.save(document["id"], text, author=request.scope["user"].name, now=now, old_id=old_id)
        except InputError as exc:
            errors["id"] = page_text(exc)
    if errors:
        return form_page(request, values, action=action, heading=heading, errors=errors, status=400)
    console.audit.record(now, request.scope["user"].name, "bulletin-draft", document["id"], document["title"])
    return RedirectResponse(f"/nhap/{document['id']}", status_code=303)


def _draft(request):
    draft = request.app.state.console.drafts.get(request.path_params["draft_id"])
    if draft is None:
        raise InputError("Không có bản nháp này (có thể đã gửi hoặc đã xóa)", hint="xem danh sách ở trang Bản tin")
    return draft


def review_page(request, draft, *, message: str = "", status: int = 200):
    """The draft as the communes will get it, its notes (a CAP draft's), what is still wrong, and Gửi."""
    console = request.app.state.console
    checked = check_bulletin(draft.text, "bản nháp", folder=console.state, tz=console.tz, now=console.now())
    document = checked.document
    notes = [line[1:].strip() for line in draft.text.splitlines() if line.startswith("#")]
    return page(request, "bulletin_review.html", {
        "draft": draft, "doc": document, "notes": notes, "message": message,
        "problems": [bulletin_form.field_message(error) for _, error in checked.problems],
        "start": moment(document.get("valid_from")), "end": moment(document.get("expires")),
        "target_text": targets_text(document["targets"]), "tz": console.tz,
        "can_send": request.scope["user"].role in SENDERS and console.key is not None,
        "no_key": console.key is None}, status=status)


def review(request, form):
    return review_page(request, _draft(request))


def send(request, form):
    """Sign and send a draft: `bulletin add`'s reader and `Registry.add`, nothing else."""
    console = request.app.state.console
    draft = _draft(request)
    if console.key is None:
        return review_page(request, draft, status=409, message="Trang chưa có khóa ký của tỉnh: người quản trị "
                           "khởi động lại trang với --key để gửi được.")
    now = console.now()
    try:
        document, recording = parse_bulletin(draft.text, f"bản nháp {draft.id}", folder=console.state,
                                             tz=console.tz, now=now)
        if recording is not None:
            raise InputError("bản nháp trên trang không mang tệp ghi âm", hint="gửi bản tin ghi âm bằng lệnh bulletin add")
        if document["level"] == "khan-cap" and form.get("confirm") != "yes":
            return review_page(request, draft, status=400, message="Chưa xác nhận: đánh dấu ô xác nhận gửi bản tin "
                               "khẩn cấp rồi bấm Gửi lần nữa.")
        signed = console.registry.add(document, console.key, now=now, province=console.province)
    except InputError as exc:
        return review_page(request, draft, status=400, message=f"Chưa gửi: {page_text(exc)}")
    console.drafts.delete(draft.id)
    console.audit.record(now, request.scope["user"].name, "bulletin-send", signed["id"], f"số {signed['seq']}")
    flash(request, f"Đã ký và gửi bản tin số {signed['seq']}: {signed['title']}. Các xã nhận ngay khi đang kết nối.")
    return RedirectResponse("/ban-tin", status_code=303)


def delete(request, form):
    console = request.app.state.console
    draft = _draft(request)
    console.drafts.delete(draft.id)
    console.audit.record(console.now(), request.scope["user"].name, "bulletin-draft-delete", draft.id)
    flash(request, f"Đã xóa bản nháp {draft.id}.")
    return RedirectResponse("/ban-tin", status_code=303)


ROUTES = [
    province_route("/ban-tin", bulletin_list, roles=EVERYONE),
    province_route("/viet", write, roles=WRITERS),
    province_route("/viet", save_new, roles=WRITERS, methods=("POST",)),
    province_route("/nhap/{draft_id}", review, roles=EVERYONE),
    province_route("/nhap/{draft_id}/sua", edit, roles=WRITERS),
    province_route("/nhap/{draft_id}/sua", save_edit, roles=WRITERS, methods=("POST",)),
    province_route("/nhap/{draft_id}/gui", send, roles=SENDERS, methods=("POST",)),
    province_route("/nhap/{draft_id}/xoa", delete, roles=WRITERS, methods=("POST",)),
]
