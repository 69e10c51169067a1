"""The station's remote control of a cluster: volume, mute and on-air hours, kept on disk between heartbeats.

The station sends `{"volume": 0-100, "mute": bool, "hours": "06:00-21:00"}` with each heartbeat
answer; the receiver keeps the last one in `<folder>/dieu-khien.json` (so it holds through a
restart with the link down). The volume is the player's gain; outside the hours, or muted, no
programme plays (its as-run row says why); an urgent announcement plays whatever these say.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from pathlib import Path
from typing import Any

from broadcast.atomic import write_text_atomic

NAME = "dieu-khien.json"
HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")


def parse_hours(text: str) -> tuple[time, time]:
    """'06:00-21:00' -> (06:00, 21:00); ValueError otherwise (a span may cross midnight: 21:00-05:00)."""
    match = HOURS.fullmatch(text.strip())
    if not match:
        raise ValueError(text)
    a, b, c, d = (int(g) for g in match.groups())
    return time(a, b), time(c, d)


def load(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / NAME).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save(folder: Path, control: dict[str, Any]) -> None:
    write_text_atomic(folder / NAME, json.dumps(control, ensure_ascii=False) + "\n")


def gain(control: dict[str, Any]) -> float | None:
    """The player's gain factor for the volume (100: as built, None when not set)."""
    volume = control.get("volume")
    return None if not isinstance(volume, (int, float)) else max(0.0, min(100.0, float(volume))) / 100


def refusal(control: dict[str, Any], when: datetime) -> str | None:
    """Why a programme starting at `when` must not play (Vietnamese), or None."""
    if control.get("mute"):
        return "đài đã tắt tiếng cụm loa"
    hours = control.get("hours")
    if not hours:
        return None
    try:
        start, end = parse_hours(str(hours))
    except ValueError:
        return None
    now = when.time().replace(tzinfo=None)
    inside = start <= now < end if start <= end else (now >= start or now < end)
    return None if inside else f"ngoài giờ phát của cụm loa ({hours})"
