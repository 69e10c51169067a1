"""`broadcast build`: build and publish the programmes of one or more days."""

from __future__ import annotations

from datetime import timedelta

import click

from broadcast.build import Toolkit, build_day
from broadcast.cli.common import parse_day, pass_app, progress_bar, station_today
from broadcast.plan_view import minutes


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
    toolkit = Toolkit.from_station(station, engines=[engine] if engine else None, dry_run=dry_run)
    for offset in range(days):
        current = first + timedelta(days=offset)
        with progress_bar(2, f"Dựng {current:%d/%m/%Y}") as bar:
            def progress(_programme_id: str, index: int, total: int) -> None:
                bar.length = total
                bar.update(1)

            result = build_day(station, current, toolkit=toolkit, force=force, progress=progress)
        state = "không đổi" if result.unchanged else (
            f"dựng {result.encoded}, dùng lại {result.reused}, đọc mới {result.engine_calls} đoạn")
        click.echo(f"{current:%d/%m/%Y}: {len(result.programmes)} chương trình ({state}) → {result.directory}")
        for entry in result.programmes:
            click.echo(f"  {entry['start'][11:16]} {entry['file']:<16} {minutes(entry['duration_s']):>6}"
                       f"  {entry['loudness_lufs']:.1f} LUFS  máy đọc {entry['engine']}")
            for note in entry["engine_notes"]:
                click.echo(f"    ({note})")
        for warning in result.warnings:
            click.echo(f"  Cảnh báo: {warning}", err=True)
