"""`broadcast announce`: put an announcement on air now (through the daemon when one runs)."""

from __future__ import annotations

from datetime import datetime

import click

from broadcast.build import Toolkit, build_announcement
from broadcast.cli.common import pass_app
from broadcast.cli.play import output_option, progress_printer, realtime_option, settle
from broadcast.cli.preview import gather_values
from broadcast.clusters.pushes import push_announcement
from broadcast.daemon.announce import hand_to_daemon, play_directly
from broadcast.daemon.zones import station_zones
from broadcast.errors import InputError, closest
from broadcast.model import Priority
from broadcast.station.text_limits import check_text


def check_zones(station, names) -> list:
    """The zones named by --zone, in order; an unknown name is one Vietnamese line with a suggestion (exit 2)."""
    if not names:
        return []
    known = {z.name: z for z in station_zones(station)}
    for name in names:
        if name not in known and _unreadable(station):
            raise InputError(f"lịch phát đang có lỗi nên chưa biết vùng '{name}'",
                             hint="chạy broadcast check để xem lỗi và sửa, rồi phát lại")
        if name not in known:
            close = closest(name, known)
            raise InputError(f"không có vùng '{name}'" + (f" (có phải '{close}'?)" if close else ""),
                             hint=f"các vùng của đài: {', '.join(known)} (xem zones: trong schedules/)")
    return [known[n] for n in dict.fromkeys(names)]


def _unreadable(station) -> bool:
    """True when the schedules cannot be read (playout then knows only the whole commune)."""
    from broadcast.errors import BroadcastError
    from broadcast.schedule.load import load_schedule

    try:
        load_schedule(station.path(station.paths.schedules), station_root=station.root)
    except BroadcastError:
        return True
    return False


PRIORITIES = [p.value for p in Priority]


@click.command("announce")
@click.argument("template", required=False)
@click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE", help="Giá trị một biến.")
@click.option("--data", type=click.Path(dir_okay=False), help="Tệp YAML/JSON chứa giá trị các biến.")
@click.option("--text", help="Nội dung tự do thay cho mẫu.")
@click.option("--priority", type=click.Choice(PRIORITIES), help="Mức ưu tiên (mặc định: theo mẫu; tự do: khan-cap).")
@click.option("--repeat", type=click.IntRange(1, 5), help="Số lần đọc.")
@click.option("--engine", help="Máy đọc (mặc định: theo broadcast.toml).")
@click.option("--zone", "zones", multiple=True, metavar="VÙNG",
              help="Chỉ phát ở vùng này (tên vùng trong zones:, lặp lại cho nhiều vùng; mặc định: mọi vùng).")
@output_option
@realtime_option
@pass_app
def command(app, template, pairs, data, text, priority, repeat, engine, zones, output_name, realtime) -> None:
    """Phát ngay một thông báo (khẩn cấp: có lời "Thông báo khẩn!" và ngắt chương trình đang phát).

    Nếu trình phát (broadcast run) đang chạy, thông báo được chuyển cho nó (nhật ký: 'đột xuất');
    nếu không, phát trực tiếp ra đầu ra đã cấu hình (hoặc --output) và ghi nhật ký là 'thủ công'.
    Với --output, thông báo luôn phát trực tiếp, không chuyển cho trình phát. Nội dung --text dài
    tối đa [limits] text_max_chars ký tự (mặc định 10.000), như lệnh say. Với --zone, chỉ những
    vùng đó nghe thông báo (khẩn cấp chỉ ngắt chương trình ở những vùng đó).

    \b
    Ví dụ:
      broadcast announce canh_bao_bao_lu --data scripts_vi/examples/canh_bao_bao_lu.yaml
      broadcast announce --text "Mất điện đột xuất tại thôn Đông đến 17 giờ." --priority uu-tien
    """
    station = app.station
    targets = check_zones(station, zones)
    if text is not None:        # capped like `say`: a huge text would take minutes and gigabytes to speak
        text = check_text(text, station.limits.text_max_chars, what="Văn bản cần đọc")
    toolkit = Toolkit.from_station(station, engines=[engine] if engine else None)
    now = datetime.now(station.tz)
    announcement = build_announcement(
        toolkit, station.path(station.paths.state) / "announcements", template=template,
        values=gather_values(data, pairs) if template else None, text=text,
        priority=Priority(priority) if priority else None, repeat=repeat, now=now)
    meta = announcement.meta
    if targets:
        meta["zones"] = [z.name for z in targets]
    if output_name is None and push_announcement(station.path(station.paths.state), announcement.audio, meta, now=now):
        click.echo("Đã đẩy thông báo khẩn tới các cụm loa của vùng.")
    if output_name is None and hand_to_daemon(station, announcement.audio, meta, now=now):
        click.echo(f"Đã chuyển cho trình phát đang chạy: {meta['title']} ({meta['priority']}).")
        return
    click.echo(f"Không có trình phát đang chạy: phát trực tiếp {meta['title']} ({meta['duration_s']:.0f} giây).")
    if targets:
        click.echo(f"Chỉ phát ở: {', '.join(z.title for z in targets)}.")
    result = play_directly(station, announcement.audio, meta, now=now, output_name=output_name,
                           realtime=realtime, on_progress=progress_printer(), zones=targets)
    settle(result, output_name or station.playout.output, meta["title"])
