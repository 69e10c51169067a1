"""The daemon: core rules on a virtual clock, simulation, APScheduler wiring, and real crash/restart."""

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
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import (
    Daemon,
    FakeBuilder,
    Injection,
    InputsWatcher,
    PlayoutSettings,
    Simulation,
    StationCore,
    measure_start_lateness,
    parse_injection,
    simulate,
    write_silence_wav,
)
from broadcast.errors import ConfigError
from broadcast.log.asrun import AIRED_STATUSES, AsRunLog
from broadcast.play import SystemClock, VirtualClock
from broadcast.play.outputs import FileOutput

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)
SLOTS = {"sang": ("05:30", 600.0), "chieu": ("17:00", 900.0)}
REPO = Path(__file__).resolve().parents[1]


def at(hh_mm_ss: str, day: date = DAY) -> datetime:
    parts = [int(p) for p in hh_mm_ss.split(":")] + [0]
    return datetime(day.year, day.month, day.day, parts[0], parts[1], parts[2], tzinfo=TZ)


def programmes(log: AsRunLog, first: date = DAY, last: date = DAY) -> list[tuple[str, str, str | None, str | None]]:
    """(programme_id, status, started HH:MM:SS, ended HH:MM:SS) of every programme row."""
    def hms(text):
        return text[11:19] if text else None
    return [(r["programme_id"], r["status"], hms(r["started_at"]), hms(r["ended_at"]))
            for r in log.rows(first, last) if r["kind"] == "programme"]


def aired_once(log: AsRunLog, first: date = DAY, last: date = DAY) -> bool:
    aired = [r["programme_id"] for r in log.rows(first, last) if r["kind"] == "programme"
             and r["status"] in AIRED_STATUSES]
    return len(aired) == len(set(aired))


@pytest.fixture
def audio_out(tmp_path):
    FakeBuilder(tmp_path / "audio_out", SLOTS)(DAY)
    return tmp_path / "audio_out"


@pytest.fixture
def log(tmp_path):
    with AsRunLog(tmp_path / "asrun.sqlite", synchronous="NORMAL") as log:
        yield log


def sim(tmp_path, log, audio_out, start: str, *, heartbeats=False, **settings) -> Simulation:
    return Simulation(log=log, audio_out=audio_out, output_dir=tmp_path / "out", start=at(start),
                      settings=PlayoutSettings(**settings), heartbeats=heartbeats)


def urgent_wav(tmp_path) -> Path:
    return write_silence_wav(tmp_path / "khan.wav")


# --- simulation ------------------------------------------------------------------------------

def test_simulate_two_days_builds_ahead_and_plays_on_time(tmp_path):
    builder = FakeBuilder(tmp_path / "audio_out", SLOTS)
    result = simulate(audio_out=tmp_path / "audio_out", start=DAY, days=2, output_dir=tmp_path / "rehearsal",
                      settings=PlayoutSettings(), builder=builder)
    assert builder.built == [DAY, DAY + timedelta(days=1)]
    progs = [(r["programme_id"], r["status"], r["started_at"][11:19]) for r in result.rows if r["kind"] == "programme"]
    assert progs == [("2026-12-01-sang", "played", "05:30:00"), ("2026-12-01-chieu", "played", "17:00:00"),
                     ("2026-12-02-sang", "played", "05:30:00"), ("2026-12-02-chieu", "played", "17:00:00")]
    assert {r["status"] for r in result.rows if r["kind"] == "item"} == {"played"}
    lines = result.playout_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("2026-12-01T05:30:00.000+07:00 2026-12-01T05:40:00.000+07:00 played 0530-sang.wav "
                        "Chương trình sang")
    builds = [(e["at"][:16], e["kind"]) for e in result.events if e["kind"] == "build"]
    assert builds == [("2026-12-01T00:00", "build"), ("2026-12-01T20:00", "build")]


def test_simulate_starts_a_fresh_rehearsal_log(tmp_path, audio_out):
    for _ in range(2):
        result = simulate(audio_out=audio_out, start=DAY, days=1, output_dir=tmp_path / "r", settings=PlayoutSettings())
    assert len([r for r in result.rows if r["kind"] == "programme"]) == 2
    assert len(result.playout_path.read_text().splitlines()) == 2


