"""`broadcast voices`: the Piper voices installed for the offline neural engine, and adding one."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.common import pass_app
from broadcast.speak.piper import check_voice
from broadcast.speak.voices import install, scan


def _voices_dir(app) -> Path:
    station = app.station_or_none()
    if station is None:
        return Path("voices").resolve()
    return station.path(station.speech.voices_dir)


@click.group("voices", invoke_without_command=True)
@click.pass_context
def command(ctx) -> None:
    """Liệt kê giọng Piper đã cài (máy đọc 'piper', đọc không cần mạng).

    \b
    Giọng Piper là hai tệp <tên>.onnx và <tên>.onnx.json, chép vào máy một lần.
    Ví dụ:
      broadcast voices
      broadcast voices add ~/Tải\\ về/vi_VN-vais1000-medium.onnx
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_voices)


@command.command("list")
@pass_app
def list_voices(app) -> None:
    """Liệt kê giọng Piper đã cài."""
    folder = _voices_dir(app)
    rows = scan(folder)
    if not rows:
        click.echo(f"Chưa cài giọng Piper nào trong {folder}.")
        click.echo("Cài giọng: broadcast voices add ĐƯỜNG_DẪN/<tên>.onnx (kèm <tên>.onnx.json bên cạnh).")
        return
    click.echo(f"Giọng Piper trong {folder}:")
    for voice, problem in rows:
        click.echo(f"  {voice.describe()}" if voice else f"  hỏng: {problem}")


@command.command("add")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def add(app, path: Path) -> None:
    """Kiểm tra một giọng Piper (.onnx kèm .onnx.json) rồi cài vào thư mục giọng của đài.

    \b
    Ví dụ:
      broadcast voices add /media/usb/vi_VN-vais1000-medium.onnx
    """
    path = path.expanduser()
    if path.name.endswith(".onnx.json"):
        path = path.with_name(path.name[:-len(".json")])
    voice = check_voice(path)
    installed = install(voice, _voices_dir(app))
    click.echo(f"Đã cài giọng {installed.describe()}.")
    click.echo(f"Dùng giọng này: engines = [\"piper\", \"espeak\"] và piper_voice = \"{installed.name}\" "
               "trong [speech] của broadcast.toml.")
