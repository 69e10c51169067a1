"""The Icecast output against a real icecast2 on loopback: a listener receives MPEG audio; secrets stay hidden."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from broadcast.audio import ffmpeg_exe
from broadcast.play.outputs import IcecastOutput

ICECAST = shutil.which("icecast2")
pytestmark = pytest.mark.skipif(ICECAST is None, reason="icecast2 is not installed (apt-get install icecast2)")

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
    proc = subprocess.Popen([ICECAST, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

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
def tone(tmp_path) -> Path:
    path = tmp_path / "tone.wav"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=4", "-ac", "1", str(path)], check=True)
    return path


def has_mpeg_frames(data: bytes) -> bool:
    """An MPEG audio frame sync (11 set bits) followed by a valid layer field."""
    return any(data[i] == 0xFF and data[i + 1] & 0xE0 == 0xE0 and data[i + 1] & 0x06 for i in range(len(data) - 1))


def test_a_listener_receives_mpeg_audio_while_the_source_plays(icecast, tone):
    out = IcecastOutput(f"icecast://127.0.0.1:{icecast}/dai-xa.mp3", password=PASSWORD, stream_name="Đài xã")
    playback = out.start(tone, title="Thử", duration_s=4.0)

    def listen():
        try:
            response = urllib.request.urlopen(f"http://127.0.0.1:{icecast}/dai-xa.mp3", timeout=5)
        except urllib.error.HTTPError:       # 404 until the source has mounted
            return None
        return response.headers.get("Content-Type"), response.read(8192)

    heard = wait_until(listen, 5)
    result = playback.wait(30)
    assert heard is not None, "no listener could connect to the mount"
    content_type, data = heard
    assert content_type == "audio/mpeg" and len(data) == 8192 and has_mpeg_frames(data)
    assert result.status == "played" and result.seconds >= 2.5       # paced in real time (-re)


def test_a_wrong_password_fails_without_showing_it(icecast, tone):
    wrong = "sai-mat-khau-123"
    result = IcecastOutput(f"icecast://127.0.0.1:{icecast}/dai-xa.mp3", password=wrong).start(tone).wait(30)
    assert result.status == "failed" and "401" in result.error
    assert wrong not in result.error
