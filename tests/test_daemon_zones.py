"""Playout per zone: each zone its programme at one slot, one gate, one failing output, urgent for some zones,
a crash closed at the player's position, the missed event once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import FakeBuilder, Injection, PlayoutSettings, Simulation, StationCore, simulate
from broadcast.daemon.carry import crash_end, recover
from broadcast.log.asrun import AsRunLog
from broadcast.play import VirtualClock
from broadcast.play.gated import CHANNELS, RATE, GatedOutput
from broadcast.play.process import ffmpeg_exe

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)
ZONES = ["thon-dong", "thon-tay"]
TITLES = {"thon-dong": "Thôn Đông", "thon-tay": "Thôn Tây"}
REPO = Path(__file__).resolve().parents[1]
BOUND_S = 60.0       # a deadline for real processes under load, never a measured time


def at(hh_mm: str, day: date = DAY) -> datetime:
    hour, minute = (int(p) for p in hh_mm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def wait_until(condition, seconds: float = BOUND_S):
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


def pcm(path: Path) -> bytes:
    return subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ar", str(RATE),
                           "-ac", str(CHANNELS), "pipe:1"], capture_output=True, check=True).stdout


def zoned_day(audio_out: Path, day: date = DAY) -> Path:
    """A day whose 05:30 slot differs per zone (two entries, one file each) and whose 17:00 is for everyone."""
    folder = FakeBuilder(audio_out, {"sang": ("05:30", 600.0), "chieu": ("17:00", 900.0)})(day)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    sang, chieu = manifest["programmes"]
    tay = {**sang, "id": f"{sang['id']}-thon-tay", "file": "0530-sang-thon-tay.wav", "zones": ["thon-tay"]}
    (folder / tay["file"]).write_bytes((folder / sang["file"]).read_bytes())
    sang["zones"] = ["thon-dong"]                    # chieu has no "zones": an older day's entry, every zone
    manifest["programmes"] = [sang, tay, chieu]
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


def airings(log: AsRunLog, first: date = DAY) -> list[tuple]:
    """(zone, programme_id, status, start HH:MM) of every programme row."""
    return [(r["zone"], r["programme_id"], r["status"], (r["started_at"] or "")[11:16])
            for r in log.rows(first, first) if r["kind"] == "programme"]


# --- on the virtual clock (simulate) --------------------------------------------------------------

def test_each_zone_plays_the_entry_naming_it_and_an_entry_without_zones_plays_everywhere(tmp_path):
    zoned_day(tmp_path / "audio_out")
    result = simulate(audio_out=tmp_path / "audio_out", start=DAY, days=1, output_dir=tmp_path / "r",
                      settings=PlayoutSettings(), zones=ZONES)
    with AsRunLog(result.log_path) as log:
        assert sorted(airings(log)) == [
            ("thon-dong", "2026-12-01-chieu", "played", "17:00"), ("thon-dong", "2026-12-01-sang", "played", "05:30"),
            ("thon-tay", "2026-12-01-chieu", "played", "17:00"),
            ("thon-tay", "2026-12-01-sang-thon-tay", "played", "05:30")]
        assert all(r["zone"] in ZONES for r in log.rows(DAY, DAY))        # items too: every row has its zone
    for zone, first in (("thon-dong", "0530-sang.wav"), ("thon-tay", "0530-sang-thon-tay.wav")):
        lines = (tmp_path / "r" / zone / "playout.txt").read_text(encoding="utf-8").splitlines()
        assert [line.split(" ")[3] for line in lines] == [first, "1700-chieu.wav"]


def test_an_urgent_announcement_for_one_zone_cuts_only_that_zone_which_resumes(tmp_path):
    zoned_day(tmp_path / "audio_out")
    wav = tone(tmp_path / "khan.wav", 880, 0.2)
    meta = {"id": "2026-12-01-dot-xuat-053500-0001", "title": "Mất điện thôn Đông", "priority": "khan-cap",
            "duration_s": 60.0, "zones": ["thon-dong"]}
    result = simulate(audio_out=tmp_path / "audio_out", start=DAY, days=1, output_dir=tmp_path / "r",
                      settings=PlayoutSettings(), zones=ZONES, injections=[Injection(at("05:35"), wav, meta)])
    with AsRunLog(result.log_path) as log:
        rows = airings(log)
    dong = [r[1:] for r in rows if r[0] == "thon-dong" and "chieu" not in r[1]]
    tay = [r[1:] for r in rows if r[0] == "thon-tay" and "chieu" not in r[1]]
    assert dong == [("2026-12-01-sang", "interrupted", "05:30"),
                    ("2026-12-01-dot-xuat-053500-0001", "played", "05:35"),
                    ("2026-12-01-sang", "played", "05:36")]          # resumed by the default policy
    assert tay == [("2026-12-01-sang-thon-tay", "played", "05:30")]  # never cut
    cut = [e["message"] for e in result.events if e["kind"] == "urgent" and "Ngắt" in e["message"]]
    assert len(cut) == 1 and "thon-dong" in cut[0]


def test_an_urgent_announcement_without_zones_cuts_every_zone(tmp_path):
    zoned_day(tmp_path / "audio_out")
    meta = {"id": "2026-12-01-dot-xuat-053500-0002", "title": "Bão", "priority": "khan-cap", "duration_s": 60.0}
    result = simulate(audio_out=tmp_path / "audio_out", start=DAY, days=1, output_dir=tmp_path / "r",
                      settings=PlayoutSettings(), zones=ZONES,
                      injections=[Injection(at("05:35"), tone(tmp_path / "k.wav", 880, 0.2), meta)])
    with AsRunLog(result.log_path) as log:
        urgent = [r[0] for r in airings(log) if "dot-xuat" in r[1]]
    assert sorted(urgent) == ZONES


# --- gated outputs: one gate for every zone of a slot ---------------------------------------------

def gated_core(tmp_path, log, clock, specs: dict[str, list[str]]) -> StationCore:
    outputs = {zone: GatedOutput(s, zone=zone, clock=clock, file_dir=tmp_path / "out" / zone, realtime=False)
               for zone, s in specs.items()}
    return StationCore(log=log, outputs=outputs, zone_titles=TITLES, clock=clock, audio_out=tmp_path / "audio_out",
                       settings=PlayoutSettings(), check=lambda path: None)


def settled(log: AsRunLog, n: int) -> bool:
    rows = [r for r in log.rows(DAY, DAY) if r["kind"] == "programme"]
    return len(rows) >= n and all(r["status"] != "playing" for r in rows)


def test_two_zones_play_different_entries_released_by_one_gate(tmp_path):
    folder = zoned_day(tmp_path / "audio_out")
    tone(folder / "0530-sang.wav", 440)
    tone(folder / "0530-sang-thon-tay.wav", 660)
    clock = VirtualClock(at("05:29") + timedelta(seconds=55))
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = gated_core(tmp_path, log, clock, {"thon-dong": ["file"], "thon-tay": ["file"]})
        sang = [j for j in core.jobs_for(DAY) if j.scheduled_at == at("05:30")]
        assert sorted((j.zone, j.programme_id) for j in sang) == [
            ("thon-dong", "2026-12-01-sang"), ("thon-tay", "2026-12-01-sang-thon-tay")]
        for job in sang:
            core.arm(job)
        gate = core._gates[at("05:30")][0]
        wait_until(lambda: all(core.players[j.zone].is_ready(j) for j in sang))
        assert log.rows(DAY, DAY) == [] and gate.state == "closed"
        clock.advance_to(at("05:30"))
        core.due(sang[0])                     # the first zone's slot job opens the gate for both
        assert gate.state == "open"
        wait_until(lambda: settled(log, 2))
        core.due(sang[1])                     # the second zone's job finds its slot already on air: nothing more
        assert sorted(airings(log)) == [("thon-dong", "2026-12-01-sang", "played", "05:30"),
                                        ("thon-tay", "2026-12-01-sang-thon-tay", "played", "05:30")]
    for zone, name in (("thon-dong", "0530-sang.wav"), ("thon-tay", "0530-sang-thon-tay.wav")):
        wavs = sorted((tmp_path / "out" / zone).glob("*.wav"))
        assert len(wavs) == 1, [(w.name, w.stat().st_size) for w in wavs]
        wav = wavs[0]
        assert wav.read_bytes()[44:] == pcm(folder / name)


def test_a_failing_output_is_logged_for_its_zone_the_others_play_and_it_is_retried_next_slot(tmp_path):
    folder = zoned_day(tmp_path / "audio_out")
    for name in ("0530-sang.wav", "0530-sang-thon-tay.wav", "1700-chieu.wav"):
        tone(folder / name, 440, 0.5)
    clock = VirtualClock(at("05:29") + timedelta(seconds=55))
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = gated_core(tmp_path, log, clock, {"thon-dong": ["file", "device:hw:9"], "thon-tay": ["device:hw:9"]})
        for slot, count in (("05:30", 2), ("17:00", 4)):
            jobs = [j for j in core.jobs_for(DAY) if j.scheduled_at == at(slot)]
            clock.advance_to(at(slot) - timedelta(seconds=5))
            for job in jobs:
                core.arm(job)
            clock.advance_to(at(slot))
            core.due(jobs[0])
            wait_until(lambda count=count: settled(log, count))
        rows = airings(log)
        assert [r[2] for r in rows if r[0] == "thon-dong"] == ["played", "played"]   # the file output played on
        assert [r[2] for r in rows if r[0] == "thon-tay"] == ["failed", "failed"]    # tried again at 17:00
        failed = [r for r in log.rows(DAY, DAY) if r["kind"] == "programme" and r["status"] == "failed"]
        assert all("không phát được" in r["error"] and "loa máy" in r["error"] for r in failed)
        said = [e["message"] for e in log.events(DAY, DAY, ["output"])]
        assert len([m for m in said if m.startswith("Vùng Thôn Đông: không phát được")]) == 2
        assert len([m for m in said if m.startswith("Vùng Thôn Tây: không phát được")]) == 2


# --- a crash: the row ends at the player's own last position --------------------------------------

RUNNER = """
import sys
from pathlib import Path
from broadcast.log.asrun import AsRunLog
from broadcast.daemon import Daemon, PlayoutSettings, StationCore
from broadcast.play import SystemClock
from broadcast.play.child import PidFiles
from broadcast.play.gated import GatedOutput

