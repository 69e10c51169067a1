"""`broadcast plan`: the programmes of one or more days as a readable table, no audio; per zone on a zoned station."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta

import click

from broadcast.cli.common import check_days, parse_day, pass_app, station_today
from broadcast.errors import BroadcastError, StationWarning
from broadcast.plan import remembered


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
    # Days nothing has touched since the last `plan` are reprinted without planning (broadcast.plan.remembered).
    found = remembered.recall(station, first, days, zone)
    if found is None:
        before = remembered.begin(station)
        caught: list = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                blocks, files = _planned(station, first, days, zone)
        finally:
            said = _say(app, caught)              # as the schedules were read, even when one is wrong
        remembered.remember(station, first, days, zone, blocks, before, files, said)
    else:
        blocks, said = found
        for text in said:                         # the schedules' warnings, as a fresh plan says them
            app.warn(text)
    from broadcast.publish.readiness import fallback_lines

    now = datetime.now(station.tz)
    for offset, block in enumerate(blocks):
        click.echo(block)
        current = first + timedelta(days=offset)
        for line in fallback_lines(_published(station, current), now, station.speech.preferred_deadline_h):
            click.echo(f"  ! Đã dựng: {line}")


def _say(app, caught) -> list[str]:
    """Pass on the warnings planning raised; the station's (an empty schedule file) are kept with the plan."""
    said = []
    for w in caught:
        if issubclass(w.category, StationWarning):
            app.warn(str(w.message))
            said.append(str(w.message))
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return said


def _planned(station, first, days: int, zone: str | None):
    """Each day's text as `plan` prints it, and the files the plan read or measured."""
    from pathlib import Path

    from broadcast.build import Toolkit, load_schedule_for
    from broadcast.build.zoning import zone_plans
    from broadcast.errors import InputError
    from broadcast.plan.estimate import calibrated_speed, kept_readings
    from broadcast.plan.view import format_plan
    from broadcast.plan.zones import differences, skipped_on
    from broadcast.schedule.vocabulary import _did_you_mean
    from broadcast.station.bounded_yaml import recording_reads

    toolkit = Toolkit.from_station(station)
    measured = {station.path(station.audio.signature_tune)}
    blocks = []
    # The texts timed before, while nothing they come from changed; kept again only if every day planned.
    # At the calibration as it is now (a build times at its toolkit's one speed instead).
    with (kept_readings(toolkit, speed=calibrated_speed(toolkit)) as (calibrated, library),
          recording_reads() as reads):

        def estimate(item):                # every audio file whose length decides the plan
            if item.audio_file:
                measured.add(Path(item.audio_file))
            return calibrated(item)

        schedule = load_schedule_for(toolkit)
        for offset in range(days):
            current = first + timedelta(days=offset)
            zones, per_zone = zone_plans(toolkit, schedule, current, estimate=estimate, library=library)
            names = [z.name for z in zones]
            if zone is not None and zone not in per_zone:
                raise InputError(f"không có vùng '{zone}'", hint=_did_you_mean(zone, names).removeprefix("Sửa: "))
            shown = next(z for z in zones if z.name == (zone or names[0]))
            lines = []
            if len(zones) > 1:
                lines.append(f"Vùng {shown.title} ({shown.name}):")
            lines.append(format_plan(current, per_zone[shown.name]))
            lines += [f"  ! {note}" for note in skipped_on(schedule, shown, current, per_zone[shown.name])]
            if zone is None and len(zones) > 1:
                lines.append(f"Các vùng khác so với {shown.title}:")
                lines += [f"  {line}" for line in differences(per_zone, zones)]
                lines.append("")
            blocks.append("\n".join(lines))
    return blocks, {*reads, *measured}


def _published(station, day):
    """The day's published manifest, or None when it is not built (or not readable)."""
    from broadcast.publish.freshness import MANIFEST

    folder = station.path(station.paths.audio_out) / day.isoformat()      # publish.day.day_dir
    if not (folder / MANIFEST).is_file():
        return None                   # not built: the publisher's module is not imported
    from broadcast.publish.day import read_manifest

    try:
        return read_manifest(folder)
    except BroadcastError:
        return None
