"""`broadcast export`: a day's announcements as Markdown or text for the website; per zone on a zoned station."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.atomic import write_text_atomic
from broadcast.build import Toolkit, load_plan, load_schedule_for
from broadcast.cli.common import parse_day, pass_app, station_today
from broadcast.publish.export import FORMATS, collect, collect_zones, export_day


@click.command("export")
@click.option("--date", "day", metavar="NGÀY", help="Ngày; mặc định hôm nay.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Ghi ra tệp thay vì in ra màn hình.")
@click.option("--zone", metavar="VÙNG", help="Chỉ những gì một vùng nghe (tên vùng trong 'zones:').")
@pass_app
def command(app, day, fmt, output, zone) -> None:
    """Xuất các thông báo, chuyên mục của một ngày để đăng trang thông tin điện tử của xã.

    Đài có nhiều vùng: mỗi mục ghi vùng nào nghe (tên vùng), cuối trang ghi buổi nào vùng nào
    không phát vì giờ yên lặng. Với --zone: chỉ chương trình của một vùng.

    \b
    Ví dụ:
      broadcast export --date 2026-12-07 --format md -o thong-bao.md
    """
    station = app.station
    current = parse_day(day, station_today(station))
    toolkit = Toolkit.from_station(station)
    schedule = load_schedule_for(toolkit)
    if not schedule.zones and zone is None:           # a station without zones: the page it always had
        programmes = load_plan(toolkit, current, schedule=schedule)
        text = export_day(current, station.station_title, collect(programmes, _texts(toolkit, programmes)), fmt)
    else:
        text = _zoned(toolkit, schedule, current, fmt, zone)
    if output:
        write_text_atomic(Path(output), text)
        click.echo(f"Đã ghi {output}.")
    else:
        click.echo(text, nl=False)


def _texts(toolkit, programmes) -> dict[str, str]:
    return {item.id: toolkit.library.render(item.template, item.values).text
            for p in programmes for item in p.items if item.template}


def _zoned(toolkit, schedule, current, fmt: str, zone: str | None) -> str:
    """The day of every zone (each entry saying where it is heard), or of `zone` alone."""
    from broadcast.build.zoning import zone_plans
    from broadcast.plan.zones import quiet_slots
    from broadcast.publish.export import quiet_line

    zones, per_zone = zone_plans(toolkit, schedule, current)
    chosen = [z for z in zones if z.name == zone] if zone is not None else list(zones)
    if not chosen:
        _unknown(zone, zones)
    shown = {z.name: per_zone[z.name] for z in chosen}
    texts = _texts(toolkit, [p for programmes in shown.values() for p in programmes])
    skips = [quiet_line(f"{slot.start:%H:%M}", z.title, str(z.quiet_hours))
             for z in chosen for slot in quiet_slots(schedule, z, current, per_zone[z.name])]
    station = toolkit.station
    if zone is not None:
        return export_day(current, station.station_title, collect(shown[zone], texts), fmt,
                          zone_title=chosen[0].title, skips=skips)
    return export_day(current, station.station_title, collect_zones(shown, {z.name: z.title for z in zones}, texts),
                      fmt, skips=skips)


def _unknown(zone: str, zones) -> None:
    from broadcast.errors import InputError
    from broadcast.schedule.vocabulary import _did_you_mean

    names = [z.name for z in zones]
    raise InputError(f"không có vùng '{zone}'", hint=_did_you_mean(zone, names).removeprefix("Sửa: "))