root = Path(sys.argv[1])
clock = SystemClock()
settings = PlayoutSettings(heartbeat_s=3600)
out = GatedOutput(["null"], zone="toan-xa", clock=clock, realtime=True, positions=root / "position",
                  pids=PidFiles(root / "player"))
core = StationCore(log=AsRunLog(root / "asrun.sqlite"), outputs={"toan-xa": out}, clock=clock,
                   audio_out=root / "audio_out", settings=settings, positions=root / "position")
sys.exit(Daemon(core, settings=settings).run())
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_after_a_sigkill_the_row_ends_where_the_player_was_not_at_the_last_heartbeat(tmp_path):
    now = datetime.now(TZ)
    if now.hour == 23 and now.minute == 59:
        pytest.skip("too close to midnight for a slot in the current minute")
    folder = FakeBuilder(tmp_path / "audio_out", {"sang": (now.strftime("%H:%M"), 60.0)})(now.date())
    tone(next(folder.glob("*.wav")), 440, 60.0)
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(tmp_path / "runner.py"), str(tmp_path)],
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE)
    position = tmp_path / "position" / f"{now.date()}-sang_toan-xa.json"

    def aired() -> float:
        try:
            return json.loads(position.read_text())["aired_s"]
        except (OSError, ValueError):
            return 0.0
    try:
        wait_until(lambda: aired() >= 3.0)            # the player has handed over three seconds or more
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(BOUND_S)
    last = json.loads(position.read_text())
    player = int(next((tmp_path / "player").glob("*.pid")).stem)
    wait_until(lambda: not Path(f"/proc/{player}").exists() or "Z" in Path(f"/proc/{player}/stat").read_text()
               .split(")")[-1][:3])                    # the player died with its daemon
    with sqlite3.connect(tmp_path / "asrun.sqlite") as db:
        assert [r[0] for r in db.execute("SELECT status FROM airings WHERE kind = 'programme'")] == ["playing"]
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        assert recover(log, tmp_path / "position") == 1
        [row] = [r for r in log.rows(now.date(), now.date()) if r["kind"] == "programme"]
        started, ended = datetime.fromisoformat(row["started_at"]), datetime.fromisoformat(row["ended_at"])
        beat = log.last_event(["heartbeat"])       # none yet: the heartbeat would have closed it at its start
    without = crash_end(row, [], datetime.fromisoformat(beat["at"]) if beat else None)
    assert row["status"] == "interrupted"
    assert abs((ended - started).total_seconds() - last["aired_s"]) < 0.002      # where the player last was
    assert (ended - started).total_seconds() >= 3.0 > (without - started).total_seconds()
    assert not list((tmp_path / "position").glob("*.json"))                       # used once, then removed


