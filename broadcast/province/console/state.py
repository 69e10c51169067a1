"""What every province console page shares: the registry, reports, drafts, accounts, sessions, key and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.province.bulletins.cap import ProvinceArea
from broadcast.province.bulletins.registry import Registry
from broadcast.province.bulletins.reportstore import ReportStore
from broadcast.province.console.drafts import Drafts
from broadcast.station.sections import WebSection
from broadcast.web.accounts import Accounts
from broadcast.web.audit import AuditLog
from broadcast.web.security import LoginLimiter, session_secret
from broadcast.web.sessions import Sessions

PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def state_dir(db_path: Path) -> Path:
    """The console's own folder beside the province database: `tinh.sqlite` -> `tinh-web/`
    (accounts, sessions, audit, drafts, the cookie key)."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + "-web")


@dataclass
class ProvinceConsole:
    """One per running province console; handlers reach it as `request.app.state.console`."""

    db_path: Path
    key: Any                              # the province's Ed25519 private key, or None: nothing can be sent
    province: str
    now: Callable[[], datetime]
    registry: Registry
    reports: ReportStore
    drafts: Drafts
    accounts: Accounts
    audit: AuditLog
    sessions: Sessions
    limiter: LoginLimiter
    secret: str
    web: WebSection = field(default_factory=WebSection)     # the station console's [web] defaults
    area: ProvinceArea = field(default_factory=ProvinceArea)   # the province as CAP alerts name it
    tz: ZoneInfo = PROVINCE_TZ

    @classmethod
    def open(cls, db_path: Path, *, key: Any, province: str = "", now: Callable[[], datetime] | None = None,
             web: WebSection | None = None, area: ProvinceArea | None = None) -> ProvinceConsole:
        db_path = Path(db_path)
        state = state_dir(db_path)
        state.mkdir(parents=True, exist_ok=True)
        web = web or WebSection()
        return cls(
            db_path=db_path, key=key, province=province, now=now or (lambda: datetime.now(PROVINCE_TZ)),
            registry=Registry(db_path), reports=ReportStore(db_path), drafts=Drafts(state),
            accounts=Accounts(state), audit=AuditLog(state), sessions=Sessions(state),
            limiter=LoginLimiter(web.login_attempts, timedelta(minutes=web.login_window_minutes),
                                 web.login_attempts_per_address),
            secret=session_secret(state), web=web, area=area or ProvinceArea())

    @property
    def session_hours(self) -> float:
        return self.web.session_hours

    @property
    def state(self) -> Path:
        return state_dir(self.db_path)

    def close(self) -> None:
        self.registry.close()
        self.reports.close()
        self.drafts.close()

    def communes(self) -> list[str]:
        """The communes the province has heard from (their reports), for the targets field."""
        return [r["name"] for r in self.reports.query("SELECT name FROM communes ORDER BY name")]
