"""`broadcast report`: the periodic report to the level above, from the as-run log."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.asrun import AsRunLog
from broadcast.cli.common import pass_app, station_today
from broadcast.report import (
    CUTOFFS,
    ReportSettings,
    compute_report,
    parse_period,
    to_markdown,
    write_report_files,
)


@click.command("report")
@click.option("--month", metavar="YYYY-MM", help="Báo cáo tháng, ví dụ 2026-12.")
@click.option("--quarter", metavar="YYYY-Qn", help="Báo cáo quý, ví dụ 2026-Q4.")
@click.option("--from", "start", metavar="NGÀY", help="Từ ngày (YYYY-MM-DD), dùng với --to.")
@click.option("--to", "end", metavar="NGÀY", help="Đến ngày (YYYY-MM-DD).")
@click.option("--cutoff", type=click.Choice(CUTOFFS), help="Cách tính kỳ (mặc định theo broadcast.toml).")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False), help="Thư mục ghi báo cáo.")
@click.option("--db", type=click.Path(dir_okay=False), help="Tệp nhật ký khác (ví dụ của một lần diễn tập).")
@pass_app
def command(app, month, quarter, start, end, cutoff, out_dir, db) -> None:
    """Lập báo cáo kết quả tuyên truyền trên hệ thống truyền thanh (Markdown, CSV, DOCX).

    Số liệu lấy từ nhật ký phát sóng: số ngày, số buổi, thời lượng, số tin bài theo chủ đề,
    chuyên mục cải cách hành chính, hướng dẫn dịch vụ công trực tuyến, thông báo khẩn.

    \b
    Ví dụ:
      broadcast report --month 2026-12
      broadcast report --quarter 2026-Q4 --cutoff nd09
    """
    station = app.station
    period = parse_period(month, quarter, start, end, cutoff or station.report.cutoff)
    with AsRunLog(db or station.path(station.paths.log_db)) as log:
        rows = log.rows(period.start, period.end)
    report = compute_report(rows, period, generated_on=station_today(station))
    settings = ReportSettings.from_station(station)
    directory = Path(out_dir) if out_dir else station.path(station.report.out_dir)
    files = write_report_files(report, settings, directory)
    click.echo(to_markdown(report, settings))
    for warning in report.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo("Đã ghi: " + ", ".join(str(f) for f in files))
