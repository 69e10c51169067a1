"""An announcement on air now: handed to the running daemon, or played directly and logged 'thủ công'.

`broadcast announce` and the console's "Phát ngay" call these two functions in this order, so
an urgent announcement reaches the loudspeakers the same way from the terminal and the page:

    if not hand_to_daemon(station, audio, meta, now=now):
        result = play_directly(station, audio, meta, now=now)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.daemon.station import output_for_station, player_pids
from broadcast.daemon.zones import station_zones, zone_outputs
from broadcast.log.asrun import AsRunLog
from broadcast.play import SystemClock, spool
from broadcast.play.playback import PlayResult
from broadcast.play.player import job_from_announcement, play_file
from broadcast.play.state import state_paths
from broadcast.play.together import play_together
from broadcast.schedule.vocabulary import IMPLICIT_ZONE


def hand_to_daemon(station: Any, audio: Path, meta: Mapping[str, Any], *, now: datetime) -> bool:
    """Give the announcement to the running `broadcast run` (logged 'đột xuất'); False when none runs."""
    return spool.submit(state_paths(station)[1], audio, meta, now=now)


def play_directly(station: Any, audio: Path, meta: Mapping[str, Any], *, now: datetime,
                  output_name: str | None = None, realtime: bool = True,
                  on_progress: Callable[[float, float | None], None] | None = None,
                  stop: threading.Event | None = None, zones: list | None = None) -> PlayResult:
    """Play it now on the station's output (or `output_name`), logged as a manual play ('thủ công').

    On a station with zones it plays in `zones` (none given: every zone), each zone through its
    own player with its own gain, all started together (`broadcast.play.together`); one row per zone."""
    job = job_from_announcement(Path(audio), meta, tz=station.tz, now=now)
    if output_name is None and os.name == "posix":
        every = station_zones(station)
        declared = not (len(every) == 1 and every[0].name == IMPLICIT_ZONE)
        chosen = [z.name for z in zones or every]
        if declared:                   # a station without zones plays on [playout] output, as always
            outputs = zone_outputs(station, every, clock=SystemClock(station.tz), pids=player_pids(station),
                                   positions=None)
            with AsRunLog(state_paths(station)[0]) as log:
                return play_together(Path(audio), {name: outputs[name] for name in chosen}, job, log=log,
                                     on_progress=on_progress, stop=stop,
                                     titles={z.name: z.title for z in every})
    output = output_for_station(station, name=output_name, realtime=realtime)
    with AsRunLog(state_paths(station)[0]) as log:
        return play_file(Path(audio), output, log=log, on_progress=on_progress, stop=stop, job=job)
