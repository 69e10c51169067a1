"""The daemon's settings (`PlayoutSettings`, [playout] in broadcast.toml); `read_day` lives in `broadcast.play.state`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.errors import ConfigError

Builder = Callable[[date], Any]
POLICIES = ("resume", "restart", "interrupted")
POLICY_ALIASES = {"replay": "restart", "log": "interrupted"}      # the names before resume existed


@dataclass(frozen=True)
class PlayoutSettings:
    """The daemon's knobs ([playout] in broadcast.toml, plus a few internal defaults)."""

    grace_minutes: float = 10.0          # a late start within this still plays (logged 'late')
    interrupted_policy: str = "resume"   # resume | restart | interrupted (old names: replay, log)
    build_ahead: str = "20:00"           # build tomorrow at this time
    heartbeat_s: float = 60.0
    fallback: str = "silence"            # 'silence' or the path of a file to play instead of a broken one
    timezone: str = "Asia/Ho_Chi_Minh"
    late_tolerance_s: float = 30.0       # a start later than this counts as 'late'
    clock_jump_s: float = 30.0           # wall vs monotonic difference between heartbeats that is a jump
    reload_poll_s: float = 30.0          # how often the schedule fingerprint is compared
    spool_poll_s: float = 1.0
    catch_up_days: int = 7               # how far back a restart looks for slots missed while off
    preferred_deadline_h: float = 2.0    # retry the preferred voice until this long before a fallback slot
    relay_connect_timeout_s: float = 10.0  # a live relay that does not answer (or stalls) this long has failed
    prepare_s: float = 30.0              # the file check and the player's preparation run this long before a slot
    arm_s: float = 5.0                   # a gated output's player starts this long before a slot (outputs open)
    release_s: float = 1.0               # ... and is released this long before it, to play at the slot by itself

    def __post_init__(self) -> None:
        policy = POLICY_ALIASES.get(self.interrupted_policy, self.interrupted_policy)
        if policy not in POLICIES:
            raise ConfigError(f"interrupted_policy phải là {', '.join(repr(p) for p in POLICIES)}, nhận được "
                              f"'{self.interrupted_policy}'")
        object.__setattr__(self, "interrupted_policy", policy)
        self.build_ahead_time  # noqa: B018 - validates the HH:MM

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def grace_s(self) -> float:
        return self.grace_minutes * 60.0

    @property
    def build_ahead_time(self) -> time:
        try:
            hour, minute = (int(p) for p in self.build_ahead.split(":"))
            return time(hour, minute)
        except ValueError:
            raise ConfigError(f"build_ahead phải có dạng HH:MM, nhận được '{self.build_ahead}'") from None

    def fallback_path(self, root: Path | None = None) -> Path | None:
        if not self.fallback or self.fallback == "silence":
            return None
        path = Path(self.fallback)
        return path if path.is_absolute() or root is None else root / path

