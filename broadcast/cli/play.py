"""`broadcast play`: play a file or a built programme now, with elapsed and remaining time."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from broadcast.cli.common import parse_day, pass_app, station_today
from broadcast.daemon import output_for_station, state_paths
from broadcast.errors import InputError
from broadcast.log.asrun import AsRunLog
from broadcast.plan.view import minutes
from broadcast.play.failures import playout_failure
from broadcast.play.outputs import OUTPUTS, PlayResult
from broadcast.play.player import jobs_from_manifest, play_file
from broadcast.publish.day import day_dir, read_manifest

# `--output` and `--realtime`, shared by play and announce (a one-off override of [playout] output).
output_option = click.option("--output", "output_name", type=click.Choice(list(OUTPUTS)),
                             help="Đầu ra cho lần phát này (mặc định: [playout] output).")
realtime_option = click.option("--realtime", is_flag=True,
                               help="Đầu ra null phát đúng nhịp thời gian thật (mặc định: nhanh nhất có thể).")


def settle(result: PlayResult, output: str, title: str) -> None:
    """Say how a manual play ended: a failure is one Vietnamese line (exit 1), Ctrl-C exits 130."""
    if result.status == "failed":
        click.echo("")
        raise playout_failure(output, result.error, title)
    if result.status == "interrupted":
        click.echo("\nĐã dừng giữa chừng.")
        raise click.exceptions.Exit(130)
    click.echo(f"\nĐã phát xong ({minutes(result.seconds)}).")


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
@output_option
@realtime_option
@pass_app
def command(app, file, day, slot, output_name, realtime) -> None:
    """Phát ngay một tệp hoặc một chương trình đã dựng ra đầu ra đã cấu hình (Ctrl-C để dừng).

    Nhật ký ghi lần phát này là 'thủ công' (không tính là buổi phát theo lịch trong báo cáo).

    \b
    Ví dụ:
      broadcast play audio_out/2026-12-07/0530-sang.mp3
      broadcast play --date 2026-12-07 --slot sang
      broadcast play --date 2026-12-07 --slot sang --output null   kiểm tra tệp phát được, không ra loa
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
    output = output_for_station(station, name=output_name, realtime=realtime)
    click.echo(f"Phát {path} …")
    with AsRunLog(log_path) as log:
        result = play_file(path, output, log=log, job=job, on_progress=progress_printer())
    settle(result, output.name, job.title if job else path.name)
