"""Lịch phát (quản trị): edit the slots, the calendar and the column rotation, written back to `schedules/*.yaml`.

Every save goes through `broadcast.schedule.edits.ScheduleFiles`: the file's version (a digest
the page kept) must still match, the whole schedule must load with the new text (the loader of
`broadcast check`), and only then is the file replaced atomically, its comments and other keys
kept (`broadcast.schedule.writer`). A refused save re-shows the form with what was typed.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import RedirectResponse

from broadcast.errors import BroadcastError, InputError, MultiError
from broadcast.schedule import load_schedule, writer
from broadcast.schedule.edits import EditConflict, ScheduleFiles
from broadcast.web.auth import route
from broadcast.web.html import flash, page, slot_label
from broadcast.web.weekedit import (
    DAY_KINDS,
    DAY_SHORT,
    HOLIDAY_LABELS,
    PART_LABELS,
    STRUCTURE_BOXES,
    day_label,
    field_of,
    page_sentence,
    read_column,
    read_day,
    read_slot,
    short_label,
    slot_users,
)

ADMINS = ("quan-tri",)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def schedule_files(console) -> ScheduleFiles:
    store = console.store
    return ScheduleFiles(store.schedules_dir, lambda candidates: load(console, candidates))


def load(console, candidates=None):
    store = console.store
    return load_schedule(store.schedules_dir, library=store.library, station_root=store.station_root,
                         require_approval=store.require_approval, candidates=candidates)


def _context(console, files: ScheduleFiles) -> dict[str, Any]:
    try:
        schedule = load(console)
    except BroadcastError as exc:
        return {"broken": _sentences(exc, {}), "slots": [], "columns": [], "calendar": None, "slot_choices": []}
    versions = files.versions()
    slots = [{"name": s.name, "label": slot_label(s), "title": s.title, "start": f"{s.start:%H:%M}",
              "days": sorted(s.days), "max_minutes": f"{s.max_minutes:g}", "on_holiday": s.on_holiday,
              "structure": list(s.structure), "version": versions.get(_file_name(s.path), "")}
             for s in schedule.slots]
    cal = schedule.calendar
    calendar = {
        "public_holidays": cal.public_holidays,
        "days": sorted([{"section": "days_off", "date": d, "what": DAY_KINDS["nghi"], "reason": n, "slots": ""}
                        for d, n in cal.days_off.items()]
                       + [{"section": "working_days", "date": d, "what": DAY_KINDS["lam-bu"], "reason": n,
                           "slots": ""} for d, n in cal.working_days.items()]
                       + [{"section": "exceptions", "date": e.date, "reason": e.reason,
                           "what": DAY_KINDS["phat-buoi" if e.on_air else "nghi-buoi"],
                           "slots": ", ".join(slot_label(s) for s in schedule.slots if s.name in e.slots)
                           or "Mọi buổi"} for e in cal.exceptions], key=lambda r: r["date"]),
        "version": files.version(files.calendar_file()),
    }
    columns = [{"id": c.id, "title": c.title, "slots": list(c.slots), "days": sorted(c.days),
                "weekly": not c.days_of_month, "airings": c.airings_per_episode, "start": c.start,
                "episodes": len(c.episodes), "version": versions.get(_file_name(c.path), "")}
               for c in schedule.columns]
    return {"broken": None, "slots": slots, "columns": columns, "calendar": calendar,
            "slot_choices": [(s.name, slot_label(s)) for s in schedule.slots],
            "new_version": files.version(files.slots_file())}


def _file_name(shown: str) -> str:
    return shown.rsplit("/", 1)[-1]


def _sentences(exc: BaseException, labels: dict[str, str]) -> list[str]:
    return [page_sentence(p, labels) for p in getattr(exc, "errors", None) or [exc]]


def show(request, form, *, draft: dict | None = None, status: int = 200):
    console = request.app.state.console
    context = _context(console, schedule_files(console))
    context.update(draft=draft or {"where": None, "form": None, "errors": {}, "general": []}, DAY_SHORT=DAY_SHORT, PART_LABELS=PART_LABELS, HOLIDAY_LABELS=HOLIDAY_LABELS,
                   DAY_KINDS=DAY_KINDS, STRUCTURE_BOXES=STRUCTURE_BOXES, day_label=day_label,
                   today=console.now().date())
    return page(request, "week_edit.html", context, status=status)


def _refused(request, form, where: str, exc: BroadcastError, *, errors: dict | None = None):
    """The form again, with what was typed and the reason beside the field (or at its top)."""
    console = request.app.state.console
    try:
        labels = {s.name: short_label(s) for s in load(console).slots}
    except BroadcastError:
        labels = {}
    errors = dict(errors or {})
    general = []
    if isinstance(exc, EditConflict):
        general.append(_sentences(exc, labels)[0])
    else:
        for problem, text in zip(getattr(exc, "errors", None) or [exc], _sentences(exc, labels)):
            field = field_of(getattr(problem, "message", "") or "")
            if field and field not in errors:
                errors[field] = text
            else:
                general.append(text)
    draft = {"where": where, "form": form, "errors": errors, "general": general}
    return show(request, form, draft=draft, status=409 if isinstance(exc, EditConflict) else 400)


def _save(request, form, where: str, path, edit, done: str, anchor: str, audit: tuple[str, str]):
    console = request.app.state.console
    files = schedule_files(console)
    try:
        files.apply(path, str(form.get("version", "")), edit)
    except (EditConflict, MultiError, InputError) as exc:
        return _refused(request, form, where, exc)
    console.audit.record(console.now(), request.scope["user"].name, "schedule-edit", audit[0], audit[1])
    flash(request, done)
    return RedirectResponse(f"/lich-phat#{anchor}", status_code=303)


def _fields_to_fix() -> InputError:
    """The form came back with fields to fix (each marked beside it)."""
    return InputError("Chưa lưu: sửa các ô được đánh dấu.")


def _gone(request, form, where: str, what: str):
    """The refusal when the slot or column edited is no longer in the schedule files."""
    return _refused(request, form, where, EditConflict(f"{what} không còn trong lịch phát",
                                                       hint="tải lại trang để xem lịch hiện tại"))


def save_slot(request, form):
    console = request.app.state.console
    name = request.path_params["name"]
    files = schedule_files(console)
    found = files.holding("slots", "name", name) if _NAME.fullmatch(name) else None
    if found is None:
        return _gone(request, form, f"buoi-{name}", "buổi phát này")
    values, errors = read_slot(form)
    if errors:
        return _refused(request, form, f"buoi-{name}", _fields_to_fix(),
                        errors=errors)
    path, _ = found

    def edit(text: str) -> str:
        index = writer.find_item(text, ("slots",), "name", name)
        if index is None:
            raise KeyError(name)
        for key, value in values.items():
            text = writer.set_value(text, ("slots", index, key), value)
        return text

    return _save(request, form, f"buoi-{name}", path, edit, f"Đã lưu {values['title']} ({values['start']}).",
                 f"buoi-{name}", (values["title"], f"{values['start']}, {values['max_minutes']} phút"))


def add_slot(request, form):
    console = request.app.state.console
    values, errors = read_slot(form)
    if errors:
        return _refused(request, form, "buoi-moi", _fields_to_fix(),
                        errors=errors)
    files = schedule_files(console)
    taken = {s["name"] for s in _context(console, files)["slots"]}
    name = "buoi-" + values["start"].replace(":", "")
    while name in taken:
        name += "-2"
    item = {"name": name, **values}
    return _save(request, form, "buoi-moi", files.slots_file(),
                 lambda text: writer.append_item(text, ("slots",), item),
                 f"Đã thêm {values['title']} ({values['start']}).", f"buoi-{name}",
                 (values["title"], f"thêm, {values['start']}"))


def delete_slot(request, form):
    console = request.app.state.console
    name = request.path_params["name"]
    files = schedule_files(console)
    found = files.holding("slots", "name", name) if _NAME.fullmatch(name) else None
    if found is None:
        return _gone(request, form, f"buoi-{name}", "buổi phát này")
    if files.version(found[0]) != str(form.get("version", "")):      # the version first, as every save
        return _refused(request, form, f"buoi-{name}", files.conflict())
    try:
        schedule = load(console)
        users = slot_users(schedule, name)
    except BroadcastError:
        users = []
    if users:
        slot = next(s for s in schedule.slots if s.name == name)
        return _refused(request, form, f"buoi-{name}", InputError(
            f"Chưa xóa {short_label(slot).lower()}: buổi này đang được dùng ở " + "; ".join(users),
            hint="bỏ buổi này khỏi các mục đó trước; chuyên mục sửa ở cuối trang này"))

    def edit(text: str) -> str:
        index = writer.find_item(text, ("slots",), "name", name)
        if index is None:
            raise KeyError(name)
        return writer.remove_item(text, ("slots",), index)

    return _save(request, form, f"buoi-{name}", found[0], edit, "Đã xóa buổi phát.", "khung-gio", (name, "xóa"))


def set_holidays(request, form):
    files = schedule_files(request.app.state.console)
    on = form.get("public_holidays") == "1"
    return _save(request, form, "ngay-le", files.calendar_file(),
                 lambda text: _calendar_set(text, on),
                 "Đài " + ("nghỉ" if on else "không tự nghỉ") + " theo ngày lễ, tết của Nhà nước.",
                 "lich-nghi", ("ngày lễ, tết", "bật" if on else "tắt"))


def _calendar_set(text: str, on: bool) -> str:
    if "calendar" not in (writer.yaml.safe_load(text) or {}):
        return text.rstrip("\n") + ("\n" if text.strip() else "") + f"calendar:\n  public_holidays: {str(on).lower()}\n"
    return writer.set_value(text, ("calendar", "public_holidays"), on)


def add_day(request, form):
    console = request.app.state.console
    files = schedule_files(console)
    slot_names = tuple(n for n, _ in _context(console, files)["slot_choices"])
    section, entry, errors = read_day(form, slot_names)
    if errors:
        return _refused(request, form, "ngay-moi", _fields_to_fix(), errors=errors)
    if section != "exceptions" or not entry["slots"]:
        entry.pop("slots", None)
    return _save(request, form, "ngay-moi", files.calendar_file(),
                 lambda text: writer.append_item(text, ("calendar", section), entry),
                 f"Đã thêm ngày {entry['date']:%d/%m/%Y} vào lịch nghỉ.", "lich-nghi",
                 (f"{entry['date']:%d/%m/%Y}", DAY_KINDS.get(str(form.get("kind")), "")))


def delete_day(request, form):
    console = request.app.state.console
    files = schedule_files(console)
    section = str(form.get("section", ""))
    raw = str(form.get("date", ""))
    if section not in ("days_off", "working_days", "exceptions") or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return _refused(request, form, "lich-nghi", InputError("Ngày cần xóa không hợp lệ: tải lại trang."))
    path = files.calendar_file()

    def edit(text: str) -> str:
        index = writer.find_item(text, ("calendar", section), "date", raw)
        if index is None:
            raise KeyError(raw)
        return writer.remove_item(text, ("calendar", section), index)

    return _save(request, form, "lich-nghi", path, edit, f"Đã bỏ ngày {raw[8:]}/{raw[5:7]}/{raw[:4]} khỏi lịch nghỉ.",
                 "lich-nghi", (f"{raw[8:]}/{raw[5:7]}/{raw[:4]}", "bỏ"))


def save_column(request, form):
    console = request.app.state.console
    files = schedule_files(console)
    column_id = request.path_params["column"]
    context = _context(console, files)
    column = next((c for c in context["columns"] if c["id"] == column_id), None)
    found = files.holding("columns", "id", column_id) if column else None
    if found is None:
        return _gone(request, form, f"cm-{column_id}", "chuyên mục này")
    values, errors = read_column(form, tuple(n for n, _ in context["slot_choices"]), weekly=column["weekly"])
    if errors:
        return _refused(request, form, f"cm-{column_id}", _fields_to_fix(),
                        errors=errors)

    def edit(text: str) -> str:
        index = writer.find_item(text, ("columns",), "id", column_id)
        if index is None:
            raise KeyError(column_id)
        for key, value in values.items():
            text = writer.set_value(text, ("columns", index, key), value)
        return text

    return _save(request, form, f"cm-{column_id}", found[0], edit, f"Đã lưu lịch phát chuyên mục {column['title']}.",
                 f"cm-{column_id}", (column["title"], f"{values['airings_per_episode']} lần mỗi kỳ"))


ROUTES = [
    route("/lich-phat", show, roles=ADMINS),
    route("/lich-phat/buoi", add_slot, roles=ADMINS, methods=("POST",)),
    route("/lich-phat/buoi/{name}", save_slot, roles=ADMINS, methods=("POST",)),
    route("/lich-phat/buoi/{name}/xoa", delete_slot, roles=ADMINS, methods=("POST",)),
    route("/lich-phat/ngay-le", set_holidays, roles=ADMINS, methods=("POST",)),
    route("/lich-phat/ngay", add_day, roles=ADMINS, methods=("POST",)),
    route("/lich-phat/ngay/xoa", delete_day, roles=ADMINS, methods=("POST",)),
    route("/lich-phat/chuyen-muc/{column}", save_column, roles=ADMINS, methods=("POST",)),
]
