"""`broadcast render`: one announcement to an audio file."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.build import Toolkit, speak_to_file
from broadcast.cli.common import pass_app
from broadcast.cli.preview import gather_values
from broadcast.io_errors import describe_os_error


@click.command("render")
@click.argument("template")
@click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE", help="Giá trị một biến.")
@click.option("--data", type=click.Path(dir_okay=False), help="Tệp YAML/JSON chứa giá trị các biến.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Tệp ra (.mp3 hoặc .wav).")
@click.option("--engine", help="Máy đọc (mặc định: theo broadcast.toml).")
@click.option("--dry-run", is_flag=True, help="Dùng máy đọc giả (kiểm tra nhanh, không tổng hợp giọng).")
@pass_app
def command(app, template, pairs, data, output, engine, dry_run) -> None:
    """Dựng một thông báo thành tệp âm thanh.

    \b
    Ví dụ:
      broadcast render cat_dien --data scripts_vi/examples/cat_dien.yaml -o cat_dien.mp3
      broadcast render tiem_chung --data scripts_vi/examples/tiem_chung.yaml -s gio="7h30-11h" -o tiem.mp3
    """
    toolkit = Toolkit.from_station(app.station, engines=[engine] if engine else None, dry_run=dry_run)
    prepared = toolkit.prepare(template, gather_values(data, pairs, app.station.yaml_limits))
    try:
        result = speak_to_file(toolkit, [prepared.spoken], Path(output), title=prepared.rendered.title)
    except OSError as exc:                  # full disk, read-only folder: name the output file
        raise describe_os_error(exc, output) from exc
    for warning in prepared.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Đã ghi {output} ({result.duration_s:.1f} giây, {result.loudness.integrated_lufs:.1f} LUFS, "
               f"máy đọc {result.engine}).")
