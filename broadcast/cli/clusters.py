"""`broadcast clusters`: the station's loudspeaker clusters (pair, list, revoke, serve their receivers)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from broadcast.cli.common import pass_app
from broadcast.errors import InputError, closest


def _registry(app):
    from broadcast.clusters.registry import registry_for

    return registry_for(app.station)


def _zone_names(station) -> list[str]:
    from broadcast.build import Toolkit, load_schedule_for
    from broadcast.schedule.zones import effective_zones

    schedule = load_schedule_for(Toolkit.from_station(station))
    return [z.name for z in effective_zones(schedule, station)]


@click.group("clusters", invoke_without_command=True)
@click.pass_context
def command(ctx) -> None:
    """Cụm loa IP của đài: thêm (cấp mã ghép), liệt kê, thu hồi, phục vụ máy thu.

    \b
    Ví dụ:
      broadcast clusters add cum-1 --zone toan-xa
      broadcast clusters
      broadcast clusters set cum-1 --volume 80 --hours 06:00-21:00
      broadcast clusters restart cum-1
      broadcast clusters revoke cum-1
      broadcast clusters cancel 2026-12-07-dot-xuat-143005-9f2c
      broadcast clusters serve --bind 0.0.0.0 --port 8791   # không chạy khi kiểm thử
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_clusters)


@command.command("list")
@pass_app
def list_clusters(app) -> None:
    """Liệt kê các cụm loa: vùng, trạng thái, lần liên lạc cuối, lệch giờ, đang phát."""
    from broadcast.clusters.health import STATE_WORDS, age_words, state_of
    from broadcast.clusters.registry import STATE_LABELS

    clusters = _registry(app).all()
    if not clusters:
        click.echo("Chưa có cụm loa nào. Thêm bằng: broadcast clusters add TÊN --zone VÙNG")
        return
    now = datetime.now(UTC)
    click.echo(f"{'Cụm loa':<16} {'Vùng':<14} {'Trạng thái':<11} {'Liên lạc':<22} {'Lệch giờ':>9}  Đang phát")
    for c in clusters:
        health, age = state_of(c, now)
        seen = STATE_WORDS[health].lower() + (f" ({age_words(age)})" if age is not None else "")
        offset = c.heartbeat.get("clock_offset_s")
        shown = f"{offset:+.1f} s" if isinstance(offset, (int, float)) else "–"
        click.echo(f"{c.name:<16} {c.zone:<14} {STATE_LABELS.get(c.state, c.state):<11} {seen:<22} {shown:>9}  "
                   f"{c.heartbeat.get('playing') or '–'}")


@command.command("add")
@click.argument("name")
@click.option("--zone", required=True, metavar="VÙNG", help="Vùng phát (thôn) mà cụm loa này phát.")
@pass_app
def add(app, name, zone) -> None:
    """Thêm một cụm loa và in mã ghép dùng một lần (hết hạn sau 24 giờ)."""
    zones = _zone_names(app.station)
    if zone not in zones:
        near = closest(zone, zones)
        raise InputError(f"không có vùng phát '{zone}'" + (f"; có phải '{near}'?" if near else ""),
                         hint=f"các vùng của đài: {', '.join(zones)}")
    registry = _registry(app)
    code = registry.add(name, zone)
    click.echo(f"Đã thêm cụm loa '{name}' (vùng {zone}). Mã ghép (dùng một lần, trong 24 giờ): {code}")
    click.echo(f"Trên máy của cụm loa, chạy: broadcast receiver pair http://ĐỊA-CHỈ-ĐÀI:8791 {code}")
    click.echo(f"Khóa công khai của đài: {registry.station_public_key()}")


@command.command("revoke")
@click.argument("name")
@pass_app
def revoke(app, name) -> None:
    """Thu hồi khóa của một cụm loa: đài không nhận yêu cầu của nó nữa."""
    _registry(app).revoke(name)
    click.echo(f"Đã thu hồi cụm loa '{name}': đài từ chối mọi yêu cầu của máy thu này.")


@command.command("remove")
@click.argument("name")
@pass_app
def remove(app, name) -> None:
    """Xóa một cụm loa khỏi danh sách (muốn dùng lại thì thêm và ghép lại)."""
    _registry(app).remove(name)
    click.echo(f"Đã xóa cụm loa '{name}'.")


@command.command("set")
@click.argument("name")
@click.option("--volume", type=click.IntRange(0, 100), metavar="0-100", help="Âm lượng (100: như chương trình dựng).")
@click.option("--mute/--unmute", default=None, help="Tắt / bật tiếng cụm loa (khẩn cấp vẫn phát).")
@click.option("--hours", metavar="GIỜ-GIỜ", help="Giờ được phát, ví dụ 06:00-21:00 ('' để bỏ); khẩn cấp vẫn phát.")
@pass_app
def set_control(app, name, volume, mute, hours) -> None:
    """Điều khiển từ xa một cụm loa: âm lượng, tắt tiếng, giờ phát (gửi kèm trả lời nhịp tim)."""
    from broadcast.clusters.control import set_remote

    control = set_remote(_registry(app), name, volume=volume, mute=mute, hours=hours)
    shown = ", ".join(f"{k}={v}" for k, v in control.items())
    click.echo(f"Đã đặt cho cụm loa '{name}': {shown} (áp dụng ở nhịp tim tới, trong vòng 30 giây).")


@command.command("restart")
@click.argument("name")
@pass_app
def restart(app, name) -> None:
    """Ra lệnh khởi động lại máy thu của một cụm loa (lệnh có chữ ký của đài, chỉ làm một lần)."""
    from broadcast.clusters.orders import VALID, Orders

    document = Orders(_registry(app)).restart(name)
    click.echo(f"Đã gửi lệnh khởi động lại cụm loa '{name}' (mã {document['id']}). Máy thu nhận ở nhịp tim tới "
               f"(trong vòng 30 giây), dừng giữa hai chương trình và được systemd chạy lại; "
               f"lệnh hết hạn sau {int(VALID.total_seconds() // 60)} phút nếu cụm loa mất kết nối.")


@command.command("cancel")
@click.argument("push_id", metavar="MÃ-THÔNG-BÁO")
@pass_app
def cancel(app, push_id) -> None:
    """Hủy một thông báo khẩn đã đẩy tới các cụm loa (cụm đang phát thì dừng, cụm chưa phát thì bỏ)."""
    from broadcast.clusters.pushes import Pushes

    document = Pushes(_registry(app)).cancel(push_id)
    click.echo(f"Đã gửi lệnh hủy thông báo khẩn '{push_id}' (số {document['seq']}) tới các cụm loa.")


@command.command("serve")
@click.option("--bind", "host", default="127.0.0.1", show_default=True, help="Địa chỉ nghe.")
@click.option("--port", default=8791, show_default=True, type=click.IntRange(0, 65535))
@pass_app
def serve(app, host, port) -> None:
    """Phục vụ các máy thu của cụm loa: ghép, tải chương trình của vùng, nhận nhịp tim và nhật ký."""
    from broadcast.clusters.server import make_cluster_server

    station = app.station
    server = make_cluster_server(_registry(app), station.path(station.paths.audio_out), station.station.name,
                                 host, port, asrun=station.path(station.paths.log_db))
    click.echo(f"Đang phục vụ các cụm loa tại http://{host}:{server.server_address[1]} (Ctrl+C để dừng)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
