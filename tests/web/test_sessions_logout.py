"""Sessions live on the server: logout revokes a session (a copied cookie dies with it); login limits per account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient
from web_helpers import PASSWORD, USERS, Browser, csrf_of

from broadcast.web.accounts import Accounts

FORM = {
    "v.nguoi_nhan.0.ho_ten": "ông Nguyễn Văn Bình", "v.nguoi_nhan.0.thon": "Đông",
    "v.nguoi_nhan.0.thu_tuc": "trích lục khai sinh",
    "v.thoi_gian": "07/12/2026 đến 11/12/2026", "v.so_dien_thoai": "0234 3876 543",
    "title": "Thông báo sau đăng xuất", "from": "07/12/2026", "until": "09/12/2026",
    "slots": ["sang"], "days": ["T2", "T3"], "action": "draft",
}
PAGES = ("/tuan", "/thong-bao", "/soan", "/da-phat", "/bao-cao", "/trang-thai", "/khan-cap")


def replay(app, cookie: str, csrf: str) -> Browser:
    """A second browser holding a copy of the cookie (and CSRF token) captured before logout."""
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set("broadcast_session", cookie)
    b = Browser.__new__(Browser)
    b.client, b.csrf = client, csrf
    return b


def notices(console):
    return sorted(p.name for p in console.store.folder.glob("*.yaml")) if console.store.folder.is_dir() else []


def test_a_cookie_captured_before_logout_opens_nothing_and_saves_nothing(browser, app, console):
    officer = browser("bien-tap")
    cookie, csrf = officer.client.cookies["broadcast_session"], officer.csrf
    assert officer.get("/tuan").status_code == 200
    before = notices(console)
    assert officer.post("/logout").status_code == 303
    thief = replay(app, cookie, csrf)
    for path in PAGES:
        r = thief.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    r = thief.post("/soan/tra_ket_qua", FORM)
    assert r.status_code in (401, 403)
    assert notices(console) == before
    assert thief.post("/duyet/khong-co", {"action": "approve", "version": "1"}).status_code in (401, 403)
    assert ("can-bo", "logout") in [(a["user"], a["action"]) for a in console.audit.recent()]


def test_logging_out_one_browser_leaves_the_others_signed_in(browser, console):
    office, phone = browser("bien-tap"), browser("bien-tap")
    assert console.sessions.count(USERS["bien-tap"]) == 2
    office.post("/logout")
    assert office.get("/tuan").status_code == 303
    assert phone.get("/tuan").status_code == 200
    assert phone.post("/soan/tra_ket_qua", FORM).status_code == 303        # still saves


def test_logout_everywhere_ends_every_session_of_that_account_only(browser, app):
    office, phone, approver = browser("bien-tap"), browser("bien-tap"), browser("duyet")
    copy = replay(app, phone.client.cookies["broadcast_session"], phone.csrf)
    r = office.post("/logout", {"everywhere": "1"})
    assert r.status_code == 303
    for client in (office, phone, copy):
        assert client.get("/tuan").status_code == 303
    assert approver.get("/tuan").status_code == 200
    assert 'name="everywhere"' in approver.get("/tuan").text


def test_removing_an_account_and_adding_it_again_does_not_revive_old_cookies(browser, app, web_station):
    officer = browser("bien-tap")
    cookie, csrf = officer.client.cookies["broadcast_session"], officer.csrf
    accounts = Accounts(web_station.path("var"))
    accounts.remove(USERS["bien-tap"])
    accounts.add(USERS["bien-tap"], "bien-tap", PASSWORD)                 # same name, epoch 1 again
    assert replay(app, cookie, csrf).get("/tuan").status_code == 303


def test_sessions_are_kept_on_the_server_by_digest_and_swept_when_old(console, clock):
    sid = console.sessions.open("can-bo", clock(), timedelta(hours=8))
    assert sid not in console.sessions.path.read_bytes().decode("latin-1")
    assert console.sessions.valid(sid, "can-bo", clock(), timedelta(hours=8))
    assert not console.sessions.valid(sid, "chu-tich", clock(), timedelta(hours=8))
    clock.now += timedelta(hours=9)
    assert not console.sessions.valid(sid, "can-bo", clock(), timedelta(hours=8))
    console.sessions.open("can-bo", clock(), timedelta(hours=8))            # sweeps the expired row
    assert console.sessions.count("can-bo") == 1


# -- the login limit: per account, and (much higher) per address ---------------------------------

def test_a_mistyping_chairman_locks_only_his_own_account(browser, clock):
    chairman = browser()
    for _ in range(5):
        assert chairman.login(USERS["duyet"], "sai-mat-khau").status_code == 400
    blocked = chairman.login(USERS["duyet"])                      # even the right password waits
    assert blocked.status_code == 429 and "thử lại sau 15 phút" in blocked.text
    assert browser().login(USERS["bien-tap"]).status_code == 303   # the officer at the same address
    assert browser().login("pho-chu-tich").status_code == 303
    clock.now += timedelta(minutes=14)
    assert browser().login(USERS["duyet"]).status_code == 429
    clock.now += timedelta(minutes=1)
    assert browser().login(USERS["duyet"]).status_code == 303


@pytest.mark.parametrize("names", [["khong-co-" + str(n) for n in range(50)],
                                   [USERS["duyet"], USERS["quan-tri"], "x", "y", "z"] * 10])
def test_an_address_guessing_many_accounts_is_stopped_at_the_higher_limit(console, names, clock):
    limiter = console.limiter
    assert limiter.address_attempts == 50 and limiter.attempts == 5
    for name in names:
        limiter.failed(name, "10.0.0.9", clock())
    assert limiter.blocked(USERS["bien-tap"], "10.0.0.9", clock()) is not None     # this address: everyone waits
    assert limiter.blocked(USERS["bien-tap"], "10.0.0.10", clock()) is None        # another address: not
    clock.now += timedelta(minutes=15)
    assert limiter.blocked(USERS["bien-tap"], "10.0.0.9", clock()) is None


def test_a_right_password_clears_the_account_count_not_the_address(console, clock):
    limiter = console.limiter
    for _ in range(4):
        limiter.failed("can-bo", "10.0.0.9", clock())
    limiter.succeeded("can-bo")
    for _ in range(4):
        limiter.failed("can-bo", "10.0.0.9", clock())
    assert limiter.blocked("can-bo", "10.0.0.9", clock()) is None
    assert len(limiter._recent("ip:10.0.0.9", clock())) == 8


def test_the_login_form_still_carries_a_csrf_token_after_logout(browser):
    officer = browser("bien-tap")
    officer.post("/logout")
    assert csrf_of(officer.get("/login").text)
