"""`broadcast export`: a day's announcements as Markdown or text for the website."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.atomic import write_text_atomic
from broadcast.build import Toolkit, load_plan
from broadcast.cli.common import parse_day, pass_app, station_today
from broadcast.publish.export import FORMATS, collect, export_day


@click.command("export")
@click.option("--date", "day", metavar="NGÀY", help="Ngày; mặc định hôm nay.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Ghi ra tệp thay vì in ra màn hình.")
@pass_app
def command(app, day, fmt, output) -> None:
    """Xuất các thông báo, chuyên mục của một ngày để đăng trang thông tin điện tử của xã.

    \b
    Ví dụ:
      broadcast export --date 2026-12-07 --format md -o thong-bao.md
    """
    station = app.station
    current = parse_day(day, station_today(station))
    toolkit = Toolkit.from_station(station)
    programmes = load_plan(toolkit, current)
    texts = {item.id: toolkit.library.render(item.template, item.values).text
             for p in programmes for item in p.items if item.template}
    text = export_day(current, station.station_title, collect(programmes, texts), fmt)
    if output:
        write_text_atomic(Path(output), text)
        click.echo(f"Đã ghi {output}.")
    else:
        click.echo(text, nl=False)
