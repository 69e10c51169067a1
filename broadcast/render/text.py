"""Text variable types: text, text_list and records, and lists joined the Vietnamese way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from broadcast.render.dates import _parse_date
from broadcast.render.spec import VarSpec, _Invalid, _nfc, _scalar_text, did_you_mean


def join_vi(items: Iterable[Any]) -> str:
    """Join like a Vietnamese sentence: ['a', 'b', 'c'] -> 'a, b và c'."""
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " và " + words[-1]


def capitalize_first(value: Any) -> str:
    """The `cap` filter: the first letter upper case, the rest as written, for a value that starts
    a sentence ('ông Nguyễn Văn An' -> 'Ông Nguyễn Văn An'; Jinja's `capitalize` would lower 'Nguyễn')."""
    text = str(value)
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1:]
        if not ch.isspace() and ch not in "\"'“‘(«":
            break
    return text


@dataclass(frozen=True)
class TextList:
    """Several short texts; prints as 'a, b và c'; iterable in templates."""

    items: tuple[str, ...]

    def __iter__(self) -> Iterator[str]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> str:
        return self.items[index]

    def __str__(self) -> str:
        return join_vi(self.items)


class Record:
    """One row of a `records` variable; its fields are attributes (`nguoi.ho_ten`)."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, str]) -> None:
        object.__setattr__(self, "_data", dict(data))

    def __getattr__(self, name: str) -> str:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> str:
        return self._data[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Record is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self._data == other._data

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __repr__(self) -> str:
        return f"Record({self._data!r})"

    def __str__(self) -> str:
        return ", ".join(self._data.values())


@dataclass(frozen=True)
class Records:
    """Rows with the same fields (e.g. ho_ten, thon, thu_tuc); iterable in templates."""

    rows: tuple[Record, ...]
    fields: tuple[str, ...]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Record:
        return self.rows[index]

    def __str__(self) -> str:
        return "; ".join(str(r) for r in self.rows)


def _parse_text(raw: Any, spec: VarSpec) -> str:
    if isinstance(raw, float):
        return repr(raw)
    if isinstance(raw, dt.date):
        return str(_parse_date(raw, spec))
    return _scalar_text(raw)


def _items(raw: Any) -> list[Any]:
    """A YAML list, or a string 'a; b; c' (one item per ';' or line)."""
    if isinstance(raw, (list, tuple, TextList)):
        return list(raw)
    if isinstance(raw, str):
        return [part for part in re.split(r"[;\n]", raw) if part.strip()]
    raise _Invalid()


def _parse_text_list(raw: Any, spec: VarSpec) -> TextList:
    if isinstance(raw, TextList):
        return raw
    items = []
    for n, item in enumerate(_items(raw), start=1):
        try:
            text = _scalar_text(item)
        except _Invalid:
            raise _Invalid(f"mục thứ {n} không phải văn bản") from None
        if text:
            items.append(text)
    return TextList(tuple(items))


class _BadRow(_Invalid):
    """One row of a `records` value is wrong; `detail` names the row and the field."""


def _row_name(item: Any, n: int) -> str:
    """'mục thứ 2 (Nguyễn Văn Bình)': the row's number and its first value, to find it in the file."""
    first = None
    if isinstance(item, dict) and item:
        first = next(iter(item.values()))
    elif isinstance(item, str):
        first = item.split("|")[0]
    elif isinstance(item, (list, tuple)) and item:
        first = item[0]
    if isinstance(first, (str, int)) and not isinstance(first, bool) and str(first).strip():
        text = _nfc(str(first).strip())
        return f"mục thứ {n} ({text if len(text) <= 40 else text[:37] + '...'})"
    return f"mục thứ {n}"


def _parse_records(raw: Any, spec: VarSpec) -> Records:
    if isinstance(raw, Records):
        return raw
    fields = spec.fields
    if not fields:
        raise _Invalid("mẫu chưa khai báo fields cho biến này")
    rows = []
    for n, item in enumerate(_items(raw), start=1):
        if isinstance(item, Record):
            item = item._data
        row_name = _row_name(item, n)
        if isinstance(item, dict):
            cells = _record_from_mapping(item, fields, row_name)
        else:
            if isinstance(item, str):
                parts = [_nfc(p) for p in item.split("|")]
            elif isinstance(item, (list, tuple)):
                parts = list(item)
            else:
                raise _BadRow(f"{row_name} không đọc được")
            if len(parts) != len(fields):
                raise _BadRow(f"{row_name} có {len(parts)} trường, cần {len(fields)}")
            cells = dict(zip(fields, parts, strict=True))
        row = {}
        for field in fields:
            try:
                row[field] = _scalar_text(cells[field])
            except _Invalid:
                raise _BadRow(f"trường '{field}' của {row_name} không phải văn bản") from None
            if not row[field]:
                raise _BadRow(f"trường '{field}' của {row_name} đang để trống")
        rows.append(Record(row))
    return Records(tuple(rows), fields)


def _record_from_mapping(item: dict, fields: tuple[str, ...], row_name: str) -> dict:
    for key in item:
        if key not in fields:
            hint = did_you_mean(key, fields)
            raise _BadRow(f"{row_name} có trường lạ '{key}'" + (f", {hint}" if hint else ""))
    missing = [f for f in fields if f not in item]
    if missing:
        raise _BadRow(f"{row_name} thiếu trường " + ", ".join(f"'{f}'" for f in missing))
    return item
