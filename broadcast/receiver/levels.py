"""What was really on air at a cluster: the per-second levels the gated player wrote, summed up per play.

The player appends one JSON line per second of PCM it handed to the card ({"s", "rms_db",
"peak_db", "at"}, dBFS, -120 for digital silence). A play whose seconds are (nearly) all below
`SILENT_DB` went out as silence: the fault "im lặng trên loa" on its as-run row and in the heartbeat.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

SILENT_DB = -60.0            # a second whose peak stays below this is silence on the horns
SILENT_SHARE = 0.9           # a play with this share of silent seconds went out as silence
FAULT_SILENT = "im lặng trên loa"
SOURCE = "am-thanh-giai-ma"  # the fault's source on a row: the decoded PCM (the monitor input is another)


def read(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        try:
            item = json.loads(line)
            found.append({"rms_db": float(item["rms_db"]), "peak_db": float(item["peak_db"]), "at": item.get("at")})
        except (ValueError, KeyError, TypeError):
            continue          # a line cut by a crash
    return found


def summary(seconds: list[dict[str, Any]]) -> dict[str, Any] | None:
    """{seconds, rms_db (power mean), peak_db (max), silent_s} of one play, or None without any second."""
    if not seconds:
        return None
    power = sum(10 ** (s["rms_db"] / 10) for s in seconds) / len(seconds)
    return {"seconds": len(seconds), "rms_db": round(10 * math.log10(power), 1) if power > 1e-12 else -120.0,
            "peak_db": max(s["peak_db"] for s in seconds),
            "silent_s": sum(1 for s in seconds if s["peak_db"] < SILENT_DB)}


def silent(levels: dict[str, Any] | None) -> bool:
    return bool(levels) and levels["silent_s"] >= SILENT_SHARE * levels["seconds"]


def take(path: Path) -> dict[str, Any] | None:
    """The summary of the levels file `path`, which is then removed (a play's levels are reported once)."""
    found = summary(read(path))
    path.unlink(missing_ok=True)
    return found


def latest(path: Path | None) -> dict[str, Any] | None:
    """The last second written (for the heartbeat while a programme plays)."""
    seconds = read(path) if path else []
    return seconds[-1] if seconds else None
