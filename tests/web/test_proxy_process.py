"""A real `broadcast web --proxy-headers` process on loopback, spoken to as a TLS reverse proxy speaks to it.

Forwarded headers count only from `[web] trusted_proxies`: the login limit and the audit see the
villager's address through a trusted proxy, and the proxy's own address when the sender is not one.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import urllib.parse

from served import broadcast_cmd, start_on_free_port, stop_server
from web_helpers import PASSWORD

from broadcast.web.audit import AuditLog

PUBLIC = "dai.xa-hoa-an.vn"


def start(station_dir, trusted: str):
    toml = station_dir / "broadcast.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[web]\npublic_url = "https://{PUBLIC}"\n'
                    f'trusted_proxies = "{trusted}"\n', encoding="utf-8")
    subprocess.run([*broadcast_cmd(), "--station", str(station_dir), "users", "add", "can-bo", "--role", "bien-tap",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, check=True, timeout=120)
    return start_on_free_port(["--station", str(station_dir), "web", "--proxy-headers"])


def ask(port, method, path, *, host=PUBLIC, body=None, headers=None, cookie=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5", **(headers or {})}
    if cookie:
        sent["Cookie"] = cookie
    if body is not None:
        body = urllib.parse.urlencode(body).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    conn.close()
    return response, data


def failed_login(port):
    page, text = ask(port, "GET", "/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', text).group(1)
    cookie = page.getheader("set-cookie").split(";")[0]
    return ask(port, "POST", "/login", body={"csrf": csrf, "username": "can-bo", "password": "sai-mat-khau"},
               cookie=cookie)


def test_through_a_trusted_proxy_the_villager_address_counts_and_the_cookie_is_secure(station_dir):
    proc, port = start(station_dir, "127.0.0.1")
    try:
        page, _ = ask(port, "GET", "/login")
        assert page.status == 200 and "secure" in page.getheader("set-cookie").lower()
        assert ask(port, "GET", "/login", host="evil.example")[0].status == 400
        assert ask(port, "GET", "/login", host="192.168.1.10:8080")[0].status == 400
        assert ask(port, "GET", "/nghe-lai/podcast.xml")[0].status == 200
        response, _ = failed_login(port)
        assert response.status == 400
    finally:
        stop_server(proc)
    failures = [r for r in AuditLog(station_dir / "var").recent() if r["action"] == "login-failed"]
    assert [r["detail"] for r in failures] == ["203.0.113.5"]


def test_forwarded_headers_from_an_untrusted_sender_are_ignored(station_dir):
    proc, port = start(station_dir, "10.9.9.9")
    try:
        failed_login(port)
    finally:
        stop_server(proc)
    failures = [r for r in AuditLog(station_dir / "var").recent() if r["action"] == "login-failed"]
    assert [r["detail"] for r in failures] == ["127.0.0.1"]
