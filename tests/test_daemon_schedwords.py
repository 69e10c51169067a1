"""APScheduler's 'skipped' and 'missed' warnings reach the daemon's output as one Vietnamese line each.

A real BackgroundScheduler is driven into each situation with events, never by waiting on the clock:
a job still running when it is due again (max_instances), and a one-off job whose time has passed.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_REMOVED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from broadcast.daemon import schedwords

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UPPER_BOUND_S = 60       # how long an event may take on a loaded machine: a bound, never a speed assertion


class Said(logging.Handler):
    """Keeps the apscheduler warnings as the daemon's stderr would print them; `arrived` when one is kept."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.arrived = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self.arrived.set()


@pytest.fixture
def said():
    handler = Said()
    logger = logging.getLogger("apscheduler")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    schedwords.install()
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def scheduler():
    sched = BackgroundScheduler(timezone=TZ)
    yield sched
    if sched.running:
        sched.shutdown(wait=True)


def removal(sched: BackgroundScheduler, job_id: str) -> threading.Event:
    """Set once the scheduler has dropped a one-off job (a shutdown before that races its own removal)."""
    removed = threading.Event()
    sched.add_listener(lambda event: event.job_id == job_id and removed.set(), EVENT_JOB_REMOVED)
    return removed


def test_a_job_still_running_when_due_again_is_said_skipped_in_vietnamese(said, scheduler):
    entered, release = threading.Event(), threading.Event()

    def beat():
        entered.set()
        release.wait(UPPER_BOUND_S)

    scheduler.add_job(beat, IntervalTrigger(hours=1, timezone=TZ), id="heartbeat", max_instances=1,
                      next_run_time=datetime.now(TZ))
    scheduler.start()
    try:
        assert entered.wait(UPPER_BOUND_S)
        scheduler.modify_job("heartbeat", next_run_time=datetime.now(TZ))      # due again while still running
        assert said.arrived.wait(UPPER_BOUND_S)
    finally:
        release.set()
    line = "Bỏ qua một lượt nhịp kiểm tra định kỳ: lượt trước vẫn chưa xong (máy đang bận)"
    assert said.lines == [line]
    assert unicodedata.is_normalized("NFC", said.lines[0])


def test_a_one_off_job_past_its_grace_is_said_missed_in_vietnamese(said, scheduler):
    ran = threading.Event()
    removed = removal(scheduler, "slot:2026-12-01-sang")
    scheduler.start()
    scheduler.add_job(ran.set, DateTrigger(run_date=datetime.now(TZ) - timedelta(seconds=90), timezone=TZ),
                      id="slot:2026-12-01-sang", misfire_grace_time=1)
    assert said.arrived.wait(UPPER_BOUND_S) and removed.wait(UPPER_BOUND_S)
    assert not ran.is_set()
    assert len(said.lines) == 1
    assert said.lines[0].startswith("Phát chương trình 2026-12-01-sang chạy trễ ")
    assert said.lines[0].endswith(" giây so với giờ hẹn nên bị bỏ qua (máy bận hoặc đồng hồ máy nhảy)")
    assert "missed" not in said.lines[0] and "\n" not in said.lines[0]


def test_verbose_keeps_the_english_after_the_vietnamese(said, scheduler):
    logging.getLogger("apscheduler").setLevel(logging.DEBUG)       # what `broadcast -v run` sets
    removed = removal(scheduler, "spool")
    scheduler.start()
    scheduler.add_job(print, DateTrigger(run_date=datetime.now(TZ) - timedelta(seconds=90), timezone=TZ),
                      id="spool", misfire_grace_time=1)
    assert said.arrived.wait(UPPER_BOUND_S) and removed.wait(UPPER_BOUND_S)
    line = next(x for x in said.lines if "chạy trễ" in x)
    assert line.startswith("Kiểm tra hàng đợi thông báo chạy trễ ")
    assert '[Run time of job "print (trigger: date[' in line and "was missed by 0:01:3" in line


def test_other_records_pass_untouched_and_install_is_once():
    words = schedwords.install()
    assert schedwords.install() is words
    assert all(logging.getLogger(n).filters.count(words) == 1 for n in schedwords.LOGGERS)
    record = logging.LogRecord("apscheduler.scheduler", logging.INFO, __file__, 1, "Scheduler started", (), None)
    assert words.filter(record) and record.getMessage() == "Scheduler started"


@pytest.mark.parametrize(("job_id", "words"), [
    ("heartbeat", "nhịp kiểm tra định kỳ"), ("build-ahead", "dựng trước chương trình ngày mai"),
    ("prepare:2026-12-01-sang@thon-dong", "chuẩn bị chương trình 2026-12-01-sang@thon-dong"),
    ("arm:2026-12-01-sang", "mở sẵn đầu ra cho chương trình 2026-12-01-sang"),
    ("preferred-voice:2026-12-02", "dựng lại ngày 2026-12-02 bằng máy đọc ưu tiên"),
    ("bulletin-poll", "việc bulletin-poll"),
])
def test_job_words(job_id, words):
    assert schedwords.job_words(job_id) == words
