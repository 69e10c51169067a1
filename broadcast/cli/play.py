"""`broadcast play`: play a file or a built programme now, with elapsed and remaining time."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from broadcast.asrun import AsRunLog
from broadcast.cli.common import parse_day, pass_app, station_today
from broadcast.daemon import output_for_station, state_paths
from broadcast.errors import InputError
from broadcast.plan_view import minutes
from broadcast.play.player import jobs_from_manifest, play_file
from broadcast.publish import day_dir, read_manifest


def progress_printer():
    """Elapsed / remaining on one self-rewriting line (a terminal) or nothing (a pipe)."""
    if not sys.stdout.isatty():
        return None

    def show(elapsed: float, remaining: float | None) -> None:
        rest = f" còn {minutes(remaining)}" if remaining is not None else ""
        click.echo(f"\r  đang phát {minutes(elapsed)}{rest}   ", nl=False)

    return show


@click.command("play")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--date", "day", metavar="NGÀY", help="Ngày của chương trình đã dựng.")
@click.option("--slot", help="Tên buổi (ví dụ sang, chieu) của chương trình đã dựng.")
@pass_app
def command(app, file, day, slot) -> None:
    """Phát ngay một tệp hoặc một chương trình đã dựng ra đầu ra đã cấu hình (Ctrl-C để dừng).

    \b
    Ví dụ:
      broadcast play audio_out/2026-12-07/0530-sang.mp3
      broadcast play --date 2026-12-07 --slot sang
    """
    station = app.station
    job = None
    if file:
        path = Path(file)
    elif slot:
        current = parse_day(day, station_today(station))
        directory = day_dir(station.path(station.paths.audio_out), current)
        jobs = {j.slot: j for j in jobs_from_manifest(read_manifest(directory), directory)}
        if slot not in jobs:
            raise InputError(f"ngày {current:%d/%m/%Y} không có buổi '{slot}'",
                             hint=f"các buổi đã dựng: {', '.join(jobs) or 'không có'}")
        job = jobs[slot]
        path = job.path
    else:
        raise InputError("cần tên tệp, hoặc --slot (và --date)", hint="ví dụ: broadcast play --slot sang")
    log_path, _ = state_paths(station)
    click.echo(f"Phát {path} …")
    with AsRunLog(log_path) as log:
        result = play_file(path, output_for_station(station), log=log, job=job, on_progress=progress_printer())
    click.echo(f"\nKết thúc: {result.status}." + (f" Lỗi: {result.error}" if result.error else ""))
    if result.status not in ("played", "late"):
        raise click.exceptions.Exit(1 if result.status != "interrupted" else 130)
