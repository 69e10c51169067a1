"""A real receiver process plays its zone's programme at its slot, with or without the station."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import struct
import subprocess
import sys
import time
import wave
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_pairing_and_days import add_cluster, pair, publish_day

from broadcast.clusters.registry import ClusterRegistry
from broadcast.digest import file_sha256

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ZONES_YAML = "zones:\n  - name: thon-dong\n    title: Thôn Đông\n    outputs: [file]\n"


def tone(path: Path, seconds: float = 2.0, rate: int = 22050) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                                 for i in range(int(seconds * rate))))


def day_starting_in(station: Path, seconds: float, length: float = 2.0, edit=None) -> tuple[str, datetime]:
    """Today's day (the receiver plays on the real clock) with one `length`-second programme `seconds` from the
    moment it is published. Made aside, `edit(folder, entry)` may change it there, then moved in with the
    manifest last: a running receiver syncs every second and must see the day whole or not at all, and the
    time spent making it does not eat into the lead."""
    day = (datetime.now(TZ) + timedelta(seconds=seconds)).date().isoformat()
    aside = publish_day(station / ".aside" / f"{day}-{time.monotonic_ns()}", day)
    manifest = json.loads((aside / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["programmes"][0]
    tone(aside / "sang.wav", length)
    entry.update(file="sang.wav", duration_s=length, sha256=file_sha256(aside / "sang.wav"),
                 bytes=(aside / "sang.wav").stat().st_size)
    if edit is not None:
        edit(aside, entry)
    start = (datetime.now(TZ) + timedelta(seconds=seconds)).replace(microsecond=0)
    if start.date().isoformat() != day:          # midnight passed while it was made: make it for the new day
        return day_starting_in(station, seconds, length, edit)
    entry["start"] = start.isoformat()
    manifest["programmes"] = [entry]
    (aside / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    folder = station / "audio_out" / day
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(aside.iterdir(), key=lambda p: p.name == "manifest.json"):
        os.replace(path, folder / path.name)
    return day, start


def serve(station: Path, port: int = 0) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-m", "broadcast", "--station", str(station), "clusters", "serve",
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    match = re.search(r":(\d+)", process.stdout.readline())
    assert match, process.stderr.read()
    return process, int(match.group(1))


def wait_for(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def paired(station_dir, tmp_path):
    (station_dir / "schedules" / "vung.yaml").write_text(ZONES_YAML, encoding="utf-8")
    server, port = serve(station_dir)
    folder = tmp_path / "thu"
    assert pair(f"http://127.0.0.1:{port}", add_cluster(station_dir, "dong-1", "thon-dong"), folder).returncode == 0
    config = json.loads((folder / "receiver.json").read_text(encoding="utf-8"))
    config.update(prepare_s=2.0, heartbeat_s=0.5, sync_s=1.0)
    (folder / "receiver.json").write_text(json.dumps(config), encoding="utf-8")
    yield station_dir, folder, server, port
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=10)


def receiver(folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "broadcast", "receiver", "run", "--dir", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def receiver_up(folder: Path, registry: ClusterRegistry, cluster: str = "dong-1") -> subprocess.Popen:
    """`receiver run`, once the station has had its first heartbeat (sent after its first sync). A programme
    published from then on, N seconds ahead, has N seconds to be synced and prepared; published before the
    process started, a loaded machine's start-up ate the lead and the programme aired late or not at all."""
    process = receiver(folder)
    if not wait_for(lambda: process.poll() is not None or registry.get(cluster).heartbeat.get("version")):
        stop(process)
        pytest.fail("the receiver never reached the station")
    assert process.poll() is None, process.communicate()
    return process


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return out + err


def test_the_receiver_plays_at_the_slot_and_reports_what_aired(paired):
    station, folder, _server, _port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    running = receiver_up(folder, registry)
    try:
        _day, start = day_starting_in(station, 8)
        assert wait_for(lambda: registry.rows("dong-1")), "no as-run row reached the station"
        assert wait_for(lambda: registry.get("dong-1").heartbeat.get("clock_offset_s") is not None, 20)
    finally:
        output = stop(running)
    (row,) = registry.rows("dong-1")
    assert row["status"] == "played" and row["zone"] == "thon-dong" and row["cluster"] == "dong-1"
    started = datetime.fromisoformat(row["started_at"])
    assert abs((started - start).total_seconds()) < 2.0, (started, start)
    assert list((folder / "playout").glob("*.wav")), output
    beat = registry.get("dong-1").heartbeat
    assert beat["version"] and beat["disk_free_mb"] > 0 and abs(beat["clock_offset_s"]) < 5


def test_a_station_down_at_the_slot_does_not_silence_the_village(paired):
    station, folder, server, port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    running = receiver_up(folder, registry)
    try:
        day, _start = day_starting_in(station, 10)
        held = folder / "audio_out" / day
        assert wait_for(lambda: (held / "manifest.json").is_file() and (held / "sang.wav").is_file(), 60), \
            "the day never reached the receiver"
        server.terminate()                                  # the station goes down before the slot
        server.wait(timeout=30)
        assert wait_for(lambda: list((folder / "playout").glob("*.wav")), 60), "nothing played"
        from broadcast.receiver.outbox import Outbox

        assert wait_for(lambda: Outbox(folder / "outbox.sqlite").unsent(), 20)
        again, _ = serve(station, port)                     # the link is back: the row arrives, once
        try:
            assert wait_for(lambda: registry.rows("dong-1"), 30)
            time.sleep(1.5)
            assert len(registry.rows("dong-1")) == 1
        finally:
            again.terminate()
            again.wait(timeout=10)
    finally:
        stop(running)
    assert not Outbox(folder / "outbox.sqlite").unsent()
