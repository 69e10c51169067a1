"""The station calendar: Vietnamese public holidays (lunar, UTC+7), nghỉ bù, swaps, next working day."""

from datetime import date

import pytest

from broadcast.schedule import StationCalendar
from broadcast.schedule.calendar import CalendarException

CAL = StationCalendar()

# DOMAIN.md §5.2: Tết (mùng 1) and Giỗ Tổ (10/3 âm lịch) in the Vietnamese calendar.
LUNAR = [
    (date(2024, 2, 10), "Tết Nguyên Đán"),
    (date(2025, 1, 29), "Tết Nguyên Đán"),
    (date(2026, 2, 17), "Tết Nguyên Đán"),
    (date(2027, 2, 6), "Tết Nguyên Đán"),
    (date(2028, 1, 26), "Tết Nguyên Đán"),
    (date(2030, 2, 2), "Tết Nguyên Đán"),        # China: 3 February
    (date(2024, 4, 18), "Ngày Giỗ Tổ Hùng Vương"),
    (date(2025, 4, 7), "Ngày Giỗ Tổ Hùng Vương"),
    (date(2026, 4, 26), "Ngày Giỗ Tổ Hùng Vương"),
    (date(2027, 4, 16), "Ngày Giỗ Tổ Hùng Vương"),
    (date(2028, 4, 4), "Ngày Giỗ Tổ Hùng Vương"),
    (date(2030, 4, 12), "Ngày Giỗ Tổ Hùng Vương"),
]


@pytest.mark.parametrize(("day", "name"), LUNAR)
def test_lunar_holidays_follow_the_vietnamese_calendar(day, name):
    assert CAL.holiday_name(day) == name
    assert CAL.is_day_off(day)
    assert not CAL.is_working_day(day)


def test_tet_2030_is_not_the_chinese_date():
    assert CAL.holiday_name(date(2030, 2, 2)) == "Tết Nguyên Đán"
    assert CAL.holiday_name(date(2030, 2, 3)) != "Tết Nguyên Đán"   # mùng hai, not mùng một


