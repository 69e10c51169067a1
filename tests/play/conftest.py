"""A real icecast2 on a free loopback port, for the Icecast output and live relay tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

PASSWORD = "nguon-Th1-nghiem"
CONFIG = """<icecast>
  <limits><sources>2</sources><source-timeout>5</source-timeout></limits>
  <authentication><source-password>{password}</source-password>
    <admin-user>admin</admin-user><admin-password>quan-tri-{port}</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>{dir}</basedir><logdir>{dir}</logdir><pidfile>{dir}/icecast.pid</pidfile>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, seconds: float):
    """Poll a real server (this test talks to a separate process, so it cannot inject a clock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return None


@pytest.fixture
def icecast_password() -> str:
    return PASSWORD


@pytest.fixture
def icecast():
    port = free_port()
    # Not under tmp_path: run as root, icecast2 must drop to 'nobody', who cannot enter pytest's 0700 folders.
    folder = Path(tempfile.mkdtemp(prefix="broadcast-icecast-"))
    owner = ""
    if os.name == "posix" and os.geteuid() == 0:      # icecast2 refuses to run as root
        owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
        os.chmod(folder, 0o777)
    config = folder / "icecast.xml"
    config.write_text(CONFIG.format(password=PASSWORD, port=port, dir=folder, owner=owner), encoding="utf-8")
    proc = subprocess.Popen([shutil.which("icecast2"), "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/status-json.xsl", timeout=1).status == 200
        except OSError:
            return False

    try:
        if not wait_until(up, 10):
            log = folder / "error.log"
            pytest.fail(f"icecast2 did not start: {log.read_text(errors='replace')[-500:] if log.exists() else ''}")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)




@pytest.fixture
def poll():
    """`poll(condition, seconds)`: wait for a separate process (a real server) with a bounded deadline."""
    return wait_until
