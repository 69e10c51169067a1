"""`broadcast report`: the periodic report to the level above, from the as-run log."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click

from broadcast.cli.common import check_year, parse_day, pass_app, station_today
from broadcast.errors import InputError
from broadcast.log.asrun import AsRunLog
from broadcast.report import (
    CUTOFFS,
    TOPIC_FILE,
    ReportSettings,
    compute_report,
    parse_period,
    parse_topic_labels,
    write_report_files,
)
from broadcast.report.markdown import display_value


@click.command("report")
@click.option("--month", metavar="THÁNG", help="Báo cáo tháng, ví dụ 12/2026 (hoặc 2026-12).")
@click.option("--quarter", metavar="QUÝ", help="Báo cáo quý, ví dụ Q4/2026 (hoặc 2026-Q4).")
@click.option("--from", "start", metavar="NGÀY", help="Từ ngày (DD/MM/YYYY hoặc YYYY-MM-DD), dùng với --to.")
@click.option("--to", "end", metavar="NGÀY", help="Đến ngày (DD/MM/YYYY hoặc YYYY-MM-DD).")
@click.option("--cutoff", type=click.Choice(CUTOFFS), help="Cách tính kỳ (mặc định theo broadcast.toml).")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False), help="Thư mục ghi báo cáo.")
@click.option("--db", type=click.Path(dir_okay=False), help="Tệp nhật ký khác (ví dụ của một lần diễn tập).")
@pass_app
def command(app, month, quarter, start, end, cutoff, out_dir, db) -> None:
    """Lập báo cáo kết quả tuyên truyền trên hệ thống truyền thanh (DOCX, Markdown, CSV, XLSX, biểu đồ).

    Số liệu lấy từ nhật ký phát sóng và chỉ tính những gì đã phát trên loa (theo lịch và khẩn
    cấp), không tính phát thử bằng tay: số ngày, số buổi, thời lượng, số tin bài theo chủ đề,
    chuyên mục cải cách hành chính, hướng dẫn dịch vụ công trực tuyến, thông báo khẩn. Báo cáo
    lập từ nhật ký diễn tập (--db của simulate) ghi rõ "BẢN DIỄN TẬP" ở dòng đầu.

    \b
    Ví dụ:
      broadcast report --month 12/2026
      broadcast report --quarter 2026-Q4 --cutoff nd09
      broadcast report --from 2026-12-01 --to 2026-12-14 -o bao-cao
    """
    station = app.station
    for option, raw in (("--month", month), ("--quarter", quarter)):
        if raw and (year := re.match(r"\s*(\d{4})", raw)):
            check_year(int(year.group(1)), option)
    for option, raw in (("--from", start), ("--to", end)):
        if raw:
            parse_day(raw, station_today(station), option)
    period = parse_period(month, quarter, start, end, cutoff or station.report.cutoff)
    with AsRunLog(db or station.path(station.paths.log_db)) as log:
        rows = log.rows(period.start, period.end)
        events = log.events(period.start, period.end, kinds=("start", "stop", "heartbeat"))
    covered = {r["date"] for r in rows} | {e["at"][:10] for e in events}
    report = compute_report(rows, period, generated_on=station_today(station),
                            covered_days={_day(d) for d in covered if _day(d)},
                            topic_labels=_station_topics(station), zone_titles=_zone_titles(station))
    from dataclasses import replace

    from broadcast.clusters.views import report_lines

    report = replace(report, clusters=report_lines(station, period.start, period.end, station_today(station)))
    settings = ReportSettings.from_station(station)
    directory = Path(out_dir) if out_dir else station.path(station.report.out_dir)
    files = write_report_files(report, settings, directory)
    # The figures in a few lines and where the files are: the whole text is in the .md and .docx.
    click.echo(f"Báo cáo {period.label}:")
    for group in "ABC":
        for item in report.group(group):
            click.echo(f"  {item.label}: {display_value(item)} {item.unit}".rstrip())
    for warning in report.notices + report.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Đã ghi vào {directory}:")
    for f in files:
        click.echo(f"  {Path(f).name}  ({_KINDS.get(Path(f).suffix, '')})")


_KINDS = {".docx": "văn bản để ký, mở bằng Word/LibreOffice", ".md": "bản xem nhanh", ".csv": "bảng số liệu",
          ".xlsx": "bảng tính", ".png": "biểu đồ thời lượng"}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _zone_titles(station) -> dict[str, str]:
    """The zones' titles from the schedules ('thon-dong' -> 'Thôn Đông'); none when they do not load."""
    from broadcast.build import Toolkit, load_schedule_for
    from broadcast.errors import BroadcastError

    try:
        return {z.name: z.title for z in load_schedule_for(Toolkit.from_station(station)).zones}
    except BroadcastError:
        return {}


def _station_topics(station) -> dict[str, str]:
    """The station's names for its own tags (scripts_vi/chu-de.tsv), if it has the file."""
    path = station.path(station.paths.scripts) / TOPIC_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"không đọc được tệp tên chủ đề: {exc}", path=str(path),
                         hint="lưu tệp dạng văn bản UTF-8") from exc
    return parse_topic_labels(text, str(path))
