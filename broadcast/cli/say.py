"""`broadcast say`: speak free text into an audio file."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click

from broadcast.build import Toolkit, speak_to_file
from broadcast.cli.common import pass_app
from broadcast.errors import InputError


@click.command("say")
@click.argument("text")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Tệp ra (.mp3 hoặc .wav).")
@click.option("--engine", help="Máy đọc (mặc định: theo broadcast.toml).")
@pass_app
def command(app, text: str, output: str, engine: str | None) -> None:
    """Đọc một đoạn văn bản tự do thành tệp âm thanh ('-' đọc từ stdin).

    \b
    Ví dụ:
      broadcast say "Xin chào bà con" -o x.mp3
      echo "Kính thưa bà con, chiều nay xã họp dân." | broadcast say - -o thong_bao.mp3
    """
    if text == "-":
        text = sys.stdin.read()
    toolkit = Toolkit.from_station(app.station, engines=[engine] if engine else None)
    normalized = toolkit.spoken(text)
    if not normalized.text.strip(" ,.!?"):
        raise InputError("không có chữ nào để đọc", hint="hãy đưa vào một câu tiếng Việt")
    result = speak_to_file(toolkit, [normalized.text], Path(output), title=textwrap.shorten(text, width=60, placeholder="…"))
    for warning in normalized.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Đã ghi {output} ({result.duration_s:.1f} giây, máy đọc {result.engine}).")