@pytest.mark.parametrize(("policy", "expected"), [
    ("replay", [("2026-12-01-sang", "interrupted", "05:30:00", "05:34:00"),
                ("2026-12-01-dot-xuat-053500-0001", "played", "05:34:00", "05:35:00"),
                ("2026-12-01-sang", "late", "05:35:00", "05:45:00"),
                ("2026-12-01-chieu", "played", "17:00:00", "17:15:00")]),
    ("log", [("2026-12-01-sang", "interrupted", "05:30:00", "05:34:00"),
             ("2026-12-01-dot-xuat-053500-0001", "played", "05:34:00", "05:35:00"),
             ("2026-12-01-chieu", "played", "17:00:00", "17:15:00")]),
])
def test_injected_khan_cap_interrupts_the_programme(tmp_path, audio_out, policy, expected):
    meta = {"id": "2026-12-01-dot-xuat-053500-0001", "title": "Bão số 3", "priority": "khan-cap",
            "duration_s": 60.0, "template": "bao", "values": {"ten_bao": "Yagi"}}
    result = simulate(audio_out=audio_out, start=DAY, days=1, output_dir=tmp_path / "r",
                      settings=PlayoutSettings(interrupted_policy=policy),
                      injections=[Injection(at("05:34"), urgent_wav(tmp_path), meta)])
    with AsRunLog(result.log_path) as log:
        assert programmes(log) == expected
        first = log.item_rows(next(r["id"] for r in log.rows(DAY, DAY) if r["kind"] == "programme"))
        urgent_item = [r for r in log.rows(DAY, DAY) if r["item_kind"] == "khan-cap"][0]
    assert [(i["item_id"], i["status"]) for i in first] == [("mo-dau", "interrupted"), ("tiem-chung", "skipped")]
    assert urgent_item["session"] == "dot-xuat" and json.loads(urgent_item["values_json"]) == {"ten_bao": "Yagi"}
    urgent_events = [e["message"] for e in result.events if e["kind"] == "urgent"]
    assert len(urgent_events) == 2 and "Ngắt 'Chương trình sang'" in urgent_events[1]


def notes(log: AsRunLog) -> list[str | None]:
    return [r["note"] for r in log.rows(DAY, DAY) if r["kind"] == "programme"]


@pytest.mark.parametrize(("policy", "expected", "rest_items"), [
    # the README's rehearsal: khẩn cấp at 05:37 cuts the morning programme in its second item
    ("resume", [("2026-12-01-sang", "interrupted", "05:30:00", "05:37:00"),
                ("2026-12-01-dot-xuat-053700-0001", "played", "05:37:00", "05:38:00"),
                ("2026-12-01-sang", "played", "05:38:00", "05:43:00"),
                ("2026-12-01-chieu", "played", "17:00:00", "17:15:00")], [("tiem-chung", "played")]),
    ("restart", [("2026-12-01-sang", "interrupted", "05:30:00", "05:37:00"),
                 ("2026-12-01-dot-xuat-053700-0001", "played", "05:37:00", "05:38:00"),
                 ("2026-12-01-sang", "late", "05:38:00", "05:48:00"),
                 ("2026-12-01-chieu", "played", "17:00:00", "17:15:00")], [("mo-dau", "played"),
                                                                          ("tiem-chung", "played")]),
    ("interrupted", [("2026-12-01-sang", "interrupted", "05:30:00", "05:37:00"),
                     ("2026-12-01-dot-xuat-053700-0001", "played", "05:37:00", "05:38:00"),
                     ("2026-12-01-chieu", "played", "17:00:00", "17:15:00")], None),
])
def test_after_a_khan_cap_the_programme_carries_on_by_policy(tmp_path, audio_out, policy, expected, rest_items):
    meta = {"id": "2026-12-01-dot-xuat-053700-0001", "title": "Bão số 3", "priority": "khan-cap",
            "duration_s": 60.0}
    result = simulate(audio_out=audio_out, start=DAY, days=1, output_dir=tmp_path / "r",
                      settings=PlayoutSettings(interrupted_policy=policy),
                      injections=[Injection(at("05:37"), urgent_wav(tmp_path), meta)])
    with AsRunLog(result.log_path) as log:
        assert programmes(log) == expected
        rows = [r for r in log.rows(DAY, DAY) if r["kind"] == "programme"]
        cut = log.item_rows(rows[0]["id"])
        assert [(i["item_id"], i["status"]) for i in cut] == [("mo-dau", "played"), ("tiem-chung", "interrupted")]
        assert {r["origin"] for r in log.rows(DAY, DAY)} == {"rehearsal"}
        if rest_items is None:
            assert "không phát lại" in rows[0]["error"] and notes(log) == [None, None, None]
        else:
            assert [(i["item_id"], i["status"]) for i in log.item_rows(rows[2]["id"])] == rest_items
            assert notes(log)[2] == ("phát tiếp từ mục 'Tiêm chủng' (5:00) sau khi bị ngắt" if policy == "resume"
                                     else "phát lại từ đầu sau khi bị ngắt")
    lines = result.playout_path.read_text(encoding="utf-8").splitlines()
    if policy == "resume":
        assert lines[2].endswith("0530-sang.wav Chương trình sang [từ 300.0 giây]")


