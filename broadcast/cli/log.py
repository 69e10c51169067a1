"""`broadcast log`: the as-run log of a day or a period."""

from __future__ import annotations

import click

from broadcast.asrun import AsRunLog, format_log
from broadcast.cli.common import parse_day, parse_span, pass_app, station_today
from broadcast.daemon import state_paths
from broadcast.errors import InputError


@click.command("log")
@click.option("--date", "day", metavar="NGÀY", help="Một ngày; mặc định hôm nay.")
@click.option("--from", "start", metavar="NGÀY", help="Từ ngày (dùng với --to).")
@click.option("--to", "end", metavar="NGÀY", help="Đến ngày.")
@click.option("--db", type=click.Path(dir_okay=False), help="Tệp nhật ký khác (ví dụ của một lần diễn tập).")
@pass_app
def command(app, day, start, end, db) -> None:
    """In nhật ký phát sóng: giờ dự kiến, giờ phát thật, trạng thái từng chương trình và từng mục.

    \b
    Ví dụ:
      broadcast log --date 2026-12-07
      broadcast log --from 2026-12-01 --to 2026-12-31
    """
    station = app.station
    today = station_today(station)
    if start or end:
        if not (start and end) or day:
            raise InputError("dùng --from cùng --to (không kèm --date)", hint="ví dụ: --from 2026-12-01 --to 2026-12-31")
        first, last = parse_span(start, end, today)
    else:
        first = last = parse_day(day, today)
    path = db or state_paths(station)[0]
    with AsRunLog(path) as log:
        rows = log.rows(first, last)
    click.echo(format_log(rows) if rows else "Chưa có gì trong nhật ký cho khoảng ngày này.")
