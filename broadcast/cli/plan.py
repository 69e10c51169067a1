"""`broadcast plan`: the programmes of one or more days as a readable table, no audio; per zone on a zoned station."""

from __future__ import annotations

from datetime import datetime, timedelta

import click

from broadcast.build import Toolkit, load_schedule_for
from broadcast.build.zoning import zone_plans
from broadcast.cli.common import check_days, parse_day, pass_app, station_today
from broadcast.errors import BroadcastError, InputError
from broadcast.plan.view import format_plan
from broadcast.plan.zones import differences, skipped_on
from broadcast.publish.day import MANIFEST, day_dir, read_manifest
from broadcast.publish.readiness import fallback_lines
from broadcast.schedule.vocabulary import _did_you_mean


@click.command("plan")
@click.option("--date", "day", metavar="NGÀY", help="Ngày (YYYY-MM-DD hoặc DD/MM/YYYY); mặc định hôm nay.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 62), help="Số ngày liên tiếp.")
@click.option("--zone", metavar="VÙNG", help="Chỉ xem chương trình của một vùng (tên vùng trong 'zones:').")
@pass_app
def command(app, day: str | None, days: int, zone: str | None) -> None:
    """Xem chương trình dự kiến: buổi nào phát, mục nào, thứ tự, thời lượng ước tính.

    Đài có nhiều vùng ('zones:' trong lịch phát): in chương trình của vùng đầu tiên, rồi mỗi buổi
    một dòng nói các vùng khác nghe thêm (+) hay bớt (−) mục nào, vùng nào không phát (giờ yên lặng).
    Với --zone: chương trình đầy đủ của một vùng.

    \b
    Ví dụ:
      broadcast plan --date 2026-12-07
      broadcast plan --date 2026-12-01 --days 7
      broadcast plan --date 2026-12-07 --zone toan-xa
    """
    station = app.station
    first = parse_day(day, station_today(station))
    check_days(first, days)
    toolkit = Toolkit.from_station(station)
    schedule = load_schedule_for(toolkit)
    now = datetime.now(station.tz)
    for offset in range(days):
        current = first + timedelta(days=offset)
        zones, per_zone = zone_plans(toolkit, schedule, current)
        names = [z.name for z in zones]
        if zone is not None and zone not in per_zone:
            raise InputError(f"không có vùng '{zone}'", hint=_did_you_mean(zone, names).removeprefix("Sửa: "))
        shown = next(z for z in zones if z.name == (zone or names[0]))
        if len(zones) > 1:
            click.echo(f"Vùng {shown.title} ({shown.name}):")
        click.echo(format_plan(current, per_zone[shown.name]))
        for note in skipped_on(schedule, shown, current, per_zone[shown.name]):
            click.echo(f"  ! {note}")
        if zone is None and len(zones) > 1:
            click.echo(f"Các vùng khác so với {shown.title}:")
            for line in differences(per_zone, zones):
                click.echo(f"  {line}")
            click.echo("")
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
