"""`broadcast plan`: the programmes of one or more days as a readable table, no audio."""

from __future__ import annotations

from datetime import datetime, timedelta

import click

from broadcast.build import Toolkit, load_plan
from broadcast.cli.common import check_days, parse_day, pass_app, station_today
from broadcast.errors import BroadcastError
from broadcast.plan.view import format_plan
from broadcast.publish.day import MANIFEST, day_dir, read_manifest
from broadcast.publish.readiness import fallback_lines


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
    check_days(first, days)
    toolkit = Toolkit.from_station(station)
    now = datetime.now(station.tz)
    for offset in range(days):
        current = first + timedelta(days=offset)
        click.echo(format_plan(current, load_plan(toolkit, current)))
        for line in fallback_lines(_published(station, current), now, station.speech.preferred_deadline_h):
            click.echo(f"  ! Đã dựng: {line}")


def _published(station, day):
    """The day's published manifest, or None when it is not built (or not readable)."""
    folder = day_dir(station.path(station.paths.audio_out), day)
    if not (folder / MANIFEST).is_file():
        return None
    try:
        return read_manifest(folder)
    except BroadcastError:
        return None
