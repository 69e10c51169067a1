"""`broadcast build`: build and publish the programmes of one or more days."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import click

from broadcast.cli.common import check_days, parse_day, pass_app, station_today, terminal
from broadcast.plan.view import minutes
from broadcast.publish.freshness import chosen_engines, fresh_day

if TYPE_CHECKING:
    from broadcast.build import Toolkit
    from broadcast.progress import BuildProgress


@click.command("build")
@click.option("--date", "day", metavar="NGÀY", help="Ngày (YYYY-MM-DD hoặc DD/MM/YYYY); mặc định hôm nay.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 62), help="Số ngày liên tiếp.")
@click.option("--engine", help="Máy đọc cho lần dựng này (mặc định: theo broadcast.toml).")
@click.option("--dry-run", is_flag=True, help="Dùng máy đọc giả: kiểm tra lịch và dựng nhanh, không có giọng thật.")
@click.option("--force", is_flag=True, help="Dựng lại tất cả, kể cả chương trình không đổi.")
@pass_app
def command(app, day, days, engine, dry_run, force) -> None:
    """Dựng chương trình của một hoặc nhiều ngày vào audio_out/<ngày>/.

    Mỗi ngày được dựng riêng rồi mới thay vào chỗ cũ: dựng lỗi thì ngày cũ vẫn còn nguyên.
    Chương trình không đổi thì dùng lại, không đọc và không mã hóa lại.

    \b
    Ví dụ:
      broadcast build
      broadcast build --date 2026-12-07 --days 2
    """
    station = app.station
    first = parse_day(day, station_today(station))
    check_days(first, days)
    engines = [engine] if engine else None
    dates = [first + timedelta(days=offset) for offset in range(days)]
    # Days nothing touched since they were built are told by their stamps, without planning.
    names = chosen_engines(station, engines, dry_run)
    results = [] if force else [fresh_day(station, current, names) for current in dates]
    if force or not all(results):
        from broadcast.build import Toolkit, build_day

        toolkit = Toolkit.from_station(station, engines=engines, dry_run=dry_run)
        results = []
        with build_progress(toolkit, dates) as progress:
            for index, current in enumerate(dates, 1):
                if progress is not None:
                    progress.day(index, len(dates), f"{current:%d/%m/%Y}")
                results.append(build_day(station, current, toolkit=toolkit, force=force, progress=progress))
    for current, result in zip(dates, results):
        state = "không đổi" if result.unchanged else (
            f"dựng {result.encoded}, dùng lại {result.reused}, đọc mới {result.engine_calls} đoạn")
        click.echo(f"{current:%d/%m/%Y}: {len(result.programmes)} chương trình ({state}) → {result.directory}")
        for entry in result.programmes:
            zones = entry.get("zones") or []
            heard = f"  vùng {', '.join(zones)}" if zones and zones != ["toan-xa"] else ""
            click.echo(f"  {entry['start'][11:16]} {entry['file']:<16} {minutes(entry['duration_s']):>6}"
                       f"  {entry['loudness_lufs']:.1f} LUFS  máy đọc {entry['engine']}{heard}")
            for note in entry["engine_notes"]:
                click.echo(f"    ({note})")
        for warning in result.warnings:          # a warning of every day (an empty schedule file) once
            app.warn(warning, indent="  ")


@contextmanager
def build_progress(toolkit: Toolkit, dates: list) -> Iterator[BuildProgress | None]:
    """One self-rewriting line for the whole run on a terminal (percent, time left, what is done); none otherwise."""
    from broadcast.build import load_schedule_for
    from broadcast.build.zoning import zone_plans
    from broadcast.plan.zones import distinct
    from broadcast.progress import BuildProgress

    out = terminal()
    if out is None:
        yield None
        return
    schedule = load_schedule_for(toolkit)
    total = sum(2 * p.est_duration_s for d in dates for p in distinct(zone_plans(toolkit, schedule, d)[1]))
    line = ProgressLine(out)
    progress = BuildProgress(total, line.show)
    yield progress
    progress.finish()
    line.close()


class ProgressLine:
    """'Dựng  42% còn ~1 phút · ngày 1/2 · 07/12/2026 · 05:30 sang: đọc', cut to the terminal's width.

    An 80-column terminal gets one line rewritten in place, never a wrapped one per step.
    """

    def __init__(self, out, *, width: int | None = None, clock=time.monotonic) -> None:
        self.out, self._width, self.clock = out, width, clock
        self.started = clock()
        self.last = ""

    @property
    def width(self) -> int:
        return self._width or shutil.get_terminal_size((80, 24)).columns

    def text(self, fraction: float, label: str) -> str:
        left = ""
        spent = self.clock() - self.started
        if 0.02 <= fraction < 1:
            rest = spent / fraction * (1 - fraction)
            left = f" còn ~{round(rest / 60)} phút" if rest >= 90 else f" còn ~{max(1, round(rest))} giây"
        head = f"Dựng {fraction * 100:3.0f}%{left}"
        line = f"{head} · {label}" if label else head
        room = max(10, self.width - 1)
        return line if len(line) <= room else line[:room - 1] + "…"

    def show(self, fraction: float, label: str) -> None:
        line = self.text(fraction, label)
        if line != self.last:
            pad = " " * max(0, len(self.last) - len(line))
            click.echo(f"\r{line}{pad}", nl=False, file=self.out)
            self.last = line

    def close(self) -> None:
        click.echo("", file=self.out)
