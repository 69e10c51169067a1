"""Console fixtures: a scratch station with accounts, a console on a settable clock, signed-in clients."""

from __future__ import annotations

import pytest
from console_signin import PASSWORD, light_hashes
from starlette.testclient import TestClient
from web_helpers import START, USERS, Browser, Clock

from broadcast.station.config import load_station
from broadcast.web import Console, create_app
from broadcast.web import accounts as accounts_module


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    light_hashes(monkeypatch)


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
