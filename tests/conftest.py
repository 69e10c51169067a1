"""Shared fixtures: a scratch copy of the sample station."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def copy_station(dest: Path, *, engines: str = '["fake"]', fast_audio: bool = True) -> Path:
    """The sample station (config, scripts, schedules) in `dest`, speaking with `engines`.

    `fast_audio` writes 16 kHz WAV instead of 44.1 kHz MP3: the same pipeline, less CPU per test.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("scripts_vi", "schedules"):
        shutil.copytree(ROOT / name, dest / name)
    if (ROOT / "pronunciations.tsv").exists():
        shutil.copy2(ROOT / "pronunciations.tsv", dest / "pronunciations.tsv")
    text = (ROOT / "broadcast.toml").read_text(encoding="utf-8")
    text = text.replace('engines = ["espeak"]', f"engines = {engines}")
    if fast_audio:
        text = text.replace('format = "mp3"', 'format = "wav"\nsample_rate = 16000')
    (dest / "broadcast.toml").write_text(text, encoding="utf-8")
    return dest


@pytest.fixture
def station_dir(tmp_path: Path) -> Path:
    return copy_station(tmp_path / "station")


@pytest.fixture
def make_station():
    """`copy_station` itself, for tests that need other engines or settings."""
    return copy_station


@pytest.fixture(scope="session")
def station_copier():
    """`copy_station` for module- and session-scoped fixtures (one station shared by many tests)."""
    return copy_station


@pytest.fixture
def mp3_station_dir(tmp_path: Path) -> Path:
    return copy_station(tmp_path / "station", fast_audio=False)


_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "", None}


@pytest.fixture(autouse=True)
def no_internet(request, monkeypatch):
    """Tests reach no internet: only loopback connections (a server the test starts) are allowed.

    Tests marked `net` (skipped by default) are exempt.
    """
    if request.node.get_closest_marker("net"):
        return
    import ipaddress
    import socket

    def local(host) -> bool:
        if host in _LOCAL_HOSTS:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not local(address[0]):
            raise ConnectionRefusedError(f"tests reach no internet (tried {address[0]})")
        return real_connect(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not local(host if not isinstance(host, bytes) else host.decode()):
            raise socket.gaierror(f"tests reach no internet (looked up {host})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
