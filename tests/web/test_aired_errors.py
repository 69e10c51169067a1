"""Đã phát shows a failure's Vietnamese cause, never ffmpeg's English, for new rows and for old ones."""

from __future__ import annotations

import sqlite3
from datetime import date

from web_helpers import START

from broadcast.daemon import state_paths
from broadcast.log.asrun import AsRunLog

ENGLISH = ("ffmpeg thoát với mã 187: [out#0/pulse] Nothing was written into output file, because at least one of "
           "its streams received no packets.")


def test_the_aired_page_shows_the_cause_not_the_raw_text(browser, console):
    log_path = state_paths(console.station)[0]
    with AsRunLog(log_path) as log:
        new = log.programme_started(programme_id="2026-12-03-sang", day=date(2026, 12, 3), slot="sang",
                                    session="sang", scheduled_at=START.replace(hour=5, minute=30), title="Buổi sáng",
                                    started_at=START.replace(hour=5, minute=30), output="device")
        log.finish(new, "failed", START.replace(hour=5, minute=31), ENGLISH)
        old = log.programme_started(programme_id="2026-12-03-chieu", day=date(2026, 12, 3), slot="chieu",
                                    session="chieu", scheduled_at=START.replace(hour=17), title="Buổi chiều",
                                    started_at=None, status="failed", output="device")
    with sqlite3.connect(log_path) as db:             # a row as the version before the split wrote it
        db.execute("UPDATE airings SET error = ? WHERE id = ?", (ENGLISH, old))
    page = browser("bien-tap").get("/da-phat?ngay=2026-12-03").text
    assert "Nothing was written" not in page and "packets" not in page
    assert page.count("không mở được thiết bị âm thanh") == 2
