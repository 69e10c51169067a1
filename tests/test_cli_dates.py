"""Every command that takes --date, --days, --from, --to, --month or --quarter: the calendar's edges.

Python's calendar ends at year 1 and year 9999 and the station's holiday calendar at 1901 and
2100; a date past them, or --days running past the last one, is one Vietnamese line and exit 2
in every command, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.cli.common import FIRST_DAY, LAST_DAY, parse_day
from broadcast.errors import InputError

OUT_OF_RANGE = ("0001-01-01", "1900-12-31", "2101-01-01", "9999-12-31", "31/12/9999", "01/01/0001")
SAID = ("nằm ngoài khoảng ngày đài làm lịch được", "đi quá ngày cuối đài làm lịch được")


@pytest.fixture(scope="module")
def station(tmp_path_factory, station_copier):
    return station_copier(tmp_path_factory.mktemp("lich") / "station")


def with_date(station, day):
    """Each command with `day` where it takes one date (the other options it needs alongside)."""
    return [
        ["build", "--date", day],
        ["plan", "--date", day],
        ["fetch", "--date", day, "--from", "http://127.0.0.1:9/xa"],
        ["export", "--date", day],
        ["export", "--date", day, "--format", "txt"],
        ["play", "--date", day, "--slot", "sang", "--output", "null"],
        ["simulate", "--date", day],
        ["log", "--date", day],
        ["log", "--from", day, "--to", "2026-12-07"],
        ["log", "--from", "2026-12-07", "--to", day],
        ["schedule", "ical", "--from", day],
        ["schedule", "ical", "--from", "2026-12-01", "--to", day],
        ["report", "--from", day, "--to", "2026-12-31"],
        ["report", "--from", "2026-12-01", "--to", day],
        ["province", "build", str(station), "--date", day],
    ]


def refused(station, args):
    result = CliRunner().invoke(cli, ["--station", str(station), *args])
    assert result.exit_code == 2, (args, result.output, result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Lỗi: "), (args, result.output)
    assert any(words in lines[0] for words in SAID), (args, result.output)
    assert "Traceback" not in result.output and "Error" not in result.output
    return lines[0]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_a_date_past_the_calendar_is_one_line_and_exit_2_in_every_command(station, day):
    for args in with_date(station, day):
        refused(station, args)


@pytest.mark.parametrize(("first", "days"), [
    ("2100-12-31", 2), ("2100-12-01", 62), ("9999-12-31", 2), ("2100-12-30", 3), ("31/12/2100", 62),
])
def test_days_running_past_the_last_day_is_refused_before_any_work(station, first, days):
    for command in (["build"], ["plan"], ["fetch", "--from", "http://127.0.0.1:9/xa"],
                    ["province", "build", str(station)]):
        refused(station, [*command, "--date", first, "--days", str(days)])
    if days <= 31:
        refused(station, ["simulate", "--date", first, "--days", str(days)])


@pytest.mark.parametrize("args", [
    ["report", "--month", "9999-12"], ["report", "--month", "0001-01"], ["report", "--month", "2101-01"],
    ["report", "--quarter", "9999-Q4"], ["report", "--quarter", "0000-Q1"], ["report", "--quarter", "1900-Q4"],
])
def test_a_report_period_past_the_calendar_is_refused(station, args):
    line = refused(station, args)
    assert args[1] in line


def test_the_message_names_the_option_the_day_and_the_range(station):
    line = refused(station, ["plan", "--date", "0001-01-01"])
    assert line.startswith("Lỗi: --date: ngày 01/01/0001 ") and "01/01/1901 đến 31/12/2100" in line
    line = refused(station, ["plan", "--date", "2100-12-31", "--days", "2"])
    assert "--days 2 từ ngày 31/12/2100" in line


@pytest.mark.parametrize("day", [FIRST_DAY.isoformat(), LAST_DAY.isoformat()])
def test_the_first_and_last_days_themselves_are_planned(station, day):
    result = CliRunner().invoke(cli, ["--station", str(station), "plan", "--date", day])
    assert result.exit_code == 0, result.output
    days = CliRunner().invoke(cli, ["--station", str(station), "plan", "--date", "2100-12-30", "--days", "2"])
    assert days.exit_code == 0, days.output


def test_the_range_is_the_holiday_calendars():
    import holidays

    assert (FIRST_DAY, LAST_DAY) == (date(holidays.Vietnam.start_year, 1, 1), date(holidays.Vietnam.end_year, 12, 31))


@pytest.mark.parametrize("raw, expected", [
    ("2026-12-07", date(2026, 12, 7)), ("07/12/2026", date(2026, 12, 7)),
    ("2026-1-5", date(2026, 1, 5)),                    # strptime's leniency is kept
    ("2026-02-30", None), ("2026-W01-1", None), ("20261207", None), ("2026-12-07x", None),
])
def test_a_day_is_read_as_before_the_iso_fast_path(raw, expected):
    if expected is None:
        with pytest.raises(InputError, match="không hợp lệ"):
            parse_day(raw, date(2026, 12, 1))
    else:
        assert parse_day(raw, date(2026, 12, 1)) == expected


def test_an_iso_day_is_read_without_loading_strptime():
    code = ("import sys; from datetime import date; from broadcast.cli.common import parse_day\n"
            "assert parse_day('2026-12-07', date(2026, 12, 1)) == date(2026, 12, 7)\n"
            "print('_strptime' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
