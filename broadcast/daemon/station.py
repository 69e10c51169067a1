"""Wiring from a station: its settings, output, state paths, daemon and rehearsal, from broadcast.toml."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from broadcast.daemon.core import StationCore
from broadcast.daemon.settings import Builder, PlayoutSettings
from broadcast.daemon.simulate import Injection, SimulationResult, simulate
from broadcast.daemon.wallclock import Daemon
from broadcast.daemon.watch import InputsWatcher
from broadcast.daemon.zones import station_zones, zone_outputs
from broadcast.errors import InputError
from broadcast.log.asrun import AsRunLog
from broadcast.play import Clock, SystemClock
from broadcast.play.child import PidFiles
from broadcast.play.outputs import Output, make_output
from broadcast.play.spool import DaemonLock, Spool
from broadcast.play.state import state_paths


def settings_from_station(station: Any) -> PlayoutSettings:
    p = station.playout
    return PlayoutSettings(grace_minutes=float(p.grace_minutes), interrupted_policy=p.interrupted_policy,
                           build_ahead=p.build_ahead, heartbeat_s=float(p.heartbeat_s),
                           fallback=getattr(p, "fallback", "silence"), timezone=station.station.timezone,
                           preferred_deadline_h=float(station.speech.preferred_deadline_h),
                           relay_connect_timeout_s=float(p.relay_connect_timeout_s))


def player_pids(station: Any) -> PidFiles:
    """The PID files of running players, `var/player/` (a restart ends a player a dead run left)."""
    return PidFiles(station.path(station.paths.state) / "player")


def positions_dir(station: Any) -> Path:
    """`var/player/position/`: each running player's position, every second (a restart closes a row there)."""
    return player_pids(station).folder / "position"


def output_for_station(station: Any, *, clock: Clock | None = None, name: str | None = None,
                       realtime: bool = True) -> Output:
    """The configured output, or `name` as a one-off override; `realtime` paces the null output."""
    p = station.playout
    return make_output(name or p.output, device=p.device, file_dir=station.path(p.file_dir), clock=clock,
                       icecast_url=station.icecast.url, icecast_user=station.icecast.user,
                       icecast_password=station.icecast_password, stream_name=station.station_title,
                       realtime=realtime, pids=player_pids(station))


def daemon_for_station(station: Any, *, builder: Builder | None = None) -> Daemon:
    """The `broadcast run` daemon for a station; `builder` defaults to `build_day(station, day)`,
    or to fetching the day from the province when [province] source is set."""
    settings = settings_from_station(station)
    clock = SystemClock(settings.tz)
    log_path, spool_dir = state_paths(station)
    if builder is None and getattr(station, "province", None) is not None and station.province.source:
        from broadcast.province.fetch import fetch_day

        def builder(day: date) -> Any:
            return fetch_day(station, day)

    if builder is None:
        from broadcast.build import build_day

        def builder(day: date) -> Any:
            return build_day(station, day)

    zones = station_zones(station)
    pids = player_pids(station)
    positions = positions_dir(station)
    core = StationCore(log=AsRunLog(log_path), clock=clock, audio_out=station.path(station.paths.audio_out),
                       outputs=zone_outputs(station, zones, clock=clock, pids=pids, positions=positions),
                       zone_titles={z.name: z.title for z in zones}, positions=positions,
                       settings=settings, spool=Spool(spool_dir), fallback=settings.fallback_path(station.root))
    shared = getattr(station, "province_dir", None)     # the province's templates and schedules air here too
    inputs = InputsWatcher([station.path(station.paths.schedules), station.path(station.paths.scripts),
                            station.root / "broadcast.toml",
                            *((shared / "schedules", shared / "scripts_vi") if shared else ())])
    return Daemon(core, settings=settings, builder=builder, inputs=inputs, lock=DaemonLock(spool_dir))


def rehearsal_root(station: Any) -> Path:
    """Where `broadcast simulate` writes by default: var/simulate/<first day>/."""
    return station.path(station.paths.state) / "simulate"


def latest_rehearsal_log(station: Any) -> Path:
    """The as-run log of the most recent rehearsal under var/simulate/; InputError when there is none."""
    logs = [p for p in rehearsal_root(station).glob("*/asrun.sqlite") if p.is_file()]
    if not logs:
        raise InputError("chưa có lần diễn tập nào", hint="chạy 'broadcast simulate' trước, hoặc dùng --db TỆP")
    return max(logs, key=lambda p: p.stat().st_mtime_ns)


def simulate_station(station: Any, *, start: date, days: int, output_dir: Path,
                     injections: Sequence[Injection] = (), builder: Builder | None = None) -> SimulationResult:
    """`broadcast simulate` for a station: builds with `build_day` unless `builder` is given.

    The rehearsal writes its own log in `output_dir`; it refuses a folder whose log would be the
    station's real as-run log (the rehearsal starts its log afresh).
    """
    real_log = state_paths(station)[0]
    if (Path(output_dir) / "asrun.sqlite").resolve() == real_log.resolve():
        raise InputError(f"thư mục diễn tập {output_dir} chứa nhật ký phát thật của đài",
                         hint="chọn thư mục khác cho --output, ví dụ var/simulate/thu")
    settings = settings_from_station(station)
    if builder is None:
        from broadcast.build import build_day

        def builder(day: date) -> Any:
            return build_day(station, day)

    zones = station_zones(station)
    return simulate(audio_out=station.path(station.paths.audio_out), start=start, days=days,
                    output_dir=output_dir, settings=settings, builder=builder, injections=injections,
                    fallback=settings.fallback_path(station.root), zones=[z.name for z in zones])
