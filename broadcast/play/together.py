"""One file played now in several zones at once, each through its own player with its own gain (a direct announcement).

`broadcast announce --zone A --zone B` with no daemon running (and the console's "Phát ngay")
plays here: one `GatedOutput` per zone (`broadcast.daemon.zones.zone_outputs`: the zone's
outputs, its `gain_db`, files under `file_dir/<zone>/`), every player prepared on one `Gate`
and released by one write, as the daemon releases a slot. Each zone's gain is the programme
path's (`broadcast.play.gain`: a cut as asked, a boost limited by the file's peak, measured once
here for all zones). The as-run log gets one 'thủ công' row per zone, with its `zone` and the
applied gain in its `note`, so the report counts the notice in each zone that heard it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from broadcast.log.asrun import AsRunLog
from broadcast.play.gain import measure_peak
from broadcast.play.gated import Gate
from broadcast.play.jobs import PlayJob, log_start
from broadcast.play.playback import PlayResult
from broadcast.play.process import ffmpeg_exe

READY_WAIT_S = 15.0          # a zone's player not ready by then is released anyway (it says why it failed)


def play_together(path: Path, outputs: Mapping[str, Any], job: PlayJob, *, log: AsRunLog | None = None,
                  on_progress: Callable[[float, float | None], None] | None = None,
                  stop: threading.Event | None = None, poll_s: float = 0.5,
                  titles: Mapping[str, str] | None = None) -> PlayResult:
    """Play `path` now in every zone of `outputs` (zone -> gated output), started together; one result.

    The result is 'played' when one zone played it (the others' failures are in its error), else
    the first zone's; Ctrl-C (or `stop`) ends every zone as 'interrupted'.
    """
    first = next(iter(outputs.values()))
    pids = getattr(first, "pids", None)
    if pids is not None:
        pids.end_leftovers()          # a player a killed play left must not play over this one
    peak = None
    if any(out.gain_for(job.slot) > 0 for out in outputs.values()):
        peak = measure_peak(path, ffmpeg_exe())          # once for every zone that boosts it
    gate = Gate()
    plays = {zone: out.prepare(path, title=job.title, duration_s=job.duration_s, gate=gate,
                               programme_id=job.programme_id, slot=job.slot, peak_db=peak)
             for zone, out in outputs.items()}
    deadline = time.monotonic() + READY_WAIT_S
    for playback in plays.values():
        while not playback.ready.wait(0.05) and not playback.done and time.monotonic() < deadline:
            pass
    gate.open()
    rows: dict[str, int] = {}
    for zone, playback in plays.items():
        playback.start(None)
        if log is not None:
            rows[zone] = log_start(log, replace(job, zone=zone), playback.started_at, outputs[zone].name,
                                   origin="manual", note=playback.gain_note)
    started = min(p.started_at for p in plays.values())
    results: dict[str, PlayResult] = {}
    try:
        while len(results) < len(plays):
            for zone, playback in plays.items():
                if zone not in results:
                    result = playback.wait(poll_s / max(1, len(plays)))
                    if result is not None:
                        results[zone] = result
            if stop is not None and stop.is_set():
                for playback in plays.values():
                    playback.stop()
            if on_progress is not None:
                elapsed = (first.clock.now() - started).total_seconds()
                on_progress(elapsed, max(0.0, job.duration_s - elapsed) if job.duration_s else None)
    except KeyboardInterrupt:
        for playback in plays.values():
            playback.stop()
        for zone, playback in plays.items():
            results[zone] = (results.get(zone) or playback.wait(15.0)
                             or PlayResult("interrupted", playback.started_at, first.clock.now()))
    if log is not None:
        for zone, row in rows.items():
            log.finish(row, results[zone].status, results[zone].ended_at, results[zone].error)
    return _overall(results, titles or {})


def _overall(results: Mapping[str, PlayResult], titles: Mapping[str, str]) -> PlayResult:
    played = [r for r in results.values() if r.status == "played"]
    if not played:
        return next(iter(results.values()))
    failed = [f"Vùng {titles.get(zone, zone)}: {r.error or r.status}" for zone, r in results.items() if r.status != "played"]
    return PlayResult("played", min(r.started_at for r in played), max(r.ended_at for r in played),
                      "; ".join(failed) or None)

