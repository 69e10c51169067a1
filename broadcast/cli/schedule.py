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
@click.option("--zone", metavar="VÙNG", help="Chỉ lịch của một vùng (tên vùng trong 'zones:').")
@pass_app
def ical(app, start, end, output, zone) -> None:
    """Xuất các buổi phát dự kiến thành tệp iCalendar (mở bằng lịch điện thoại, Outlook...).

    Đài có nhiều vùng: mỗi buổi ghi vùng nào nghe, và vùng nào không phát vì giờ yên lặng.
    Với --zone: chỉ các buổi một vùng nghe.

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
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    extra = {}
    if not schedule.zones and zone is None:          # a station without zones: the calendar it always had
        programmes = [p for day in days for p in load_plan(toolkit, day, schedule=schedule)]
    else:
        programmes, extra = _zoned(toolkit, schedule, days, zone)
    data = programmes_to_ical(programmes, station_name=station.station.name, now=datetime.now(station.tz), **extra)
    write_ical(data, Path(output))
    click.echo(f"Đã ghi {output}: {len(programmes)} buổi phát từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}.")


def _zoned(toolkit, schedule, days, zone: str | None) -> tuple[list, dict]:
    """Every zone's programmes (one event per slot and content, with the zones hearing it), or `zone`'s."""
    from dataclasses import replace

    from broadcast.build.zoning import zone_plans
    from broadcast.cli.export import _unknown
    from broadcast.plan.zones import distinct, quiet_slots
    from broadcast.publish.export import quiet_line

    programmes = []
    zones = ()
    for day in days:
        zones, per_zone = zone_plans(toolkit, schedule, day)
        chosen = [z for z in zones if z.name == zone] if zone is not None else list(zones)
        if not chosen:
            _unknown(zone, zones)
        skipped: dict[str, list[str]] = {}
        for z in chosen:
            for slot in quiet_slots(schedule, z, day, per_zone[z.name]):
                skipped.setdefault(slot.name, []).append(quiet_line(f"{slot.start:%H:%M}", z.title, str(z.quiet_hours)))
        if zone is not None:
            shown = [replace(p, variant=zone) for p in per_zone[zone]]
        else:
            shown = distinct({z.name: per_zone[z.name] for z in zones})
        programmes += [replace(p, warnings=p.warnings + tuple(skipped.get(p.slot, ()))) for p in shown]
    if zone is not None:
        title = next(z.title for z in zones if z.name == zone)
        return programmes, {"calendar_name": title}
    return programmes, {"zone_titles": {z.name: z.title for z in zones}}
