"""`broadcast schedule`: exports of the planned broadcasts (iCalendar)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click

from broadcast.build import Toolkit, load_plan, load_schedule_for
from broadcast.cli.common import parse_span, pass_app, station_today
from broadcast.errors import InputError
from broadcast.publish.ical import programmes_to_ical, write_ical


@click.group("schedule")
def command() -> None:
    """Xuất lịch phát sóng dự kiến."""


@command.command("ical")
@click.option("--from", "start", metavar="NGÀY", help="Từ ngày; mặc định hôm nay.")
@click.option("--to", "end", metavar="NGÀY", help="Đến ngày; mặc định 30 ngày sau.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="lich-phat-song.ics",
              show_default=True, help="Tệp .ics ghi ra.")
@pass_app
def ical(app, start, end, output) -> None:
    """Xuất các buổi phát dự kiến thành tệp iCalendar (mở bằng lịch điện thoại, Outlook...).

    \b
    Ví dụ:
      broadcast schedule ical --from 2026-12-01 --to 2026-12-31 -o thang-12.ics
    """
    station = app.station
    today = station_today(station)
    first, last = parse_span(start, end, today, default_days=30)
    if (last - first).days > 400:
        raise InputError("khoảng thời gian quá dài (tối đa 400 ngày)", hint="chia thành nhiều tệp")
    toolkit = Toolkit.from_station(station)
    schedule = load_schedule_for(toolkit)
    programmes = []
    for offset in range((last - first).days + 1):
        programmes += load_plan(toolkit, first + timedelta(days=offset), schedule=schedule)
    data = programmes_to_ical(programmes, station_name=station.station.name, now=datetime.now(station.tz))
    write_ical(data, Path(output))
    click.echo(f"Đã ghi {output}: {len(programmes)} buổi phát từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}.")
