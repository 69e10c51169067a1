"""`broadcast simulate`: rehearse days of playout on a virtual clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click

from broadcast.build import Toolkit, build_announcement
from broadcast.cli.common import parse_day, pass_app, station_today
from broadcast.daemon import Injection, parse_injection, rehearsal_root, simulate_station
from broadcast.daemon.zones import station_zones
from broadcast.log.table import format_log
from broadcast.render import load_values_file


@click.command("simulate")
@click.option("--date", "day", metavar="NGÀY", help="Ngày bắt đầu; mặc định ngày mai.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 31))
@click.option("--output", "output_dir", type=click.Path(file_okay=False), help="Thư mục ghi kết quả diễn tập.")
@click.option("--inject", "injections", multiple=True, metavar='"HH:MM MẪU khóa=giá_trị ..."',
              help="Thông báo chèn vào lúc HH:MM (có thể lặp lại).")
@pass_app
def command(app, day, days, output_dir, injections) -> None:
    """Diễn tập: chạy trình phát trên đồng hồ ảo (không phải chờ), ghi nhật ký và danh sách phát.

    Nhật ký diễn tập ghi riêng (var/simulate/NGÀY/asrun.sqlite, nguồn 'diễn tập'); nhật ký
    thật của đài không bị thay đổi. Xem lại bằng 'broadcast log --rehearsal'.

    \b
    Ví dụ:
      broadcast simulate --date ngay-mai
      broadcast simulate --date 2026-12-14 --inject "06:10 canh_bao_bao_lu loai_thien_tai='bão số 15'"
    """
    station = app.station
    today = station_today(station)
    first = parse_day(day, today) if day else today + timedelta(days=1)
    out = Path(output_dir) if output_dir else rehearsal_root(station) / first.isoformat()
    toolkit = Toolkit.from_station(station)
    injected = []
    for spec in injections:
        at, template, values = parse_injection(spec, first, station.tz)
        example = station.path(station.paths.scripts) / "examples" / f"{template}.yaml"
        base = dict(load_values_file(example)) if example.is_file() else {}
        announcement = build_announcement(toolkit, out / "announcements", template=template,
                                          values={**base, **values}, now=at)
        injected.append(Injection(at, announcement.audio, announcement.meta))
    result = simulate_station(station, start=first, days=days, output_dir=out, injections=injected)
    click.echo(format_log(result.rows, {z.name: z.title for z in station_zones(station)}))
    click.echo(f"\nNhật ký diễn tập: {result.log_path} (xem lại: broadcast log --rehearsal)\n"
               f"Danh sách đã phát: {result.playout_path}")
    click.echo(f"(Diễn tập lúc {datetime.now(station.tz):%H:%M %d/%m/%Y}; nhật ký thật của đài không bị thay đổi.)")
