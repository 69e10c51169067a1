"""The week editor's forms: a slot, a calendar day, a column's rotation read from a page into file values, with field errors.

Each reader returns `(values, errors)`: `values` as the schedule file writes them, `errors`
a field name -> Vietnamese sentence map (empty when the form is fine). The loader then checks
what a form cannot see alone (two slots overlapping, a column naming a removed slot).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from broadcast.schedule.vocabulary import DAY_NAMES, HOLIDAY_POLICIES, STRUCTURE_PARTS, parse_date, parse_time

DAY_WORDS = {1: "thu-hai", 2: "thu-ba", 3: "thu-tu", 4: "thu-nam", 5: "thu-sau", 6: "thu-bay", 7: "chu-nhat"}
DAY_SHORT = {1: "T2", 2: "T3", 3: "T4", 4: "T5", 5: "T6", 6: "T7", 7: "CN"}
PART_LABELS = {"nhac-hieu": "Nhạc hiệu", "mo-dau": "Lời mở đầu", "chuyen-muc": "Chuyên mục",
               "thong-bao": "Thông báo", "loi-ket": "Lời kết", "tiep-am": "Tiếp âm"}
HOLIDAY_LABELS = {"normal": "Phát bình thường", "off": "Nghỉ", "festive": "Chỉ phát lời chúc, nội dung ngày lễ"}
DAY_KINDS = {"nghi": "Đài nghỉ cả ngày", "nghi-buoi": "Nghỉ các buổi đã chọn",
             "phat-buoi": "Vẫn phát các buổi đã chọn (ngày lễ)", "lam-bu": "Ngày làm bù (phát như ngày thường)"}
STRUCTURE_BOXES = 8
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})?\s*$")
_TEXT_MAX = 120


def days_words(days: frozenset[int] | set[int]) -> list[str]:
    """ISO weekdays as the files write them: [hang-ngay] for all seven."""
    if set(days) == set(range(1, 8)):
        return ["hang-ngay"]
    return [DAY_WORDS[d] for d in sorted(days)]


def _days(form: Any, errors: dict, *, allow_empty: bool = False) -> set[int]:
    chosen: set[int] = set()
    for raw in form.getlist("days"):
        if str(raw) not in {str(d) for d in DAY_WORDS}:
            errors["days"] = "Ngày trong tuần không hợp lệ: chọn trong các ô Thứ Hai đến Chủ nhật."
            return set()
        chosen.add(int(raw))
    if not chosen and not allow_empty:
        errors["days"] = "Chọn ít nhất một ngày trong tuần."
    return chosen


def _time(raw: str, errors: dict) -> str | None:
    match = _CLOCK.match(raw or "")
    try:
        if not match:
            raise ValueError(raw)
        moment = parse_time(f"{match.group(1)}:{match.group(2) or '00'}")
    except ValueError:
        shown = (raw or "").strip()[:20]
        errors["start"] = (f"Giờ bắt đầu '{shown}' không hợp lệ: viết giờ:phút từ 00:00 đến 23:59, ví dụ 05:30."
                           if shown else "Nhập giờ bắt đầu, ví dụ 05:30.")
        return None
    return f"{moment:%H:%M}"


def _text(form: Any, key: str, errors: dict, label: str, *, required: bool) -> str:
    text = " ".join(str(form.get(key, "")).split())
    if required and not text:
        errors[key] = f"Nhập {label}."
    elif len(text) > _TEXT_MAX:
        errors[key] = f"{label[:1].upper() + label[1:]} dài quá {_TEXT_MAX} ký tự."
    return text


def read_slot(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """title, start, days, max_minutes, on_holiday, structure from a slot form."""
    errors: dict[str, str] = {}
    title = _text(form, "title", errors, "tên buổi phát", required=True)
    start = _time(str(form.get("start", "")), errors)
    days = _days(form, errors)
    raw_minutes = str(form.get("max_minutes", "")).strip().replace(",", ".")
    minutes: float | None = None
    try:
        minutes = float(raw_minutes)
        if not 1 <= minutes <= 600:
            raise ValueError(raw_minutes)
    except ValueError:
        errors["max_minutes"] = "Thời lượng tối đa là số phút từ 1 đến 600, ví dụ 30."
        minutes = None
    on_holiday = str(form.get("on_holiday", "normal"))
    if on_holiday not in HOLIDAY_POLICIES:
        errors["on_holiday"] = "Chọn cách phát ngày lễ trong danh sách."
    parts = [str(p) for p in form.getlist("structure") if str(p)]
    unknown = [p for p in parts if p not in STRUCTURE_PARTS]
    if unknown:
        errors["structure"] = (f"Phần '{unknown[0][:30]}' không có trong chương trình: chọn "
                               + ", ".join(PART_LABELS.values()) + ".")
    elif not parts:
        errors["structure"] = "Chọn ít nhất một phần cho chương trình, ví dụ Nhạc hiệu, Thông báo."
    elif len(parts) > STRUCTURE_BOXES:
        errors["structure"] = f"Chương trình có tối đa {STRUCTURE_BOXES} phần."
    values = {"title": title, "start": start, "days": days_words(days) if days else [],
              "max_minutes": int(minutes) if minutes is not None and minutes.is_integer() else minutes,
              "on_holiday": on_holiday, "structure": parts}
    return values, errors


def read_day(form: Any, slot_names: tuple[str, ...]) -> tuple[str, dict[str, Any], dict[str, str]]:
    """A calendar day: (section, entry, errors); section is days_off, working_days or exceptions."""
    errors: dict[str, str] = {}
    raw = str(form.get("date", "")).strip()
    day: date | None = None
    try:
        day = parse_date(raw)
        if not 2000 <= day.year <= 2100:
            raise ValueError(raw)
    except ValueError:
        errors["date"] = (f"Ngày '{raw[:20]}' không hợp lệ: viết DD/MM/YYYY, ví dụ 24/12/2026." if raw
                          else "Nhập ngày, dạng DD/MM/YYYY.")
    kind = str(form.get("kind", ""))
    if kind not in DAY_KINDS:
        errors["kind"] = "Chọn loại ngày trong danh sách."
    reason = _text(form, "reason", errors, "lý do", required=False)
    chosen = [str(s) for s in form.getlist("slots")]
    if any(s not in slot_names for s in chosen):
        errors["slots"] = "Buổi đã chọn không còn trong lịch phát: tải lại trang."
    elif kind in ("nghi-buoi", "phat-buoi") and not chosen:
        errors["slots"] = "Chọn ít nhất một buổi."
    if kind == "nghi":
        return "days_off", {"date": day, "name": reason or "Ngày nghỉ của đài"}, errors
    if kind == "lam-bu":
        return "working_days", {"date": day, "name": reason or "Ngày làm bù"}, errors
    entry = {"date": day, "slots": chosen, "on_air": kind == "phat-buoi"}
    if reason:
        entry["reason"] = reason
    return "exceptions", entry, errors


def read_column(form: Any, slot_names: tuple[str, ...], *, weekly: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """A column's rotation: slots, days (weekly columns), airings per episode, first airing day."""
    errors: dict[str, str] = {}
    chosen = [str(s) for s in form.getlist("slots")]
    if any(s not in slot_names for s in chosen):
        errors["slots"] = "Buổi đã chọn không còn trong lịch phát: tải lại trang."
    elif not chosen:
        errors["slots"] = "Chọn ít nhất một buổi phát chuyên mục."
    values: dict[str, Any] = {"slots": chosen}
    if weekly:
        days = _days(form, errors)
        values["days"] = days_words(days) if days else []
    raw = str(form.get("airings_per_episode", "")).strip()
    if raw.isdigit() and 1 <= int(raw) <= 100:
        values["airings_per_episode"] = int(raw)
    else:
        errors["airings_per_episode"] = "Số lần phát mỗi kỳ là số từ 1 đến 100."
    raw_start = str(form.get("start", "")).strip()
    try:
        values["start"] = parse_date(raw_start)
    except ValueError:
        errors["start"] = f"Ngày phát kỳ đầu '{raw_start[:20]}' không hợp lệ: viết DD/MM/YYYY."
    return values, errors


