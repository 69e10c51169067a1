"""The Icecast output against a real icecast2 on loopback: a listener receives MPEG audio; secrets stay hidden."""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from broadcast.audio import ffmpeg_exe
from broadcast.play.outputs import IcecastOutput

pytestmark = pytest.mark.skipif(shutil.which("icecast2") is None,
                                reason="icecast2 is not installed (apt-get install icecast2)")

def sine_wav(path: Path, seconds: int) -> Path:
    """A mono 440 Hz tone of `seconds`, written by ffmpeg."""
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-ac", "1", str(path)], check=True)
    return path


@pytest.fixture
def tone(tmp_path) -> Path:
    return sine_wav(tmp_path / "tone.wav", 4)


def has_mpeg_frames(data: bytes) -> bool:
    """An MPEG audio frame sync (11 set bits) followed by a valid layer field."""
    return any(data[i] == 0xFF and data[i + 1] & 0xE0 == 0xE0 and data[i + 1] & 0x06 for i in range(len(data) - 1))


@pytest.fixture
def long_tone(tmp_path) -> Path:
    """A minute of tone: on air until the test stops it, however late a loaded machine starts ffmpeg."""
    return sine_wav(tmp_path / "tone-60.wav", 60)


def test_a_listener_receives_mpeg_audio_while_the_source_plays(icecast, icecast_password, long_tone, poll):
    """The source stays on air until stopped, so the listener has no window to miss (a 4 s tone and a 5 s
    deadline failed when ffmpeg started late on a loaded machine: the mount came and went unheard)."""
    out = IcecastOutput(f"icecast://127.0.0.1:{icecast}/dai-xa.mp3", password=icecast_password, stream_name="Đài xã")
    playback = out.start(long_tone, title="Thử", duration_s=60.0)

    def listen():
        try:
            response = urllib.request.urlopen(f"http://127.0.0.1:{icecast}/dai-xa.mp3", timeout=30)
        except urllib.error.HTTPError:       # 404 until the source has mounted
            return None
        return response.headers.get("Content-Type"), response.read(8192)

    try:
        heard = poll(listen, 60)              # a bound for a hang, never a speed assertion
        ended_at_once = poll(lambda: playback.wait(0) is not None, 3)
    finally:
        playback.stop()
    result = playback.wait(60)
    assert heard is not None, "no listener could connect to the mount"
    content_type, data = heard
    assert content_type == "audio/mpeg" and len(data) == 8192 and has_mpeg_frames(data)
    assert ended_at_once is None, "a minute of audio ended within seconds of being heard: not paced (-re)"
    assert result.status == "interrupted"


def test_a_wrong_password_fails_without_showing_it(icecast, tone):
    wrong = "sai-mat-khau-123"
    result = IcecastOutput(f"icecast://127.0.0.1:{icecast}/dai-xa.mp3", password=wrong).start(tone).wait(30)
    assert result.status == "failed" and "401" in result.error
    assert wrong not in result.error


def test_two_zones_on_two_mounts_are_on_air_before_their_gate_and_play_after_it(icecast, icecast_password, tone, poll):
    from broadcast.play.gated import Gate, GatedOutput

    gate = Gate()
    mounts = ("thon-dong", "thon-tay")
    plays = [GatedOutput([f"icecast:/{m}"], zone=m, icecast_url=f"icecast://127.0.0.1:{icecast}/dai-xa.mp3",
                         icecast_password=icecast_password).prepare(tone, gate=gate) for m in mounts]

    def mounted(mount):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{icecast}/{mount}", timeout=5) as response:
                return response.headers.get("Content-Type") == "audio/mpeg"
        except (urllib.error.HTTPError, OSError):
            return None

    for mount in mounts:        # the players hold their mounts (silence) while they wait at the gate
        assert poll(lambda mount=mount: mounted(mount), 60), f"/{mount} never mounted before the gate"  # a bound
    assert not any(p.done for p in plays)
    gate.open()
    results = [p.start().wait(60) for p in plays]
    assert [r.status for r in results] == ["played", "played"] and all(r.failures == () for r in results)
