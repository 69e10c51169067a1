"""`broadcast web`: the station console in a browser (uvicorn serving broadcast.web)."""

from __future__ import annotations

import click

from broadcast.cli.common import pass_app
from broadcast.errors import InputError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command("web")
@click.option("--host", help="Địa chỉ lắng nghe (mặc định theo [web] host: 127.0.0.1, chỉ máy này).")
@click.option("--port", type=click.IntRange(1, 65535), help="Cổng (mặc định theo [web] port: 8080).")
@click.option("--proxy-headers", is_flag=True,
              help="Chạy sau reverse proxy: tin X-Forwarded-For/-Proto, chỉ từ [web] trusted_proxies.")
@pass_app
def command(app, host: str | None, port: int | None, proxy_headers: bool) -> None:
    """Mở bảng điều khiển của đài trên trình duyệt: soạn, duyệt, xem lịch, phát khẩn cấp.

    Trước hết tạo tài khoản: broadcast users add TÊN --role bien-tap (không có tài khoản mặc định).

    \b
    Ví dụ:
      broadcast web                       mở http://127.0.0.1:8080 trên máy này
      broadcast web --host 0.0.0.0        cho máy khác trong mạng LAN của xã vào (có cảnh báo)
      broadcast web --proxy-headers       sau Caddy/nginx có https (đặt [web] public_url)
    """
    import uvicorn

    from broadcast.web import Console, create_app

    station = app.station
    host = host or station.web.host
    port = port or station.web.port
    console = Console.for_station(station)
    if not console.accounts.list():
        click.echo("Chưa có tài khoản nào: tạo bằng 'broadcast users add TÊN --role bien-tap' "
                   "(và một tài khoản --role duyet cho lãnh đạo duyệt).", err=True)
    public_url = station.web.public_url
    if host not in LOOPBACK and not public_url.startswith("https://"):
        click.echo(f"CẢNH BÁO: bảng điều khiển mở cho mọi máy tới được địa chỉ {host}. Chỉ dùng trong mạng "
                   "nội bộ của xã, đặt mật khẩu mạnh; kết nối không mã hóa (http), không mở ra Internet. "
                   "Muốn dùng https: đặt [web] public_url và chạy sau reverse proxy (xem hướng dẫn).",
                   err=True)
    trusted = [a.strip() for a in station.web.trusted_proxies.split(",") if a.strip()]
    if proxy_headers and not trusted:
        raise InputError("--proxy-headers cần địa chỉ của reverse proxy",
                         hint="đặt [web] trusted_proxies = \"127.0.0.1\" (hoặc địa chỉ máy chạy proxy)")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Bảng điều khiển: http://{shown}:{port}/login" + (f"  (công khai: {public_url})" if public_url else "")
               + "  (Ctrl+C để dừng)")
    uvicorn.run(create_app(console), host=host, port=port, log_level="warning", access_log=False,
                server_header=False, proxy_headers=proxy_headers,
                forwarded_allow_ips=trusted if proxy_headers else None)
