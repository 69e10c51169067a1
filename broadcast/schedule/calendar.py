"""The station's calendar: Vietnamese public holidays (lunar, UTC+7), nghỉ bù, swapped days, exceptions."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

WEEKEND = frozenset({6, 7})        # ISO weekday: Saturday, Sunday
_SEARCH_LIMIT_DAYS = 366
_HOLIDAYS_IMPORT = threading.Lock()     # see vietnam_holidays


# The `holidays` package's Vietnam class computes Tết and Giỗ Tổ with the Vietnamese lunar
# calendar (meridian 105°E), labels substitute days "nghỉ bù" and knows the government's
# swapped working Saturdays (`weekend_workdays`). A Chinese-calendar library would put
# Tết 2030 on 3 February instead of 2 February.
def vietnam_holidays() -> type:
    """The package's Vietnam class, without the 250 other countries `holidays.countries` imports.

    `holidays.Vietnam` and `holidays.country_holidays("VN")` both import the package
    `holidays.countries`, whose `__init__` imports every country (0.1–0.2 s for each command
    that loads schedules). Its submodule alone needs only the package's folder: the package is
    made (not run) just long enough to import `vietnam`, then taken away again, so a later
    `import holidays.countries` still runs the real one. One thread at a time (a province build
    loads communes' schedules side by side): two threads making the stand-in at once took it
    away twice.
    """
    import holidays  # noqa: F401 (the package itself: constants, calendars, the base class)

    with _HOLIDAYS_IMPORT:
        return _vietnam_class()


def _vietnam_class() -> type:
    if "holidays.countries" not in sys.modules:
        spec = importlib.util.find_spec("holidays.countries")
        if spec is not None and spec.submodule_search_locations:
            sys.modules["holidays.countries"] = importlib.util.module_from_spec(spec)
            try:
                return importlib.import_module("holidays.countries.vietnam").Vietnam
            finally:
                del sys.modules["holidays.countries"]
    return importlib.import_module("holidays.countries.vietnam").Vietnam


@dataclass(frozen=True)
class CalendarException:
    """The station's own change for one date: a slot off the air (or on it) that day."""

    date: date
    slots: frozenset[str]           # empty: every slot
    on_air: bool
    reason: str = ""
    line: int = 0

    def applies_to(self, slot: str) -> bool:
        return not self.slots or slot in self.slots


class StationCalendar:
    """Which dates are holidays, days off and working days for one station.

    >>> cal = StationCalendar()
    >>> cal.holiday_name(date(2030, 2, 2))
    'Tết Nguyên Đán'
    >>> cal.next_working_day(date(2024, 4, 18))      # Giỗ Tổ → the next working day
    datetime.date(2024, 4, 19)
    """

    def __init__(self, *, public_holidays: bool = True,
                 days_off: Mapping[date, str] | None = None,
                 working_days: Mapping[date, str] | None = None,
                 exceptions: tuple[CalendarException, ...] = ()) -> None:
        self.public_holidays = public_holidays
        self.days_off: Mapping[date, str] = dict(days_off or {})
        self.working_days: Mapping[date, str] = dict(working_days or {})
        self.exceptions: tuple[CalendarException, ...] = tuple(exceptions)
        # Years are filled in lazily by the package on first lookup.
        self._public = vietnam_holidays()(language="vi") if public_holidays else None
        self._kept: dict[int, tuple[dict[date, str], frozenset[date]]] = {}   # see __getstate__

    def __repr__(self) -> str:
        return (f"StationCalendar(public_holidays={self.public_holidays}, "
                f"days_off={len(self.days_off)}, working_days={len(self.working_days)}, "
                f"exceptions={len(self.exceptions)})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StationCalendar):
            return NotImplemented
        return (self.public_holidays, self.days_off, self.working_days, self.exceptions) == (
            other.public_holidays, other.days_off, other.working_days, other.exceptions)

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict:
        """Pickled (`broadcast.schedule.kept`) without the holidays object but with its answers for
        the years around today (and any it was asked about): an unpickled calendar answers for those
        years without importing `holidays` (0.04 s of every `plan`), and makes the object on first
        use for any other year. The kept schedules are loaded again when the installed
        distributions change (`broadcast.publish.freshness`), so the table is never older than the package."""
        kept = dict(self._kept)
        if self.public_holidays:
            years = set(self._public.years if self._public is not None else ())
            this_year = date.today().year
            years |= set(range(this_year - 1, this_year + 3))
            missing = sorted(years - set(kept))
            if missing:
                # the neighbouring years too, so a nghỉ bù across New Year is where the package puts it
                table = vietnam_holidays()(language="vi", years=range(missing[0] - 1, missing[-1] + 2))
                for year in missing:
                    kept[year] = ({d: n for d, n in table.items() if d.year == year},
                                  frozenset(d for d in table.weekend_workdays if d.year == year))
        return {**self.__dict__, "_public": None, "_kept": kept}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_kept", {})
        self._public = None                      # made on first use for a year not kept

    def _holidays(self):
        if self._public is None:
            self._public = vietnam_holidays()(language="vi")
        return self._public

    def _public_name(self, d: date) -> str | None:
        kept = self._kept.get(d.year)
        return kept[0].get(d) if kept is not None else self._holidays().get(d)

    def _swapped_workday(self, d: date) -> bool:
        kept = self._kept.get(d.year)
        if kept is not None:
            return d in kept[1]
        public = self._holidays()
        public.get(d)                            # makes sure d's year is populated
        return d in public.weekend_workdays

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the holiday or day off on `d` ('Tết Nguyên Đán', '... (nghỉ bù)'), else None."""
        if d in self.days_off:
            return self.days_off[d]
        if self.public_holidays:
            return self._public_name(d)
        return None

    def is_day_off(self, d: date) -> bool:
        """True on public holidays, nghỉ bù, government days off and the station's own days off.

        Ordinary weekends are not days off here (a slot's `days` decides weekends); see
        `is_working_day` for office days.
        """
        return self.holiday_name(d) is not None

    def is_working_day(self, d: date) -> bool:
        """Office day: Monday–Friday that is not a day off, or a swapped working Saturday."""
        if self.is_day_off(d):
            return False
        if d in self.working_days:
            return True
        if self.public_holidays and self._swapped_workday(d):
            return True
        return d.isoweekday() not in WEEKEND

    def next_working_day(self, d: date) -> date:
        """`d` itself when it is a working day, else the first working day after it.

        Used for date rules such as "tiếp công dân falling on a holiday moves to the next
        working day": 18/04/2024 (Giỗ Tổ) → 19/04/2024; 27/04/2026 (nghỉ bù) → 28/04/2026.
        """
        for offset in range(_SEARCH_LIMIT_DAYS):
            candidate = d + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within a year after {d.isoformat()}")

    def exception_for(self, d: date, slot: str) -> CalendarException | None:
        """The station's exception for this slot on this date (the last one listed wins)."""
        found = None
        for exc in self.exceptions:
            if exc.date == d and exc.applies_to(slot):
                found = exc
        return found
