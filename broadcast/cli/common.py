"""What every command shares: the lazily loaded station, value parsing, dates and progress."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, datetime
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


def parse_day(raw: str | None, today: date) -> date:
    """--date: YYYY-MM-DD, DD/MM/YYYY, 'today'/'hom-nay', 'tomorrow'/'ngay-mai'."""
    if raw is None or raw.lower() in ("today", "hom-nay", "hôm-nay", "hôm nay"):
        return today
    if raw.lower() in ("tomorrow", "ngay-mai", "ngày-mai", "ngày mai"):
        return date.fromordinal(today.toordinal() + 1)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise InputError(f"ngày '{raw}' không hợp lệ", hint="viết YYYY-MM-DD hoặc DD/MM/YYYY, ví dụ 2026-12-05")


def parse_span(start: str | None, end: str | None, today: date, *, default_days: int = 0) -> tuple[date, date]:
    """--from/--to as two dates in order; --to defaults to `default_days` after --from."""
    first = parse_day(start, today)
    last = parse_day(end, today) if end else date.fromordinal(first.toordinal() + default_days)
    if last < first:
        raise InputError(f"--to ({last:%d/%m/%Y}) trước --from ({first:%d/%m/%Y})", hint="đổi lại hai ngày")
    return first, last


def station_today(station: Station) -> date:
    """Today in the station's timezone (the CLI is an edge: it may read the clock)."""
    return datetime.now(station.tz).date()


def terminal():
    """Standard output when it is a terminal (progress bars go there), else None."""
    return sys.stdout if sys.stdout.isatty() else None
