"""`Daemon.stop()` leaves nothing of the daemon writing to the as-run log, so its owner may close it at once.

benchmarks/bench_first_audio.py (`daemon.stop(); …; log.close()`) saw "Cannot operate on a closed
database": a scheduler job still running when stop() returned (it shut APScheduler down without
waiting), or a build finishing later, wrote to the closed log. Each is held inside the log call
here by events while stop() is called.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import Daemon, FakeBuilder, PlayoutSettings, StationCore
from broadcast.log.asrun import AsRunLog
from broadcast.play import SystemClock
from broadcast.play.outputs import FileOutput

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UPPER_BOUND_S = 60       # how long an event may take on a loaded machine: a bound, never a speed assertion
HELD_S = 1.0             # how long the held heartbeat waits for the log to be closed (the old stop() closed it
                         # at once, so it failed; the fixed one is waiting for the heartbeat, so it comes after)


@pytest.fixture
def troubles(monkeypatch, caplog):
    """Exceptions of threads, and log records, that say the log was used after it was closed."""
    caught: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: caught.append(f"{args.thread.name}: {args.exc_value}"))
    caplog.set_level(logging.WARNING)

    def found() -> list[str]:
        records = [f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
        return [t for t in caught + records if "closed" in t]
    return found


def core_for(tmp_path, log, clock):
    return StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock), clock=clock,
                       audio_out=tmp_path / "audio_out", settings=PlayoutSettings(), check=lambda p: None)


def test_stop_waits_for_a_running_job_before_the_log_is_closed(tmp_path, troubles):
    """The heartbeat job found a clock jump and is reloading (its 'reload' line) when stop() comes."""
    clock = SystemClock(TZ)
    (tmp_path / "audio_out").mkdir()
    log = AsRunLog(tmp_path / "asrun.sqlite")
    entered, closed, done = threading.Event(), threading.Event(), threading.Event()
    failed: list[BaseException] = []
    real_event = log.event

    def held_event(kind, at, message=""):
        if "đồng hồ máy nhảy" not in message or entered.is_set():
            return real_event(kind, at, message)
        entered.set()
        closed.wait(HELD_S)
        try:
            return real_event(kind, at, message)
        except BaseException as exc:
            failed.append(exc)
            raise
        finally:
            done.set()

    log.event = held_event
    core = core_for(tmp_path, log, clock)
    core.heartbeat = lambda: 120.0             # this beat sees the wall clock jump two minutes
    daemon = Daemon(core, settings=PlayoutSettings())
    daemon.start()
    daemon.scheduler.modify_job("heartbeat", next_run_time=datetime.now(TZ))     # the heartbeat runs now
    assert entered.wait(UPPER_BOUND_S)
    daemon.stop("thử xong")
    log.close()
    closed.set()
    assert done.wait(UPPER_BOUND_S)
    assert failed == [] and troubles() == []
    with AsRunLog(tmp_path / "asrun.sqlite") as again:
        today = clock.now().date()
        # from the day the test began: midnight (17:00 UTC) may pass while it runs
        said = [(e["kind"], e["message"]) for e in again.events(today - timedelta(days=1), today)]
    assert ("reload", "Nạp lại lịch (đồng hồ máy nhảy): 0 chương trình sắp phát") in said
    assert said[-1][0] == "stop"


def test_a_build_still_running_at_stop_writes_nothing_after_it(tmp_path, troubles):
    clock = SystemClock(TZ)
    today = clock.now().date()
    fake = FakeBuilder(tmp_path / "audio_out", {"khuya": ("23:59", 10.0)})
    building, go = threading.Event(), threading.Event()

    def slow_builder(day):
        building.set()
        go.wait(UPPER_BOUND_S)
        return fake(day)

    log = AsRunLog(tmp_path / "asrun.sqlite")
    daemon = Daemon(core_for(tmp_path, log, clock), settings=PlayoutSettings(), builder=slow_builder)
    daemon.start()                  # today has no programme yet: it is built at once, in a thread
    assert building.wait(UPPER_BOUND_S)
    builds = [t for t in threading.enumerate() if t.name == "build-start"]
    daemon.stop("thử xong")
    log.close()
    go.set()
    for thread in builds:
        thread.join(UPPER_BOUND_S)
    assert today in fake.built       # the build itself finished: only its log lines were left out
    assert troubles() == []