def test_a_resume_too_long_after_the_cut_is_not_played(tmp_path, audio_out):
    """An announcement longer than the grace: the rest of the programme no longer fits its morning."""
    meta = {"id": "2026-12-01-dot-xuat-053700-0003", "title": "Lũ", "priority": "khan-cap", "duration_s": 700.0}
    result = simulate(audio_out=audio_out, start=DAY, days=1, output_dir=tmp_path / "r",
                      settings=PlayoutSettings(), injections=[Injection(at("05:37"), urgent_wav(tmp_path), meta)])
    with AsRunLog(result.log_path) as log:
        assert [p[:2] for p in programmes(log)] == [("2026-12-01-sang", "interrupted"),
                                                     ("2026-12-01-dot-xuat-053700-0003", "played"),
                                                     ("2026-12-01-chieu", "played")]
    assert any("Không phát tiếp 2026-12-01-sang" in e["message"] for e in result.events if e["kind"] == "missed")


def test_a_non_urgent_announcement_waits_for_the_programme(tmp_path, audio_out):
    meta = {"id": "2026-12-01-dot-xuat-053500-0002", "title": "Mất điện", "priority": "uu-tien", "duration_s": 30.0}
    result = simulate(audio_out=audio_out, start=DAY, days=1, output_dir=tmp_path / "r", settings=PlayoutSettings(),
                      injections=[Injection(at("05:35"), urgent_wav(tmp_path), meta)])
    with AsRunLog(result.log_path) as log:
        assert programmes(log)[:2] == [("2026-12-01-sang", "played", "05:30:00", "05:40:00"),
                                       ("2026-12-01-dot-xuat-053500-0002", "late", "05:40:00", "05:40:30")]


# --- the machine was off, late, missed ----------------------------------------------------------

@pytest.mark.parametrize(("start", "status", "started"), [
    ("05:30:10", "played", "05:30:10"),      # within the late tolerance
    ("05:35:00", "late", "05:35:00"),
    ("05:40:00", "late", "05:40:00"),        # exactly at the grace limit still plays
    ("05:40:01", "missed", None),
    ("09:00:00", "missed", None),
])
def test_slot_time_passed_while_the_machine_was_off(tmp_path, log, audio_out, start, status, started):
    s = sim(tmp_path, log, audio_out, start)
    s.start()
    s.run_until(at("23:59"))
    assert programmes(log)[0][:3] == ("2026-12-01-sang", status, started)
    assert programmes(log)[1][:2] == ("2026-12-01-chieu", "played")
    missed = log.events(DAY, DAY, kinds=["missed"])
    assert len(missed) == (status == "missed") and all("quá 10 phút" in e["message"] for e in missed)


def test_days_missed_while_off_are_logged_on_restart(tmp_path, log):
    builder = FakeBuilder(tmp_path / "audio_out", {"sang": ("05:30", 600.0)})
    for n in range(3):
        builder(DAY + timedelta(days=n))
    log.event("heartbeat", at("06:00"), "chờ")      # last sign of life: day one
    s = Simulation(log=log, audio_out=tmp_path / "audio_out", output_dir=tmp_path / "out",
                   start=at("05:32", DAY + timedelta(days=2)), settings=PlayoutSettings())
    s.start()
    s.run_until(at("07:00", DAY + timedelta(days=2)))
    assert [p[:2] for p in programmes(log, DAY, DAY + timedelta(days=2))] == [
        ("2026-12-01-sang", "missed"), ("2026-12-02-sang", "missed"), ("2026-12-03-sang", "late")]


# --- crash and restart, on the virtual clock ---------------------------------------------------