_OVERLAP = re.compile(r"Buổi '(?P<b>[^']+)' \((?P<bs>[\d:]+)\) trùng giờ với buổi '(?P<a>[^']+)' \((?P<as>[\d:]+), "
                      r"tối đa (?P<m>[\d.]+) phút, đến (?P<end>[\d:]+)\) vào (?P<when>[^;]+);")
_KEY_WORDS = {"'max_minutes'": "thời lượng tối đa", "'start'": "giờ bắt đầu", "'days'": "các ngày phát",
              "'structure'": "thứ tự các phần", "'slots'": "buổi phát", "'on_holiday'": "cách phát ngày lễ",
              "'title'": "tên buổi phát", "'airings_per_episode'": "số lần phát mỗi kỳ"}


def short_label(slot: Any) -> str:
    """'Buổi sáng' (a slot's page name without its time)."""
    from_title = re.search(r"\bbuổi (sáng|trưa|chiều|tối)\b", slot.title or "", re.IGNORECASE)
    return f"Buổi {from_title.group(1).lower()}" if from_title else (slot.title or "Buổi phát")


def page_sentence(problem: Any, labels: dict[str, str]) -> str:
    """A loader problem in the page's words: no file names or keys, slots by their page names."""
    text = getattr(problem, "message", None) or str(problem)
    hint = getattr(problem, "hint", None)
    found = _OVERLAP.search(text)
    if found:
        a, b = labels.get(found["a"], found["a"]), labels.get(found["b"], found["b"])
        return (f"{a} ({found['as']}, dài tối đa {found['m']} phút, kéo đến {found['end']}) trùng giờ với "
                f"{b.lower()} ({found['bs']}) vào {found['when']}: dời giờ bắt đầu hoặc giảm thời lượng tối đa.")
    if hint and ".yaml" not in hint and "broadcast " not in hint:
        text += f" ({hint.removeprefix('Sửa: ')})"
    text = re.sub(r";? (?:[Bb]uổi '[^']+' )?ở [\w./-]+\.yaml:\d+", "", text)
    for name, label in labels.items():
        text = text.replace(f"Buổi '{name}'", label).replace(f"buổi '{name}'", label.lower())
        text = text.replace(f"'{name}'", label.lower())
    for key, words in _KEY_WORDS.items():
        text = text.replace(key, words)
    return text[:1].upper() + text[1:]


def slot_users(schedule: Any, name: str) -> list[str]:
    """What names slot `name` explicitly: columns, announcements (not those airing in every slot), days."""
    every = {s.name for s in schedule.slots}
    users = [f"chuyên mục “{c.title}”" for c in schedule.columns if name in c.slots]
    users += [f"thông báo “{a.title or 'không tên'}”" for a in schedule.announcements
              if name in a.slots and set(a.slots) != every]
    users += [f"ngày {e.date:%d/%m/%Y} trong lịch nghỉ" for e in schedule.calendar.exceptions if name in e.slots]
    return users


def field_of(message: str) -> str | None:
    """Which slot field a loader message is about (the loader's words), for placing it on the form."""
    for needle, field in (("trùng giờ", "start"), ("'structure'", "structure"), ("tiep-am", "structure"),
                          ("'days'", "days"), ("max_minutes", "max_minutes"), ("'start'", "start")):
        if needle in message:
            return field
    return None


def day_label(d: int) -> str:
    name = DAY_NAMES[d]
    return name[:1].upper() + name[1:]
