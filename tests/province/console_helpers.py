"""Helpers of the province console tests: a console over a scratch province database, and signed-in clients."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from starlette.testclient import TestClient

from broadcast.province.console import ProvinceConsole, create_app
from broadcast.province.signing import load_private_key
from broadcast.web import accounts as accounts_module

PASSWORD = "mat-khau-du-dai"
USERS = {"bien-tap": "can-bo-tinh", "duyet": "lanh-dao", "quan-tri": "quan-tri"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def light_hashes(monkeypatch) -> None:
    """Real argon2, lighter parameters: the tests log in many times on two shared cores."""
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(accounts_module, "_DUMMY", [])


def open_console(db, key_path, clock, *, with_key: bool = True) -> ProvinceConsole:
    console = ProvinceConsole.open(db, key=load_private_key(key_path) if with_key else None, province="Quảng Trị",
                                   now=clock)
    for role, name in USERS.items():
        if console.accounts.get(name) is None:
            console.accounts.add(name, role, PASSWORD)
    return console


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


class Client:
    """A TestClient with the CSRF token of its session at hand."""

    def __init__(self, app) -> None:
        self.client = TestClient(app, base_url="http://127.0.0.1")
        self.csrf = csrf_of(self.client.get("/login").text)

    def get(self, url, **kw):
        return self.client.get(url, follow_redirects=False, **kw)

    def post(self, url, data=None, **kw):
        data = {"csrf": self.csrf, **(data or {})}
        return self.client.post(url, data=data, follow_redirects=False, **kw)

    def login(self, name: str, password: str = PASSWORD):
        response = self.post("/login", {"username": name, "password": password})
        if response.status_code == 303:
            self.csrf = csrf_of(self.client.get("/ban-tin").text)
        return response


def client_for(console, role: str | None = None) -> Client:
    client = Client(create_app(console))
    if role is not None:
        assert client.login(USERS[role]).status_code == 303
    return client


def bulletin_form(**fields) -> dict[str, str]:
    """A khẩn cấp bulletin to every commune, as the page's form sends it (T0 + 1 day valid)."""
    base = {"level": "khan-cap", "title": "Bão số 9 đổ bộ", "content": "text",
            "text": "Bão số 9 đang đổ bộ vào đất liền, bà con ở yên trong nhà.", "from": "",
            "expires": "08/12/2026 14:00", "targets": "all", "communes": "", "tag": "", "zones": "",
            "repeat_every": "2 giờ", "id": "bao-so-9", "template": "", "values": "", "replaces": ""}
    base.update(fields)
    return base
