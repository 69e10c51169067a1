"""`broadcast users`: console accounts (add, list, passwd, remove); passwords hashed with argon2.

The same four commands serve `broadcast province users` (the province console's accounts): the
group's callback says which accounts file they work on (`ACCOUNTS` in the click context's meta).
"""

from __future__ import annotations

import sys

import click

from broadcast.cli.common import pass_app
from broadcast.errors import InputError

ACCOUNTS = "broadcast.accounts"          # ctx.meta key: a callable giving the group's `Accounts`


def _accounts():
    return click.get_current_context().meta[ACCOUNTS]()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise InputError("không đọc được mật khẩu từ stdin", hint="ví dụ: echo 'mat-khau-dai' | broadcast users add ...")
        return line.rstrip("\r\n")
    return click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")


@click.group("users")
@pass_app
def command(app) -> None:
    """Tài khoản của bảng điều khiển (broadcast web).

    \b
    Vai trò: bien-tap (cán bộ văn hóa: soạn, gửi duyệt), duyet (lãnh đạo: duyệt),
    quan-tri (quản trị: xem tài khoản, cài đặt).
    Ví dụ:
      broadcast users add can-bo-vh --role bien-tap
      echo 'mat-khau-dai' | broadcast users add chu-tich --role duyet --password-stdin
      broadcast users list
    """
    from broadcast.web.accounts import Accounts

    def station_accounts():
        station = app.station
        return Accounts(station.path(station.paths.state))

    click.get_current_context().meta[ACCOUNTS] = station_accounts


@command.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["bien-tap", "duyet", "quan-tri"]), help="Vai trò.")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của stdin.")
def add(name: str, role: str, password_stdin: bool) -> None:
    """Thêm một tài khoản (hỏi mật khẩu, ít nhất 8 ký tự)."""
    accounts = _accounts()
    from broadcast.web.accounts import check_name

    check_name(name)
    account = accounts.add(name, role, _password(password_stdin))
    click.echo(f"Đã thêm tài khoản {account.name} ({account.role_label}).")


@command.command("list")
def list_() -> None:
    """Liệt kê các tài khoản và vai trò."""
    rows = _accounts().list()
    if not rows:
        click.echo("Chưa có tài khoản nào. Thêm: broadcast users add TÊN --role bien-tap")
    for a in rows:
        click.echo(f"{a.name:24} {a.role:9} {a.role_label}")


@command.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu mới từ dòng đầu của stdin.")
def passwd(name: str, password_stdin: bool) -> None:
    """Đổi mật khẩu (các phiên đăng nhập cũ của tài khoản này hết hiệu lực)."""
    accounts = _accounts()
    if accounts.get(name) is None:
        raise InputError(f"không có tài khoản '{name}'", hint="xem: broadcast users list")
    accounts.set_password(name, _password(password_stdin))
    click.echo(f"Đã đổi mật khẩu của {name}.")


@command.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Xóa một tài khoản."""
    _accounts().remove(name)
    click.echo(f"Đã xóa tài khoản {name}.")
