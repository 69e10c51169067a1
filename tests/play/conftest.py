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
STARTUP_BOUND_S = 90.0        # generous: only a broken icecast2 takes this long; a ready one returns at once
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


def _start_icecast(folder: Path, owner: str) -> tuple[subprocess.Popen, int]:
    """icecast2 on a free loopback port, once it is ready (a port taken meanwhile: another port)."""
    problem = ""
    for _attempt in range(3):
        port = free_port()
        config = folder / "icecast.xml"
        config.write_text(CONFIG.format(password=PASSWORD, port=port, dir=folder, owner=owner), encoding="utf-8")
        proc = subprocess.Popen([shutil.which("icecast2"), "-c", str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

        def up(proc=proc, port=port):
            """Ready: still running, its port accepts a connection and its status page answers."""
            if proc.poll() is not None:
                return "exited"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    pass
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/status-json.xsl", timeout=5) as answer:
                    return answer.status == 200
            except OSError:
                return False

        # Readiness, not a fixed wait: on a loaded 2-core machine icecast2 may take many seconds to listen.
        state = wait_until(up, STARTUP_BOUND_S)
        if state is True:
            return proc, port
        _stop(proc)
        log = folder / "error.log"
        problem = (f"exited with {proc.returncode}" if state == "exited" else
                   f"not ready after {STARTUP_BOUND_S:.0f} s") + (f": {log.read_text(errors='replace')[-500:]}"
                                                                   if log.exists() else "")
        if state != "exited":
            break               # it ran but never answered: another port will not help
    pytest.fail(f"icecast2 {problem}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def icecast():
    # Not under tmp_path: run as root, icecast2 must drop to 'nobody', who cannot enter pytest's 0700 folders.
    folder = Path(tempfile.mkdtemp(prefix="broadcast-icecast-"))
    owner = ""
    if os.name == "posix" and os.geteuid() == 0:      # icecast2 refuses to run as root
        owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
        os.chmod(folder, 0o777)
    try:
        proc, port = _start_icecast(folder, owner)
        try:
            yield port
        finally:
            _stop(proc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def poll():
    """`poll(condition, seconds)`: wait for a separate process (a real server) with a bounded deadline."""
    return wait_until
