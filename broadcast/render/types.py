"""Typed template variables: parse what the officer typed, print it in Vietnamese written form.

A value arrives as a string (`-s ngay=05/12/2026`), a YAML scalar, list or mapping (a data
file), or a Python object (the planner passes `datetime.date`). `parse_value` turns it into a
small frozen value whose `str()` is the written form used in the script text:

    date        '5/12/2026', '2026-12-05'        -> 05/12/2026   (.weekday 'thứ Bảy', .day, .iso)
    time        '7h30', '07:30', '17h00'         -> 7h30, 17h
    time_range  '7h30-11h30', '7h30 đến 11h30'   -> 7h30 đến 11h30   (.start, .end)
    date_range  '18/3/2024 đến 22/3/2024'        -> 18/03/2024 đến 22/03/2024   (.start, .end, .days)
    money       '2.500.000đ', '2,5 triệu'        -> 2.500.000 đồng   (.amount)
    phone       '+84 912 345 678', '114'         -> 0912 345 678, 114   (.digits)
    text_list   ['a', 'b', 'c'] or 'a; b; c'     -> a, b và c
    records     'Bình | thôn Đông; Lan | thôn Trung'  -> rows with field attributes

The spoken form ("ngày năm tháng mười hai ...") is the normalizer's job, not ours.
"""

from __future__ import annotations

from typing import Any

from broadcast.render.dates import (
    DateRange,
    DateValue,
    TimeRange,
    TimeValue,
    _parse_date,
    _parse_date_range,
    _parse_time,
    _parse_time_range,
)
from broadcast.render.money import Money, _parse_integer, _parse_money
from broadcast.render.phone import SERVICE_NUMBERS, Phone, _parse_phone
from broadcast.render.spec import VarSpec, VarType, _Invalid, did_you_mean
from broadcast.render.text import (
    Record,
    Records,
    TextList,
    _BadRow,
    _parse_records,
    _parse_text,
    _parse_text_list,
    capitalize_first,
    join_vi,
)

__all__ = ["SERVICE_NUMBERS", "VAR_TYPES", "DateRange", "DateValue", "Money", "Phone", "Record",
           "Records", "TextList", "TimeRange", "TimeValue", "VarSpec", "VarType", "capitalize_first",
           "did_you_mean", "is_blank", "join_vi", "parse_value"]


VAR_TYPES: dict[str, VarType] = {t.name: t for t in (
    VarType("text", "văn bản", _parse_text),
    VarType("integer", "số nguyên (ví dụ 15)", _parse_integer),
    VarType("date", "ngày (DD/MM/YYYY hoặc YYYY-MM-DD)", _parse_date,
            frozenset({"date", "day", "month", "year", "weekday", "isoweekday", "iso"})),
    VarType("time", "giờ (ví dụ 7h30, 07:30, 17h)", _parse_time,
            frozenset({"hour", "minute", "time", "iso"})),
    VarType("time_range", "khoảng giờ (ví dụ 7h30-11h30 hoặc 7h30 đến 11h30)",
            _parse_time_range, frozenset({"start", "end", "minutes"})),
    VarType("date_range", "khoảng ngày (ví dụ 18/3/2024-22/3/2024 hoặc 18/3/2024 đến 22/3/2024)",
            _parse_date_range, frozenset({"start", "end", "days"})),
    VarType("money", "số tiền (ví dụ 2500000, 2.500.000đ hoặc 2,5 triệu)", _parse_money,
            frozenset({"amount"})),
    VarType("phone", "số điện thoại (ví dụ 0912 345 678, 0234 3876 543 hoặc 114)", _parse_phone,
            frozenset({"digits"})),
    VarType("text_list", "danh sách (danh sách YAML hoặc 'a; b; c')", _parse_text_list,
            frozenset({"items"})),
    VarType("records", "danh sách bản ghi", _parse_records, frozenset({"rows", "fields"})),
)}


def _shown(raw: Any) -> str:
    text = f"'{raw}'" if isinstance(raw, str) else str(raw)
    return text if len(text) <= 80 else text[:77] + "..."


def is_blank(raw: Any) -> bool:
    """No value given: None, an empty or whitespace-only string, an empty list."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, dict, TextList, Records)):
        return len(raw) == 0
    return False


def parse_value(spec: VarSpec, raw: Any) -> Any:
    """Parse `raw` as `spec` says; ValueError (Vietnamese, without the file) when it is wrong.

    A blank value falls back to the default, then to None for an optional variable.
    Parsing an already-parsed value returns it unchanged.
    """
    vtype = VAR_TYPES.get(spec.type)
    if vtype is None:
        raise ValueError(f"biến '{spec.name}' có kiểu lạ '{spec.type}'")
    if is_blank(raw):
        if spec.default is not None and not is_blank(spec.default):
            raw = spec.default
        elif not spec.required:
            return None
        else:
            label = f" ({spec.label})" if spec.label else ""
            raise ValueError(f"thiếu giá trị cho biến '{spec.name}'{label}")
    try:
        return vtype.parse(raw, spec)
    except _BadRow as exc:                # one line naming the row and the field, not the whole value
        raise ValueError(f"biến '{spec.name}': {exc.detail} (mỗi mục gồm {' | '.join(spec.fields)})") from None
    except _Invalid as exc:
        if spec.type == "records" and spec.fields:
            description = f"danh sách bản ghi '{' | '.join(spec.fields)}; ...'"
        else:
            description = vtype.description
        message = f"biến '{spec.name}' phải là {description}, nhận được {_shown(raw)}"
        if exc.detail:
            message += f" ({exc.detail})"
        raise ValueError(message) from None
