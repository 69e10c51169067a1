"""The province console's routes for every role, anonymous included: sessions, roles and CSRF held on the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bulletin_helpers import T0, FakeClock, keys
from console_helpers import PASSWORD, USERS, Client, bulletin_form, client_for, light_hashes, open_console
from starlette.routing import Route

from broadcast.province.console import create_app
from broadcast.province.console.app import SESSION_COOKIE
from broadcast.web.auth import EVERYONE

ROLES = (None, "bien-tap", "duyet", "quan-tri")


@pytest.fixture
def console(tmp_path, monkeypatch):
    """A console with one sent bulletin (`bao-so-9`) and one draft (`nhap-1`)."""
    light_hashes(monkeypatch)
    _, _, key_path = keys(tmp_path)
    console = open_console(tmp_path / "tinh" / "tinh.sqlite", key_path, FakeClock(T0))
    leader = client_for(console, "duyet")
    assert leader.post("/viet", bulletin_form()).status_code == 303
    assert leader.post("/nhap/bao-so-9/gui", {"confirm": "yes"}).status_code == 303
    assert leader.post("/viet", bulletin_form(id="nhap-1", level="uu-tien")).status_code == 303
    yield console
    console.close()


def declared(app, bulletin="bao-so-9", draft="nhap-1"):
    out = []
    for r in app.routes:
        if isinstance(r, Route) and hasattr(r, "roles"):
            path = r.path.replace("{bulletin_id}", bulletin).replace("{draft_id}", draft)
            for method in sorted(r.methods - {"HEAD"}):
                out.append((method, path, r.roles))
    return sorted(out, key=lambda row: (row[1] == "/logout", "/gui" in row[1] or "/xoa" in row[1] or "/huy" in row[1]))


def stored(console):
    return [b["seq"] for b in console.registry.listing()], [d.id for d in console.drafts.listing()]


def test_every_route_declares_its_roles(console):
    routes = declared(create_app(console))
    assert len(routes) >= 15
    assert sorted((m, p) for m, p, roles in routes if not roles) == [("GET", "/login"), ("POST", "/login")]
    assert all(set(roles) <= set(EVERYONE) for _, _, roles in routes)
    senders = {(m, p) for m, p, roles in routes if roles == ("duyet",)}
    assert senders == {("POST", "/nhap/nhap-1/gui"), ("GET", "/ban-tin/bao-so-9/huy"), ("POST", "/ban-tin/bao-so-9/huy")}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_route_for_this_role(console, role):
    client = client_for(console, role)
    for method, path, roles in declared(create_app(console)):
        before = stored(console)
        response = client.get(path) if method == "GET" else client.post(path, {})
        got, where = response.status_code, f"{method} {path} as {role or 'anonymous'}"
        if not roles:
            assert got in (200, 303, 400), where
        elif role is None:
            assert got == (303 if method == "GET" else 401), where
            if method == "GET":
                assert response.headers["location"].startswith("/login?next=")
        elif role not in roles:
            assert got == 403 and "Không có quyền" in response.text, where
            assert stored(console) == before, where
        else:
            assert got not in (401, 403, 500), f"{where}: {got} {response.text[:300]}"


@pytest.mark.parametrize("role", ("bien-tap", "duyet"))
def test_every_unsafe_route_checks_the_csrf_token(console, role):
    client = client_for(console, role)
    for method, path, roles in declared(create_app(console)):
        if method != "POST" or role not in roles or path == "/logout":
            continue
        before = stored(console)
        for token in (None, "sai-ma-bao-ve"):
            data = {**bulletin_form(id="qua-csrf"), "confirm": "yes", "reason": "thử"}
            if token is None:
                response = client.client.post(path, data=data, follow_redirects=False)
            else:
                response = client.client.post(path, data={**data, "csrf": token}, follow_redirects=False)
            assert response.status_code == 403 and "Biểu mẫu đã cũ" in response.text, (path, token)
        assert stored(console) == before, path


def test_logout_revokes_the_session_on_the_server(console):
    leader = client_for(console, "duyet")
    cookie, csrf = leader.client.cookies[SESSION_COOKIE], leader.csrf
    assert console.sessions.count(USERS["duyet"]) >= 1
    assert leader.post("/logout").status_code == 303
    thief = Client(create_app(console))
    thief.client.cookies.set(SESSION_COOKIE, cookie)
    thief.csrf = csrf
    assert thief.get("/ban-tin").status_code == 303
    before = stored(console)
    assert thief.post("/viet", bulletin_form(id="sau-dang-xuat")).status_code == 401
    assert thief.post("/nhap/nhap-1/gui", {}).status_code == 401
    assert thief.post("/ban-tin/bao-so-9/huy", {"confirm": "yes"}).status_code == 401
    assert stored(console) == before
    assert ("lanh-dao", "logout") in [(a["user"], a["action"]) for a in console.audit.recent()]


def test_logins_are_limited_per_account_and_per_address(console):
    client = client_for(console)
    for _ in range(console.web.login_attempts):
        assert client.login(USERS["duyet"], "sai-mat-khau").status_code == 400
    locked = client.login(USERS["duyet"])
    assert locked.status_code == 429 and "thử lại sau" in locked.text
    assert client_for(console).login(USERS["bien-tap"]).status_code == 303       # another account is not locked
    console.now.advance(minutes=console.web.login_window_minutes + 1)
    assert client.login(USERS["duyet"]).status_code == 303
    crowd = console.limiter
    for n in range(crowd.address_attempts):
        crowd.failed(f"khach-{n}", "testclient", console.now())
    assert crowd.blocked(USERS["quan-tri"], "testclient", console.now()) is not None
    assert crowd.blocked(USERS["quan-tri"], "10.0.0.9", console.now() + timedelta(seconds=1)) is None


def test_no_password_or_cookie_key_reaches_the_log(console, caplog):
    caplog.set_level("DEBUG")
    client_for(console).login(USERS["duyet"], PASSWORD)
    assert PASSWORD not in caplog.text and console.secret not in caplog.text
