"""Every route for every role, anonymous included: the server refuses what a role may not do."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from broadcast.web.auth import EVERYONE

ROLES = (None, "bien-tap", "duyet", "quan-tri")
SAMPLE_PARAMS = {"template": "tra_ket_qua", "day": "2026-12-03", "name": "0530-sang.mp3", "key": "0" * 32,
                 "notice_id": "khong-co"}


def declared(app):
    out = []
    for r in app.routes:
        if isinstance(r, Route) and hasattr(r, "roles"):
            path = r.path
            for key, value in SAMPLE_PARAMS.items():
                path = path.replace("{" + key + "}", value)
            for method in sorted(r.methods - {"HEAD"}):
                out.append((method, path, r.roles))
    return sorted(out, key=lambda row: row[1] == "/logout")       # signing out last


def test_every_route_declares_its_roles(app):
    routes = declared(app)
    assert len(routes) >= 25
    public = [(m, p) for m, p, roles in routes if not roles]
    listening = [("GET", "/nghe-lai"), ("GET", "/nghe-lai/podcast.xml"), ("GET", "/nghe-lai/audio/2026-12-03/0530-sang.mp3")]
    assert sorted(public) == sorted([("GET", "/login"), ("POST", "/login"), *listening])   # login; Nghe lại reads
    assert all(set(roles) <= set(EVERYONE) for _, _, roles in routes)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_route_for_this_role(app, browser, role):
    client = browser(role)
    for method, path, roles in declared(app):
        response = client.get(path) if method == "GET" else client.post(path, {})
        got = response.status_code
        where = f"{method} {path} as {role or 'anonymous'}"
        if not roles:
            assert got in (200, 303, 400, 404), where
        elif role is None:
            expected = 303 if method == "GET" else 401
            assert got == expected, where
            if method == "GET":
                assert response.headers["location"].startswith("/login?next=")
        elif role not in roles:
            assert got == 403 and "Không có quyền" in response.text, where
        else:
            assert got not in (401, 403, 500), f"{where}: {got} {response.text[:300]}"


@pytest.mark.parametrize("role", ("bien-tap", "duyet", "quan-tri"))
def test_every_unsafe_route_checks_the_csrf_token(app, browser, role):
    client = browser(role)
    for method, path, roles in declared(app):
        if method != "POST" or role not in roles:
            continue
        bare = client.client.post(path, data={"action": "approve"}, follow_redirects=False)
        assert bare.status_code == 403 and "Mã bảo vệ" in bare.text, path
        forged = client.client.post(path, data={"csrf": "x" * 43}, follow_redirects=False)
        assert forged.status_code == 403, path
