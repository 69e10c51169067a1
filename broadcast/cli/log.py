"""`broadcast log`: the as-run log of a day or a period, or of the latest rehearsal."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from broadcast.cli.common import parse_day, parse_span, pass_app, station_today
from broadcast.daemon import latest_rehearsal_log, state_paths
from broadcast.daemon.zones import station_zones
from broadcast.errors import InputError
from broadcast.log.asrun import AsRunLog
from broadcast.log.table import format_log


@click.command("log")
@click.option("--date", "day", metavar="NGÀY", help="Một ngày; mặc định hôm nay (diễn tập: mọi ngày đã diễn tập).")
@click.option("--from", "start", metavar="NGÀY", help="Từ ngày (dùng với --to).")
@click.option("--to", "end", metavar="NGÀY", help="Đến ngày.")
@click.option("--db", type=click.Path(dir_okay=False), help="Tệp nhật ký khác (ví dụ của một lần diễn tập).")
@click.option("--rehearsal", is_flag=True, help="Nhật ký của lần diễn tập (broadcast simulate) gần nhất.")
@click.option("--cluster", metavar="CỤM-LOA", help="Nhật ký một cụm loa gửi về (broadcast clusters để xem tên).")
@pass_app
def command(app, day, start, end, db, rehearsal, cluster) -> None:
    """In nhật ký phát sóng: giờ dự kiến, giờ phát thật, nguồn, trạng thái từng chương trình và từng mục.

    Nguồn: 'theo lịch' và 'đột xuất' là phát thật ra loa; 'thủ công' là phát bằng tay (broadcast
    play/announce khi trình phát không chạy); 'diễn tập' chỉ có trong nhật ký diễn tập.
    Lỗi được ghi bằng nguyên nhân tiếng Việt; thêm -v (broadcast -v log) để xem nguyên văn lỗi
    của ffmpeg.

    \b
    Ví dụ:
      broadcast log --date 2026-12-07
      broadcast log --from 2026-12-01 --to 2026-12-31
      broadcast log --rehearsal                 nhật ký của lần diễn tập gần nhất
      broadcast -v log --date 2026-12-07        kèm nguyên văn lỗi của ffmpeg (gỡ rối)
    """
    station = app.station
    today = station_today(station)
    if rehearsal and db:
        raise InputError("dùng --rehearsal hoặc --db, không dùng cả hai", hint="--db chỉ tới một tệp nhật ký cụ thể")
    if start or end:
        if not (start and end) or day:
            raise InputError("dùng --from cùng --to (không kèm --date)", hint="ví dụ: --from 2026-12-01 --to 2026-12-31")
        span = parse_span(start, end, today)
    else:
        span = (parse_day(day, today),) * 2 if day or not rehearsal else None
    if cluster:
        from broadcast.clusters.registry import registry_for
        from broadcast.clusters.views import format_cluster_log, rows_between
        from broadcast.log.clusters import ClusterLog, merge_registry

        registry = registry_for(station)
        registry._require(cluster)
        with ClusterLog(state_paths(station)[0]) as merged:      # the station's as-run log, origin 'cluster'
            merge_registry(merged, registry)                    # rows sent before the log took them
            rows = rows_between(merged.rows(cluster), *(span or (date.min, date.max)))
        click.echo(format_cluster_log(cluster, rows) if rows else f"Cụm loa '{cluster}' chưa gửi gì cho khoảng ngày này.")
        return
    path = Path(db) if db else state_paths(station)[0]
    if rehearsal:
        path = latest_rehearsal_log(station)
        click.echo(f"Nhật ký diễn tập (không phải phát thật): {path}")
    with AsRunLog(path) as log:
        span = span or log.span()
        rows = log.rows(*span) if span else []
    titles = {z.name: z.title for z in station_zones(station)} if len({r.get("zone") for r in rows}) > 1 else {}
    click.echo(format_log(rows, titles, verbose=app.verbose) if rows else "Chưa có gì trong nhật ký cho khoảng ngày này.")
