"""`broadcast province console` and `broadcast province users`: the province's bulletin pages and their accounts."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.bulletin import db_option, key_option
from broadcast.cli.users import ACCOUNTS
from broadcast.cli.users import command as station_users
from broadcast.errors import InputError

DEFAULT_PORT = 8791              # beside `province serve` (8790)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.group("users")
@db_option
def users(db_path: str) -> None:
    """Tài khoản của trang bản tin tỉnh (broadcast province console).

    \b
    Vai trò: bien-tap (soạn nháp bản tin), duyet (lãnh đạo: soạn, ký gửi và hủy bản tin),
    quan-tri (chỉ xem danh sách).
    Ví dụ:
      broadcast province users --db tinh.sqlite add can-bo-tinh --role bien-tap
      echo 'mat-khau-dai' | broadcast province users add lanh-dao --role duyet --password-stdin
      broadcast province users list
    """
    from broadcast.province.console.state import state_dir
    from broadcast.web.accounts import Accounts

    click.get_current_context().meta[ACCOUNTS] = lambda: Accounts(state_dir(Path(db_path)))


for _command in station_users.commands.values():        # the same add, list, passwd, remove
    users.add_command(_command)


@click.command("console")
@db_option
@key_option
@click.option("--province", default="", metavar="TÊN", help="Tên tỉnh ghi trong bản tin và trên trang.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe (mặc định chỉ máy này).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--geocode", "geocodes", multiple=True, metavar="TÊN=MÃ",
              help="Mã vùng của tỉnh trong cảnh báo CAP, ví dụ ISO3166-2=VN-25 (ghi nhiều lần được).")
@click.option("--polygon", "polygons", multiple=True, metavar="'VĨ,KINH ...'", help="Đa giác ranh giới tỉnh cho cảnh báo CAP.")
def console(db_path: str, key_path: str | None, province: str, host: str, port: int,
            geocodes: tuple[str, ...], polygons: tuple[str, ...]) -> None:
    """Mở trang bản tin của tỉnh trên trình duyệt: viết, gửi, hủy, thay bản tin; soạn nháp từ cảnh báo CAP.

    Cần đăng nhập (tạo tài khoản trước: broadcast province users add TÊN --role duyet). Bản tin
    gửi từ trang được ký và đánh số như 'province bulletin add'; các xã nhận qua 'province serve --db'
    cùng tệp cơ sở dữ liệu. Không có --key thì trang chỉ soạn nháp.

    \b
    Ví dụ:
      broadcast province console --db /srv/tinh/tinh.sqlite --key /srv/tinh/khoa/tinh.key --province "Quảng Trị"
      broadcast province console --db tinh.sqlite --key tinh.key --geocode ISO3166-2=VN-25
    """
    import uvicorn

    from broadcast.cli.bulletin import load_key, province_area
    from broadcast.province.console import ProvinceConsole, create_app

    key = load_key(key_path) if key_path else None
    app = ProvinceConsole.open(Path(db_path), key=key, province=province, area=province_area(geocodes, polygons))
    if not app.accounts.list():
        click.echo("Chưa có tài khoản nào: tạo bằng 'broadcast province users add TÊN --role duyet' "
                   "(và --role bien-tap cho người soạn).", err=True)
    if key is None:
        click.echo("Chưa có khóa ký (--key): trang chỉ soạn nháp, không gửi được bản tin.", err=True)
    if host not in LOOPBACK:
        click.echo(f"CẢNH BÁO: trang bản tin mở cho mọi máy tới được địa chỉ {host}, kết nối không mã hóa (http). "
                   "Chỉ dùng trong mạng nội bộ của tỉnh, mật khẩu mạnh; không mở ra Internet.", err=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Trang bản tin tỉnh: http://{shown}:{port}/login  (Ctrl+C để dừng)")
    try:
        uvicorn.run(create_app(app), host=host, port=port, log_level="warning", access_log=False,
                    server_header=False)
    except OSError as exc:
        raise InputError(f"không mở được cổng {host}:{port}: {exc.strerror}", hint="chọn cổng khác bằng --port") from None
    finally:
        app.close()