@pytest.mark.parametrize(("day", "fragment"), [
    (date(2026, 1, 1), "Tết Dương lịch"),
    (date(2026, 4, 27), "nghỉ bù"),              # Giỗ Tổ 26/4/2026 is a Sunday
    (date(2026, 4, 30), "Chiến thắng"),
    (date(2026, 5, 1), "Lao động"),
    (date(2026, 9, 2), "Quốc khánh"),
    (date(2024, 9, 3), "Quốc khánh"),            # the adjacent second day
    (date(2024, 4, 29), "thay cho"),             # swapped with Saturday 04/05/2024
])
def test_fixed_holidays_and_substitute_days(day, fragment):
    assert fragment in CAL.holiday_name(day)
    assert CAL.is_day_off(day)


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 4, 28), True),     # Tuesday after the nghỉ bù
    (date(2026, 4, 25), False),    # ordinary Saturday
    (date(2026, 4, 26), False),    # Giỗ Tổ on a Sunday
    (date(2024, 5, 4), True),      # swapped working Saturday (Công văn 2450/VPCP-KGVX)
    (date(2024, 5, 2), True),
    (date(2026, 12, 1), True),
])
def test_working_days(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(("day", "expected"), [
    (date(2024, 4, 18), date(2024, 4, 19)),    # Giỗ Tổ (Thursday) → Friday
    (date(2024, 4, 19), date(2024, 4, 19)),    # already a working day
    (date(2026, 4, 26), date(2026, 4, 28)),    # Sunday Giỗ Tổ, Monday nghỉ bù → Tuesday
    (date(2026, 4, 30), date(2026, 5, 4)),     # 30/4 Thu, 1/5 Fri, weekend → Monday
    (date(2026, 2, 14), date(2026, 2, 23)),    # Saturday before Tết 2026 → after the Tết break
    (date(2024, 5, 3), date(2024, 5, 3)),
    (date(2024, 4, 27), date(2024, 5, 2)),     # Sat 27/4 → 29/4 swapped off, 30/4, 1/5 → Thu 2/5
])
def test_next_working_day(day, expected):
    assert CAL.next_working_day(day) == expected


def test_station_days_off_and_working_days():
    cal = StationCalendar(days_off={date(2026, 12, 22): "Kỷ niệm ngày thành lập xã"},
                          working_days={date(2026, 12, 26): "Làm bù"})
    assert cal.holiday_name(date(2026, 12, 22)) == "Kỷ niệm ngày thành lập xã"
    assert cal.next_working_day(date(2026, 12, 22)) == date(2026, 12, 23)
    assert cal.is_working_day(date(2026, 12, 26))          # Saturday made a working day
    assert cal.next_working_day(date(2026, 12, 26)) == date(2026, 12, 26)
    assert not cal.is_working_day(date(2026, 12, 27))


def test_public_holidays_can_be_switched_off():
    cal = StationCalendar(public_holidays=False)
    assert cal.holiday_name(date(2026, 2, 17)) is None
    assert cal.is_working_day(date(2026, 2, 17))


def test_exception_for_slot():
    exc = CalendarException(date=date(2026, 12, 24), slots=frozenset({"chieu"}), on_air=False,
                            reason="Sửa chữa đường dây")
    every = CalendarException(date=date(2026, 12, 25), slots=frozenset(), on_air=False)
    cal = StationCalendar(exceptions=(exc, every))
    assert cal.exception_for(date(2026, 12, 24), "chieu") is exc
    assert cal.exception_for(date(2026, 12, 24), "sang") is None
    assert cal.exception_for(date(2026, 12, 25), "sang") is every


def test_two_threads_loading_the_holidays_at_once_both_get_the_class(monkeypatch):
    """A province build plans two communes at once: their first schedule loads both ask for the
    Vietnam class. Both threads once got past the "package not loaded yet" check, and the
    second's clean-up found the stand-in package already gone (KeyError: 'holidays.countries')."""
    import importlib
    import importlib.util
    import sys
    import threading

    import holidays

    from broadcast.schedule.calendar import vietnam_holidays

    monkeypatch.delitem(sys.modules, "holidays.countries", raising=False)
    both_inside = threading.Barrier(2, timeout=1.0)

    def meeting(real):                      # the two threads meet where the race was, twice
        def met(*args):
            try:
                both_inside.wait()
            except threading.BrokenBarrierError:
                pass                        # one at a time: the other thread waits outside
            return real(*args)
        return met

    monkeypatch.setattr(importlib.util, "find_spec", meeting(importlib.util.find_spec))
    monkeypatch.setattr(importlib, "import_module", meeting(importlib.import_module))
    got, errors = [], []

    def load():
        try:
            got.append(vietnam_holidays())
        except Exception as exc:           # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert got == [holidays.Vietnam.get_entity()] * 2


def test_a_kept_calendar_answers_as_a_new_one_without_the_holiday_package():
    import pickle
    import subprocess
    import sys
    from datetime import timedelta

    fresh = StationCalendar()
    kept = pickle.loads(pickle.dumps(StationCalendar()))
    day = date(date.today().year - 2, 1, 1)
    while day < date(date.today().year + 4, 1, 1):          # the kept years and one each side (made lazily)
        assert (kept.holiday_name(day), kept.is_working_day(day)) == (fresh.holiday_name(day),
                                                                      fresh.is_working_day(day)), day
        day += timedelta(days=1)
    code = ("import pickle, sys\nfrom datetime import date\n"
            f"cal = pickle.loads({pickle.dumps(StationCalendar())!r})\n"
            "print(cal.holiday_name(date(date.today().year, 9, 2)), cal.is_working_day(date.today()) in (True, False),"
            " 'holidays' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "False" and "Quốc khánh" in out.stdout
