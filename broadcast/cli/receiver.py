"""`broadcast receiver`: on a loudspeaker cluster's computer, pair with the station and keep its zone's days."""

from __future__ import annotations

from datetime import date

import click

from broadcast.errors import DeliveryError, InputError

_DIR = click.option("--dir", "folder", envvar="BROADCAST_RECEIVER", metavar="THƯ-MỤC",
                    help="Thư mục của máy thu (mặc định /var/lib/broadcast-receiver).")


@click.group("receiver")
def command() -> None:
    """Máy thu của cụm loa: ghép với đài, tải trước chương trình của vùng, báo tình trạng.

    \b
    Ví dụ:
      broadcast receiver pair http://10.0.0.2:8791 K7QF-M2PX-9C --dir /var/lib/broadcast-receiver   # không chạy khi kiểm thử
      broadcast receiver sync --dir /var/lib/broadcast-receiver   # không chạy khi kiểm thử
    """


@command.command("pair")
@click.argument("station_url")
@click.argument("code")
@click.option("--output", "outputs", multiple=True, metavar="ĐẦU-RA",
              help="Đầu ra của cụm loa: device (mặc định), device:hw:1, file, null.")
@_DIR
def pair(station_url, code, outputs, folder) -> None:
    """Ghép máy này với đài bằng mã ghép đài cấp (mỗi mã dùng một lần)."""
    from broadcast.clusters import protocol
    from broadcast.receiver import config as rc
    from broadcast.receiver.link import pair_request

    where = rc.folder_of(folder)
    key = rc.new_key(where)
    answer = pair_request(station_url, code, protocol.public_text(key.public_key()))
    try:
        config = rc.ReceiverConfig(folder=where, station_url=station_url.rstrip("/"), cluster=str(answer["cluster"]),
                                   zone=str(answer["zone"]), station=str(answer["station"]),
                                   station_public_key=str(answer["station_public_key"]),
                                   outputs=tuple(outputs) or ("device",))
        protocol.load_public(config.station_public_key)
    except (KeyError, ValueError):
        raise DeliveryError("đài trả lời việc ghép sai cấu trúc", path=station_url) from None
    rc.save(config)
    click.echo(f"Đã ghép: cụm loa '{config.cluster}', vùng {config.zone}, đài xã {config.station}.")
    click.echo(f"Khóa công khai của đài (đã ghi nhớ): {config.station_public_key}")


@command.command("sync")
@click.option("--date", "day", metavar="NGÀY", help="Ngày đầu (YYYY-MM-DD); mặc định hôm nay theo đồng hồ máy, giờ Việt Nam.")
@click.option("--days", default=2, show_default=True, type=click.IntRange(1, 7), help="Số ngày tải trước.")
@_DIR
def sync(day, days, folder) -> None:
    """Tải chương trình của vùng cho hôm nay và những ngày tới (kiểm tra chữ ký và mã băm)."""
    from broadcast.play import SystemClock
    from broadcast.receiver import config as rc
    from broadcast.receiver.sync import sync_days

    config = rc.load(rc.folder_of(folder))
    try:         # today as the player counts it (the station's zone), not the host's own date
        first = date.fromisoformat(day) if day else SystemClock().now().date()
    except ValueError:
        raise InputError(f"ngày '{day}' không hợp lệ", hint="viết theo dạng YYYY-MM-DD, ví dụ 2026-12-07") from None
    result = sync_days(config, first, ahead=days)
    for fetched in result.fetched:
        state = "không đổi" if fetched.unchanged else f"tải {fetched.downloaded} tệp"
        click.echo(f"{fetched.day:%d/%m/%Y}: {fetched.files} chương trình ({state})")
    for day, why in result.failed:
        click.echo(f"{day:%d/%m/%Y}: Lỗi: {why}", err=True)
    if result.failed:
        raise click.exceptions.Exit(1)


@command.command("run")
@_DIR
def run(folder) -> None:
    """Chạy máy thu: tải trước, phát đúng giờ theo đồng hồ của máy (cả khi mất mạng), gửi nhịp tim và nhật ký."""
    import signal
    import threading

    from broadcast.receiver import config as rc
    from broadcast.receiver.runner import Receiver

    config = rc.load(rc.folder_of(folder))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"Máy thu cụm loa '{config.cluster}' (vùng {config.zone}) đang chạy; đài: {config.station_url}; "
               f"đầu ra: {', '.join(config.outputs)}.")
    receiver = Receiver(config)
    receiver.run(stop)
    if receiver.restart_order is not None:
        click.echo(f"Máy thu dừng để khởi động lại theo lệnh của đài ({receiver.restart_order}); "
                   "systemd chạy lại nó sau vài giây.")
        return
    click.echo("Máy thu đã dừng.")
