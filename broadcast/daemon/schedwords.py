"""APScheduler's own warnings said in Vietnamese, one line each, for the officer reading the daemon's output.

Under load APScheduler 3.x writes two English warnings to the daemon's stderr (journald keeps it):
'Execution of job "…" skipped: maximum number of running instances reached (1)' and
'Run time of job "…" was missed by 0:00:03'. `install()` puts a filter on its loggers that
rewrites them, for example:

    Bỏ qua một lượt nhịp kiểm tra định kỳ: lượt trước vẫn chưa xong (máy đang bận)
    Phát chương trình 2026-12-01-sang chạy trễ 3 giây so với giờ hẹn nên bị bỏ qua (máy bận hoặc đồng hồ máy nhảy)

With `broadcast -v run` (the apscheduler logger enabled for DEBUG) the English follows in brackets.
Other records pass untouched. A missed slot is also logged 'missed' or 'late' in the as-run log
by the daemon itself (`Daemon._on_missed`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

LOGGERS = ("apscheduler.scheduler", "apscheduler.executors.default", "apscheduler.executors.build")
SKIPPED = 'Execution of job "%s" skipped: maximum number of running instances reached (%d)'
MISSED = 'Run time of job "%s" was missed by %s'

# The daemon's job ids (`broadcast.daemon.wallclock`) in the officer's words.
JOBS = {"heartbeat": "nhịp kiểm tra định kỳ", "spool": "kiểm tra hàng đợi thông báo",
        "inputs": "theo dõi lịch và mẫu", "build-ahead": "dựng trước chương trình ngày mai",
        "new-day": "việc sang ngày mới"}
PREFIXES = {"slot:": "phát chương trình {}", "prepare:": "chuẩn bị chương trình {}",
            "arm:": "mở sẵn đầu ra cho chương trình {}", "preferred-voice:": "dựng lại ngày {} bằng máy đọc ưu tiên"}


def job_words(job_id: str) -> str:
    """'heartbeat' -> 'nhịp kiểm tra định kỳ'; 'slot:2026-12-01-sang' -> 'phát chương trình 2026-12-01-sang'."""
    if job_id in JOBS:
        return JOBS[job_id]
    for prefix, words in PREFIXES.items():
        if job_id.startswith(prefix):
            return words.format(job_id.removeprefix(prefix))
    return f"việc {job_id}"


def _late_words(late: object) -> str:
    seconds = late.total_seconds() if isinstance(late, timedelta) else None
    return f"{seconds:.0f} giây" if seconds is not None else str(late)


class SchedulerWords(logging.Filter):
    """Rewrites APScheduler's 'skipped' and 'missed' warnings into one Vietnamese line (English kept at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in (SKIPPED, MISSED) or not record.args:
            return True
        job = record.args[0]
        what = job_words(str(getattr(job, "id", job)))
        if record.msg == SKIPPED:
            text = f"Bỏ qua một lượt {what}: lượt trước vẫn chưa xong (máy đang bận)"
        else:
            late = record.args[1] if len(record.args) > 1 else ""
            text = (f"{what[:1].upper()}{what[1:]} chạy trễ {_late_words(late)} so với giờ hẹn nên bị bỏ qua "
                    "(máy bận hoặc đồng hồ máy nhảy)")
        if logging.getLogger("apscheduler").isEnabledFor(logging.DEBUG):
            text += f" [{record.getMessage()}]"
        record.msg, record.args = text, ()
        return True


def install() -> SchedulerWords:
    """Put the filter on APScheduler's loggers once (a second call changes nothing); returns it."""
    for name in LOGGERS:
        found = [f for f in logging.getLogger(name).filters if isinstance(f, SchedulerWords)]
        if found:
            return found[0]
    words = SchedulerWords()
    for name in LOGGERS:
        logging.getLogger(name).addFilter(words)
    return words
