"""An announcement on air now: handed to the running daemon, or played directly and logged 'thủ công'.

`broadcast announce` and the console's "Phát ngay" call these two functions in this order, so
an urgent announcement reaches the loudspeakers the same way from the terminal and the page:

    if not hand_to_daemon(station, audio, meta, now=now):
        result = play_directly(station, audio, meta, now=now)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.daemon.station import output_for_station
from broadcast.daemon.zones import zones_output
from broadcast.log.asrun import AsRunLog
from broadcast.play import spool
from broadcast.play.playback import PlayResult
from broadcast.play.player import job_from_announcement, play_file
from broadcast.play.state import state_paths


def hand_to_daemon(station: Any, audio: Path, meta: Mapping[str, Any], *, now: datetime) -> bool:
    """Give the announcement to the running `broadcast run` (logged 'đột xuất'); False when none runs."""
    return spool.submit(state_paths(station)[1], audio, meta, now=now)


def play_directly(station: Any, audio: Path, meta: Mapping[str, Any], *, now: datetime,
                  output_name: str | None = None, realtime: bool = True,
                  on_progress: Callable[[float, float | None], None] | None = None,
                  stop: threading.Event | None = None, zones: list | None = None) -> PlayResult:
    """Play it now on the station's output (or `output_name`, or every output of `zones`), logged as a
    manual play ('thủ công')."""
    output = (zones_output(station, zones) if zones and output_name is None else
              output_for_station(station, name=output_name, realtime=realtime))
    with AsRunLog(state_paths(station)[0]) as log:
        return play_file(Path(audio), output, log=log, on_progress=on_progress, stop=stop,
                         job=job_from_announcement(Path(audio), meta, tz=station.tz, now=now))
