"""`broadcast fetch`: bring the days the province built for this commune, checked and swapped in whole."""

from __future__ import annotations

from datetime import timedelta

import click

from broadcast.cli.common import check_days, parse_day, pass_app, station_today
from broadcast.errors import DeliveryError


@click.command("fetch")
@click.option("--from", "source", metavar="URL",
              help="Địa chỉ chương trình của xã trên máy chủ tỉnh (mặc định [province] source).")
@click.option("--date", "day", metavar="NGÀY", help="Ngày đầu (YYYY-MM-DD hoặc DD/MM/YYYY); mặc định hôm nay.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 62), help="Số ngày liên tiếp.")
@click.option("--allow-older", is_flag=True,
              help="Nhận cả bản dựng trước bản đang có (cố ý quay về bản cũ của tỉnh).")
@click.option("--no-report", is_flag=True, help="Không gửi báo cáo phát sóng lên tỉnh sau khi tải.")
@pass_app
def command(app, source, day, days, allow_older, no_report) -> None:
    """Tải chương trình tỉnh đã dựng cho xã về audio_out/<ngày>/.

    Chữ ký của tỉnh ([province] public_key) và mã băm từng tệp đều được kiểm tra; tải dở thì
    lần sau tải tiếp. Ngày nào sai chữ ký, sai mã băm hay tải chưa xong thì không thay chương
    trình đang có. Bản tỉnh dựng trước bản đang có (bản cũ còn trên máy chủ) cũng không được nhận
    (mã thoát 2), trừ khi thêm --allow-older.

    Tải xong, xã gửi tỉnh báo cáo phát sóng có ký số (những gì đã phát, ngày nào đã tải, bản
    dựng nào); mất mạng thì báo cáo chờ trong var/tinh-bao-cao/ và đi cùng lần tải sau.

    \b
    Ví dụ:
      broadcast fetch --from http://10.0.0.5:8790/xa-hoa-an
      broadcast fetch --date 2026-12-07 --days 2
      broadcast fetch --date 2026-12-07 --allow-older
    """
    from broadcast.province.fetch import fetch_day

    station = app.station
    first = parse_day(day, station_today(station))
    check_days(first, days)
    failed: DeliveryError | None = None
    for offset in range(days):
        current = first + timedelta(days=offset)
        try:
            result = fetch_day(station, current, source=source, allow_older=allow_older)
        except DeliveryError as exc:               # the other days still come; the exit code says it
            click.echo(f"{current:%d/%m/%Y}: Lỗi: {exc}", err=True)
            failed = exc if failed is None or exc.exit_code > failed.exit_code else failed
            continue
        state = "không đổi" if result.unchanged else (
            f"tải {result.downloaded} tệp ({result.bytes // 1024} KiB), giữ lại {result.linked}")
        click.echo(f"{current:%d/%m/%Y}: {result.files} chương trình ({state}) → {result.directory}")
    if not no_report:
        _report(station, source)
    if failed is not None:
        raise click.exceptions.Exit(failed.exit_code)


def _report(station, source) -> None:
    """The report up; a province out of reach leaves it queued and never changes the exit code."""
    import sqlite3

    from broadcast.errors import BroadcastError
    from broadcast.province.bulletins.fetchreport import report_after_fetch

    try:
        outcome = report_after_fetch(station, source)
    except (BroadcastError, OSError, sqlite3.Error) as exc:
        click.echo(f"Báo cáo lên tỉnh: không lập được ({exc})", err=True)
        return
    if outcome is None:
        return
    if outcome.waiting:
        click.echo(f"Báo cáo lên tỉnh: {outcome.waiting} báo cáo chờ gửi (tỉnh chưa nhận: mất mạng hoặc "
                   "máy chủ chưa chạy với --db), gửi lại ở lần tải sau", err=True)
    else:
        click.echo(f"Đã gửi tỉnh {outcome.sent} báo cáo phát sóng.")
