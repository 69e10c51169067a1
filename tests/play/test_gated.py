"""The gated player: made ready before the slot, released by its gate (not before), the audio written is the programme."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.errors import ConfigError
from broadcast.play import VirtualClock
from broadcast.play.gated import CHANNELS, RATE, Gate, GatedOutput, check_spec
from broadcast.play.process import ffmpeg_exe

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BOUND_S = 60.0      # a deadline for a real process under load, never a measured time


def wait_until(condition, seconds: float = BOUND_S):
    """Poll a separate process (no clock to inject across a process boundary)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def tone(path: Path, hz: int, seconds: float = 1.0) -> Path:
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"sine=frequency={hz}:duration={seconds}", "-ar", "22050", str(path)], check=True)
    return path


def pcm(path: Path, offset_s: float = 0.0) -> bytes:
    """The programme as the player hands it over: s16le, 48 kHz, stereo."""
    seek = ["-ss", f"{offset_s:.3f}"] if offset_s else []
    return subprocess.run([ffmpeg_exe(), "-loglevel", "error", *seek, "-i", str(path), "-f", "s16le", "-ar",
                           str(RATE), "-ac", str(CHANNELS), "pipe:1"], capture_output=True, check=True).stdout


def written(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.wav"))


@pytest.fixture
def clock():
    return VirtualClock(datetime(2026, 12, 1, 5, 29, 55, tzinfo=TZ))


def test_released_at_the_gate_not_before_and_the_audio_written_is_the_programme(tmp_path, clock):
    programme = tone(tmp_path / "sang.wav", 440)
    out = GatedOutput(["file"], zone="thon-dong", clock=clock, file_dir=tmp_path / "out")
    gate = Gate()
    play = out.prepare(programme, title="Sáng", gate=gate, programme_id="2026-12-01-sang")
    assert play.ready.wait(BOUND_S)
    [target] = written(tmp_path / "out")
    assert target.stat().st_size == 44                 # the output is open, nothing handed over yet
    assert not play.done and play.usable
    clock.advance(5)                                   # the slot
    gate.open()
    ended = []
    play.start(ended.append)
    assert play.started_at == clock.now()              # the virtual clock stood still: its start is the slot
    result = play.wait(BOUND_S)
    assert result.status == "played" and result.failures == ()
    assert target.read_bytes()[44:] == pcm(programme)
    wait_until(lambda: ended)


def test_a_resumed_play_starts_at_its_offset(tmp_path, clock):
    programme = tone(tmp_path / "sang.wav", 440, seconds=2.0)
    out = GatedOutput(["file"], clock=clock, file_dir=tmp_path / "out")
    result = out.start(programme, offset_s=1.0).wait(BOUND_S)
    assert result.status == "played"
    assert written(tmp_path / "out")[0].read_bytes()[44:] == pcm(programme, 1.0)


def test_two_zones_on_one_gate_start_together_each_with_its_programme(tmp_path, clock):
    gate = Gate()
    plays = {}
    for zone, hz in (("thon-dong", 440), ("thon-tay", 660)):
        out = GatedOutput(["file"], zone=zone, clock=clock, file_dir=tmp_path / zone)
        plays[zone] = (out.prepare(tone(tmp_path / f"{zone}.wav", hz), gate=gate, programme_id=f"p-{zone}"), hz)
    for play, _ in plays.values():
        assert play.ready.wait(BOUND_S)
    gate.open()                                        # one release for both players
    for zone, (play, _hz) in plays.items():
        assert play.start().wait(BOUND_S).status == "played"
        assert written(tmp_path / zone)[0].read_bytes()[44:] == pcm(tmp_path / f"{zone}.wav")


def test_a_discarded_gate_airs_nothing(tmp_path, clock):
    out = GatedOutput(["file", "null"], clock=clock, file_dir=tmp_path / "out")
    gate = Gate()
    play = out.prepare(tone(tmp_path / "a.wav", 440), gate=gate)
    assert play.ready.wait(BOUND_S)
    gate.discard()
    result = play.wait(BOUND_S)
    assert result.status == "interrupted"
    assert written(tmp_path / "out")[0].stat().st_size == 44


@pytest.mark.parametrize("realtime", [False, True])
def test_the_null_output_waits_for_its_gate_then_plays(tmp_path, clock, realtime):
    out = GatedOutput(["null"], clock=clock, realtime=realtime)
    gate = Gate()
    play = out.prepare(tone(tmp_path / "a.wav", 440, seconds=0.5), gate=gate)
    assert play.ready.wait(BOUND_S)
    assert not play._started.is_set() and not play.done        # ready, and held at the gate
    gate.open()
    assert play.start().wait(BOUND_S).status == "played"


def test_one_output_failing_is_reported_while_the_other_plays(tmp_path, clock):
    programme = tone(tmp_path / "a.wav", 440)
    out = GatedOutput(["file", "device:hw:9"], zone="thon-dong", clock=clock, file_dir=tmp_path / "out")
    result = out.start(programme).wait(BOUND_S)
    assert result.status == "played"                   # the file output played the whole programme
    assert written(tmp_path / "out")[0].read_bytes()[44:] == pcm(programme)
    assert [label for label, _ in result.failures] == ["device:hw:9"]


def test_every_output_failing_fails_the_play(tmp_path, clock):
    result = GatedOutput(["device:hw:9"], clock=clock).start(tone(tmp_path / "a.wav", 440)).wait(BOUND_S)
    assert result.status == "failed" and result.error


def test_a_broken_programme_fails_the_play(tmp_path, clock):
    bad = tmp_path / "hong.mp3"
    bad.write_bytes(b"PK\x03\x04 not audio" * 50)
    result = GatedOutput(["null"], clock=clock).start(bad).wait(BOUND_S)
    assert result.status == "failed" and "ffmpeg" in result.error


@pytest.mark.parametrize(("spec", "kind"), [("file", "file"), ("null", "null"), ("device", "device"),
                                            ("device:hw:1", "device"), ("icecast:/thon-dong", "icecast")])
def test_output_specs_of_the_zones_contract(spec, kind):
    assert check_spec(spec) == kind


@pytest.mark.parametrize("spec", ["loa", "alsa:hw:1", ""])
def test_an_unknown_output_spec_is_refused_in_vietnamese(spec):
    with pytest.raises(ConfigError, match="không có đầu ra"):
        check_spec(spec)


def test_an_icecast_output_keeps_its_password_out_of_the_command_it_reports(tmp_path, clock):
    out = GatedOutput(["icecast:/thon-dong"], clock=clock, icecast_url="icecast://127.0.0.1:9/dai.mp3",
                      icecast_password="mat-khau-Bi-mat")
    sinks, secrets = out.sinks(tmp_path / "a.wav", "Sáng")
    assert sinks[0]["cmd"][-1] == "icecast://source:mat-khau-Bi-mat@127.0.0.1:9/thon-dong"
    assert secrets == ("mat-khau-Bi-mat",)
    result = out.start(tone(tmp_path / "a.wav", 440)).wait(BOUND_S)     # nothing listens on port 9
    assert result.status == "failed" and "mat-khau-Bi-mat" not in (result.error or "")
