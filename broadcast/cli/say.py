"""`broadcast say`: speak free text into an audio file."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click

from broadcast.build import Toolkit, speak_to_file
from broadcast.cli.common import pass_app
from broadcast.errors import InputError
from broadcast.io_errors import describe_os_error
from broadcast.station.text_limits import check_text


@click.command("say")
@click.argument("text")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Tệp ra (.mp3 hoặc .wav).")
@click.option("--engine", help="Máy đọc (mặc định: theo broadcast.toml).")
@pass_app
def command(app, text: str, output: str, engine: str | None) -> None:
    """Đọc một đoạn văn bản tự do thành tệp âm thanh ('-' đọc từ stdin).

    Văn bản dài tối đa [limits] text_max_chars ký tự (mặc định 10.000) và không được có ký tự
    điều khiển (NUL...).

    \b
    Ví dụ:
      broadcast say "Xin chào bà con" -o x.mp3
      echo "Kính thưa bà con, chiều nay xã họp dân." | broadcast say - -o thong_bao.mp3
    """
    limit = app.station.limits.text_max_chars
    cut = text == "-"
    if cut:
        text = sys.stdin.read(limit + 1)            # a longer text is refused without reading it all
    text = check_text(text, limit, what="Văn bản cần đọc", cut=cut)
    toolkit = Toolkit.from_station(app.station, engines=[engine] if engine else None)
    normalized = toolkit.spoken(text)
    if not normalized.text.strip(" ,.!?"):
        raise InputError("không có chữ nào để đọc", hint="hãy đưa vào một câu tiếng Việt")
    try:
        result = speak_to_file(toolkit, [normalized.text], Path(output),
                               title=textwrap.shorten(text, width=60, placeholder="…"))
    except OSError as exc:                  # full disk, read-only folder: name the output file
        raise describe_os_error(exc, output) from exc
    for warning in normalized.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Đã ghi {output} ({result.duration_s:.1f} giây, máy đọc {result.engine}).")
