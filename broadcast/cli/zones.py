"""`broadcast zones`: the station's zones, their outputs and quiet hours, and whether each output works here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import click

from broadcast.build import Toolkit, load_schedule_for
from broadcast.cli.common import pass_app
from broadcast.schedule.zones import effective_zones


@click.command("zones")
@pass_app
def command(app) -> None:
    """Liệt kê các vùng phát: đầu ra (loa máy, Icecast, tệp), giờ yên lặng, mức âm lượng,
    và mỗi đầu ra có dùng được trên máy này không.

    Đài chưa khai báo 'zones:' trong lịch phát có một vùng là cả xã (toan-xa), phát ra
    [playout] output của broadcast.toml.

    \b
    Ví dụ:
      broadcast zones
    """
    station = app.station
    schedule = load_schedule_for(Toolkit.from_station(station))
    zones = effective_zones(schedule, station)
    click.echo(f"Đài có {len(zones)} vùng phát:" if len(zones) > 1 else
               "Đài có một vùng phát (chưa khai báo 'zones:' trong lịch phát):")
    for zone in zones:
        extra = []
        if zone.quiet_hours is not None:
            extra.append(f"giờ yên lặng {zone.quiet_hours}")
        if zone.gain_db or zone.slot_gain_db:
            gains = ", ".join(f"{slot}: {db:+g} dB" for slot, db in zone.slot_gain_db.items())
            extra.append(f"mức {zone.gain_db:+g} dB" + (f" ({gains})" if gains else ""))
        click.echo(f"  {zone.name}  {zone.title}" + (f"  ({'; '.join(extra)})" if extra else ""))
        for spec in zone.outputs:
            ok, detail = probe_output(spec, station)
            click.echo(f"      {spec:<22} {'dùng được' if ok else 'KHÔNG dùng được'}: {detail}")


def probe_output(spec: str, station) -> tuple[bool, str]:
    """Whether output `spec` can play on this machine now, and why, in Vietnamese (read-only checks)."""
    kind, _, detail = spec.partition(":")
    if kind == "file":
        return True, f"ghi tệp vào {station.playout.file_dir} (để thử)"
    if kind == "null":
        return True, "chạy đúng giờ nhưng không phát ra loa (để thử)"
    if kind == "icecast":
        return _probe_icecast(station.icecast.url, detail)
    return probe_device(detail or station.playout.device)     # bare `device`: [playout] device


def probe_device(spec: str) -> tuple[bool, str]:
    """A sound card by its ALSA or PulseAudio name ('default', 'hw:1', 'pulse:SINK', 'alsa:hw:0,0')."""
    from broadcast.play.outputs import ffmpeg_devices, resolve_device

    kind, device = resolve_device(spec)
    if kind == "pulse":
        if not (os.environ.get("PULSE_SERVER") or Path(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"),
                                                           "pulse", "native").exists()):
            alsa = "" if spec.startswith("pulse") else ", cũng không có card âm thanh ALSA"
            return False, f"không có máy chủ PulseAudio đang chạy{alsa}"
        if "pulse" not in ffmpeg_devices():
            return False, "ffmpeg trên máy này không có đầu ra pulse"
        if device and shutil.which("pactl"):
            sinks = _run(["pactl", "list", "short", "sinks"])
            if sinks is not None and device not in sinks.split():
                return False, f"PulseAudio không có đầu ra (sink) '{device}'"
        return True, f"PulseAudio{' ' + device if device else ''}"
    cards = _alsa_cards()
    if not cards:
        return False, "máy không có card âm thanh nào (/proc/asound/cards trống)"
    if device:
        number = _card_number(device, cards)
        if number is None:
            return False, f"không có card âm thanh '{device}' (có: {', '.join(cards.values())})"
        name = f"card {number} ({cards.get(number, '?')})"
    else:
        name = "card mặc định"
    if kind == "alsa" and "alsa" not in ffmpeg_devices():
        return False, "ffmpeg trên máy này không có đầu ra alsa"
    if kind == "aplay" and not shutil.which("aplay"):
        return False, "không có chương trình aplay"
    return True, f"ALSA, {name}"


def _alsa_cards() -> dict[str, str]:
    """ALSA cards as number -> short name, from /proc/asound/cards."""
    try:
        text = Path("/proc/asound/cards").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    cards = {}
    for line in text.splitlines():
        head, _, rest = line.partition("[")
        if head.strip().isdigit():
            cards[head.strip()] = rest.partition("]")[0].strip()
    return cards


def _card_number(device: str, cards: dict[str, str]) -> str | None:
    """'hw:1', 'plughw:1,0', 'hw:CARD=USB', 'default', 'sysdefault:CARD=PCH' -> the card's number, if it is there."""
    _, _, where = device.partition(":")
    if not where:
        return next(iter(cards)) if device in ("default", "sysdefault") else None
    card = where.split(",")[0].removeprefix("CARD=")
    if card in cards:
        return card
    return next((n for n, name in cards.items() if name == card), None)


def _probe_icecast(url: str, mount: str) -> tuple[bool, str]:
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or 8000}{mount or parts.path}"
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 8000), timeout=1.0):
            return True, f"máy chủ Icecast {where} đang nhận kết nối"
    except OSError as exc:
        return False, f"không kết nối được máy chủ Icecast {where} ({exc.strerror or exc})"


def _run(cmd: list[str]) -> str | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
