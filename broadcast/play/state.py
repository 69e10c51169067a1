"""Where a station's playout state lives and what it has published: light enough for the web console.

`state_paths(station)` (the as-run log and the urgent spool) and `read_day(audio_out, day)` (the
published manifest of a day) are what the console needs from playout; they import neither the
daemon nor APScheduler, so `broadcast web` never loads the scheduler.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def state_paths(station: Any) -> tuple[Path, Path]:
    """(as-run log, spool folder) under the station's state folder."""
    return station.path(station.paths.log_db), station.path(station.paths.spool)


def read_day(audio_out: Path, day: date) -> dict[str, Any] | None:
    """The published manifest of `day`, or None when that day was not built."""
    from broadcast.publish.day import read_manifest

    directory = Path(audio_out) / day.isoformat()
    if not (directory / "manifest.json").exists():
        return None
    return read_manifest(directory)
