"""`broadcast inbox`: the province's bulletins received by this commune, and the officer's decisions on them."""

from __future__ import annotations

from datetime import datetime

import click

from broadcast.cli.common import pass_app

LEVELS = {"khan-cap": "khẩn cấp", "uu-tien": "ưu tiên", "thong-thuong": "thông thường"}


@click.group("inbox", invoke_without_command=True)
@click.option("--sync", is_flag=True, help="Hỏi tỉnh một lần ngay bây giờ (không cần trình phát đang chạy).")
@click.option("--all", "show_all", is_flag=True, help="Hiện cả bản tin đã hết hạn, đã hủy, đã bỏ qua.")
@pass_app
@click.pass_context
def command(ctx, app, sync, show_all) -> None:
    """Hộp thư tỉnh: bản tin tỉnh gửi, mức, trạng thái và số lần đã phát.

    Bản tin khẩn cấp được phát ngay và lặp lại đến khi hết hạn hoặc bị hủy; bản tin ưu tiên tự vào
    chương trình kế tiếp; bản tin thông thường chờ cán bộ xếp lịch (inbox schedule) hoặc bỏ qua
    (inbox dismiss). Trình phát (broadcast run) tự nhận bản tin khi có [province] source; --sync hỏi
    tỉnh một lần khi trình phát không chạy.

    \b
    Ví dụ:
      broadcast inbox
      broadcast inbox --all
      broadcast inbox schedule lich-tiem-chung --slots sang --days T2,T4
      broadcast inbox dismiss lich-tiem-chung
    """
    if ctx.invoked_subcommand is not None:
        return
    from broadcast.province.bulletins.inbox import ACTIVE, Inbox
    from broadcast.province.bulletins.listener import inbox_path, sync_once

    station = app.station
    if sync:
        count, commune = sync_once(station)
        click.echo(f"Đã hỏi tỉnh: {count} tài liệu mới.")
        for event in commune.events:
            click.echo(f"  {event}")
        refused = commune.inbox.refusals()
        commune.inbox.close()
        if refused:
            click.echo(f"Đã từ chối {len(refused)} bản tin (chữ ký sai, gửi lại, cũ hơn...): xem nhật ký.", err=True)
    path = inbox_path(station)
    if not path.exists():
        click.echo("Hộp thư tỉnh trống.")
        return
    with Inbox(path) as inbox:
        rows = [r for r in inbox.all() if show_all or r["state"] in ACTIVE]
    if not rows:
        click.echo("Không có bản tin nào đang chờ hay đang phát (--all để xem tất cả).")
        return
    for row in rows:
        document = row["document"]
        expires = datetime.fromisoformat(document["expires"]).astimezone(station.tz)
        click.echo(f"{row['id']:<28} {LEVELS.get(row['level'], row['level']):<13} {row['state_name']:<16} "
                   f"phát {row['airings']} lần  hết hạn {expires:%H:%M %d/%m}  {row['title']}")
        if row.get("note"):
            click.echo(f"    {row['note']}")


@command.command("schedule")
@click.argument("bulletin_id", metavar="MÃ")
@click.option("--slots", multiple=True, metavar="BUỔI,...", help="Các buổi phát, cách nhau dấu phẩy (tên buổi "
              "trong lịch); mặc định mọi buổi.")
@click.option("--days", multiple=True, metavar="THỨ,...", help="Các thứ phát (T2..CN), cách nhau dấu phẩy; mặc "
              "định mọi ngày.")
@pass_app
def schedule(app, bulletin_id, slots, days) -> None:
    """Xếp lịch phát một bản tin của tỉnh (trong thời hạn của bản tin).

    \b
    Ví dụ:
      broadcast inbox schedule lich-tiem-chung --slots sang,chieu --days T2,T4,T6
    """
    from broadcast.province.bulletins.listener import commune_for_station

    slots, days = _spread(slots), _spread(days)
    commune, _ = commune_for_station(app.station, linked=False)
    with commune.inbox:
        path = commune.schedule(bulletin_id, slots=slots, days=days)
    click.echo(f"Đã xếp lịch bản tin {bulletin_id}: {path.relative_to(app.station.root)}")


@command.command("dismiss")
@click.argument("bulletin_id", metavar="MÃ")
@pass_app
def dismiss(app, bulletin_id) -> None:
    """Bỏ qua một bản tin của tỉnh (không phát; gỡ khỏi lịch nếu đã xếp).

    \b
    Ví dụ:
      broadcast inbox dismiss lich-tiem-chung
    """
    from broadcast.province.bulletins.listener import commune_for_station

    commune, _ = commune_for_station(app.station, linked=False)
    with commune.inbox:
        commune.dismiss(bulletin_id)
    click.echo(f"Đã bỏ qua bản tin {bulletin_id}.")



def _spread(values: tuple[str, ...]) -> list[str]:
    """`--slots sang,chieu` or `--slots sang --slots chieu` -> ['sang', 'chieu']."""
    return [v for value in values for v in value.replace(",", " ").split() if v]