@pytest.mark.parametrize(("restart", "policy", "expected"), [
    ("05:36", "replay", [("interrupted", "05:30:00", "05:33:00"), ("late", "05:36:00", "05:46:00")]),
    ("05:36", "log", [("interrupted", "05:30:00", "05:33:00")]),
    ("05:50", "replay", [("interrupted", "05:30:00", "05:33:00")]),      # too late to replay
    ("05:36", "resume", [("interrupted", "05:30:00", "05:33:00"), ("played", "05:36:00", "05:46:00")]),
    ("05:44", "resume", [("interrupted", "05:30:00", "05:33:00")]),      # 11 minutes after the cut
])
def test_a_crash_mid_play_is_recovered_once(tmp_path, log, audio_out, restart, policy, expected):
    first = sim(tmp_path, log, audio_out, "05:29", heartbeats=True, interrupted_policy=policy)
    first.start()
    first.run_until(at("05:33:30"))
    assert log.status_of("2026-12-01-sang") == "playing"
    # the process dies here: nothing is shut down, the row stays 'playing'
    second = sim(tmp_path, log, audio_out, restart, interrupted_policy=policy)
    second.start()
    second.run_until(at("12:00"))
    third = sim(tmp_path, log, audio_out, "12:00", interrupted_policy=policy)
    third.start()
    third.run_until(at("23:00"))
    sang = [p[1:] for p in programmes(log) if p[0] == "2026-12-01-sang"]
    assert sang == expected
    assert aired_once(log)
    assert [p[1] for p in programmes(log) if p[0] == "2026-12-01-chieu"] == ["played"]
    assert log.open_programmes() == []


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
@pytest.mark.parametrize("with_fallback", [True, False])
def test_a_broken_programme_file_is_logged_failed_and_the_fallback_plays(tmp_path, log, audio_out, damage,
                                                                        with_fallback):
    path = audio_out / DAY.isoformat() / "0530-sang.wav"
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"RIFF\x00\x00garbage" * 20)
    fallback = write_silence_wav(tmp_path / "du-phong.wav", seconds=0.5) if with_fallback else None
    s = Simulation(log=log, audio_out=audio_out, output_dir=tmp_path / "out", start=at("05:00"),
                   settings=PlayoutSettings(), fallback=fallback)
    s.start()
    s.run_until(at("23:59"))
    rows = [r for r in log.rows(DAY, DAY) if r["kind"] == "programme" and r["slot"] == "sang"]
    assert rows[0]["status"] == "failed" and "0530-sang.wav" in rows[0]["error"]
    if with_fallback:
        assert (rows[1]["status"], rows[1]["source"], Path(rows[1]["file"]).name) == ("played", "du-phong",
                                                                                     "du-phong.wav")
        assert rows[1]["started_at"].startswith("2026-12-01T05:30:00")
    else:
        assert len(rows) == 1
    assert log.status_of("2026-12-01-chieu") == "played"


def test_the_start_is_logged_when_the_player_starts_not_when_the_job_is_admitted(tmp_path, log, audio_out):
    clock = VirtualClock(at("05:29"))
    out = FileOutput(tmp_path / "out", clock=clock, manual=True)

    def slow_check(path):
        clock.advance(0.5)          # the file check (ffmpeg decoding 2 s of audio) takes its time
        return None

    core = StationCore(log=log, output=out, clock=clock, audio_out=audio_out, settings=PlayoutSettings(),
                       check=slow_check)
    job = core.jobs_for(DAY)[0]
    clock.advance_to(job.scheduled_at)
    core.due(job)
    row = [r for r in log.rows(DAY, DAY) if r["kind"] == "programme"][0]
    assert row["started_at"] == "2026-12-01T05:30:00.500+07:00"
    assert row["started_at"] == core.player.current_playback.started_at.isoformat(timespec="milliseconds")
    items = [r for r in log.rows(DAY, DAY) if r["kind"] == "item"]
    assert items[0]["started_at"] == row["started_at"]


class ReadyingOutput:
    """The file output (manual) with a `prepare` like the ffmpeg outputs': records what was done when."""

    name = "file"

    def __init__(self, folder, clock):
        self.file = FileOutput(folder, clock=clock, manual=True)
        self.clock = clock
        self.calls = []

    def prepare(self, path, **options):
        self.calls.append(("prepare", Path(path).name, self.clock.now().strftime("%H:%M:%S")))
        return SimpleNamespace(start=lambda on_end=None: self._start(path, on_end, "start prepared", options))

    def start(self, path, *, on_end=None, **options):
        return self._start(path, on_end, "start", options)

    def _start(self, path, on_end, what, options):
        self.calls.append((what, Path(path).name, self.clock.now().strftime("%H:%M:%S")))
        return self.file.start(path, on_end=on_end, **options)


