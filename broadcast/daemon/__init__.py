"""`broadcast run` and `broadcast simulate`: one clock-injected core, driven by APScheduler or a virtual clock.

`StationCore` decides what plays when: a programme due at its slot start plays through the one
player queue; late within the grace it plays and is logged 'late', beyond it is logged
'missed'; a slot already settled in the as-run log never plays again; a play cut off by a crash
or a khẩn cấp announcement carries on by `interrupted_policy`: 'resume' (default) from the item
it was cut in, while within the grace of the cut; 'restart' from the start, while within the
grace of the slot start; 'interrupted': logged, not aired again. The resumed or restarted row
says so in its `note`. A broken programme file is logged 'failed' and the fallback plays.

`Daemon` drives the core on the wall clock with APScheduler 3.x (in `wallclock`, the only module importing it):
one-off jobs per slot, build-ahead, heartbeat with clock-jump detection, schedule-change polling,
spool polling, SIGHUP reload and a clean SIGTERM. `Simulation` drives the very same core on a
`VirtualClock` without sleeping: it is `broadcast simulate` and the harness of the tests.

The rooms: `settings` (PlayoutSettings, reading a day), `core` (StationCore), `watch` (the inputs
fingerprint), `wallclock` (Daemon, APScheduler), `simulate` (Simulation, `broadcast simulate`),
`station` (wiring from broadcast.toml), `fakes` (stand-ins for tests and the benchmark).
`read_day` and `state_paths` live in `broadcast.play.state` (the web console imports them
from there without loading APScheduler) and are re-exported here.
"""

from broadcast.daemon.core import AFTER_CUT, StationCore
from broadcast.daemon.fakes import FakeBuilder, fake_entry, measure_start_lateness, write_silence_wav
from broadcast.daemon.settings import POLICIES, POLICY_ALIASES, Builder, PlayoutSettings
from broadcast.daemon.simulate import Injection, Simulation, SimulationResult, parse_injection, simulate
from broadcast.daemon.station import (
    daemon_for_station,
    latest_rehearsal_log,
    output_for_station,
    player_pids,
    rehearsal_root,
    settings_from_station,
    simulate_station,
)
from broadcast.daemon.wallclock import Daemon
from broadcast.daemon.watch import InputsWatcher
from broadcast.play.state import read_day, state_paths

__all__ = [
    "AFTER_CUT",
    "Builder",
    "Daemon",
    "FakeBuilder",
    "Injection",
    "InputsWatcher",
    "POLICIES",
    "POLICY_ALIASES",
    "PlayoutSettings",
    "Simulation",
    "SimulationResult",
    "StationCore",
    "daemon_for_station",
    "fake_entry",
    "latest_rehearsal_log",
    "measure_start_lateness",
    "output_for_station",
    "parse_injection",
    "player_pids",
    "read_day",
    "rehearsal_root",
    "settings_from_station",
    "simulate",
    "simulate_station",
    "state_paths",
    "write_silence_wav",
]
