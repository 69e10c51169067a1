"""Ghi âm: the recordings library (list, listen, upload or record in the browser, delete unused) and the signature tune."""

from __future__ import annotations

from starlette.responses import RedirectResponse

from broadcast import audio
from broadcast.errors import AudioError, InputError
from broadcast.web import library
from broadcast.web.auth import route
from broadcast.web.files import audio_file, not_found
from broadcast.web.html import flash, page
from broadcast.web.uploads import upload_body_cap

KEEPERS = ("bien-tap", "quan-tri")
ADMINS = ("quan-tri",)


def _sentence(exc: InputError) -> str:
    text = exc.message + (f" ({exc.hint})" if exc.hint else "")
    return text[:1].upper() + text[1:].rstrip(".") + "."


def show(request, form, *, message: str = "", where: str = "", status: int = 200):
    console = request.app.state.console
    tune = library.tune_path(console)
    try:
        tune_seconds = audio.probe(tune).duration_s if tune.is_file() else None
    except AudioError:
        tune_seconds = None
    context = {"items": library.items(console), "tune_seconds": tune_seconds, "tune_exists": tune.is_file(),
               "message": message, "where": where, "max_mb": console.station.web.upload_max_mb,
               "prefix": library.BROWSER_PREFIX}
    return page(request, "recordings.html", context, status=status)


def _upload(form):
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return None
    return upload


def add(request, form):
    console = request.app.state.console
    upload = _upload(form)
    if upload is None:
        return show(request, form, message="Chọn tệp ghi âm hoặc bấm Ghi âm trước khi lưu.", where="them", status=400)
    try:
        kept = library.save(console, upload.file, upload.filename, now=console.now())
    except InputError as exc:
        return show(request, form, message=_sentence(exc), where="them", status=400)
    console.audit.record(console.now(), request.scope["user"].name, "upload", kept.path.name,
                         f"thư viện ghi âm, {kept.duration_s:.0f} giây")
    flash(request, f"Đã lưu bản ghi ({kept.duration_s:.0f} giây) vào thư viện.")
    return RedirectResponse(f"/ghi-am#ga-{kept.path.name}", status_code=303)


def delete(request, form):
    console = request.app.state.console
    name = request.path_params["name"]
    try:
        library.remove(console, name)
    except InputError as exc:
        return show(request, form, message=_sentence(exc), where=f"ga-{name}", status=409 if "đang" in exc.message else 404)
    console.audit.record(console.now(), request.scope["user"].name, "recording-delete", name, "")
    flash(request, "Đã xóa bản ghi.")
    return RedirectResponse("/ghi-am", status_code=303)


def replace_tune(request, form):
    console = request.app.state.console
    upload = _upload(form)
    if upload is None:
        return show(request, form, message="Chọn tệp nhạc hiệu hoặc bấm Ghi âm trước khi lưu.", where="nhac-hieu",
                    status=400)
    try:
        seconds = library.replace_tune(console, upload.file, upload.filename, now=console.now())
    except InputError as exc:
        return show(request, form, message=_sentence(exc), where="nhac-hieu", status=400)
    console.audit.record(console.now(), request.scope["user"].name, "tune-replace", "nhạc hiệu", f"{seconds:.0f} giây")
    flash(request, f"Đã thay nhạc hiệu ({seconds:.0f} giây); các chương trình dựng từ nay dùng nhạc hiệu mới.")
    return RedirectResponse("/ghi-am#nhac-hieu", status_code=303)


def listen(request, form):
    console = request.app.state.console
    name = request.path_params["name"]
    path = library.folder(console) / name
    if not library.NAME.fullmatch(name) or not path.is_file():
        return not_found("bản ghi này")
    return audio_file(path)


def listen_tune(request, form):
    tune = library.tune_path(request.app.state.console)
    return audio_file(tune) if tune.is_file() else not_found("nhạc hiệu")


ROUTES = [
    route("/ghi-am", show, roles=KEEPERS),
    route("/ghi-am", add, roles=KEEPERS, methods=("POST",), max_body=upload_body_cap),
    route("/ghi-am/nhac-hieu", listen_tune, roles=KEEPERS),
    route("/ghi-am/nhac-hieu", replace_tune, roles=ADMINS, methods=("POST",), max_body=upload_body_cap),
    route("/ghi-am/tep/{name}", listen, roles=KEEPERS),
    route("/ghi-am/tep/{name}/xoa", delete, roles=KEEPERS, methods=("POST",)),
]
