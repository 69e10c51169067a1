"""The console's security list, each item tested: sessions, CSRF, rate limiting, headers, escaping, paths."""

from __future__ import annotations

import re
import stat
from datetime import timedelta

from web_helpers import PASSWORD, USERS

from broadcast.web.accounts import Accounts
from broadcast.web.html import TEMPLATES
from broadcast.web.security import CSP


def test_headers_forbid_inline_script_framing_and_sniffing(browser):
    for client, path in ((browser(), "/login"), (browser("bien-tap"), "/tuan"), (browser(), "/static/app.css")):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert CSP.count("'unsafe") == 0


def test_no_template_has_inline_script_style_or_event_handlers():
    for page in TEMPLATES.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), page.name
        assert not re.search(r"\son[a-z]+=", text), page.name
        assert "style=" not in text and "<style" not in text and "|safe" not in text, page.name


def test_session_cookie_is_signed_httponly_lax_and_expires(browser, app):
    client = browser()
    response = client.post("/login", {"username": USERS["bien-tap"], "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    value = client.client.cookies["broadcast_session"]
    client.client.cookies.set("broadcast_session", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert client.get("/tuan").status_code == 303                     # a tampered cookie is no session


def test_a_session_expires_by_the_console_clock(browser, clock):
    client = browser("bien-tap")
    assert client.get("/tuan").status_code == 200
    clock.now += timedelta(hours=8, minutes=1)
    response = client.get("/tuan")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/tuan"


def test_a_password_change_or_removal_ends_existing_sessions(browser, web_station):
    accounts = Accounts(web_station.path("var"))
    officer, approver = browser("bien-tap"), browser("duyet")
    accounts.set_password(USERS["bien-tap"], "mat-khau-moi-dai")
    accounts.remove(USERS["duyet"])
    assert officer.get("/tuan").status_code == 303 and approver.get("/tuan").status_code == 303
    assert browser().login(USERS["bien-tap"], "mat-khau-moi-dai").status_code == 303


def test_login_is_rate_limited_per_account_and_address(browser, clock, console):
    client = browser()
    for _ in range(5):
        assert client.login(USERS["bien-tap"], "sai-mat-khau").status_code == 400
    blocked = client.login(USERS["bien-tap"])                       # even the right password waits
    assert blocked.status_code == 429 and "thử lại sau 15 phút" in blocked.text
    assert browser().login(USERS["duyet"]).status_code == 303     # same address, another account
    clock.now += timedelta(minutes=15)
    assert client.login(USERS["bien-tap"]).status_code == 303
    failures = [r for r in console.audit.recent() if r["action"] == "login-failed"]
    assert len(failures) == 5 and PASSWORD not in str(console.audit.recent())


def test_no_default_account_and_private_files(tmp_path, make_station):
    from broadcast.station.config import load_station
    from broadcast.web import Console

    station = load_station(make_station(tmp_path / "fresh"))
    console = Console.for_station(station)
    assert console.accounts.list() == []
    for name in ("admin", "root", "quan-tri", "bien-tap"):
        for password in ("admin", "", "123456", "password"):
            assert console.accounts.verify(name, password) is None
    console.accounts.add("can-bo", "bien-tap", PASSWORD)
    for private in ("users.json", "web-secret"):
        mode = stat.S_IMODE((station.root / "var" / private).stat().st_mode)
        assert mode == 0o600, private
    assert PASSWORD not in (station.root / "var/users.json").read_text()
    assert Console.for_station(station).secret == console.secret      # made once, then reused


def test_next_after_login_stays_on_this_site(browser):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client = browser()
        r = client.post("/login", {"username": USERS["bien-tap"], "password": PASSWORD, "next": target})
        assert r.headers["location"] == "/tuan", target


def test_every_value_is_escaped(browser, console):
    officer = browser("bien-tap")
    form = {"v.thon": "<script>alert(1)</script>", "v.ngay": "08/12/2026", "v.gio": "19h30",
            "v.noi_dung": "a", "from": "07/12/2026", "slots": ["sang"], "days": ["T2", "T3"],
            "title": '"><img src=x onerror=alert(1)>', "action": "draft"}
    assert officer.post("/soan/hop_thon", form).status_code == 303
    page = officer.get("/thong-bao").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    preview = officer.post("/soan/hop_thon/xem-truoc", form).text
    assert "<script>alert" not in preview and "&lt;script&gt;" in preview


def test_request_paths_never_reach_the_file_system_unchecked(browser):
    client = browser("duyet")
    for path in ("/audio/2026-12-03/..%2F..%2Fbroadcast.toml", "/audio/../broadcast.toml",
                 "/bao-cao/tai/..%2Fbroadcast.toml", "/bao-cao/tai/report-..%2F..%2Fvar%2Fusers.json",
                 "/nghe/..%2F..%2Fvar%2Fusers.json.mp3", "/static/../accounts.py"):
        response = client.get(path)
        assert response.status_code in (400, 404), path
        assert "argon2" not in response.text and "[station]" not in response.text, path
    assert client.get("/ban-ghi/..%2F..%2Fbroadcast.toml").status_code == 404
    assert client.get("/ban-ghi/..broadcast").status_code == 400                # the id is checked first


def test_request_bodies_are_capped(browser):
    client = browser("bien-tap")
    big = {"v.thon": "x" * (1 << 20)}
    assert client.post("/soan/hop_thon", big).status_code == 413


def test_roles_are_enforced_on_the_server_not_only_in_the_menu(browser):
    officer = browser("bien-tap")
    assert 'href="/duyet"' not in officer.get("/tuan").text
    assert officer.post("/duyet/khong-co", {"action": "approve"}).status_code == 403
    admin = browser("quan-tri")
    assert admin.post("/soan/hop_thon", {"action": "draft"}).status_code == 403
    assert admin.get("/quan-tri").status_code == 200 and "can-bo" in admin.get("/quan-tri").text
