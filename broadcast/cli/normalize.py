"""`broadcast normalize`: stdin lines to their spoken form, one output line per input line."""

from __future__ import annotations

import io
import sys

import click

from broadcast.cli.common import pass_app
from broadcast.normalize import NormalizeOptions, normalize_report, options_for


@click.command("normalize")
@click.option("--warnings/--no-warnings", default=False, help="In cảnh báo (chữ viết tắt lạ) ra stderr.")
@pass_app
def command(app, warnings: bool) -> None:
    """Đọc từng dòng ở stdin, in cách đọc của dòng đó ra stdout (UTF-8).

    Mỗi dòng vào cho đúng một dòng ra, kể cả dòng trống. Dùng cài đặt vùng miền và từ điển
    riêng của đài khi chạy trong thư mục của đài.

    \b
    Ví dụ:
      echo "UBND xã" | broadcast normalize
    """
    station = app.station_or_none()
    options = options_for(station) if station else NormalizeOptions()
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None) \
        if hasattr(sys.stdin, "buffer") else sys.stdin
    for line in stdin:
        result = normalize_report(line.rstrip("\r\n"), options)
        click.echo(result.text.replace("\n", " "))
        if warnings:
            for warning in result.warnings:
                click.echo(f"Cảnh báo: {warning}", err=True)
