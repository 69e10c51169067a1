"""A station's zones as playout sees them: names, titles, and one gated output per zone from its output specs.

`effective_zones(schedule, station)` follows the zones contract (docs: ZONES-CONTRACT): the
schedule's `zones:`, or one implicit zone `toan-xa` ("Toàn xã") on `[playout] output`. The
schedule package owns the real one (`broadcast.schedule.zones`); this is playout's small copy,
reading only `schedule.zones`, until the two meet.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from broadcast.play import Clock
from broadcast.play.child import PidFiles
from broadcast.play.gated import GatedOutput

IMPLICIT_ZONE, IMPLICIT_TITLE = "toan-xa", "Toàn xã"


def effective_zones(schedule: Any, station: Any) -> tuple[Any, ...]:
    """The station's zones (each with name, title, outputs); without `zones:`, one zone on `[playout] output`."""
    declared = tuple(getattr(schedule, "zones", ()) or ()) if schedule is not None else ()
    if declared:
        return declared
    return (SimpleNamespace(name=IMPLICIT_ZONE, title=IMPLICIT_TITLE, outputs=(station.playout.output,)),)


def station_zones(station: Any) -> tuple[Any, ...]:
    """The zones of a station's schedules; the implicit zone when they cannot be read (`check` says why)."""
    try:
        from broadcast.schedule.load import load_schedule

        schedule = load_schedule(station.path(station.paths.schedules), station_root=station.root)
    except Exception:  # noqa: BLE001 - playout goes on with the whole commune; `broadcast check` names the fault
        schedule = None
    return effective_zones(schedule, station)


def zone_outputs(station: Any, zones: tuple[Any, ...], *, clock: Clock, pids: PidFiles,
                 positions: Path | None) -> dict[str, GatedOutput]:
    """One `GatedOutput` per zone, all its outputs fed by one player (files under file_dir/<zone>/ when several)."""
    p = station.playout
    file_dir = station.path(p.file_dir)
    several = len(zones) > 1
    outputs = {}
    for zone in zones:
        specs = tuple(_spec(s, p.device) for s in zone.outputs)
        outputs[zone.name] = GatedOutput(
            specs, zone=zone.name, clock=clock, pids=pids, positions=positions,
            file_dir=file_dir, file_subdir=zone.name if several else None,
            icecast_url=station.icecast.url, icecast_user=station.icecast.user,
            icecast_password=station.icecast_password if any(s.startswith("icecast") for s in specs) else "",
            stream_name=getattr(zone, "title", "") or station.station_title)
    return outputs


def zones_output(station: Any, zones: list[Any], *, clock: Clock | None = None) -> GatedOutput:
    """One gated output feeding every output of `zones` at once (a direct play for some zones, no daemon)."""
    p = station.playout
    specs = tuple(dict.fromkeys(_spec(s, p.device) for z in zones for s in z.outputs))
    pids = PidFiles(station.path(station.paths.state) / "player")       # as `broadcast.daemon.player_pids`
    return GatedOutput(specs, zone=",".join(z.name for z in zones), clock=clock, pids=pids,
                       file_dir=station.path(p.file_dir), icecast_url=station.icecast.url,
                       icecast_user=station.icecast.user,
                       icecast_password=station.icecast_password if any(s.startswith("icecast") for s in specs) else "",
                       stream_name=station.station_title)


def _spec(spec: str, device: str) -> str:
    """'device' means [playout] device (the card chosen for the station); other specs as written."""
    return f"device:{device}" if spec == "device" and device and device != "default" else spec
