"""A station's zones as playout sees them: names, titles, and one gated output per zone from its output specs.

The zones themselves are the schedule's (`broadcast.schedule.zones.effective_zones`: the declared
`zones:`, or one implicit zone `toan-xa` ("Toàn xã") on `[playout] output`); a schedule that
cannot be read plays as that implicit zone, and `broadcast check` says why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from broadcast.play import Clock
from broadcast.play.child import PidFiles
from broadcast.play.gated import GatedOutput
from broadcast.play.outputs import Output, make_output
from broadcast.schedule.model import ZoneSpec
from broadcast.schedule.vocabulary import IMPLICIT_ZONE, IMPLICIT_ZONE_TITLE
from broadcast.schedule.zones import effective_zones as schedule_zones

IMPLICIT_TITLE = IMPLICIT_ZONE_TITLE


def effective_zones(schedule: Any, station: Any) -> tuple[Any, ...]:
    """The station's zones (each with name, title, outputs); without a readable schedule, the implicit zone."""
    if schedule is not None and getattr(schedule, "zones", None) is not None:
        return schedule_zones(schedule, station)
    return (ZoneSpec(name=IMPLICIT_ZONE, title=IMPLICIT_ZONE_TITLE, outputs=(station.playout.output,)),)


def station_zones(station: Any) -> tuple[Any, ...]:
    """The zones of a station's schedules; the implicit zone when they cannot be read (`check` says why)."""
    try:
        from broadcast.schedule.load import load_schedule

        schedule = load_schedule(station.path(station.paths.schedules), station_root=station.root)
    except Exception:  # noqa: BLE001 - playout goes on with the whole commune; `broadcast check` names the fault
        schedule = None
    return effective_zones(schedule, station)


def zone_outputs(station: Any, zones: tuple[Any, ...], *, clock: Clock, pids: PidFiles,
                 positions: Path | None) -> dict[str, Output]:
    """One `GatedOutput` per zone, all its outputs fed by one player (files under file_dir/<zone>/ when several).

    Without POSIX pipes to pass to a child (Windows), each zone plays on its first output through
    the ungated outputs of `broadcast.play.outputs` (started at the slot, as before gating).
    """
    p = station.playout
    file_dir = station.path(p.file_dir)
    several = len(zones) > 1
    outputs: dict[str, Output] = {}
    for zone in zones:
        specs = tuple(_spec(s, p.device) for s in zone.outputs)
        if os.name != "posix":
            kind, _, rest = specs[0].partition(":")
            outputs[zone.name] = make_output(
                kind, device=rest or p.device, file_dir=file_dir / zone.name if several else file_dir, clock=clock,
                icecast_url=station.icecast.url, icecast_user=station.icecast.user,
                icecast_password=station.icecast_password if kind == "icecast" else "", icecast_mount=rest or None,
                stream_name=station.station_title, realtime=True, pids=pids)
            continue
        outputs[zone.name] = GatedOutput(
            specs, zone=zone.name, clock=clock, pids=pids, positions=positions,
            file_dir=file_dir, file_subdir=zone.name if several else None,
            icecast_url=station.icecast.url, icecast_user=station.icecast.user,
            icecast_password=station.icecast_password if any(s.startswith("icecast") for s in specs) else "",
            stream_name=getattr(zone, "title", "") or station.station_title,
            gain_db=getattr(zone, "gain_db", 0.0), slot_gain_db=getattr(zone, "slot_gain_db", None))
    return outputs


def _spec(spec: str, device: str) -> str:
    """'device' means [playout] device (the card chosen for the station); other specs as written."""
    return f"device:{device}" if spec == "device" and device and device != "default" else spec