def counting_check(clock, calls):
    def check(path):
        calls.append(clock.now().strftime("%H:%M:%S"))
        return None
    return check


def test_the_file_is_checked_and_the_player_readied_before_the_slot(tmp_path, log, audio_out):
    clock = VirtualClock(at("05:29:30"))
    out, checks = ReadyingOutput(tmp_path / "out", clock), []
    core = StationCore(log=log, output=out, clock=clock, audio_out=audio_out, settings=PlayoutSettings(),
                       check=counting_check(clock, checks))
    job = core.jobs_for(DAY)[0]
    core.prepare(job)
    assert checks == ["05:29:30"] and out.calls == [("prepare", "0530-sang.wav", "05:29:30")]
    assert programmes(log) == []                    # nothing is logged before the slot
    clock.advance_to(job.scheduled_at)
    core.due(job)
    assert checks == ["05:29:30"]                   # the unchanged file is not decoded again at the slot
    assert out.calls[1:] == [("start prepared", "0530-sang.wav", "05:30:00")]
    assert programmes(log) == [("2026-12-01-sang", "playing", "05:30:00", None)]


def test_a_file_changed_after_its_check_is_checked_again_at_the_slot(tmp_path, log, audio_out):
    clock = VirtualClock(at("05:29:30"))
    checks = []
    core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock, manual=True), clock=clock,
                       audio_out=audio_out, settings=PlayoutSettings(), check=counting_check(clock, checks))
    job = core.jobs_for(DAY)[0]
    core.prepare(job)
    write_silence_wav(job.path, seconds=0.04)       # rebuilt in between (another file, another size)
    clock.advance_to(job.scheduled_at)
    core.due(job)
    assert checks == ["05:29:30", "05:30:00"]
    assert programmes(log) == [("2026-12-01-sang", "playing", "05:30:00", None)]


def test_a_broken_file_found_before_the_slot_is_logged_failed_at_the_slot(tmp_path, log, audio_out):
    clock = VirtualClock(at("05:29:30"))
    checks = []

    def broken(path):
        checks.append(clock.now().strftime("%H:%M:%S"))
        return "tệp 0530-sang.wav hỏng, không đọc được"

    out = ReadyingOutput(tmp_path / "out", clock)
    core = StationCore(log=log, output=out, clock=clock, audio_out=audio_out, settings=PlayoutSettings(),
                       check=broken)
    job = core.jobs_for(DAY)[0]
    core.prepare(job)
    assert programmes(log) == [] and out.calls == []     # no player readied for a broken file
    clock.advance_to(job.scheduled_at)
    core.due(job)
    assert checks == ["05:29:30"]
    assert programmes(log) == [("2026-12-01-sang", "failed", None, "05:30:00")]


def test_an_output_that_cannot_start_is_logged_failed(tmp_path, log, audio_out):
    clock = VirtualClock(at("05:30"))

    class Broken:
        name = "broken"

        def __init__(self):
            self.clock = clock

        def start(self, *a, **k):
            raise OSError("không có thiết bị")

    core = StationCore(log=log, output=Broken(), clock=clock, audio_out=audio_out, settings=PlayoutSettings(),
                       check=lambda p: None)
    core.due(core.jobs_for(DAY)[0])
    assert programmes(log) == [("2026-12-01-sang", "failed", None, "05:30:00")]


# --- heartbeat and clock jumps ------------------------------------------------------------------

def test_heartbeats_detect_wall_clock_jumps(tmp_path, log, audio_out):
    clock = VirtualClock(at("04:00"))
    core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock, manual=True), clock=clock,
                       audio_out=audio_out, settings=PlayoutSettings())
    core.start()
    jumps = []
    for move in [("advance", 60), ("advance", 60), ("jump", 3600), ("advance", 60), ("jump", -120)]:
        getattr(clock, move[0])(move[1])
        if move[0] == "jump":
            clock.advance(60)
        jumps.append(core.heartbeat())
    assert [round(j) if j else None for j in jumps] == [None, None, 3600, None, -120]
    events = log.events(DAY, DAY)
    assert [e["kind"] for e in events].count("heartbeat") == 5
    assert [e["message"].split(" (")[0] for e in events if e["kind"] == "clock-jump"] == [
        "Đồng hồ máy nhảy +3600 giây", "Đồng hồ máy nhảy -120 giây"]


# --- APScheduler wiring -------------------------------------------------------------------------