@pytest.mark.parametrize(("records", "expected_s"), [
    ([{"programme_id": "p", "zone": "a", "started_at": 0.0, "aired_s": 66.0}], 66.0),
    ([{"programme_id": "p", "zone": "b", "started_at": 0.0, "aired_s": 66.0}], 15.0),     # another zone's
    ([{"programme_id": "p", "zone": "a", "started_at": -600.0, "aired_s": 66.0}], 15.0),  # an older play of it
    ([], 15.0),                                                                           # no position: heartbeat
])
def test_crash_end_takes_the_matching_position_else_the_heartbeat(records, expected_s):
    started = datetime(2026, 12, 1, 5, 30, tzinfo=TZ)
    base = started.timestamp()
    records = [{**r, "started_at": base + r["started_at"]} for r in records]
    row = {"programme_id": "p", "zone": "a", "started_at": started.isoformat(), "scheduled_at": started.isoformat()}
    assert (crash_end(row, records, started + timedelta(seconds=15)) - started).total_seconds() == expected_s


# --- missed once --------------------------------------------------------------------------------------

def test_the_missed_event_is_written_once_however_often_the_daemon_restarts(tmp_path):
    FakeBuilder(tmp_path / "audio_out", {"sang": ("05:30", 600.0)})(DAY)
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        first = Simulation(log=log, audio_out=tmp_path / "audio_out", output_dir=tmp_path / "out",
                           start=at("05:29"), settings=PlayoutSettings(), heartbeats=True)
        first.start()
        first.run_until(at("05:33"))                   # a crash mid-play: the row stays 'playing'
        for n in range(5):                             # five restarts, all past the grace of the cut
            again = Simulation(log=log, audio_out=tmp_path / "audio_out", output_dir=tmp_path / "out",
                               start=at("06:00") + timedelta(minutes=10 * n), settings=PlayoutSettings())
            again.start()
            again.run_until(at("06:05") + timedelta(minutes=10 * n))
        missed = log.events(DAY, DAY, ["missed"])
        assert len(missed) == 1 and "Không phát tiếp 2026-12-01-sang" in missed[0]["message"]
        assert [r["status"] for r in log.rows(DAY, DAY) if r["kind"] == "programme"] == ["interrupted"]


