"""The monitor input: its level during a programme, and silence on it as the fault "im lặng trên loa"."""

from __future__ import annotations

import json
import math
import struct
import wave
from pathlib import Path

import pytest
from test_receiver_plays import day_starting_in, receiver_up, stop, wait_for

from broadcast.clusters.registry import ClusterRegistry
from broadcast.errors import ConfigError
from broadcast.receiver import monitor as mon
from broadcast.receiver.monitor import Monitor, MonitorSpec

RATE = 8000


def pcm(seconds: float, db: float | None, rate: int = RATE) -> bytes:
    """`seconds` of a 440 Hz tone peaking at `db` dBFS (None: digital silence), s16le mono."""
    amplitude = 0 if db is None else 32767 * 10 ** (db / 20)
    return b"".join(struct.pack("<h", int(amplitude * math.sin(2 * math.pi * 440 * i / rate)))
                    for i in range(int(seconds * rate)))


def wav(path: Path, seconds: float, db: float | None, channels: int = 1, rate: int = RATE) -> Path:
    mono = pcm(seconds, db, rate)
    frames = mono if channels == 1 else b"".join(mono[i:i + 2] * channels for i in range(0, len(mono), 2))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


@pytest.mark.parametrize("data, why", [
    ({"source": "alsa:hw:1"}, None),
    ("pulse:", None),
    ({"source": "file:/tmp/x.wav", "silent_db": -40, "after_s": 3}, None),
    ({"source": "mic"}, "không hợp lệ"),
    ({"source": "alsa:"}, "không hợp lệ"),
    ({"source": "file:/x", "silent_db": 3}, "ngưỡng"),
    ({"source": "file:/x", "after_s": 0}, "ngưỡng"),
    ({"source": "file:/x", "after_s": "mười"}, "receiver.json sai"),
    ({"silent_db": -50}, "receiver.json sai"),
])
def test_the_monitor_setting_is_checked(data, why):
    if why is None:
        assert MonitorSpec.from_config(data).source.split(":")[0] in ("alsa", "pulse", "file")
    else:
        with pytest.raises(ConfigError) as caught:
            MonitorSpec.from_config(data)
        assert why in caught.value.message


def test_no_monitor_is_none():
    assert MonitorSpec.from_config(None) is None and MonitorSpec.from_config({}) is None


@pytest.mark.parametrize("source, tool, starts", [
    ("alsa:hw:1", "arecord", ["arecord", "-q", "-t", "raw", "-f", "S16_LE", "-r", "8000", "-c", "1", "-D", "hw:1"]),
    ("pulse:loa.monitor", "parec", ["parec", "--raw", "--format=s16le", "--rate=8000", "--channels=1",
                                    "--device=loa.monitor"]),
    ("alsa:hw:1", None, ["-f", "alsa", "-i", "hw:1"]),
    ("pulse:", None, ["-f", "pulse", "-i", "default"]),
])
def test_the_capture_command_per_source(monkeypatch, source, tool, starts):
    monkeypatch.setattr(mon.shutil, "which", lambda name: f"/usr/bin/{name}" if name == tool else None)
    command = mon.capture_command(MonitorSpec(source))
    joined = " ".join(command)
    assert " ".join(starts) in joined and ("s16le" in joined or "S16_LE" in joined)


@pytest.mark.parametrize("pattern, after_s, silent_db, silent, longest", [
    ([(3, -10), (12, None)], 10, -50, True, 12),             # the amplifier went off after 3 s
    ([(3, -10), (8, None), (2, -10)], 10, -50, False, 8),     # a pause shorter than after_s
    ([(15, -55)], 10, -50, True, 15),                        # only hum below the threshold
    ([(15, -55)], 10, -60, False, 0),                        # the same hum is sound with a lower threshold
    ([(20, -20)], 10, -50, False, 0),
])
def test_silence_on_the_input_during_a_programme(pattern, after_s, silent_db, silent, longest):
    said: list[str] = []
    monitor = Monitor(MonitorSpec("file:/x", silent_db=silent_db, after_s=after_s), on_fault=said.append)
    monitor.feed(pcm(4, None))                      # before the programme: not counted
    monitor.begin()
    for seconds, db in pattern:
        monitor.feed(pcm(seconds, db))
    summary = monitor.end()
    assert summary["seconds"] == sum(s for s, _ in pattern)
    assert summary["silent"] is silent and summary["longest_silent_s"] == longest
    assert len(said) == (1 if silent else 0)
    if silent:
        assert said[0].startswith("im lặng trên loa (đầu vào giám sát")
    monitor.feed(pcm(12, None))                     # after it: no fault, no summary
    assert monitor.end() is None and len(said) == (1 if silent else 0)
    assert monitor.state()["peak_db"] == -120.0


def test_a_level_is_measured_per_second():
    monitor = Monitor(MonitorSpec("file:/x"))
    monitor.begin()
    monitor.feed(pcm(1.5, -6))                      # half a second waits for the rest of its second
    assert monitor.seconds == 1 and abs(monitor.state()["peak_db"] - (-6)) < 0.2
    assert abs(monitor.state()["rms_db"] - (-9)) < 0.3     # a sine's RMS is 3 dB under its peak


@pytest.mark.parametrize("channels, rate, problem", [(1, RATE, None), (2, RATE, None), (1, 22050, "16 bit 8000 Hz")])
def test_a_file_source_is_read(tmp_path, channels, rate, problem):
    source = wav(tmp_path / "mic.wav", 1.0, -12, channels, rate)
    monitor = Monitor(MonitorSpec(f"file:{source}")).start()
    try:
        if problem:
            assert wait_for(lambda: monitor.problem is not None, 10) and problem in monitor.problem
        else:
            assert wait_for(lambda: monitor.seconds == 1, 10)
            assert abs(monitor.state()["peak_db"] - (-12)) < 0.3
    finally:
        monitor.close()


def test_an_unreadable_source_is_said(tmp_path):
    monitor = Monitor(MonitorSpec(f"file:{tmp_path / 'khong-co.wav'}")).start()
    assert wait_for(lambda: monitor.problem is not None, 10) and "không đọc được" in monitor.problem


def test_silence_on_the_monitor_is_the_fault_while_the_pcm_had_sound(paired):
    station, folder, _server, _port = paired
    config = json.loads((folder / "receiver.json").read_text(encoding="utf-8"))
    config["monitor"] = {"source": f"file:{wav(folder / 'mic.wav', 120, None)}", "silent_db": -50, "after_s": 2}
    (folder / "receiver.json").write_text(json.dumps(config), encoding="utf-8")
    registry = ClusterRegistry(station / "var" / "cum-loa")
    running = receiver_up(folder, registry)
    try:
        day_starting_in(station, 8, length=5.0)
        assert wait_for(lambda: registry.rows("dong-1"), 60), "no as-run row reached the station"
        assert wait_for(lambda: (registry.get("dong-1").heartbeat.get("monitor") or {}).get("peak_db") == -120.0, 20)
    finally:
        output = stop(running)
    (row,) = registry.rows("dong-1")
    assert row["status"] == "played" and row["levels"]["peak_db"] > -30, (row, output)     # the PCM had sound
    assert row["fault"] == "im lặng trên loa" and row["fault_source"] == "dau-vao-giam-sat", row
    assert row["monitor"]["silent"] and row["monitor"]["longest_silent_s"] >= 2
    assert any("đầu vào giám sát" in n for n in registry.get("dong-1").heartbeat["notes"])
