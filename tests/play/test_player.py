"""The player queue (one thing on air, khẩn cấp first, interruption) and `play_file` for manual plays."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import FakeBuilder, write_silence_wav
from broadcast.log.asrun import AsRunLog
from broadcast.play import VirtualClock
from broadcast.play.outputs import FileOutput
from broadcast.play.player import (
    Player,
    PlayJob,
    job_from_announcement,
    jobs_from_manifest,
    play_file,
    session_of,
)
from broadcast.publish.day import read_manifest

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)
T0 = datetime(2026, 12, 1, 5, 30, tzinfo=TZ)


def job(name: str, path: Path, *, seconds: float = 60.0, urgent: bool = False, at: datetime = T0) -> PlayJob:
    return PlayJob(programme_id=name, day=DAY, slot=name, session="sang", scheduled_at=at, title=name,
                   path=path, duration_s=seconds, urgent=urgent)


class Recorder:
    """Admits everything except names in `refuse`; remembers what was asked and how things ended."""

    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.admitted: list[str] = []
        self.ended: list[tuple[str, str, str]] = []
        self.playbacks = {}

    def admit(self, j):
        if j.programme_id in self.refuse:
            return False
        self.admitted.append(j.programme_id)
        return True

    def finished(self, j, result, reason):
        self.ended.append((j.programme_id, result.status, reason))

    def watch(self, j, playback):
        self.playbacks[j.programme_id] = playback


@pytest.fixture
def setup(tmp_path):
    clock = VirtualClock(T0)
    out = FileOutput(tmp_path / "out", clock=clock, manual=True, copy_files=False)
    rec = Recorder(refuse={"da-phat"})
    player = Player(out, admit=rec.admit, finished=rec.finished, watch=rec.watch)
    wav = write_silence_wav(tmp_path / "a.wav")
    return clock, out, rec, player, wav


def test_one_thing_on_air_and_fifo(setup):
    clock, out, rec, player, wav = setup
    for name in ("sang", "da-phat", "trua"):
        player.submit(job(name, wav))
    assert player.current.programme_id == "sang" and [j.programme_id for j in player.pending()] == ["da-phat", "trua"]
    clock.advance(60)
    rec.playbacks["sang"].finish()
    assert player.current.programme_id == "trua"          # 'da-phat' was refused by admit
    assert rec.ended == [("sang", "played", "end")]
    assert player.holds("trua") and not player.holds("sang")


def test_urgent_interrupts_and_what_was_cut_is_reported(setup):
    clock, out, rec, player, wav = setup
    player.submit(job("sang", wav))
    clock.advance(20)
    cut = player.interrupt(job("khan", wav, seconds=30, urgent=True))
    assert cut.programme_id == "sang"
    assert rec.ended == [("sang", "interrupted", "urgent")]
    assert player.current.programme_id == "khan"
    # a second khẩn cấp waits for the first instead of cutting it
    assert player.interrupt(job("khan-2", wav, seconds=30, urgent=True)) is None
    clock.advance(30)
    rec.playbacks["khan"].finish()
    assert player.current.programme_id == "khan-2"
    assert [line[2] for line in out.lines()] == ["interrupted", "played"]


def test_stop_ends_the_play_and_empties_the_queue(setup):
    clock, out, rec, player, wav = setup
    player.submit(job("sang", wav))
    player.submit(job("trua", wav))
    assert player.stop().programme_id == "sang"
    assert rec.ended == [("sang", "interrupted", "stop")] and player.pending() == [] and player.current is None


def test_urgent_jobs_go_before_waiting_programmes(setup):
    clock, out, rec, player, wav = setup
    player.submit(job("sang", wav))
    player.submit(job("trua", wav))
    player.submit(job("uu-tien", wav), front=True)
    player.submit(job("khan", wav, urgent=True))
    assert [j.programme_id for j in player.pending()] == ["khan", "uu-tien", "trua"]


def test_a_broken_output_does_not_stop_the_queue(setup, tmp_path):
    clock, out, rec, player, wav = setup

    class Broken:
        name = "broken"
        clock = VirtualClock(T0)

        def start(self, *a, **k):
            raise OSError("no device")

    player.output = Broken()
    player.submit(job("sang", wav))
    assert rec.ended == [("sang", "failed", "end")] and player.current is None


@pytest.mark.parametrize(("slot", "hour", "minute", "expected"), [
    ("sang", 17, 0, "sang"), ("chieu", 5, 0, "chieu"), ("x", 5, 30, "sang"), ("x", 11, 0, "trua"),
    ("x", 13, 30, "chieu"), ("x", 10, 29, "sang"),
])
def test_session_of(slot, hour, minute, expected):
    assert session_of(slot, datetime(2026, 12, 1, hour, minute, tzinfo=TZ)) == expected


def test_jobs_from_a_published_manifest(tmp_path):
    folder = FakeBuilder(tmp_path, {"chieu": ("17:00", 900.0), "sang": ("05:30", 600.0)})(DAY)
    jobs = jobs_from_manifest(read_manifest(folder), folder)
    assert [(j.programme_id, j.session, j.scheduled_at.strftime("%H:%M")) for j in jobs] == [
        ("2026-12-01-sang", "sang", "05:30"), ("2026-12-01-chieu", "chieu", "17:00")]
    assert jobs[0].path == folder / "0530-sang.wav" and jobs[0].duration_s == 600.0 and jobs[0].tags == ("yte",)


def test_job_from_announcement():
    meta = {"id": "2026-12-01-dot-xuat-143005-ab12", "submitted_at": "2026-12-01T07:30:05+00:00",
            "title": "Bão số 3", "priority": "khan-cap", "template": "bao", "values": {"ten_bao": "Yagi"}}
    j = job_from_announcement(Path("a.mp3"), meta, tz=TZ)
    assert j.urgent and j.session == "dot-xuat" and j.scheduled_at.hour == 14 and j.day == DAY
    assert j.entry["items"][0]["kind"] == "khan-cap" and j.entry["items"][0]["values"] == {"ten_bao": "Yagi"}
    assert not job_from_announcement(Path("a.mp3"), {**meta, "priority": "uu-tien"}, tz=TZ).urgent


def test_play_file_logs_and_reports_progress(tmp_path):
    wav = write_silence_wav(tmp_path / "a.wav")
    progress = []
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        result = play_file(wav, FileOutput(tmp_path / "out"), log=log, on_progress=lambda e, r: progress.append((e, r)))
        rows = log.rows(date.today() - timedelta(days=1), date.today() + timedelta(days=1))
    assert result.status == "played" and progress and progress[-1][1] == pytest.approx(0.05, abs=0.05)
    assert [(r["status"], r["session"]) for r in rows] == [("played", "dot-xuat")]
    assert "-thu-cong-" in rows[0]["programme_id"]


def test_play_file_of_a_scheduled_programme_does_not_settle_the_slot(tmp_path):
    folder = FakeBuilder(tmp_path / "audio_out", {"sang": ("05:30", 600.0)})(DAY)
    j = jobs_from_manifest(read_manifest(folder), folder)[0]
    stop = threading.Event()
    stop.set()
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        result = play_file(j.path, FileOutput(tmp_path / "out", pace=1.0), log=log, job=j, stop=stop, poll_s=0.01)
        assert result.status == "interrupted"
        assert log.status_of("2026-12-01-sang") is None
        rows = log.rows(DAY, DAY)
    assert rows[0]["programme_id"].startswith("2026-12-01-sang-thu-cong-")
    assert [r["item_id"] for r in rows[1:]] == ["mo-dau", "tiem-chung"]


def test_an_announcement_played_directly_is_logged_as_dot_xuat(tmp_path):
    wav = write_silence_wav(tmp_path / "khan.wav")
    now = datetime(2026, 12, 1, 14, 30, 5, tzinfo=TZ)
    j = job_from_announcement(wav, {"title": "Bão số 3", "priority": "khan-cap", "values": {"ten_bao": "Yagi"}},
                              tz=TZ, now=now)
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        assert play_file(wav, FileOutput(tmp_path / "out"), log=log, job=j).status == "played"
        rows = log.rows(DAY, DAY)
    assert rows[0]["programme_id"].startswith("2026-12-01-dot-xuat-143005-")
    assert [(r["kind"], r["session"], r["item_kind"], r["status"]) for r in rows] == [
        ("programme", "dot-xuat", None, "played"), ("item", "dot-xuat", "khan-cap", "played")]