def test_daemon_derives_jobs_in_the_station_timezone(tmp_path):
    clock = SystemClock(TZ)
    tomorrow = clock.now().date() + timedelta(days=1)
    builder = FakeBuilder(tmp_path / "audio_out", SLOTS)
    builder(tomorrow)
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        settings = PlayoutSettings(grace_minutes=10, build_ahead="20:15")
        core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock), clock=clock,
                           audio_out=tmp_path / "audio_out", settings=settings, check=lambda p: None)
        daemon = Daemon(core, settings=settings)
        daemon.start()
        try:
            scheduler = daemon.scheduler
            assert str(scheduler.timezone) == "Asia/Ho_Chi_Minh"
            assert scheduler._job_defaults["misfire_grace_time"] == 600
            assert scheduler._job_defaults["coalesce"] is True
            job = scheduler.get_job(f"slot:{tomorrow}-sang")
            assert job.next_run_time == datetime.combine(tomorrow, datetime.min.time(), TZ).replace(hour=5, minute=30)
            ahead = scheduler.get_job("build-ahead").trigger
            fire = ahead.get_next_fire_time(None, datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
            assert fire == datetime(2026, 12, 1, 20, 15, tzinfo=TZ)
            assert scheduler.get_job("heartbeat").trigger.interval == timedelta(seconds=60)
            # a rebuilt day without the afternoon slot: its job goes on reload
            FakeBuilder(tmp_path / "audio_out", {"sang": SLOTS["sang"]})(tomorrow)
            assert daemon.reload("thử") == 1
            assert scheduler.get_job(f"slot:{tomorrow}-chieu") is None
        finally:
            daemon.stop("thử xong")
        # from the day the test began: midnight (17:00 UTC) may pass while it runs
        kinds = [e["kind"] for e in log.events(tomorrow - timedelta(days=1), clock.now().date())]
    assert kinds[0] == "start" and "reload" in kinds and kinds[-1] == "stop"


def test_daemon_builds_when_inputs_change_and_survives_a_failed_build(tmp_path):
    clock = SystemClock(TZ)
    today = clock.now().date()
    tomorrow = today + timedelta(days=1)
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    (schedules / "lich.yaml").write_text("slots: []\n", encoding="utf-8")
    builder = FakeBuilder(tmp_path / "audio_out", {"khuya": ("23:59", 10.0)})
    builder(today)
    builder.built.clear()
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        settings = PlayoutSettings()
        core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock), clock=clock,
                           audio_out=tmp_path / "audio_out", settings=settings, check=lambda p: None)
        daemon = Daemon(core, settings=settings, inputs=InputsWatcher([schedules]))
        daemon.start()          # no builder yet: after the build-ahead hour, start would build tomorrow
        daemon.builder = builder
        try:
            assert not daemon._needs_build(today) and daemon._needs_build(tomorrow)
            daemon._build([tomorrow], "dựng trước")
            assert daemon.scheduler.get_job(f"slot:{tomorrow}-khuya") is not None
            assert not daemon._needs_build(tomorrow)
            newer = datetime.now().timestamp() + 5
            os.utime(schedules / "lich.yaml", (newer, newer))
            assert daemon._needs_build(tomorrow)                          # inputs newer than the manifest
            builder.built.clear()
            daemon._poll_inputs()
            assert builder.built == [today, tomorrow]

            def broken(day):
                raise RuntimeError("mất mạng")
            daemon.builder = broken
            daemon._build([tomorrow], "thử lỗi")
            assert daemon.scheduler.get_job(f"slot:{tomorrow}-khuya") is not None   # the old day stays
        finally:
            daemon.stop("thử xong")
        # from the day the test began: midnight (17:00 UTC) may pass while it runs
        builds = [e["message"] for e in log.events(today, clock.now().date(), kinds=["build"])]
    assert any("lỗi" in m and "mất mạng" in m for m in builds)


def test_daemon_start_sweeps_a_dead_builds_staging_folder(tmp_path, audio_out):
    stale = audio_out / ".staging-2026-12-02-dead0001"
    (stale / "x").mkdir(parents=True)
    clock = SystemClock(TZ)
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock), clock=clock,
                           audio_out=audio_out, settings=PlayoutSettings(), check=lambda p: None)
        daemon = Daemon(core, settings=core.settings)
        daemon.start()
        daemon.stop("thử xong")
        today = clock.now().date()
        # from the day the test began: midnight (17:00 UTC) may pass while it runs
        builds = [e["message"] for e in log.events(today - timedelta(days=1), today, kinds=["build"])]
    assert not stale.exists() and (audio_out / DAY.isoformat()).is_dir()
    assert any("Đã dọn 1 thư mục dựng dở" in m for m in builds)


