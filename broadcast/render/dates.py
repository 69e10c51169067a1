"""Date and time variable types: date, time, time_range, date_range."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from broadcast.normalize.numbers import WEEKDAY_NAMES as WEEKDAYS
from broadcast.render.spec import VarSpec, _Invalid, _nfc


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
