"""The airing fields of an announcement form (title, validity window, slots, days, priority, repeat).

Dates are read by the schedule loader's own `parse_date`; the saved file is then checked by
the whole loader, so the page and `broadcast check` agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from broadcast.model import Priority
from broadcast.schedule.vocabulary import parse_date

DAYS = (("T2", "Thứ Hai"), ("T3", "Thứ Ba"), ("T4", "Thứ Tư"), ("T5", "Thứ Năm"), ("T6", "Thứ Sáu"),
        ("T7", "Thứ Bảy"), ("CN", "Chủ nhật"))
PRIORITIES = tuple((p.value, p.label[:1].upper() + p.label[1:]) for p in Priority)
MAX_TITLE = 200


def _date(raw: str, label: str, errors: dict[str, str], key: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        errors[key] = f"{label} '{raw[:30]}' không hợp lệ: viết DD/MM/YYYY, ví dụ 05/12/2026"
        return None


def meta_from_entry(entry: Mapping[str, Any] | None, *, default_title: str, today: date,
                    slot_names: Sequence[str]) -> dict[str, Any]:
    """What the form shows for a saved entry (or a new one: today, every slot, every day)."""
    entry = entry or {}

    def shown(raw: Any) -> str:
        if raw in (None, ""):
            return ""
        try:
            return parse_date(raw).strftime("%d/%m/%Y")
        except ValueError:
            return str(raw)

    days = entry.get("days")
    return {
        "title": entry.get("title") or default_title,
        "from": shown(entry.get("from")) or today.strftime("%d/%m/%Y"),
        "until": shown(entry.get("until")),
        "slots": list(entry.get("slots") or slot_names),
        "days": [d for d, _ in DAYS] if not days else [str(d) for d in days],
        "priority": entry.get("priority") or "",
        "repeat": str(entry.get("repeat") or ""),
    }


def read_meta(form: Mapping[str, Any], *, slot_names: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any],
                                                                            dict[str, str]]:
    """(entry keys, what to show again, errors by field) from the submitted form."""
    errors: dict[str, str] = {}
    title = " ".join(str(form.get("title", "")).split())[:MAX_TITLE]
    first = _date(str(form.get("from", "")), "Ngày bắt đầu", errors, "from")
    last = _date(str(form.get("until", "")), "Ngày kết thúc", errors, "until")
    if first is None and "from" not in errors:
        errors["from"] = "cần ngày bắt đầu phát"
    if first and last and last < first:
        errors["until"] = "ngày kết thúc trước ngày bắt đầu"
    getlist = getattr(form, "getlist", lambda k: [form[k]] if k in form else [])
    slots = [s for s in getlist("slots") if s in slot_names]
    if not slots:
        errors["slots"] = "chọn ít nhất một buổi phát"
    days = [d for d, _ in DAYS if d in getlist("days")]
    if not days:
        errors["days"] = "chọn ít nhất một ngày trong tuần"
    priority = str(form.get("priority", ""))
    if priority and priority not in dict(PRIORITIES):
        errors["priority"] = "mức ưu tiên không có"
    repeat_raw = str(form.get("repeat", "")).strip()
    repeat = None
    if repeat_raw:
        if repeat_raw.isdigit() and 1 <= int(repeat_raw) <= 10:
            repeat = int(repeat_raw)
        else:
            errors["repeat"] = "số lần đọc là một số từ 1 đến 10"
    entry = {
        "title": title or None,
        "from": first.isoformat() if first else None,
        "until": last.isoformat() if last else None,
        "slots": slots if set(slots) != set(slot_names) else None,
        "days": days if len(days) < len(DAYS) else None,
        "priority": priority or None,
        "repeat": repeat,
    }
    shown = {"title": title, "from": str(form.get("from", "")), "until": str(form.get("until", "")),
             "slots": slots, "days": days, "priority": priority, "repeat": repeat_raw}
    return entry, shown, errors
