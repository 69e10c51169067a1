"""What was really on air: per-second levels written by the gated player, summed by the receiver; silence is a fault."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import pytest
from test_receiver_plays import day_starting_in, receiver_up, stop, tone, wait_for

from broadcast.clusters.registry import ClusterRegistry
from broadcast.digest import file_sha256
from broadcast.play.gated import GatedOutput, levels_path, position_name
from broadcast.receiver import levels as on_air


def silence(path: Path, seconds: float, rate: int = 22050) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))


@pytest.mark.parametrize("make, rms, peak, silent", [
    (tone, (-19.5, -17.0), (-16.5, -14.0), False),      # 8000/32768 mono: -12.2 dBFS peak, -3 dB each side in stereo
    (silence, (-121, -119), (-121, -119), True),
])
def test_the_gated_player_writes_each_seconds_levels(tmp_path, make, rms, peak, silent):
    make(tmp_path / "a.wav", 3.0)
    output = GatedOutput(["null"], zone="thon-dong", positions=tmp_path / "vi-tri", realtime=False, levels=True)
    done = threading.Event()
    output.start(tmp_path / "a.wav", programme_id="p", on_end=lambda r: done.set())
    assert done.wait(30)
    path = levels_path(tmp_path / "vi-tri" / position_name("p", "thon-dong"))
    seconds = on_air.read(path)
    assert len(seconds) == 3, seconds
    assert all(rms[0] <= s["rms_db"] <= rms[1] and peak[0] <= s["peak_db"] <= peak[1] for s in seconds), seconds
    summary = on_air.take(path)
    assert summary["seconds"] == 3 and on_air.silent(summary) is silent and not path.exists()


def test_no_levels_file_unless_asked(tmp_path):
    tone(tmp_path / "a.wav", 1.0)
    output = GatedOutput(["null"], zone="z", positions=tmp_path / "vi-tri", realtime=False)
    done = threading.Event()
    output.start(tmp_path / "a.wav", programme_id="p", on_end=lambda r: done.set())
    assert done.wait(30)
    assert not list((tmp_path / "vi-tri").glob("*.muc.jsonl"))


@pytest.mark.parametrize("seconds, silent", [
    ([], False),
    ([{"rms_db": -120.0, "peak_db": -120.0}] * 10, True),
    ([{"rms_db": -120.0, "peak_db": -120.0}] * 9 + [{"rms_db": -20.0, "peak_db": -10.0}], True),
    ([{"rms_db": -120.0, "peak_db": -120.0}] * 8 + [{"rms_db": -20.0, "peak_db": -10.0}] * 2, False),
    ([{"rms_db": -70.0, "peak_db": -61.0}] * 5, True),          # hum below -60 dBFS is silence on the horns
    ([{"rms_db": -20.0, "peak_db": -3.0}] * 5, False),
])
def test_a_play_is_silent_when_nearly_every_second_is(seconds, silent):
    assert on_air.silent(on_air.summary(seconds)) is silent


def test_a_cut_line_is_skipped(tmp_path):
    path = tmp_path / "x.muc.jsonl"
    path.write_text('{"s": 0, "rms_db": -15.0, "peak_db": -12.0}\n{"s": 1, "rms_', encoding="utf-8")
    assert on_air.summary(on_air.read(path)) == {"seconds": 1, "rms_db": -15.0, "peak_db": -12.0, "silent_s": 0}


def test_a_programme_aired_as_digital_silence_is_a_fault_at_the_station(paired):
    station, folder, _server, _port = paired

    def silent(aside, entry):
        silence(aside / "sang.wav", 3.0)
        entry.update(sha256=file_sha256(aside / "sang.wav"), bytes=(aside / "sang.wav").stat().st_size)

    registry = ClusterRegistry(station / "var" / "cum-loa")
    running = receiver_up(folder, registry)
    try:
        day_starting_in(station, 8, length=3.0, edit=silent)
        assert wait_for(lambda: registry.rows("dong-1"), 60), "no as-run row"
        assert wait_for(lambda: "im lặng trên loa" in str(registry.get("dong-1").heartbeat.get("notes")), 20)
    finally:
        stop(running)
    (row,) = registry.rows("dong-1")
    assert row["status"] == "played" and row["fault"] == "im lặng trên loa", row
    assert row["levels"]["seconds"] == 3 and row["levels"]["peak_db"] == -120.0


def test_a_programme_with_sound_reports_its_levels_and_no_fault(paired):
    station, folder, _server, _port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    running = receiver_up(folder, registry)
    try:
        day_starting_in(station, 8, length=3.0)
        assert wait_for(lambda: registry.rows("dong-1"), 60), "no as-run row"
    finally:
        stop(running)
    (row,) = registry.rows("dong-1")
    assert "fault" not in row and row["levels"]["seconds"] == 3 and -13.5 < row["levels"]["peak_db"] < -11.0, row    # the tone's own PCM as sent
