"""`broadcast province bulletin add | cancel | list | from-cap`: the province's bulletins to its communes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from broadcast.errors import InputError

PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEVEL_NAMES = {"khan-cap": "khẩn cấp", "uu-tien": "ưu tiên", "thong-thuong": "thông thường"}

db_option = click.option("--db", "db_path", envvar="BROADCAST_PROVINCE_DB", default="tinh.sqlite",
                         show_default=True, metavar="TỆP", help="Cơ sở dữ liệu bản tin của tỉnh.")
key_option = click.option("--key", "key_path", envvar="BROADCAST_PROVINCE_KEY", metavar="TỆP",
                          help="Khóa ký riêng của tỉnh (tạo bằng 'broadcast province keygen').")


def _key(key_path: str | None):
    from broadcast.province.signing import load_private_key

    if not key_path:
        raise InputError("cần khóa ký của tỉnh để gửi bản tin",
                         hint="ghi --key TỆP hoặc đặt biến BROADCAST_PROVINCE_KEY")
    return load_private_key(Path(key_path))


@click.group("bulletin")
def bulletin() -> None:
    """Bản tin của tỉnh gửi các xã (thông thường, ưu tiên, khẩn cấp), có ký số.

    \b
    Ví dụ:
      broadcast province bulletin add bao-so-9.yaml --key tinh.key
      broadcast province bulletin cancel bao-so-9 --key tinh.key
      broadcast province bulletin list
    """


@bulletin.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@key_option
@click.option("--province", default="", help="Tên tỉnh ghi trong bản tin.")
@click.option("--check", is_flag=True, help="Chỉ kiểm tra tệp, không ký và không gửi.")
def add(file: Path, db_path: str, key_path: str | None, province: str, check: bool) -> None:
    """Kiểm tra, ký và gửi một bản tin viết bằng YAML (FILE): các xã nhận ngay.

    Lỗi trong tệp được báo kèm số dòng; bản tin sai không được ký.

    \b
    Ví dụ:
      broadcast province bulletin add bao-so-9.yaml --key tinh.key --db tinh.sqlite
      broadcast province bulletin add lich-tiem-chung.yaml --check
    """
    from broadcast.province.bulletins.registry import Registry
    from broadcast.province.bulletins.yamlfile import read_bulletin

    now = datetime.now(PROVINCE_TZ)
    document, recording = read_bulletin(file, tz=PROVINCE_TZ, now=now)
    if check:
        click.echo(f"Tệp {file} hợp lệ: bản tin {LEVEL_NAMES[document['level']]} '{document['id']}'.")
        return
    key = _key(key_path)
    with Registry(Path(db_path)) as registry:
        signed = registry.add(document, key, now=now, province=province, recording=recording)
    click.echo(f"Đã ký và gửi bản tin số {signed['seq']}: {signed['id']} ({LEVEL_NAMES[signed['level']]}), "
               f"hiệu lực đến {datetime.fromisoformat(signed['expires']):%H:%M %d/%m/%Y}.")


@bulletin.command("cancel")
@click.argument("bulletin_id", metavar="MÃ")
@db_option
@key_option
@click.option("--reason", default="", help="Lý do hủy (ghi vào nhật ký của các xã).")
def cancel(bulletin_id: str, db_path: str, key_path: str | None, reason: str) -> None:
    """Hủy một bản tin đã gửi: các xã thôi phát và thôi lặp lại.

    \b
    Ví dụ:
      broadcast province bulletin cancel bao-so-9 --key tinh.key --reason "Bão đã tan"
    """
    from broadcast.province.bulletins.registry import Registry

    key = _key(key_path)
    with Registry(Path(db_path)) as registry:
        signed = registry.cancel(bulletin_id, key, now=datetime.now(PROVINCE_TZ), reason=reason)
    click.echo(f"Đã ký và gửi lệnh hủy số {signed['seq']} cho bản tin {bulletin_id}.")


@bulletin.command("list")
@db_option
def listing(db_path: str) -> None:
    """Liệt kê các bản tin đã gửi.

    \b
    Ví dụ:
      broadcast province bulletin list --db tinh.sqlite
    """
    from broadcast.province.bulletins.registry import Registry

    if not Path(db_path).is_file():
        raise InputError(f"chưa có cơ sở dữ liệu bản tin '{db_path}'", hint="gửi bản tin đầu tiên bằng "
                         "'broadcast province bulletin add TỆP' hoặc ghi đúng --db")
    with Registry(Path(db_path)) as registry:
        rows = registry.listing()
    if not rows:
        click.echo("Chưa gửi bản tin nào.")
    for row in rows:
        expires = datetime.fromisoformat(row["expires"]).astimezone(PROVINCE_TZ)
        click.echo(f"{row['seq']:>4}  {row['id']:<28} {LEVEL_NAMES[row['level']]:<13} đến {expires:%H:%M %d/%m}"
                   f"  {row['ended']:<8} {row['title']}")
