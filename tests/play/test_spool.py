"""Urgent hand-over: the daemon's lock, atomic submission, claiming, and the core taking it on air."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import FakeBuilder, PlayoutSettings, StationCore, write_silence_wav
from broadcast.errors import PlayoutError
from broadcast.log.asrun import AsRunLog
from broadcast.play import VirtualClock
from broadcast.play.outputs import FileOutput
from broadcast.play.spool import DaemonLock, Spool, daemon_alive, prepare, submit

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)


@pytest.fixture
def audio(tmp_path):
    return write_silence_wav(tmp_path / "khan.wav")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_spool_is_private_to_the_station_user(tmp_path):
    spool = prepare(tmp_path / "spool")
    for folder in (spool, spool / "incoming", spool / "processing", spool / "done"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_without_a_daemon_nothing_is_handed_over(tmp_path, audio):
    assert submit(tmp_path / "spool", audio, {"title": "Bão"}) is False
    assert not (tmp_path / "spool").exists() or not list((tmp_path / "spool").rglob("*.json"))


def test_with_a_daemon_the_announcement_lands_whole(tmp_path, audio):
    spool_dir = tmp_path / "spool"
    now = datetime(2026, 12, 1, 14, 30, 5, tzinfo=TZ)
    with DaemonLock(spool_dir):
        assert daemon_alive(spool_dir)
        assert submit(spool_dir, audio, {"title": "Bão số 3", "priority": "khan-cap"}, now=now) is True
        files = sorted(p.name for p in (spool_dir / "incoming").iterdir())
        assert len(files) == 2 and not [f for f in files if f.endswith(".part")]
        meta = json.loads(next((spool_dir / "incoming").glob("*.json")).read_text(encoding="utf-8"))
        assert meta["id"].startswith("2026-12-01-dot-xuat-143005-") and meta["audio"] in files
        entries, problems = Spool(spool_dir).claim()
    assert not daemon_alive(spool_dir)
    assert problems == [] and entries[0].meta["title"] == "Bão số 3" and entries[0].audio.exists()
    assert entries[0].meta_path.parent.name == "processing"


def test_an_urgent_without_a_time_is_named_by_the_station_clock_not_the_hosts(tmp_path, audio, monkeypatch):
    """01:00 on 8 December in Vietnam is 18:00 on the 7th on a UTC host: the id says the 8th, the airing's date."""
    from broadcast.play import SystemClock

    monkeypatch.setattr(SystemClock, "now", lambda self: datetime(2026, 12, 8, 1, 0, 5, tzinfo=TZ))
    spool_dir = tmp_path / "spool"
    with DaemonLock(spool_dir):
        assert submit(spool_dir, audio, {"title": "Cháy rừng", "priority": "khan-cap"}) is True
        meta = json.loads(next((spool_dir / "incoming").glob("*.json")).read_text(encoding="utf-8"))
    assert meta["id"].startswith("2026-12-08-dot-xuat-010005-")
    assert meta["submitted_at"] == "2026-12-08T01:00:05+07:00"


def test_a_second_daemon_is_refused(tmp_path):
    with DaemonLock(tmp_path / "spool"):
        with pytest.raises(PlayoutError) as caught:
            DaemonLock(tmp_path / "spool").acquire()
    assert f"pid {os.getpid()}" in str(caught.value)


def test_the_lock_of_another_process_is_seen(tmp_path):
    spool_dir = tmp_path / "spool"
    code = ("import sys; from broadcast.play.spool import DaemonLock; l = DaemonLock(sys.argv[1]); "
            "l.acquire(); print('ok', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(spool_dir)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ok"
        assert daemon_alive(spool_dir)
    finally:
        proc.stdin.close()
        proc.wait(10)
    assert not daemon_alive(spool_dir)


def test_claim_reports_a_broken_meta_and_recovers_unsettled_ones(tmp_path, audio):
    spool = Spool(tmp_path / "spool")
    (spool.dir / "incoming" / "x.json").write_text("{not json", encoding="utf-8")
    with DaemonLock(spool.dir):
        submit(spool.dir, audio, {"title": "A"})
    entries, problems = spool.claim()
    assert len(entries) == 1 and "x.json" in problems[0]
    assert (spool.dir / "done" / "x.json.hong").exists()
    again, _ = spool.claim(include_processing=True)       # the daemon died before settling it
    assert [e.meta["id"] for e in again] == [entries[0].meta["id"]]
    spool.done(again[0])
    assert spool.claim(include_processing=True) == ([], [])
    assert len(list((spool.dir / "done").iterdir())) == 3


def test_the_core_puts_a_handed_over_khan_cap_on_air_at_once(tmp_path, audio):
    audio_out = tmp_path / "audio_out"
    FakeBuilder(audio_out, {"sang": ("05:30", 600.0)})(DAY)
    clock = VirtualClock(datetime(2026, 12, 1, 5, 30, tzinfo=TZ))
    spool = Spool(tmp_path / "spool")
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock, manual=True), clock=clock,
                           audio_out=audio_out, settings=PlayoutSettings(interrupted_policy="log"), spool=spool)
        core.start()
        core.catch_up([DAY])
        assert core.player.current.programme_id == "2026-12-01-sang"
        clock.advance(120)
        with DaemonLock(spool.dir):
            assert submit(spool.dir, audio, {"title": "Cháy rừng", "priority": "khan-cap", "duration_s": 45.0},
                          now=clock.now())
            assert core.poll_spool() == 1
        assert core.player.current.title == "Cháy rừng"
        assert log.status_of("2026-12-01-sang") == "interrupted"
        core.player.current_playback.finish()
        rows = [r for r in log.rows(DAY, DAY) if r["kind"] == "programme"]
        kinds = [e["kind"] for e in log.events(DAY, DAY)]
    assert [(r["session"], r["status"]) for r in rows] == [("sang", "interrupted"), ("dot-xuat", "played")]
    assert kinds.count("urgent") == 2
    assert len(list((spool.dir / "done").iterdir())) == 2 and not list((spool.dir / "processing").iterdir())
