"""Soạn thông báo: a form from a template's variables, live preview, "Nghe thử", save or send for approval.

Also "Ghi âm / tải lên": a recording uploaded as a recorded notice (`file:` entry).
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from broadcast.build.toolkit import JOINER_TEMPLATE, URGENT_PREROLL_TEMPLATE
from broadcast.errors import BroadcastError, InputError, MultiError
from broadcast.web.auth import EVERYONE, route
from broadcast.web.files import audio_file, not_found
from broadcast.web.forms import fields_for, read_form
from broadcast.web.html import flash, page
from broadcast.web.meta import DAYS, PRIORITIES, meta_from_entry, read_meta
from broadcast.web.store import VersionConflict
from broadcast.web.uploads import store_upload, upload_body_cap
from broadcast.web.workflow import edited

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
        raise InputError(f"không có mẫu '{name[:60]}'", hint="chọn mẫu trong danh sách ở trang Soạn thông báo")
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
            "slot_names": _slot_names(console)}


def pick(request, form):
    console = request.app.state.console
    return page(request, "compose_pick.html", {"templates": announcement_templates(console)})


def compose_form(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    notice_id = request.query_params.get("sua", "")
    entry = None
    if notice_id:
        entry = console.store.load(notice_id)
        if entry.get("template") != info.name:
            raise InputError(f"thông báo '{notice_id}' không dùng mẫu {info.name}")
    meta = meta_from_entry(entry, default_title=info.title, today=console.now().date(),
                           slot_names=_slot_names(console))
    fields = fields_for(info.variables, (entry or {}).get("values"))
    return page(request, "compose.html", _context(console, info, fields, meta, notice_id=notice_id,
                                                  version=str((entry or {}).get("version", ""))))


def compose_save(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form)
    slot_names = _slot_names(console)
    content, meta, errors = read_meta(form, slot_names=slot_names)
    action = str(form.get("action", "draft"))
    notice_id = str(form.get("id", ""))
    version = str(form.get("version", ""))

    def again(message: str, status: int = 400, preview=None) -> Response:
        ctx = _context(console, info, fields, meta, errors=errors, notice_id=notice_id, version=version,
                       message=message, preview=preview)
        return page(request, "compose.html", ctx, status=status)

    if action == "add-row":                  # still typing: no error marks yet
        errors.clear()
        for f in fields:
            f.error = ""
            if f.kind == "records":
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
        raise InputError("không đổi mẫu của một thông báo đã có; hãy soạn thông báo mới")
    if not notice_id:
        taken = {a.id for a in console.store.schedule().announcements}
        notice_id = console.store.new_id(content["title"] or info.title, taken)
    entry = edited(previous, {"id": notice_id, "template": info.name, "values": values, **content},
                   author=user.name, submit=action == "submit", now=console.now())
    try:
        saved = console.store.save(entry, expected_version=int(version) if version.isdigit() else None)
    except VersionConflict as exc:
        return again(f"Chưa lưu: {exc}", status=409, preview=preview)
    except MultiError as exc:
        return again(f"Chưa lưu: lịch phát sẽ có lỗi. {exc}", preview=preview)
    console.audit.record(console.now(), user.name, "submit" if saved["status"] == "pending" else "save-draft",
                         notice_id, f"phiên bản {saved['version']}")
    flash(request, "Đã gửi duyệt." if saved["status"] == "pending" else "Đã lưu nháp.")
    return RedirectResponse("/thong-bao", status_code=303)


def preview_part(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form)
    return page(request, "_preview.html", {"preview": preview_of(console, info.name, values, fields),
                                           "fields": fields})


def listen_part(request, form):
    """'Nghe thử': render with the station's voice into the cache; the page gets an audio player."""
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form)
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
                                         "priorities": PRIORITIES, "slot_names": _slot_names(console)})


def upload_save(request, form):
    console = request.app.state.console
    slot_names = _slot_names(console)
    content, meta, errors = read_meta(form, slot_names=slot_names)
    if not content["title"]:
        errors["title"] = "bản ghi âm cần tiêu đề (đọc trong lời mở đầu)"

    def again(message: str, status: int = 400) -> Response:
        return page(request, "upload.html", {"meta": meta, "meta_errors": errors, "message": message,
                                             "days": DAYS, "priorities": PRIORITIES, "slot_names": slot_names},
                    status=status)

    upload = form.get("recording")
    if upload is None or isinstance(upload, str) or not upload.filename:
        errors["recording"] = "chọn tệp ghi âm"
    if errors:
        return again("Chưa lưu: sửa các ô được đánh dấu.")
    web = console.station.web
    now = console.now()
    try:
        recording = store_upload(upload.file, upload.filename, station_root=console.station.root,
                                 folder=web.recordings, max_bytes=int(web.upload_max_mb * (1 << 20)), now=now)
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
        return again(f"Chưa lưu: lịch phát sẽ có lỗi. {exc}")
    console.audit.record(now, user.name, "upload", notice_id,
                         f"{recording.relative}, {recording.duration_s:.0f} giây, {saved['status']}")
    flash(request, f"Đã lưu bản ghi âm ({recording.duration_s:.0f} giây).")
    return RedirectResponse("/thong-bao", status_code=303)




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
