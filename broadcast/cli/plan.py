"""`broadcast plan`: the programmes of one or more days as a readable table, no audio."""

from __future__ import annotations

from datetime import timedelta

import click

from broadcast.build import Toolkit, load_plan
from broadcast.cli.common import parse_day, pass_app, station_today
from broadcast.plan_view import format_plan


@click.command("plan")
@click.option("--date", "day", metavar="NGÀY", help="Ngày (YYYY-MM-DD hoặc DD/MM/YYYY); mặc định hôm nay.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 62), help="Số ngày liên tiếp.")
@pass_app
def command(app, day: str | None, days: int) -> None:
    """Xem chương trình dự kiến: buổi nào phát, mục nào, thứ tự, thời lượng ước tính.

    \b
    Ví dụ:
      broadcast plan --date 2026-12-07
      broadcast plan --date 2026-12-01 --days 7
    """
    station = app.station
    first = parse_day(day, station_today(station))
    toolkit = Toolkit.from_station(station)
    for offset in range(days):
        current = first + timedelta(days=offset)
        click.echo(format_plan(current, load_plan(toolkit, current)))
