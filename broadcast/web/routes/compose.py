"""Soạn thông báo: a form from a template's variables, live preview, "Nghe thử", save or send for approval.

Also "Ghi âm / tải lên": a recording uploaded as a recorded notice (`file:` entry).
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from broadcast.build.toolkit import JOINER_TEMPLATE, URGENT_PREROLL_TEMPLATE
from broadcast.errors import BroadcastError, InputError, MultiError
from broadcast.web import library
from broadcast.web.auth import EVERYONE, route
from broadcast.web.files import audio_file, not_found
from broadcast.web.forms import fields_for, read_form
from broadcast.web.html import flash, page, page_text
from broadcast.web.meta import DAYS, PRIORITIES, meta_from_entry, read_meta
from broadcast.web.store import VersionConflict
from broadcast.web.uploads import upload_body_cap
from broadcast.web.workflow import edited
from broadcast.web.zoneview import choice_context, pickable, read_choice

WRITERS = ("bien-tap",)
# Templates of programme furniture are not announcements the officer writes.
NOTICE_KINDS = ("thong-bao", "khan-cap", "ban-tin")
# The urgent opening ("Thông báo khẩn! Thông báo khẩn!") and the joiner are read by the build itself.
FURNITURE = (URGENT_PREROLL_TEMPLATE, JOINER_TEMPLATE)


def announcement_templates(console) -> list:
    library = console.toolkit.library
    infos = []
    for name in library.names():
        try:
            info = library.get(name)
        except BroadcastError:
            continue
        if info.kind in NOTICE_KINDS and name not in FURNITURE:
            infos.append(info)
    return sorted(infos, key=lambda i: i.title)


def template_info(console, name: str):
    if name not in console.toolkit.library.names():
        raise InputError("Không có mẫu này", hint="chọn mẫu trong danh sách ở trang Soạn thông báo")
    return console.toolkit.library.get(name)


def preview_of(console, template: str, values: dict, fields) -> dict:
    """Written text, spoken text and warnings, as `broadcast preview` shows them; or why not yet."""
    if any(f.error for f in fields):
        return {"ok": False, "message": "Điền đúng các ô được đánh dấu để xem trước."}
    try:
        prepared = console.toolkit.prepare(template, values)
    except InputError as exc:
        return {"ok": False, "message": str(exc)}
    return {"ok": True, "text": prepared.rendered.text, "spoken": prepared.spoken,
            "warnings": list(prepared.warnings), "title": prepared.rendered.title}


def _slot_names(console) -> list[str]:
    try:
        return [s.name for s in console.store.schedule().slots]
    except InputError:
        return []


def _context(console, info, fields, meta, *, errors=None, notice_id="", version="", message="", preview=None):
    return {"info": info, "fields": fields, "meta": meta, "meta_errors": errors or {}, "notice_id": notice_id,
            "version": version, "message": message, "preview": preview, "days": DAYS, "priorities": PRIORITIES,
            "slot_names": _slot_names(console), "copied_from": "", "returned_reason": "",
            **choice_context(pickable(console), meta.get("zones"), (errors or {}).get("zones", ""))}


def pick(request, form):
    console = request.app.state.console
    return page(request, "compose_pick.html", {"templates": announcement_templates(console)})


def _copy_source(console, source_id: str, template: str) -> dict:
    """'Soạn lại từ thông báo này': the values and airing of any announcement of the schedules."""
    for a in console.store.schedule().announcements:
        if a.id == source_id and getattr(a, "template", None) == template:
            priority = getattr(a, "priority", None)
            return {"title": a.title, "values": dict(getattr(a, "values", None) or {}),
                    "slots": list(a.slots or []), "priority": priority.value if priority else None,
                    "zones": list(a.zones) if a.zones else None,
                    "days": [code for i, (code, _) in enumerate(DAYS, start=1) if i in (a.days or ())]}
    raise InputError("Không còn thông báo để soạn lại", hint="chọn lại ở trang Thông báo")


def compose_form(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    notice_id = request.query_params.get("sua", "")
    source_id = request.query_params.get("tu", "")
    entry, copied_from = None, ""
    if notice_id:
        entry = console.store.load(notice_id)
        if entry.get("template") != info.name:
            raise InputError(f"Thông báo này không dùng mẫu \"{info.title}\"", hint="mở lại từ trang Thông báo")
    elif source_id:
        entry = _copy_source(console, source_id, info.name)
        copied_from = entry["title"] or info.title
    meta = meta_from_entry({k: v for k, v in (entry or {}).items() if k not in ("from", "until")} if copied_from
                           else entry, default_title=info.title, today=console.now().date(),
                           slot_names=_slot_names(console))
    meta["zones"] = (entry or {}).get("zones")
    values = (entry or {}).get("values") or {}
    fields = fields_for(info.variables, values, labels=info.field_labels)
    preview = None
    if entry is not None and values:                  # a reopened notice shows what it will read
        _, checked = read_form(info.variables, _as_form(fields), info.field_labels)
        preview = preview_of(console, info.name, values, checked)
    context = _context(console, info, fields, meta, notice_id=notice_id,
                       version=str((entry or {}).get("version", "")) if notice_id else "", preview=preview)
    context.update(copied_from=copied_from,
                   returned_reason=(entry or {}).get("comment", "") if (entry or {}).get("status") == "returned" else "")
    return page(request, "compose.html", context)


def _as_form(fields) -> dict:
    """Fields back into form data, to check saved values the way a submitted form is checked."""
    data = {}
    for f in fields:
        if f.kind == "records":
            for i, row in enumerate(f.rows):
                data.update({f"v.{f.name}.{i}.{col}": cell for col, cell in row.items()})
        else:
            data[f"v.{f.name}"] = f.value
    return data


def compose_save(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form, info.field_labels)
    slot_names = _slot_names(console)
    content, meta, errors = read_meta(form, slot_names=slot_names)
    if zones := pickable(console):            # `zones:` of the notice file; all ticked: every zone
        chosen, zone_error = read_choice(form, zones)
        content["zones"] = meta["zones"] = chosen
        if zone_error:
            errors["zones"] = zone_error
    action = str(form.get("action", "draft"))
    notice_id = str(form.get("id", ""))
    version = str(form.get("version", ""))

    def again(message: str, status: int = 400, preview=None) -> Response:
        ctx = _context(console, info, fields, meta, errors=errors, notice_id=notice_id, version=version,
                       message=message, preview=preview)
        return page(request, "compose.html", ctx, status=status)

    if action == "add-row" or action.startswith("remove-row:"):      # still typing: no error marks yet
        errors.clear()
        for f in fields:
            f.error = ""
            if f.kind == "records" and action == "add-row":
                f.rows.append({name: "" for name in f.spec.fields})
        return again("", status=200)
    preview = preview_of(console, info.name, values, fields)
    if action == "preview":
        return again("", status=200, preview=preview)
    if errors or any(f.error for f in fields) or not preview["ok"]:
        return again("Chưa lưu: sửa các ô được đánh dấu.", preview=preview)
    user = request.scope["user"]
    previous = console.store.load(notice_id) if notice_id else None
    if previous is not None and previous.get("template") != info.name:
        raise InputError("Không đổi mẫu của một thông báo đã có", hint="bấm Soạn lại từ thông báo đó để làm bản mới")
    if not notice_id:
        taken = {a.id for a in console.store.schedule().announcements}
        notice_id = console.store.new_id(content["title"] or info.title, taken)
    entry = edited(previous, {"id": notice_id, "template": info.name, "values": values, **content},
                   author=user.name, submit=action == "submit", now=console.now())
    try:
        saved = console.store.save(entry, expected_version=int(version) if version.isdigit() else None)
    except VersionConflict as exc:
        return again(f"Chưa lưu: {page_text(exc)}", status=409, preview=preview)
    except MultiError as exc:
        return again(f"Chưa lưu: lịch phát sẽ có lỗi. {page_text(exc)}", preview=preview)
    console.audit.record(console.now(), user.name, "submit" if saved["status"] == "pending" else "save-draft",
                         notice_id, f"phiên bản {saved['version']}")
    flash(request, "Đã gửi duyệt." if saved["status"] == "pending" else "Đã lưu nháp.")
    return RedirectResponse(f"/thong-bao?vua-luu={notice_id}#tb-{notice_id}", status_code=303)


def preview_part(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form, info.field_labels)
    return page(request, "_preview.html", {"preview": preview_of(console, info.name, values, fields),
                                           "fields": fields})


def listen_part(request, form):
    """'Nghe thử': render with the station's voice into the cache; the page gets an audio player."""
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form, info.field_labels)
    preview = preview_of(console, info.name, values, fields)
    if not preview["ok"]:
        return page(request, "_listen.html", {"key": "", "message": preview["message"]})
    key, _ = console.listen_file(preview["spoken"], preview["title"])
    return page(request, "_listen.html", {"key": key, "message": ""})