def test_a_khan_cap_for_one_zone_stops_only_that_zones_gated_player(tmp_path):
    folder = zoned_day(tmp_path / "audio_out")
    tone(folder / "0530-sang.wav", 440, 30.0)
    tone(folder / "0530-sang-thon-tay.wav", 660, 30.0)
    clock = VirtualClock(at("05:29") + timedelta(seconds=55))
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        outputs = {zone: GatedOutput(["null"], zone=zone, clock=clock, realtime=True) for zone in ZONES}
        core = StationCore(log=log, outputs=outputs, zone_titles=TITLES, clock=clock,
                           audio_out=tmp_path / "audio_out", settings=PlayoutSettings(interrupted_policy="interrupted"),
                           check=lambda path: None)
        sang = [j for j in core.jobs_for(DAY) if j.scheduled_at == at("05:30")]
        for job in sang:
            core.arm(job)
        clock.advance_to(at("05:30"))
        core.due(sang[0])
        assert sorted(r[0] for r in airings(log) if r[2] == "playing") == ZONES
        clock.advance(60)
        meta = {"id": "2026-12-01-dot-xuat-053100-0001", "title": "Cháy rừng", "priority": "khan-cap",
                "duration_s": 0.2, "zones": ["thon-dong"]}
        core.announce(tone(tmp_path / "khan.wav", 880, 0.2), meta)
        wait_until(lambda: ("thon-dong", meta["id"], "played", "05:31") in airings(log))
        rows = airings(log)
        assert ("thon-dong", "2026-12-01-sang", "interrupted", "05:30") in rows
        assert ("thon-tay", "2026-12-01-sang-thon-tay", "playing", "05:30") in rows     # never cut
        assert core.players["thon-tay"].current is not None
        assert log.events(DAY, DAY, ["output"]) == []          # a player stopped on purpose has not failed
        core.shutdown("thử xong")
        assert ("thon-tay", "2026-12-01-sang-thon-tay", "interrupted", "05:30") in airings(log)


