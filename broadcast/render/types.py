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

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from broadcast.normalize.numbers import WEEKDAY_NAMES as WEEKDAYS


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


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """'có phải ý bạn là 'ngay'?' when a choice is close to `word`, else None."""
    close = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f"có phải ý bạn là '{close[0]}'?" if close else None


# ---------------------------------------------------------------- values


@dataclass(frozen=True, order=True)
class DateValue:
    """A calendar date; prints as 05/12/2026."""

    value: dt.date

    @property
    def date(self) -> dt.date:
        return self.value

    @property
    def day(self) -> int:
        return self.value.day

    @property
    def month(self) -> int:
        return self.value.month

    @property
    def year(self) -> int:
        return self.value.year

    @property
    def weekday(self) -> str:
        """'thứ Hai' ... 'thứ Bảy', 'Chủ nhật'."""
        return WEEKDAYS[self.value.weekday()]

    @property
    def isoweekday(self) -> int:
        return self.value.isoweekday()

    @property
    def iso(self) -> str:
        return self.value.isoformat()

    def __str__(self) -> str:
        return f"{self.value.day:02d}/{self.value.month:02d}/{self.value.year:04d}"


@dataclass(frozen=True, order=True)
class TimeValue:
    """A time of day; prints as 7h30, or 17h on the hour."""

    hour: int
    minute: int = 0

    @property
    def time(self) -> dt.time:
        return dt.time(self.hour, self.minute)

    @property
    def iso(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    def __str__(self) -> str:
        return f"{self.hour}h{self.minute:02d}" if self.minute else f"{self.hour}h"


@dataclass(frozen=True)
class TimeRange:
    """From one time to a later one the same day; prints as '7h30 đến 11h30'."""

    start: TimeValue
    end: TimeValue

    @property
    def minutes(self) -> int:
        return (self.end.hour - self.start.hour) * 60 + self.end.minute - self.start.minute

    def __str__(self) -> str:
        return f"{self.start} đến {self.end}"


@dataclass(frozen=True)
class DateRange:
    """Inclusive span of dates; prints as '18/03/2024 đến 22/03/2024'."""

    start: DateValue
    end: DateValue

    @property
    def days(self) -> list[DateValue]:
        count = (self.end.value - self.start.value).days + 1
        return [DateValue(self.start.value + dt.timedelta(days=i)) for i in range(count)]

    def __str__(self) -> str:
        return f"{self.start} đến {self.end}"


@dataclass(frozen=True, order=True)
class Money:
    """A whole number of đồng; prints as '2.500.000 đồng'."""

    amount: int

    def __str__(self) -> str:
        return f"{self.amount:,}".replace(",", ".") + " đồng"


@dataclass(frozen=True)
class Phone:
    """A Vietnamese phone number or short code; prints grouped: '0912 345 678', '114'."""

    digits: str

    def __str__(self) -> str:
        d = self.digits
        if len(d) == 11 and d.startswith(("024", "028")):      # Hà Nội, TP.HCM: 3-digit area code
            return f"{d[:3]} {d[3:7]} {d[7:]}"
        if len(d) == 11:                                         # other landlines: 02xx
            return f"{d[:4]} {d[4:8]} {d[8:]}"
        if len(d) == 10:                                         # mobile, 1900/1800 10-digit
            return f"{d[:4]} {d[4:7]} {d[7:]}"
        if len(d) == 8:                                          # 1800 xxxx, 1900 xxxx
            return f"{d[:4]} {d[4:]}"
        return d


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


# ---------------------------------------------------------------- specs and types


@dataclass(frozen=True)
class VarSpec:
    """One variable a template declares; `line` is where, for messages."""

    name: str
    type: str
    label: str = ""
    required: bool = True
    default: Any = None
    fields: tuple[str, ...] = ()
    line: int | None = None


class _Invalid(Exception):
    """Raised by a parser; `detail` is an optional extra sentence for the officer."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class VarType:
    """A variable type: what to call it in messages, how to parse it, which attributes it has."""

    name: str
    description: str                                # "ngày (DD/MM/YYYY hoặc YYYY-MM-DD)"
    parse: Callable[[Any, VarSpec], Any]            # raises _Invalid
    attributes: frozenset[str] | None = None        # None: any (str, int methods)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _scalar_text(raw: Any) -> str:
    """A string, or a YAML number the officer meant as text."""
    if isinstance(raw, str):
        return _nfc(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    raise _Invalid()


def _parse_text(raw: Any, spec: VarSpec) -> str:
    if isinstance(raw, float):
        return repr(raw)
    if isinstance(raw, dt.date):
        return str(_parse_date(raw, spec))
    return _scalar_text(raw)


_GROUPED = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+")


def _parse_integer(raw: Any, spec: VarSpec) -> int:
    if isinstance(raw, bool):
        raise _Invalid()
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if not isinstance(raw, str):
        raise _Invalid()
    text = _nfc(raw).replace(" ", "")
    if re.fullmatch(r"[-+]?\d+", text) or _GROUPED.fullmatch(text):   # 1.000 is a thousand
        return int(text.replace(".", ""))
    raise _Invalid()


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS_DATE = re.compile(r"(?:ngày\s*)?(\d{1,2})\s*tháng\s*(\d{1,2})(?:\s*năm\s*(\d{4}))?")


def _parse_date(raw: Any, spec: VarSpec, default_year: int | None = None) -> DateValue:
    if isinstance(raw, DateValue):
        return raw
    if isinstance(raw, dt.datetime):
        return DateValue(raw.date())
    if isinstance(raw, dt.date):
        return DateValue(raw)
    if not isinstance(raw, str):
        raise _Invalid()
    text = _nfc(raw).lower()
    if m := _YMD.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := (_DMY.fullmatch(text) or _WORDS_DATE.fullmatch(text)):
        day, month = int(m.group(1)), int(m.group(2))
        if m.group(3):
            year = int(m.group(3))
        elif default_year is not None:
            year = default_year
        else:
            raise _Invalid("thiếu năm")
    else:
        raise _Invalid()
    try:
        return DateValue(dt.date(year, month, day))
    except ValueError:
        if 1 <= month <= 12 and 1 <= day <= 31:            # 31/2: the format was right
            raise _Invalid(f"tháng {month} năm {year} không có ngày {day}") from None
        raise _Invalid() from None


_TIME = re.compile(
    r"(?P<h>\d{1,2})\s*(?P<sep>h|g|giờ|:)\s*(?P<m>\d{2})?(?::00)?\s*(?:phút|p)?"
    r"\s*(?P<buoi>sáng|trưa|chiều|tối)?")
_BARE_HOUR = re.compile(r"(?P<h>\d{1,2})\s*(?P<buoi>sáng|trưa|chiều|tối)?")


def _apply_buoi(hour: int, buoi: str | None) -> int:
    """'2 giờ chiều' is 14h; '1 giờ trưa' is 13h; '9 giờ sáng' stays 9h."""
    if buoi in ("chiều", "tối") and hour < 12:
        return hour + 12
    if buoi == "trưa" and hour <= 5:
        return hour + 12
    if buoi == "sáng" and hour >= 12:
        raise _Invalid(f"{hour} giờ không phải buổi sáng")
    return hour


def _time_parts(text: str, allow_bare: bool = False) -> tuple[int, int, str | None]:
    """(hour, minute, buổi or None) from '7h30', '07:30', '2 giờ chiều'."""
    m = _TIME.fullmatch(text)
    if m and not (m.group("sep") == ":" and m.group("m") is None):
        return int(m.group("h")), int(m.group("m") or 0), m.group("buoi")
    if allow_bare and (m := _BARE_HOUR.fullmatch(text)):
        return int(m.group("h")), 0, m.group("buoi")
    raise _Invalid()


def _make_time(hour: int, minute: int, buoi: str | None) -> TimeValue:
    hour = _apply_buoi(hour, buoi)
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _Invalid("giờ phải từ 0 đến 23, phút từ 0 đến 59")
    return TimeValue(hour, minute)


def _sexagesimal_hint(raw: Any) -> str | None:
    """YAML 1.1 reads an unquoted 7:30 as the number 450; say so instead of showing 450."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 24 * 60:
        shown = f"{raw // 60}:{raw % 60:02d}"
        return f'nếu bạn viết {shown}, hãy đặt trong ngoặc kép: "{shown}"'
    return None


def _parse_time(raw: Any, spec: VarSpec) -> TimeValue:
    if isinstance(raw, TimeValue):
        return raw
    if isinstance(raw, dt.time):
        return TimeValue(raw.hour, raw.minute)
    if not isinstance(raw, str):
        raise _Invalid(_sexagesimal_hint(raw))
    return _make_time(*_time_parts(_nfc(raw).lower()))


_RANGE_SEP = re.compile(r"\s*(?:-|–|—|đến|tới)\s*")
_FROM = re.compile(r"^từ\s+")


def _split_range(text: str) -> Iterator[tuple[str, str]]:
    """Every (left, right) split of '7h30 - 11h30' at a range separator; the parser picks one."""
    text = _FROM.sub("", _nfc(text).lower())
    for m in _RANGE_SEP.finditer(text):
        left, right = text[:m.start()].strip(), text[m.end():].strip()
        if left and right:
            yield left, right


def _pair(raw: Any) -> tuple[Any, Any] | None:
    """A YAML [start, end] list or {start:, end:} / {tu:, den:} mapping."""
    if isinstance(raw, (list, tuple)) and len(raw) == 2:
        return raw[0], raw[1]
    if isinstance(raw, dict):
        for a, b in (("start", "end"), ("tu", "den"), ("từ", "đến")):
            if set(raw) == {a, b}:
                return raw[a], raw[b]
    return None


def _parse_time_range(raw: Any, spec: VarSpec) -> TimeRange:
    if isinstance(raw, TimeRange):
        return raw
    if (pair := _pair(raw)) is not None:
        return _ordered_times(_parse_time(pair[0], spec), _parse_time(pair[1], spec))
    if not isinstance(raw, str):
        raise _Invalid()
    for left, right in _split_range(raw):
        try:
            eh, em, ebuoi = _time_parts(right)
            sh, sm, sbuoi = _time_parts(left, allow_bare=True)
        except _Invalid:
            continue
        end = _make_time(eh, em, ebuoi)
        start = _make_time(sh, sm, sbuoi)
        if sbuoi is None and ebuoi is not None:          # '1h - 5h chiều': the buổi covers both
            with_buoi = _make_time(sh, sm, ebuoi)
            if with_buoi < end:
                start = with_buoi
        return _ordered_times(start, end)
    raise _Invalid()


def _ordered_times(start: TimeValue, end: TimeValue) -> TimeRange:
    if end <= start:
        raise _Invalid(f"giờ kết thúc {end} phải sau giờ bắt đầu {start}")
    return TimeRange(start, end)


def _parse_date_range(raw: Any, spec: VarSpec) -> DateRange:
    if isinstance(raw, DateRange):
        return raw
    if (pair := _pair(raw)) is not None:
        return _ordered_dates(_parse_date(pair[0], spec), _parse_date(pair[1], spec))
    if not isinstance(raw, str):
        raise _Invalid()
    for left, right in _split_range(raw):
        try:
            end = _parse_date(right, spec)
            if left.isdigit() and len(left) <= 2:          # '18-22/3/2024'
                start = _parse_date(f"{left}/{end.month}/{end.year}", spec)
            else:
                start = _parse_date(left, spec, default_year=end.year)
        except _Invalid:
            continue
        return _ordered_dates(start, end)
    raise _Invalid()


def _ordered_dates(start: DateValue, end: DateValue) -> DateRange:
    if end < start:
        raise _Invalid(f"ngày kết thúc {end} phải từ ngày bắt đầu {start} trở đi")
    return DateRange(start, end)


_MULTIPLIERS = {"nghìn": 1_000, "ngàn": 1_000, "k": 1_000, "triệu": 1_000_000,
                "tr": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000}
_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd|₫)\.?$")
_MONEY = re.compile(r"(?P<num>\d[\d.,\s]*?)\s*(?P<mult>nghìn|ngàn|k|triệu|tr|tỷ|tỉ)?")


