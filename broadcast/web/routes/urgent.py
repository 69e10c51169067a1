"""Phát khẩn cấp: an urgent announcement now (template, free text or recording), confirmed, then aired.

Step 1 prepares the audio exactly as `broadcast announce` does (`build_announcement`); step 2,
after the officer has heard it and confirmed, hands it to the running daemon through the spool,
or, when no daemon runs, plays it from the console process as `broadcast announce` does
(`broadcast.web.direct`); the prepared file stays, so a failed play can be retried.
"""

from __future__ import annotations

import json
import re

from starlette.responses import RedirectResponse

from broadcast.atomic import write_text_atomic
from broadcast.build import build_announcement
from broadcast.build.checks import audio_problem
from broadcast.errors import InputError
from broadcast.model import Priority
from broadcast.play import spool
from broadcast.play.state import state_paths
from broadcast.render import load_values_file
from broadcast.station.text_limits import check_text
from broadcast.web.auth import route
from broadcast.web.files import file_in
from broadcast.web.forms import fields_for, read_form
from broadcast.web.html import flash, page
from broadcast.web.routes.compose import announcement_templates, template_info
from broadcast.web.uploads import store_upload, upload_body_cap
from broadcast.web.zoneview import choice_context, declared, pickable, read_choice, titles_of

SENDERS = ("bien-tap", "duyet")
_PREPARED = re.compile(r"^[0-9]{8}-[0-9]{6}-[a-z0-9_-]{1,60}\.(mp3|wav|m4a|ogg)$")


def _prepared_dir(console):
    return console.station.path(console.station.paths.state) / "web" / "khan-cap"


def _choose_context(console) -> dict:
    templates = announcement_templates(console)
    templates.sort(key=lambda i: (i.priority is not Priority.KHAN_CAP, i.title))
    return {"templates": templates, "daemon": _daemon_alive(console), "text_error": "",
            **choice_context(pickable(console), None)}


def choose(request, form):
    return page(request, "urgent.html", _choose_context(request.app.state.console))


def _daemon_alive(console) -> bool:
    return spool.daemon_alive(state_paths(console.station)[1])


def prefill(console, template: str) -> tuple[dict, str]:
    """Values to start from: the last urgent announcement of this template, or the template's example."""
    folder = _prepared_dir(console)
    sidecars = sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []
    for sidecar in sidecars[:200]:                      # newest first: names start with the time
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and meta.get("template") == template and isinstance(meta.get("values"), dict):
            return meta["values"], f"Đã điền sẵn theo lần phát khẩn gần nhất ({sidecar.name[6:8]}/" \
                                   f"{sidecar.name[4:6]}/{sidecar.name[:4]}): sửa cho đúng lần này."
    example = console.station.path(console.station.paths.scripts) / "examples" / f"{template}.yaml"
    if example.is_file():
        try:
            return load_values_file(example, console.station.yaml_limits), \
                "Đã điền sẵn giá trị ví dụ của mẫu: sửa cho đúng tình hình thực tế."
        except InputError:
            pass
    return {}, ""


