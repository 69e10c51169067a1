"""`broadcast preview`: show an announcement's written and spoken text, with warnings."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.build import Toolkit
from broadcast.cli.common import parse_set_options, pass_app
from broadcast.render import load_values_file
from broadcast.station.bounded_yaml import YamlLimits


def gather_values(data: str | None, pairs: tuple[str, ...], limits: YamlLimits | None = None) -> dict:
    """Values from --data FILE (bounded by `limits`), then -s key=value on top."""
    values = dict(load_values_file(Path(data), limits)) if data else {}
    values.update(parse_set_options(pairs))
    return values


@click.command("preview")
@click.argument("template")
@click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE", help="Giá trị một biến.")
@click.option("--data", type=click.Path(dir_okay=False), help="Tệp YAML/JSON chứa giá trị các biến.")
@pass_app
def command(app, template: str, pairs: tuple[str, ...], data: str | None) -> None:
    """In văn bản của một thông báo và cách máy sẽ đọc nó.

    \b
    Ví dụ:
      broadcast preview tiem_chung --data scripts_vi/examples/tiem_chung.yaml
      broadcast preview tiem_chung --data scripts_vi/examples/tiem_chung.yaml -s ngay=12/12/2026 -s gio="7h30-11h"
    """
    toolkit = Toolkit.from_station(app.station)
    prepared = toolkit.prepare(template, gather_values(data, pairs, app.station.yaml_limits))
    click.echo("== Văn bản ==")
    click.echo(prepared.rendered.text)
    click.echo("\n== Máy đọc ==")
    click.echo(prepared.spoken)
    if prepared.warnings:
        click.echo("\n== Cảnh báo ==")
        for warning in prepared.warnings:
            click.echo(f"- {warning}")
