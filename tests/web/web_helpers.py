"""Helpers of the commune console tests (imported by tests/web/conftest.py and the test modules)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from console_signin import PASSWORD, SignedClient, csrf_of

__all__ = ["PASSWORD", "START", "TZ", "USERS", "Browser", "Clock", "csrf_of"]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
USERS = {"bien-tap": "can-bo", "duyet": "chu-tich", "quan-tri": "quan-tri"}


class Clock:
    """The console's only clock in tests: moved by hand, never read from the wall."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Browser(SignedClient):
    """A signed-in (or anonymous) commune console session; after login the week page gives the token."""

    home = "/tuan"
