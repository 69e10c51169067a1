"""Phát khẩn cấp: an urgent announcement now (template or recording), confirmed, then handed to the daemon.

Step 1 prepares the audio exactly as `broadcast announce` does (`build_announcement`); step 2,
after the officer has heard it and confirmed, hands it to the running daemon through the spool.
"""

from __future__ import annotations

import json
import re

from starlette.responses import RedirectResponse

from broadcast.atomic import write_text_atomic
from broadcast.build import build_announcement
from broadcast.errors import InputError
from broadcast.model import Priority
from broadcast.play import spool
from broadcast.play.state import state_paths
from broadcast.web.auth import route
from broadcast.web.files import file_in
from broadcast.web.forms import fields_for, read_form
from broadcast.web.html import flash, page
from broadcast.web.routes.compose import announcement_templates, template_info
from broadcast.web.uploads import store_upload, upload_body_cap

SENDERS = ("bien-tap", "duyet")
_PREPARED = re.compile(r"^[0-9]{8}-[0-9]{6}-[a-z0-9_-]{1,60}\.(mp3|wav|m4a|ogg)$")


def _prepared_dir(console):
    return console.station.path(console.station.paths.state) / "web" / "khan-cap"


def choose(request, form):
    console = request.app.state.console
    templates = announcement_templates(console)
    templates.sort(key=lambda i: (i.priority is not Priority.KHAN_CAP, i.title))
    return page(request, "urgent.html", {"templates": templates, "daemon": _daemon_alive(console)})


def _daemon_alive(console) -> bool:
    return spool.daemon_alive(state_paths(console.station)[1])


def urgent_form(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    return page(request, "urgent_form.html", {"info": info, "fields": fields_for(info.variables), "message": ""})


def _confirm(request, console, audio, meta):
    write_text_atomic(audio.with_suffix(audio.suffix + ".json"), json.dumps(meta, ensure_ascii=False))
    return page(request, "urgent_confirm.html", {"name": audio.name, "meta": meta,
                                                 "daemon": _daemon_alive(console)})


def prepare(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form)
    if any(f.error for f in fields):
        return page(request, "urgent_form.html", {"info": info, "fields": fields,
                                                  "message": "Sửa các ô được đánh dấu."}, status=400)
    announcement = build_announcement(console.toolkit, _prepared_dir(console), template=info.name,
                                      values=values, priority=Priority.KHAN_CAP, now=console.now())
    return _confirm(request, console, announcement.audio, announcement.meta)


def prepare_recording(request, form):
    console = request.app.state.console
    upload = form.get("recording")
    title = " ".join(str(form.get("title", "")).split())[:200]
    if upload is None or isinstance(upload, str) or not upload.filename or not title:
        raise InputError("cần tiêu đề và tệp ghi âm")
    web = console.station.web
    recording = store_upload(upload.file, upload.filename, station_root=console.station.root,
                             folder=str(_prepared_dir(console).relative_to(console.station.root)),
                             max_bytes=int(web.upload_max_mb * (1 << 20)), now=console.now(), slug="khan-cap")
    meta = {"title": title, "priority": Priority.KHAN_CAP.value, "template": None, "values": {}, "tags": [],
            "repeat": 1, "duration_s": round(recording.duration_s, 3), "text": title, "spoken": ""}
    return _confirm(request, console, recording.path, meta)


def prepared_audio(request, form):
    return file_in(_prepared_dir(request.app.state.console), request.path_params["name"], _PREPARED,
                   what="tệp này")


def send(request, form):
    console = request.app.state.console
    name = str(form.get("prepared", ""))
    path = _prepared_dir(console) / name
    sidecar = path.with_suffix(path.suffix + ".json")
    if not _PREPARED.fullmatch(name) or not path.is_file() or not sidecar.is_file():
        raise InputError("bản thông báo khẩn đã chuẩn bị không còn", hint="chuẩn bị lại từ trang Phát khẩn cấp")
    if form.get("confirm") != "yes":
        raise InputError("chưa xác nhận phát", hint="đánh dấu ô xác nhận rồi bấm Phát ngay")
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    now = console.now()
    user = request.scope["user"]
    from broadcast.clusters.pushes import push_announcement  # the zones' loudspeaker clusters hear it too

    push_announcement(console.station.path(console.station.paths.state), path, meta)
    if not spool.submit(state_paths(console.station)[1], path, meta, now=now):
        raise InputError("trình phát (broadcast run) không chạy nên chưa phát được",
                         hint="khởi động dịch vụ phát (systemctl start broadcast) rồi bấm Phát ngay lần nữa")
    console.audit.record(now, user.name, "urgent", meta.get("title", ""), name)
    flash(request, f"Đã chuyển cho trình phát: {meta.get('title', '')}. Xem ở trang Đã phát khi phát xong.")
    return RedirectResponse("/da-phat", status_code=303)




ROUTES = [
    route("/khan-cap", choose, roles=SENDERS),
    route("/khan-cap/phat", send, roles=SENDERS, methods=("POST",)),
    route("/khan-cap/ghi-am", prepare_recording, roles=SENDERS, methods=("POST",), max_body=upload_body_cap),
    route("/khan-cap/nghe/{name}", prepared_audio, roles=SENDERS),
    route("/khan-cap/mau/{template}", urgent_form, roles=SENDERS),
    route("/khan-cap/mau/{template}", prepare, roles=SENDERS, methods=("POST",)),
]
