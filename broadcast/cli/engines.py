"""`broadcast engines`: which TTS engines exist, and whether each works here."""

from __future__ import annotations

import click

from broadcast.build import engine_options_for
from broadcast.cli.common import pass_app
from broadcast.speak import ENGINES, EngineOptions
from broadcast.speak.fallback import engine_report


@click.command("engines")
@pass_app
def command(app) -> None:
    """Liệt kê các máy đọc, máy nào dùng được ở máy này và vì sao không.

    \b
    Ví dụ:
      broadcast engines
    """
    station = app.station_or_none()
    options = engine_options_for(station) if station else EngineOptions()
    order = list(station.speech.engines) if station else []
    for name, ok, reason in engine_report(list(ENGINES), options):
        mark = "có" if ok else "không"
        used = f" (thứ tự {order.index(name) + 1} trong broadcast.toml)" if name in order else ""
        click.echo(f"{name:8} {mark:6}{used}{'  ' + reason if reason else ''}")
