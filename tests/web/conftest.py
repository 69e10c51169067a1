"""Console fixtures: a scratch station with accounts, a console on a settable clock, signed-in clients."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from broadcast.station.config import load_station
from broadcast.web import Console, create_app
from broadcast.web import accounts as accounts_module

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
PASSWORD = "mat-khau-du-dai"
USERS = {"bien-tap": "can-bo", "duyet": "chu-tich", "quan-tri": "quan-tri"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    """The console's only clock in tests: moved by hand, never read from the wall."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Real argon2, lighter parameters: the suite logs in many times on two shared cores."""
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(accounts_module, "_DUMMY", [])


@pytest.fixture
def web_station(station_dir):
    station = load_station(station_dir)
    accounts = accounts_module.Accounts(station.path(station.paths.state))
    for role, name in USERS.items():
        accounts.add(name, role, PASSWORD)
    accounts.add("pho-chu-tich", "duyet", PASSWORD)
    return station


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def console(web_station, clock):
    return Console.for_station(web_station, now=clock)


@pytest.fixture
def app(console):
    return create_app(console)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


class Browser:
    """A TestClient with the CSRF token of its session at hand."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = csrf_of(client.get("/login").text)

    def get(self, url, **kw):
        return self.client.get(url, follow_redirects=False, **kw)

    def post(self, url, data=None, **kw):
        data = {"csrf": self.csrf, **(data or {})}
        return self.client.post(url, data=data, follow_redirects=False, **kw)

    def login(self, name: str, password: str = PASSWORD):
        response = self.post("/login", {"username": name, "password": password})
        if response.status_code == 303:
            self.csrf = csrf_of(self.client.get("/tuan").text)
        return response


@pytest.fixture
def browser(app):
    """Factory: an anonymous browser, or one signed in as a role's account."""
    clients = []

    def make(role: str | None = None) -> Browser:
        client = TestClient(app, base_url="http://127.0.0.1")
        clients.append(client)
        b = Browser(client)
        if role is not None:
            assert b.login(USERS[role]).status_code == 303
        return b

    yield make
    for c in clients:
        c.close()