def test_the_daemon_prepares_each_slot_prepare_s_before_it(tmp_path):
    clock = SystemClock(TZ)
    tomorrow = clock.now().date() + timedelta(days=1)
    FakeBuilder(tmp_path / "audio_out", SLOTS)(tomorrow)
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        settings = PlayoutSettings(prepare_s=45)
        core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock), clock=clock,
                           audio_out=tmp_path / "audio_out", settings=settings, check=lambda p: None)
        daemon = Daemon(core, settings=settings)
        daemon.start()
        try:
            slot = daemon.scheduler.get_job(f"slot:{tomorrow}-sang")
            ready = daemon.scheduler.get_job(f"prepare:{tomorrow}-sang")
            assert ready.func == core.prepare and ready.args == slot.args
            assert slot.next_run_time - ready.next_run_time == timedelta(seconds=45)
            FakeBuilder(tmp_path / "audio_out", {"sang": SLOTS["sang"]})(tomorrow)
            daemon.reload("thử")           # a slot that is gone takes its preparation with it
            assert daemon.scheduler.get_job(f"prepare:{tomorrow}-chieu") is None
            assert daemon.scheduler.get_job(f"prepare:{tomorrow}-sang") is not None
        finally:
            daemon.stop("thử xong")


def test_a_missed_scheduler_job_is_logged_by_the_core(tmp_path, log, audio_out):
    clock = VirtualClock(at("05:45"))
    core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock, manual=True), clock=clock,
                       audio_out=audio_out, settings=PlayoutSettings())
    daemon = Daemon(core, settings=core.settings)
    job = core.jobs_for(DAY)[0]
    daemon._slot_jobs[f"slot:{job.programme_id}"] = job
    daemon._on_missed(SimpleNamespace(job_id=f"slot:{job.programme_id}"))
    daemon._on_missed(SimpleNamespace(job_id="heartbeat"))          # not a slot: ignored
    assert programmes(log) == [("2026-12-01-sang", "missed", None, "05:45:00")]


@pytest.mark.parametrize(("spec", "expected"), [
    ("14:05 bao_khan ten_bao=Yagi", (at("14:05"), "bao_khan", {"ten_bao": "Yagi"})),
    ("2026-12-02 06:00 mat_dien 'khu_vuc=thôn Đông' gio=7h-16h",
     (at("06:00", DAY + timedelta(days=1)), "mat_dien", {"khu_vuc": "thôn Đông", "gio": "7h-16h"})),
])
def test_parse_injection(spec, expected):
    assert parse_injection(spec, DAY, TZ) == expected


@pytest.mark.parametrize("spec", ["bao_khan", "25h bao", "14:05 bao khong-co-dau-bang"])
def test_parse_injection_rejects(spec):
    with pytest.raises(ConfigError):
        parse_injection(spec, DAY, TZ)


def test_settings_are_checked():
    with pytest.raises(ConfigError):
        PlayoutSettings(interrupted_policy="tiep")
    assert PlayoutSettings().interrupted_policy == "resume"
    assert PlayoutSettings(interrupted_policy="replay").interrupted_policy == "restart"     # the old names
    assert PlayoutSettings(interrupted_policy="log").interrupted_policy == "interrupted"
    with pytest.raises(ConfigError):
        PlayoutSettings(build_ahead="8pm")


def test_measure_start_lateness_returns_one_value_per_programme():
    lateness = measure_start_lateness(n=4, spacing_s=0.05, lead_s=0.5)
    # counted from the player's own start, after the slot time: never early (its size is for make bench)
    assert len(lateness) == 4 and all(x >= 0 for x in lateness)


# --- a real process, killed and restarted -------------------------------------------------------

RUNNER = """
import sys
from pathlib import Path
from broadcast.log.asrun import AsRunLog
from broadcast.daemon import Daemon, PlayoutSettings, StationCore
from broadcast.play import SystemClock
from broadcast.play.outputs import FileOutput
from broadcast.play.spool import DaemonLock, Spool

root, pace = Path(sys.argv[1]), float(sys.argv[2])
clock = SystemClock()
settings = PlayoutSettings(heartbeat_s=1)
core = StationCore(log=AsRunLog(root / "asrun.sqlite"), output=FileOutput(root / "out", clock=clock, pace=pace),
                   clock=clock, audio_out=root / "audio_out", settings=settings, spool=Spool(root / "spool"))
sys.exit(Daemon(core, settings=settings, lock=DaemonLock(root / "spool")).run())
"""


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(sql).fetchall()


