"""The console behind a TLS reverse proxy: [web] public_url gives a Secure cookie and the Host names answered."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web_helpers import PASSWORD, USERS, csrf_of

from broadcast.cli import cli
from broadcast.errors import ConfigError
from broadcast.station.config import load_station
from broadcast.web import Console, create_app
from broadcast.web.origin import allowed, host_name, origin_of

PUBLIC = "https://dai.xa-hoa-an.vn"


def with_web(station_dir, lines: str):
    toml = station_dir / "broadcast.toml"
    text = toml.read_text(encoding="utf-8")
    if "[web]" in text:
        text = text.replace("[web]", "[web]\n" + lines, 1)
    else:
        text += "\n[web]\n" + lines + "\n"
    toml.write_text(text, encoding="utf-8")
    return station_dir


def console_app(station_dir, clock, lines=""):
    if lines:
        with_web(station_dir, lines)
    return create_app(Console.for_station(load_station(station_dir), now=clock))


def login(client: TestClient):
    csrf = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": csrf, "username": USERS["bien-tap"], "password": PASSWORD},
                       follow_redirects=False)


# Host header -> answered without public_url (LAN), answered with public_url
HOSTS = [
    ("127.0.0.1:8080", True, True), ("localhost", True, True), ("[::1]:8080", True, True),
    ("LOCALHOST.", True, True), ("192.168.1.10:8080", True, False), ("10.0.0.5", True, False),
    ("dai.xa-hoa-an.vn", False, True), ("DAI.XA-HOA-AN.VN:443", False, True),
    ("evil.example", False, False), ("dai.xa-hoa-an.vn.evil.example", False, False),
    ("127.0.0.1.nip.io", False, False), ("", False, False), ("a b", False, False),
    ("user@127.0.0.1", False, False), ("127.0.0.1:80x", False, False), ("[::1", False, False),
]


@pytest.mark.parametrize(("host", "lan", "public"), HOSTS)
def test_host_policy(host, lan, public):
    assert allowed(origin_of(""), host) is lan
    assert allowed(origin_of(PUBLIC), host) is public


def test_extra_host_names_are_answered():
    assert allowed(origin_of("", ["May-Dai.local"]), "may-dai.local:8080")
    assert allowed(origin_of(PUBLIC, ["may-dai.local"]), "may-dai.local")
    assert host_name("[::1]:8080") == "::1" and host_name("Dai.vn:443") == "dai.vn"


def test_a_foreign_host_gets_400_on_every_path(station_dir, clock, web_station):
    app = console_app(station_dir, clock)
    for base in ("http://evil.example", "http://rebind.attacker.test:8080"):
        client = TestClient(app, base_url=base)
        for path in ("/login", "/tuan", "/static/app.css", "/nghe-lai"):
            r = client.get(path, follow_redirects=False)
            assert r.status_code == 400 and "Host" in r.text, (base, path)
        assert client.post("/login", data={"username": "x"}).status_code == 400
    lan = TestClient(app, base_url="http://192.168.1.10:8080")
    assert lan.get("/login").status_code == 200


def test_public_url_makes_the_cookie_secure_and_refuses_lan_addresses(station_dir, clock, web_station):
    app = console_app(station_dir, clock, f'public_url = "{PUBLIC}"')
    client = TestClient(app, base_url=PUBLIC)
    r = login(client)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    assert client.get("/tuan").status_code == 200
    assert TestClient(app, base_url="http://192.168.1.10:8080").get("/login").status_code == 400
    assert TestClient(app, base_url="http://127.0.0.1:8080").get("/login").status_code == 200


def test_without_public_url_the_cookie_is_not_secure(app):
    r = login(TestClient(app, base_url="http://127.0.0.1"))
    assert r.status_code == 303 and "secure" not in r.headers["set-cookie"].lower()
    assert "strict-transport-security" not in r.headers


@pytest.mark.parametrize("url", ["dai.xa-hoa-an.vn", "ftp://dai.vn", "https://", "https://dai.vn/bang-dieu-khien",
                                 "https://dai.vn/?a=1", "https://user:pw@dai.vn"])
def test_a_bad_public_url_is_one_message_naming_the_line(station_dir, url):
    with_web(station_dir, f'public_url = "{url}"')
    with pytest.raises(ConfigError) as err:
        load_station(station_dir)
    assert "[web] public_url" in str(err.value)
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "check"])
    assert result.exit_code == 2 and "public_url" in result.output and "Traceback" not in result.output


def test_web_trusts_forwarded_headers_only_when_asked_and_only_from_the_proxy(station_dir, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    run = CliRunner().invoke
    assert run(cli, ["--station", str(station_dir), "web"]).exit_code == 0
    assert calls[-1]["proxy_headers"] is False
    with_web(station_dir, f'public_url = "{PUBLIC}"\ntrusted_proxies = "10.0.0.2, 10.0.0.3"')
    out = run(cli, ["--station", str(station_dir), "web", "--proxy-headers", "--host", "0.0.0.0"])
    assert out.exit_code == 0, out.output
    assert calls[-1]["proxy_headers"] is True and calls[-1]["forwarded_allow_ips"] == ["10.0.0.2", "10.0.0.3"]
    assert "CẢNH BÁO" not in out.output and PUBLIC in out.output
    lan = run(cli, ["--station", str(station_dir), "web", "--host", "0.0.0.0"])
    assert lan.exit_code == 0


def test_web_on_the_lan_without_public_url_still_runs_with_a_warning(station_dir, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    out = CliRunner().invoke(cli, ["--station", str(station_dir), "web", "--host", "0.0.0.0"])
    assert out.exit_code == 0 and "CẢNH BÁO" in out.output and "public_url" in out.output
    assert calls[-1]["host"] == "0.0.0.0"


def test_the_web_settings_are_listed(station_dir):
    out = CliRunner().invoke(cli, ["--station", str(station_dir), "settings"]).output
    for key in ("public_url", "hosts", "trusted_proxies", "login_attempts_per_address"):
        assert key in out
