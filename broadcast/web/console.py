"""What every console page shares: the station, its pipeline toolkit, accounts, audit, store and clock."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from broadcast.build import Toolkit, speak_to_file
from broadcast.build.plans import PlanCache
from broadcast.station.config import Station
from broadcast.web.accounts import Accounts
from broadcast.web.audit import AuditLog
from broadcast.web.direct import DirectPlayer
from broadcast.web.rebuild import Rebuilder
from broadcast.web.security import LoginLimiter, RateLimit, session_secret
from broadcast.web.sessions import Sessions
from broadcast.web.store import NoticeStore

_LISTEN_KEY = re.compile(r"^[0-9a-f]{32}$")


def _play_directly(station, audio, meta, *, now):
    from broadcast.daemon.announce import play_directly  # APScheduler loads only when it is needed
    from broadcast.daemon.zones import station_zones

    named = set(meta.get("zones") or ())     # some zones only: their outputs, as `announce --zone`
    zones = [z for z in station_zones(station) if z.name in named] if named else None
    return play_directly(station, audio, meta, now=now, zones=zones)


@dataclass
class Console:
    """One per running console; handlers reach it as `request.app.state.console`."""

    station: Station
    now: Callable[[], datetime]
    toolkit: Toolkit
    accounts: Accounts
    audit: AuditLog
    store: NoticeStore
    limiter: LoginLimiter
    secret: str
    sessions: Sessions
    public_limit: RateLimit = field(default_factory=lambda: RateLimit(120))
    replay_cache: dict = field(default_factory=dict, repr=False)
    direct: DirectPlayer = field(default_factory=lambda: DirectPlayer(_play_directly))
    rebuilder: Rebuilder = field(default_factory=Rebuilder)
    zone_plans: PlanCache = field(default_factory=PlanCache)     # the week per zone (`web.zoneview`)
    _speak_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_station(cls, station: Station, *, now: Callable[[], datetime] | None = None,
                    engines: tuple[str, ...] | None = None) -> Console:
        state = station.path(station.paths.state)
        state.mkdir(parents=True, exist_ok=True)
        toolkit = Toolkit.from_station(station, engines=engines)
        web = station.web
        return cls(
            station=station,
            now=now or (lambda: datetime.now(station.tz)),
            toolkit=toolkit,
            accounts=Accounts(state),
            audit=AuditLog(state),
            store=NoticeStore(station.path(station.paths.schedules), library=toolkit.library,
                              station_root=station.root, require_approval=station.programme.require_approval),
            limiter=LoginLimiter(web.login_attempts, timedelta(minutes=web.login_window_minutes),
                                 web.login_attempts_per_address),
            secret=session_secret(state),
            sessions=Sessions(state),
            public_limit=RateLimit(web.listen_rate_per_minute),
        )

    @property
    def web(self):
        return self.station.web

    @property
    def session_hours(self) -> float:
        return self.station.web.session_hours

    @property
    def listen_dir(self) -> Path:
        return self.station.path(self.station.web.listen_cache)

    def listen_file(self, spoken: str, title: str) -> tuple[str, Path]:
        """'Nghe thử': the spoken text in the station's voice, made once per text into the cache."""
        key = hashlib.sha256("\0".join((spoken, *self.toolkit.engine_names,
                                         repr(self.toolkit.engine_options))).encode()).hexdigest()[:32]
        path = self.listen_dir / f"{key}.mp3"
        with self._speak_lock:                 # libespeak-ng is global state: one text at a time
            if not path.is_file():
                self.listen_dir.mkdir(parents=True, exist_ok=True)
                speak_to_file(self.toolkit, [spoken], path, title=title)
        return key, path

    def cached_listen(self, key: str) -> Path | None:
        if not _LISTEN_KEY.fullmatch(key):
            return None
        path = self.listen_dir / f"{key}.mp3"
        return path if path.is_file() else None
