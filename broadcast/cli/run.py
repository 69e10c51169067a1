"""`broadcast run`: the playout daemon, saying on stdout (journald keeps it) what it does, in Vietnamese.

The daemon writes every start, airing, build, failure and stop to the as-run log; `say_what_happens`
wraps that log object so each of those lines is also printed, without touching the daemon itself.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import click

from broadcast.cli.common import pass_app
from broadcast.daemon import daemon_for_station
from broadcast.daemon.zones import station_zones
from broadcast.play.failures import OUTPUT_LABELS, explain
from broadcast.play.state import read_day
from broadcast.schedule.vocabulary import IMPLICIT_ZONE

EVENT_WORDS = {"start": "Bắt đầu", "stop": "Dừng", "build": "Dựng", "urgent": "Khẩn cấp", "missed": "Lỡ",
               "relay": "Tiếp âm", "reload": "Đọc lại lịch", "clock-jump": "Đồng hồ"}
STATUS_WORDS = {"played": "đã phát xong", "late": "đã phát (trễ)", "failed": "PHÁT LỖI", "interrupted": "bị ngắt",
                "missed": "lỡ", "skipped": "bỏ qua"}


def _echo(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()               # a pipe to journald is block-buffered: each line now


def say_what_happens(log: Any, echo: Callable[[str], None] = _echo, *, output: str = "device",
                     zone_titles: dict[str, str] | None = None) -> None:
    """Print each event, programme start and end the daemon writes to `log` (heartbeats stay quiet);
    with `zone_titles` (a zoned station) each programme line says its zone."""
    event, started, finish = log.event, log.programme_started, log.finish
    titles: dict[int, str] = {}

    def on_event(kind: str, at: datetime, message: str = "") -> None:
        event(kind, at, message)
        if kind != "heartbeat":
            echo(f"[{at:%H:%M:%S}] {EVENT_WORDS.get(kind, kind)}: {message}")

    def on_start(**kw: Any) -> int:
        row = started(**kw)
        titles[row] = kw.get("title") or kw.get("programme_id", "")
        if zone_titles and kw.get("zone") in zone_titles:
            titles[row] += f" ({zone_titles[kw['zone']]})"
        if kw.get("started_at") is not None and kw.get("status", "playing") == "playing":
            echo(f"[{kw['started_at']:%H:%M:%S}] Đang phát: {titles[row]}")
        elif kw.get("status") in STATUS_WORDS:
            echo(f"[{kw['scheduled_at']:%H:%M:%S}] {titles[row]}: {STATUS_WORDS[kw['status']]}")
        return row

    def on_finish(row_id: int, status: str, ended_at: datetime, error: str | None = None) -> None:
        finish(row_id, status, ended_at, error)
        why = f" ({explain(output, error)[0]})" if status == "failed" else ""
        echo(f"[{ended_at:%H:%M:%S}] {titles.get(row_id, 'Chương trình')}: {STATUS_WORDS.get(status, status)}{why}")

    log.event, log.programme_started, log.finish = on_event, on_start, on_finish


def start_line(station: Any, now: datetime) -> str:
    """'Đài …: phát ra loa máy; chương trình tới 17:00 03/12 …' (from the published days); on a zoned
    station 'phát ra 4 vùng (Thôn Đông, …)'."""
    audio_out = station.path(station.paths.audio_out)
    upcoming = None
    for offset in range(2):
        day: date = now.date() + timedelta(days=offset)
        manifest = read_day(audio_out, day) or {}
        later = [p for p in manifest.get("programmes") or [] if datetime.fromisoformat(p["start"]) > now]
        if later:
            upcoming = min(later, key=lambda p: p["start"])
            break
    output = OUTPUT_LABELS.get(station.playout.output, station.playout.output)
    zones = station_zones(station)
    if len(zones) > 1 or zones[0].name != IMPLICIT_ZONE:       # each zone has its own outputs, not [playout]
        output = f"{len(zones)} vùng ({', '.join(z.title for z in zones)})"
    nxt = (f"chương trình tới: {datetime.fromisoformat(upcoming['start']):%H:%M %d/%m/%Y} {upcoming['title']}"
           if upcoming else "chưa có chương trình đã dựng cho hôm nay và ngày mai (sẽ dựng ngay)")
    return f"Trình phát của {station.station_title}: phát ra {output}; {nxt}. Ctrl-C hoặc SIGTERM để dừng."


@click.command("run")
@pass_app
def command(app) -> None:
    """Chạy trình phát: phát từng chương trình đúng giờ, dựng sẵn ngày mai, nhận thông báo khẩn.

    Lịch lấy từ schedules/ (đọc lại khi tệp thay đổi hoặc khi nhận SIGHUP); nhật ký ghi vào
    var/asrun.sqlite. Khởi động lại không bao giờ phát một buổi hai lần. SIGTERM/Ctrl-C dừng gọn.
    Mỗi lần phát, dựng, lỗi và lúc dừng được in ra (journald giữ lại khi chạy như dịch vụ).

    \b
    Ví dụ:
      broadcast run
      systemctl start broadcast      (xem deploy/broadcast.service)
    """
    station = app.station
    if app.verbose:                  # APScheduler's own English after its Vietnamese lines (`daemon.schedwords`)
        logging.getLogger("apscheduler").setLevel(logging.DEBUG)
    daemon = daemon_for_station(station)
    _echo(start_line(station, datetime.now(station.tz)))
    zones = station_zones(station)
    declared = len(zones) > 1 or zones[0].name != IMPLICIT_ZONE
    say_what_happens(daemon.core.log, output=station.playout.output,
                     zone_titles={z.name: z.title for z in zones} if declared else None)
    raise click.exceptions.Exit(daemon.run())
