"""'Khởi động trình phát': quản trị starts the configured systemd unit through a fixed argument list, logged."""

from __future__ import annotations

import dataclasses
import os
import stat
from html import unescape

import pytest

from broadcast.web.player import start_player, unit_ok


def fake_systemctl(folder, monkeypatch, *, code: int = 0, stderr: str = ""):
    """A real `systemctl` executable first on PATH that records its arguments (no root, no systemd)."""
    folder.mkdir(exist_ok=True)
    record = folder / "argv.txt"
    script = folder / "systemctl"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\necho "{stderr}" >&2\nexit {code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return record


def with_unit(console, unit: str):
    web = dataclasses.replace(console.station.web, player_unit=unit)
    console.station = dataclasses.replace(console.station, web=web)


def test_the_administrator_starts_the_player(browser, console, tmp_path, monkeypatch):
    record = fake_systemctl(tmp_path / "bin", monkeypatch)
    with_unit(console, "broadcast.service")
    admin = browser("quan-tri")
    page = admin.get("/trang-thai").text
    assert "Khởi động trình phát" in page and 'action="/trang-thai/khoi-dong"' in page
    response = admin.post("/trang-thai/khoi-dong")
    assert response.status_code == 303
    assert record.read_text().split("\n")[:4] == ["start", "--no-ask-password", "--", "broadcast.service"]
    assert "Đã khởi động trình phát" in admin.get("/trang-thai").text
    assert "Khởi động trình phát" in unescape(admin.get("/quan-tri").text)      # the audit names it


def test_a_refused_start_says_who_can(browser, console, tmp_path, monkeypatch):
    fake_systemctl(tmp_path / "bin", monkeypatch, code=4, stderr="Access denied")
    with_unit(console, "broadcast.service")
    admin = browser("quan-tri")
    admin.post("/trang-thai/khoi-dong")
    text = unescape(admin.get("/trang-thai").text)
    assert "chưa cho bảng điều khiển quyền khởi động" in text and "Access denied" not in text


@pytest.mark.parametrize("role", ["bien-tap", "duyet"])
def test_other_roles_see_who_can_and_cannot_start_it(browser, console, tmp_path, monkeypatch, role):
    record = fake_systemctl(tmp_path / "bin", monkeypatch)
    with_unit(console, "broadcast.service")
    client = browser(role)
    page = unescape(client.get("/trang-thai").text)
    assert 'action="/trang-thai/khoi-dong"' not in page and "Người có tài khoản quản trị" in page
    assert client.post("/trang-thai/khoi-dong").status_code == 403
    assert not record.exists()


def test_without_a_unit_the_page_explains(browser, console, tmp_path, monkeypatch):
    record = fake_systemctl(tmp_path / "bin", monkeypatch)
    admin = browser("quan-tri")
    page = unescape(admin.get("/trang-thai").text)
    assert 'action="/trang-thai/khoi-dong"' not in page and "nhờ người quản trị máy của đài" in page
    assert admin.post("/trang-thai/khoi-dong").status_code == 303
    assert not record.exists()


@pytest.mark.parametrize("unit", ["", "broadcast", "a b.service", "x.service; rm -rf /", "-x.service",
                                  "../x.service", "broadcast.timer"])
def test_only_a_plain_service_name_is_ever_passed(unit, tmp_path, monkeypatch):
    record = fake_systemctl(tmp_path / "bin", monkeypatch)
    assert not unit_ok(unit)
    ok, message = start_player(unit)
    assert not ok and "player_unit" in message and not record.exists()


def test_no_systemctl_on_the_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    ok, message = start_player("broadcast.service")
    assert not ok and "không có systemd" in message
