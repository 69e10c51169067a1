"""`broadcast announce`: put an announcement on air now (through the daemon when one runs)."""

from __future__ import annotations

from datetime import datetime

import click

from broadcast.build import Toolkit, build_announcement
from broadcast.cli.common import pass_app
from broadcast.cli.play import output_option, progress_printer, realtime_option, settle
from broadcast.cli.preview import gather_values
from broadcast.daemon.announce import hand_to_daemon, play_directly
from broadcast.model import Priority
from broadcast.station.text_limits import check_text

PRIORITIES = [p.value for p in Priority]


@click.command("announce")
@click.argument("template", required=False)
@click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE", help="Giá trị một biến.")
@click.option("--data", type=click.Path(dir_okay=False), help="Tệp YAML/JSON chứa giá trị các biến.")
@click.option("--text", help="Nội dung tự do thay cho mẫu.")
@click.option("--priority", type=click.Choice(PRIORITIES), help="Mức ưu tiên (mặc định: theo mẫu; tự do: khan-cap).")
@click.option("--repeat", type=click.IntRange(1, 5), help="Số lần đọc.")
@click.option("--engine", help="Máy đọc (mặc định: theo broadcast.toml).")
@output_option
@realtime_option
@pass_app
def command(app, template, pairs, data, text, priority, repeat, engine, output_name, realtime) -> None:
    """Phát ngay một thông báo (khẩn cấp: có lời "Thông báo khẩn!" và ngắt chương trình đang phát).

    Nếu trình phát (broadcast run) đang chạy, thông báo được chuyển cho nó (nhật ký: 'đột xuất');
    nếu không, phát trực tiếp ra đầu ra đã cấu hình (hoặc --output) và ghi nhật ký là 'thủ công'.
    Với --output, thông báo luôn phát trực tiếp, không chuyển cho trình phát. Nội dung --text dài
    tối đa [limits] text_max_chars ký tự (mặc định 10.000), như lệnh say.

    \b
    Ví dụ:
      broadcast announce canh_bao_bao_lu --data scripts_vi/examples/canh_bao_bao_lu.yaml
      broadcast announce --text "Mất điện đột xuất tại thôn Đông đến 17 giờ." --priority uu-tien
    """
    station = app.station
    if text is not None:        # capped like `say`: a huge text would take minutes and gigabytes to speak
        text = check_text(text, station.limits.text_max_chars, what="Văn bản cần đọc")
    toolkit = Toolkit.from_station(station, engines=[engine] if engine else None)
    now = datetime.now(station.tz)
    announcement = build_announcement(
        toolkit, station.path(station.paths.state) / "announcements", template=template,
        values=gather_values(data, pairs) if template else None, text=text,
        priority=Priority(priority) if priority else None, repeat=repeat, now=now)
    meta = announcement.meta
    if output_name is None and hand_to_daemon(station, announcement.audio, meta, now=now):
        click.echo(f"Đã chuyển cho trình phát đang chạy: {meta['title']} ({meta['priority']}).")
        return
    click.echo(f"Không có trình phát đang chạy: phát trực tiếp {meta['title']} ({meta['duration_s']:.0f} giây).")
    result = play_directly(station, announcement.audio, meta, now=now, output_name=output_name,
                           realtime=realtime, on_progress=progress_printer())
    settle(result, output_name or station.playout.output, meta["title"])