def listen_audio(request, form):
    path = request.app.state.console.cached_listen(request.path_params["key"])
    return not_found("bản nghe thử này") if path is None else audio_file(path)


# -- Ghi âm / tải lên ---------------------------------------------------------------------------

def upload_form(request, form):
    console = request.app.state.console
    meta = meta_from_entry(None, default_title="", today=console.now().date(), slot_names=_slot_names(console))
    return page(request, "upload.html", {"meta": meta, "meta_errors": {}, "message": "", "days": DAYS,
                                         "priorities": PRIORITIES, "slot_names": _slot_names(console),
                                         **choice_context(pickable(console), None)})


def upload_save(request, form):
    console = request.app.state.console
    slot_names = _slot_names(console)
    content, meta, errors = read_meta(form, slot_names=slot_names)
    if not content["title"]:
        errors["title"] = "Bản ghi âm cần tiêu đề (đọc trong lời mở đầu)"
    zones = pickable(console)
    if zones:
        content["zones"], zone_error = read_choice(form, zones)
        if zone_error:
            errors["zones"] = zone_error

    def again(message: str, status: int = 400) -> Response:
        return page(request, "upload.html", {"meta": meta, "meta_errors": errors, "message": message,
                                             "days": DAYS, "priorities": PRIORITIES, "slot_names": slot_names,
                                             **choice_context(zones, content.get("zones"))}, status=status)

    upload = form.get("recording")
    if upload is None or isinstance(upload, str) or not upload.filename:
        errors["recording"] = "Chọn tệp ghi âm"
    if errors:
        return again("Chưa lưu: sửa các ô được đánh dấu.")
    now = console.now()
    try:
        recording = library.save(console, upload.file, upload.filename, now=now)   # checked by content
    except InputError as exc:
        errors["recording"] = str(exc)
        return again("Chưa lưu tệp ghi âm.")
    user = request.scope["user"]
    taken = {a.id for a in console.store.schedule().announcements}
    notice_id = console.store.new_id(content["title"], taken)
    entry = edited(None, {"id": notice_id, "file": recording.relative, **content}, author=user.name,
                   submit=str(form.get("action")) == "submit", now=now)
    try:
        saved = console.store.save(entry, expected_version=None)
    except MultiError as exc:
        recording.path.unlink(missing_ok=True)
        return again(f"Chưa lưu: lịch phát sẽ có lỗi. {page_text(exc)}")
    console.audit.record(now, user.name, "upload", notice_id,
                         f"{recording.relative}, {recording.duration_s:.0f} giây, {saved['status']}")
    flash(request, f"Đã lưu bản ghi âm ({recording.duration_s:.0f} giây).")
    return RedirectResponse(f"/thong-bao?vua-luu={notice_id}#tb-{notice_id}", status_code=303)




ROUTES = [
    route("/soan", pick, roles=WRITERS),
    route("/soan/{template}", compose_form, roles=WRITERS),
    route("/soan/{template}", compose_save, roles=WRITERS, methods=("POST",)),
    route("/soan/{template}/xem-truoc", preview_part, roles=WRITERS, methods=("POST",)),
    route("/soan/{template}/nghe-thu", listen_part, roles=WRITERS, methods=("POST",)),
    route("/nghe/{key}.mp3", listen_audio, roles=EVERYONE),
    route("/tai-len", upload_form, roles=WRITERS),
    route("/tai-len", upload_save, roles=WRITERS, methods=("POST",), max_body=upload_body_cap),
]
