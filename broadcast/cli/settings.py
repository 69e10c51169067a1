"""`broadcast settings`: every configuration key with its default and meaning."""

from __future__ import annotations

import click

from broadcast.station.sections import describe_settings


@click.command("settings")
def command() -> None:
    """Liệt kê mọi khóa của broadcast.toml, giá trị mặc định và ý nghĩa."""
    current = None
    for section, key, default, doc in describe_settings():
        if section != current:
            click.echo(f"\n[{section}]")
            current = section
        click.echo(f"  {key} = {default!r}\n      {doc}")