def urgent_form(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, note = prefill(console, info.name)
    return page(request, "urgent_form.html", {"info": info, "fields": fields_for(info.variables, values, labels=info.field_labels),
                                              "message": "", "note": note, **choice_context(pickable(console), None)})


def _zones_chosen(console, form) -> tuple[list[str] | None, dict]:
    """The zones ticked (None: every zone) and the picker to show again; unknown zones are a 400."""
    zones = pickable(console)
    chosen, error = read_choice(form, zones)
    return chosen, choice_context(zones, chosen, error)


def _for_zones(meta: dict, chosen: list[str] | None) -> dict:
    """`announce --zone`: only those zones hear it (the daemon, a direct play and the clusters read `zones`)."""
    if chosen:
        meta["zones"] = chosen
    return meta


def prepare_text(request, form):
    """A free-text urgent announcement, as `broadcast announce --text`."""
    console = request.app.state.console
    text = str(form.get("text", "")).strip()
    chosen, picker = _zones_chosen(console, form)
    if not text or picker["zone_error"]:
        return page(request, "urgent.html", {**_choose_context(console), **picker,
                                             "text_error": "" if text else "Viết nội dung cần phát."}, status=400)
    text = check_text(text, console.station.limits.text_max_chars, what="Nội dung thông báo")
    announcement = build_announcement(console.toolkit, _prepared_dir(console), text=text,
                                      priority=Priority.KHAN_CAP, now=console.now())
    return _confirm(request, console, announcement.audio, _for_zones(announcement.meta, chosen))


def _confirm(request, console, audio, meta):
    write_text_atomic(audio.with_suffix(audio.suffix + ".json"), json.dumps(meta, ensure_ascii=False))
    return _confirm_page(request, console, audio.name, meta)


def _confirm_page(request, console, name, meta, *, message="", status=200):
    return page(request, "urgent_confirm.html", {"name": name, "meta": meta, "message": message,
                                                 "daemon": _daemon_alive(console),
                                                 "zone_titles": titles_of(meta.get("zones"), declared(console))},
                status=status)


def _prepared(console, name):
    """The prepared file and its meta, or an error that sends the officer back to prepare again."""
    path = _prepared_dir(console) / name
    sidecar = path.with_suffix(path.suffix + ".json")
    if not _PREPARED.fullmatch(name) or not path.is_file() or not sidecar.is_file():
        raise InputError("Bản thông báo khẩn đã chuẩn bị không còn", hint="chuẩn bị lại từ trang Phát khẩn cấp")
    return path, json.loads(sidecar.read_text(encoding="utf-8"))


def prepare(request, form):
    console = request.app.state.console
    info = template_info(console, request.path_params["template"])
    values, fields = read_form(info.variables, form, info.field_labels)
    chosen, picker = _zones_chosen(console, form)
    action = str(form.get("action", ""))
    if action == "add-row" or action.startswith("remove-row:"):      # still typing
        for f in fields:
            f.error = ""
            if f.kind == "records" and action == "add-row":
                f.rows.append({name: "" for name in f.spec.fields})
        return page(request, "urgent_form.html", {"info": info, "fields": fields, "note": "", "message": "",
                                                  **picker, "zone_error": ""})
    if any(f.error for f in fields) or picker["zone_error"]:
        return page(request, "urgent_form.html", {"info": info, "fields": fields, "note": "", **picker,
                                                  "message": "Sửa các ô được đánh dấu."}, status=400)
    announcement = build_announcement(console.toolkit, _prepared_dir(console), template=info.name,
                                      values=values, priority=Priority.KHAN_CAP, now=console.now())
    return _confirm(request, console, announcement.audio, _for_zones(announcement.meta, chosen))


def prepare_recording(request, form):
    console = request.app.state.console
    upload = form.get("recording")
    title = " ".join(str(form.get("title", "")).split())[:200]
    if upload is None or isinstance(upload, str) or not upload.filename or not title:
        raise InputError("Cần tiêu đề và tệp ghi âm", hint="quay lại trang Phát khẩn cấp, điền tiêu đề và chọn tệp")
    chosen, picker = _zones_chosen(console, form)
    if picker["zone_error"]:
        raise InputError("Chưa chọn vùng phát nào", hint="quay lại trang Phát khẩn cấp, đánh dấu ít nhất một vùng")
    web = console.station.web
    recording = store_upload(upload.file, upload.filename, station_root=console.station.root,
                             folder=str(_prepared_dir(console).relative_to(console.station.root)),
                             max_bytes=int(web.upload_max_mb * (1 << 20)), now=console.now(), slug="khan-cap")
    problem = audio_problem(console.toolkit, recording.path, trim=True)      # by content, as `check` does
    if problem is not None:
        recording.path.unlink(missing_ok=True)
        raise InputError(f"Tệp ghi âm {problem}", hint="ghi âm lại hoặc chọn tệp khác, rồi bấm Nghe lại")
    meta = {"title": title, "priority": Priority.KHAN_CAP.value, "template": None, "values": {}, "tags": [],
            "repeat": 1, "duration_s": round(recording.duration_s, 3), "text": title, "spoken": ""}
    return _confirm(request, console, recording.path, _for_zones(meta, chosen))


def prepared_audio(request, form):
    return file_in(_prepared_dir(request.app.state.console), request.path_params["name"], _PREPARED,
                   what="tệp này")


def send(request, form):
    console = request.app.state.console
    name = str(form.get("prepared", ""))
    path, meta = _prepared(console, name)
    if form.get("confirm") != "yes":
        return _confirm_page(request, console, name, meta, status=400,
                             message="Chưa xác nhận: đánh dấu ô \"Tôi đã nghe lại\" rồi bấm Phát ngay.")
    now = console.now()
    user = request.scope["user"]
    from broadcast.clusters.pushes import push_announcement  # the zones' loudspeaker clusters hear it too

    push_announcement(console.station.path(console.station.paths.state), path, meta, now=now)
    if spool.submit(state_paths(console.station)[1], path, meta, now=now):
        console.audit.record(now, user.name, "urgent", meta.get("title", ""), name)
        flash(request, f"Đã chuyển cho trình phát: {meta.get('title', '')}. Xem ở trang Đã phát khi phát xong.")
        return RedirectResponse("/da-phat", status_code=303)
    # No player runs: play it from here, exactly as `broadcast announce` does without one.
    if console.direct.start(console.station, path, meta, now=now) is None:
        busy = console.direct.busy()
        return _confirm_page(request, console, name, meta, status=409,
                             message=f"Đang phát trực tiếp \"{busy.title if busy else ''}\": chờ phát xong "
                                     "rồi bấm Phát ngay lần nữa.")
    console.audit.record(now, user.name, "urgent-direct", meta.get("title", ""), name)
    return RedirectResponse(f"/khan-cap/dang-phat/{name}", status_code=303)


def on_air(request, form):
    """Where a direct play stands; polled by the page while it plays, with a retry after a failure."""
    console = request.app.state.console
    name = request.path_params["name"]
    path, meta = _prepared(console, name)
    play = console.direct.get(name)
    template = "_on_air.html" if request.headers.get("HX-Request") else "urgent_on_air.html"
    return page(request, template, {"name": name, "meta": meta, "play": play})



ROUTES = [
    route("/khan-cap", choose, roles=SENDERS),
    route("/khan-cap/phat", send, roles=SENDERS, methods=("POST",)),
    route("/khan-cap/dang-phat/{name}", on_air, roles=SENDERS),
    route("/khan-cap/van-ban", prepare_text, roles=SENDERS, methods=("POST",)),
    route("/khan-cap/ghi-am", prepare_recording, roles=SENDERS, methods=("POST",), max_body=upload_body_cap),
    route("/khan-cap/nghe/{name}", prepared_audio, roles=SENDERS),
    route("/khan-cap/mau/{template}", urgent_form, roles=SENDERS),
    route("/khan-cap/mau/{template}", prepare, roles=SENDERS, methods=("POST",)),
]