@pytest.mark.parametrize(("posix", "expected"), [(True, "GatedOutput"), (False, "FileOutput")])
def test_zone_outputs_from_a_station_gated_on_posix_else_the_ungated_outputs(station_dir, monkeypatch, posix, expected):
    from types import SimpleNamespace

    from broadcast.daemon import player_pids
    from broadcast.daemon import zones as playout_zones
    from broadcast.station.config import load_station

    station = load_station(station_dir)
    zones = (SimpleNamespace(name="thon-dong", title="Thôn Đông", outputs=("file",)),
             SimpleNamespace(name="thon-tay", title="Thôn Tây", outputs=("null",)))
    if not posix:
        monkeypatch.setattr(playout_zones, "os", SimpleNamespace(name="nt"))
    outputs = playout_zones.zone_outputs(station, zones, clock=VirtualClock(at("05:00")), pids=player_pids(station),
                                         positions=None)
    assert list(outputs) == ["thon-dong", "thon-tay"]
    assert type(outputs["thon-dong"]).__name__ == expected
    assert [o.name for o in outputs.values()] == ["file", "null"]
    implicit = playout_zones.effective_zones(None, station)
    assert [(z.name, z.title, z.outputs) for z in implicit] == [("toan-xa", "Toàn xã", (station.playout.output,))]


def test_a_khan_cap_for_one_zone_cuts_its_real_player_and_that_zone_resumes_by_the_policy(tmp_path):
    """Real player processes in two zones: the cut zone carries on after the announcement (resume, the
    default policy), the other zone's player is never touched."""
    folder = zoned_day(tmp_path / "audio_out")
    tone(folder / "0530-sang.wav", 440, 30.0)
    tone(folder / "0530-sang-thon-tay.wav", 660, 30.0)
    clock = VirtualClock(at("05:29") + timedelta(seconds=55))
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        outputs = {zone: GatedOutput(["null"], zone=zone, clock=clock, realtime=True) for zone in ZONES}
        core = StationCore(log=log, outputs=outputs, zone_titles=TITLES, clock=clock,
                           audio_out=tmp_path / "audio_out", settings=PlayoutSettings(), check=lambda path: None)
        sang = [j for j in core.jobs_for(DAY) if j.scheduled_at == at("05:30")]
        for job in sang:
            core.arm(job)
        clock.advance_to(at("05:30"))
        core.due(sang[0])
        tay_player = core.players["thon-tay"].current
        clock.advance(60)
        meta = {"id": "2026-12-01-dot-xuat-053100-0002", "title": "Mất điện", "priority": "khan-cap",
                "duration_s": 0.2, "zones": ["thon-dong"]}
        core.announce(tone(tmp_path / "khan.wav", 880, 0.2), meta)
        wait_until(lambda: ("thon-dong", "2026-12-01-sang", "playing", "05:31") in airings(log))
        dong = [r for r in log.rows(DAY, DAY) if r["kind"] == "programme" and r["zone"] == "thon-dong"]
        assert [(r["programme_id"], r["status"]) for r in dong] == [
            ("2026-12-01-sang", "interrupted"), (meta["id"], "played"), ("2026-12-01-sang", "playing")]
        assert "sau khi bị ngắt" in (dong[-1]["note"] or "")
        assert [r[1:3] for r in airings(log) if r[0] == "thon-tay"] == [("2026-12-01-sang-thon-tay", "playing")]
        assert core.players["thon-tay"].current is tay_player           # the same play, never restarted
        core.shutdown("thử xong")