def _parse_money(raw: Any, spec: VarSpec) -> Money:
    if isinstance(raw, Money):
        return raw
    if isinstance(raw, bool):
        raise _Invalid()
    if isinstance(raw, int):
        amount = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise _Invalid(f'nếu bạn viết {raw} với dấu chấm ngăn cách hàng nghìn, hãy đặt trong '
                           f'ngoặc kép, ví dụ "2.500"')
        amount = int(raw)
    elif isinstance(raw, str):
        amount = _money_from_text(_CURRENCY.sub("", _nfc(raw).lower()).strip())
    else:
        raise _Invalid()
    if amount < 0:
        raise _Invalid("số tiền không được âm")
    return Money(amount)


def _money_from_text(text: str) -> int:
    m = _MONEY.fullmatch(text)
    if not m:
        raise _Invalid()
    num = re.sub(r"\s", "", m.group("num"))
    if m.group("mult") is None:
        # 2.500.000 / 2,500,000 / 2 500 000: separators only between groups of three digits
        if re.fullmatch(r"\d+", num) or re.fullmatch(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", num):
            return int(re.sub(r"[.,]", "", num))
        raise _Invalid()
    multiplier = _MULTIPLIERS[m.group("mult")]
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", num):        # '1.500 triệu' is 1500 triệu
        value = Decimal(num.replace(".", ""))
    elif re.fullmatch(r"\d+(?:[.,]\d+)?", num):           # '2,5 triệu'
        value = Decimal(num.replace(",", "."))
    else:
        raise _Invalid()
    try:
        amount = value * multiplier
    except InvalidOperation:
        raise _Invalid() from None
    if amount != amount.to_integral_value():
        raise _Invalid("số tiền phải là số đồng nguyên")
    return int(amount)


# Short numbers a notice may give: child protection 111, rescue 112, police 113, fire 114,
# ambulance 115, the public-service hotline 1022. Others ('123') are typing mistakes.
SERVICE_NUMBERS = frozenset({"111", "112", "113", "114", "115", "1022"})


def _parse_phone(raw: Any, spec: VarSpec) -> Phone:
    if isinstance(raw, Phone):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        digits = str(raw)
        if len(digits) in (9, 10) and not digits.startswith("1"):   # YAML dropped the leading 0
            digits = "0" + digits
    elif isinstance(raw, str):
        text = _nfc(raw)
        if not re.fullmatch(r"\+?[\d\s.\-()]+", text):
            raise _Invalid()
        digits = re.sub(r"\D", "", text)
        if text.startswith("+") or (digits.startswith("84") and len(digits) == 11):
            if not digits.startswith("84"):
                raise _Invalid("chỉ nhận số Việt Nam (+84)")
            digits = "0" + digits[2:]
    else:
        raise _Invalid()
    if (digits in SERVICE_NUMBERS
            or re.fullmatch(r"1[89]00\d{4}(?:\d{2})?", digits)
            or re.fullmatch(r"0[35789]\d{8}", digits)     # mobile
            or re.fullmatch(r"02\d{9}", digits)):         # landline with area code
        return Phone(digits)
    if len(digits) <= 5:
        raise _Invalid("số ngắn chỉ nhận số dịch vụ 111, 112, 113, 114, 115, 1022; số máy bàn cần mã vùng, "
                       "ví dụ 0234 3876 543")
    raise _Invalid()


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