def wait_for(condition, seconds: float = 30.0):
    """Poll a separate process's database (no clock to inject across a process boundary)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def station_now(tmp_path):
    """A published day whose only slot started at the top of the current minute (due at once)."""
    now = datetime.now(TZ)
    if now.hour == 23 and now.minute == 59:
        pytest.skip("too close to midnight for a slot in the current minute")
    FakeBuilder(tmp_path / "audio_out", {"sang": (now.strftime("%H:%M"), 600.0)})(now.date())
    script = tmp_path / "runner.py"
    script.write_text(RUNNER, encoding="utf-8")
    return tmp_path, f"{now.date()}-sang"


def start_runner(root: Path, pace: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(root / "runner.py"), str(root), str(pace)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def statuses(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT status FROM airings WHERE kind = 'programme' ORDER BY id")]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_mid_play_then_restart_plays_the_slot_once(station_now):
    root, programme_id = station_now
    db = root / "asrun.sqlite"
    proc = start_runner(root, pace=1.0)               # a 10-minute play in real time
    try:
        wait_for(lambda: statuses(db) == ["playing"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert statuses(db) == ["playing"]

    proc = start_runner(root, pace=0.0)               # restarted: plays at once
    wait_for(lambda: statuses(db)[-1:] in (["played"], ["late"]))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0, proc.stderr.read().decode()

    reloads = query(db, "SELECT count(*) FROM events WHERE kind = 'reload'")[0][0]
    proc = start_runner(root, pace=0.0)               # a third start must not play it again
    wait_for(lambda: query(db, "SELECT count(*) FROM events WHERE kind = 'reload'")[0][0] == reloads + 1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0

    assert statuses(db)[0] == "interrupted" and statuses(db)[1] in ("played", "late") and len(statuses(db)) == 2
    first_items = query(db, "SELECT status FROM airings WHERE kind = 'item' AND parent_id = "
                            "(SELECT min(id) FROM airings WHERE kind = 'programme') ORDER BY id")
    assert first_items == [("interrupted",), ("skipped",)]
    assert query(db, "SELECT count(*) FROM airings WHERE status = 'playing'") == [(0,)]
    lines = (root / "out" / "playout.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split(" ")[2] for line in lines] == ["played"]       # the killed play never finished
    kinds = [r[0] for r in query(db, "SELECT kind FROM events ORDER BY id")]
    assert kinds.count("stop") == 2 and kinds.count("start") == 3


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM")
def test_sigterm_ends_the_current_play_cleanly(station_now):
    root, programme_id = station_now
    db = root / "asrun.sqlite"
    proc = start_runner(root, pace=1.0)
    wait_for(lambda: statuses(db) == ["playing"])
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    row = query(db, "SELECT status, error, ended_at FROM airings WHERE kind = 'programme'")[0]
    assert row[0] == "interrupted" and "SIGTERM" in row[1] and row[2]
    assert (root / "out" / "playout.txt").read_text(encoding="utf-8").split(" ")[2] == "interrupted"
    assert query(db, "SELECT kind FROM events ORDER BY id DESC LIMIT 1") == [("stop",)]


def test_wiring_from_a_station_directory(tmp_path):
    from broadcast.daemon import daemon_for_station, simulate_station, state_paths
    from broadcast.station.config import load_station

    (tmp_path / "broadcast.toml").write_text('[station]\nname = "Hòa An"\n[playout]\noutput = "file"\n'
                                             'grace_minutes = 5\n', encoding="utf-8")
    station = load_station(tmp_path)
    daemon = daemon_for_station(station, builder=lambda day: None)
    assert daemon.core.output.name == "file" and daemon.settings.grace_minutes == 5
    assert state_paths(station) == (tmp_path / "var" / "asrun.sqlite", tmp_path / "var" / "spool")
    daemon.core.log.close()
    result = simulate_station(station, start=DAY, days=1, output_dir=tmp_path / "rehearsal",
                              builder=FakeBuilder(tmp_path / "audio_out", SLOTS))
    assert [r["status"] for r in result.rows if r["kind"] == "programme"] == ["played", "played"]
