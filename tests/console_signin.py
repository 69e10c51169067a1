"""Signing in to a console in tests, the commune's (tests/web) and the province's (tests/province) alike.

Helpers live in uniquely named modules, never in a conftest: test modules that import `conftest`
get whichever folder's conftest pytest loaded last, so tests/web and tests/province could not run
in one pytest call.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from starlette.testclient import TestClient

from broadcast.web import accounts as accounts_module

PASSWORD = "mat-khau-du-dai"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def light_hashes(monkeypatch) -> None:
    """Real argon2, lighter parameters: the tests log in many times on two shared cores."""
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(accounts_module, "_DUMMY", [])


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


class SignedClient:
    """A TestClient with the CSRF token of its session at hand; `home` is the page read for a fresh token after login."""

    home = "/"

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
            self.csrf = csrf_of(self.client.get(self.home).text)
        return response
