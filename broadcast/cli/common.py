"""What every command shares: the lazily loaded station, value parsing, dates and progress."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import click

from broadcast.errors import InputError
from broadcast.station.config import Station, load_station


@dataclass
class AppContext:
    """Global options; the station is loaded only by commands that need it."""

    station_dir: str | None = None
    verbose: bool = False
    _station: Station | None = field(default=None, repr=False)
    warned: set[str] = field(default_factory=set, repr=False)

    def warn(self, text: str, indent: str = "") -> None:
        """'Cảnh báo: text' on stderr, once per command run (a warning from the schedules, raised as
        a `StationWarning` where it is found, reaches here through `broadcast.cli`, whichever
        command loaded them, and again in a command's own list: it is said once)."""
        if text in self.warned:
            return
        self.warned.add(text)
        click.echo(f"{indent}Cảnh báo: {text}", err=True)

    @property
    def station(self) -> Station:
        if self._station is None:
            self._station = load_station(self.station_dir)
        return self._station

    def station_or_none(self) -> Station | None:
        """The station when there is one here (normalize works without)."""
        try:
            return self.station
        except InputError:
            return None


pass_app = click.make_pass_decorator(AppContext)


def parse_set_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """`-s key=value` pairs into a dict; the template's types parse the values later."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"'-s {pair}' phải có dạng tên=giá_trị", hint="ví dụ: -s ngay=05/12/2026")
        values[key.strip()] = value
    return values


# The days a station can plan, build, play and report: the years its holiday calendar knows
# (`holidays.Vietnam`: 1901–2100; outside them Tết and nghỉ bù are unknown). Every --date,
# --from, --to and --days is checked against them here, so no command meets the end of Python's
# calendar (year 1, year 9999) in the middle of its work.
FIRST_DAY, LAST_DAY = date(1901, 1, 1), date(2100, 12, 31)
_RANGE_HINT = "chọn ngày từ 01/01/1901 đến 31/12/2100"
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def shown_day(day: date) -> str:
    """05/12/2026, also for year 1 (strftime writes '1', not '0001')."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def check_day(day: date, option: str = "--date") -> date:
    """`day` when the station can plan it; else InputError saying which days it can."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"{option}: ngày {shown_day(day)} nằm ngoài khoảng ngày đài làm lịch được",
                         hint=_RANGE_HINT)
    return day


def check_year(year: int, option: str) -> None:
    """--month 9999-12, --quarter 0001-Q1: InputError before a period is computed from them."""
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise InputError(f"{option}: năm {year} nằm ngoài khoảng ngày đài làm lịch được", hint=_RANGE_HINT)


def check_days(first: date, days: int, option: str = "--days") -> date:
    """The last of `days` days from `first`; InputError when they run past LAST_DAY."""
    check_day(first)
    if days > (LAST_DAY - first).days + 1:
        raise InputError(f"{option} {days} từ ngày {shown_day(first)} đi quá ngày cuối đài làm lịch được "
                         f"({shown_day(LAST_DAY)})", hint=f"bớt số ngày, hoặc {_RANGE_HINT}")
    return first + timedelta(days=days - 1)


def parse_day(raw: str | None, today: date, option: str = "--date") -> date:
    """--date: YYYY-MM-DD, DD/MM/YYYY, 'today'/'hom-nay', 'tomorrow'/'ngay-mai'; within FIRST_DAY..LAST_DAY."""
    if raw is None or raw.lower() in ("today", "hom-nay", "hôm-nay", "hôm nay"):
        return check_day(today, option)
    if raw.lower() in ("tomorrow", "ngay-mai", "ngày-mai", "ngày mai"):
        return check_days(today, 2, option)
    if _ISO_DAY.fullmatch(raw):              # the common case, without loading strptime's machinery
        try:
            return check_day(date.fromisoformat(raw), option)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return check_day(datetime.strptime(raw, fmt).date(), option)
        except ValueError:
            continue
    raise InputError(f"ngày '{raw}' không hợp lệ", hint="viết YYYY-MM-DD hoặc DD/MM/YYYY, ví dụ 2026-12-05")


def parse_span(start: str | None, end: str | None, today: date, *, default_days: int = 0) -> tuple[date, date]:
    """--from/--to as two dates in order; --to defaults to `default_days` after --from."""
    first = parse_day(start, today, "--from")
    last = parse_day(end, today, "--to") if end else min(first + timedelta(days=default_days), LAST_DAY)
    if last < first:
        raise InputError(f"--to ({shown_day(last)}) trước --from ({shown_day(first)})", hint="đổi lại hai ngày")
    return first, last


def station_today(station: Station) -> date:
    """Today in the station's timezone (the CLI is an edge: it may read the clock)."""
    return datetime.now(station.tz).date()


def terminal():
    """Standard output when it is a terminal (progress bars go there), else None."""
    return sys.stdout if sys.stdout.isatty() else None
