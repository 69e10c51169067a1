"""The as-run log stores the Vietnamese cause of a failure; the raw tool text is kept apart for -v."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.log.asrun import AsRunLog
from broadcast.log.causes import is_raw, plain_cause, raw_error, shown_error, split_error
from broadcast.log.table import format_log

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)
AT = datetime(2026, 12, 1, 5, 30, tzinfo=TZ)
LATER = datetime(2026, 12, 1, 5, 31, tzinfo=TZ)
ISSUE_TEXT = ("ffmpeg thoát với mã 187: [out#0/pulse @ 0x55d] Nothing was written into output file, because at "
              "least one of its streams received no packets.")

# (output, what the output reported, a fragment of the Vietnamese cause)
RAW = [
    ("device", ISSUE_TEXT, "thiết bị âm thanh"),
    ("device", "ffmpeg thoát với mã 1: [alsa @ 0x1] cannot open audio device default (No such file or directory)",
     "thiết bị âm thanh"),
    ("device", "aplay thoát với mã 1: aplay: main:831: audio open error: Device or resource busy", "thiết bị âm thanh"),
    ("file", "ffmpeg thoát với mã 183: Error opening input files: Invalid data found when processing input",
     "tệp âm thanh hỏng"),
    ("null", "ffmpeg thoát với mã 1: /x/0530-sang.mp3: End of file", "tệp âm thanh hỏng"),
    ("icecast", "ffmpeg thoát với mã 1: Connection refused", "không kết nối được máy chủ Icecast"),
    ("icecast", "ffmpeg thoát với mã 1: Server returned 401 Unauthorized (authorization failed)", "mật khẩu nguồn"),
    ("file", "ffmpeg thoát với mã 1: Permission denied", "không ghi được"),
    ("device", "tiếp âm lỗi: [Errno 111] Connection refused", "luồng tiếp âm"),
    ("device", "không chạy được ffmpeg: [Errno 2] No such file or directory: 'ffmpeg'", ""),
    (None, "OSError: [Errno 5] Input/output error", ""),
    ("device", "tệp 0530-sang.mp3 hỏng, không đọc được (Invalid data found when processing input)",
     "tệp 0530-sang.mp3 hỏng, không đọc được"),
    ("device", "Broken pipe while writing the stream", ""),
]
OURS = ["bị ngắt để phát thông báo khẩn; phát tiếp phần còn lại", "máy hoặc chương trình phát dừng đột ngột khi đang phát",
        "đầu ra không dừng kịp", "không rõ kết quả", "phát xong sau 3.0 giây, trong khi tệp dài 60.0 giây: thiết bị "
        "âm thanh có thể không nhận tiếng", "tệp 0530-sang.mp3 rỗng", "không mở được thiết bị âm thanh (kiểm tra "
        "[playout] device hoặc thử với --output file)", "trình phát dừng (Ctrl+C)"]


@pytest.mark.parametrize(("output", "raw", "fragment"), RAW)
def test_raw_tool_text_becomes_the_vietnamese_cause(output, raw, fragment):
    shown, kept = split_error(output, raw)
    assert is_raw(raw) and not is_raw(shown)
    assert fragment in shown and kept == raw
    for english in ("Nothing", "packets", "Invalid", "refused", "Errno", "error", "denied"):
        assert english not in shown


@pytest.mark.parametrize("text", OURS)
def test_our_own_vietnamese_messages_pass_unchanged(text):
    assert not is_raw(text)
    assert split_error("device", text) == (text, None)
    assert plain_cause("device", None) is None and split_error("device", None) == (None, None)


def start(log, **extra):
    fields = dict(programme_id="2026-12-01-sang", day=DAY, slot="sang", session="sang", scheduled_at=AT,
                  title="Buổi sáng", started_at=AT, output="device", file="0530-sang.mp3",
                  entry={"items": [{"id": "a", "kind": "thong-bao", "title": "Thông báo", "offset_s": 0.0,
                                    "duration_s": 600.0}]})
    fields.update(extra)
    return log.programme_started(**fields)


def test_every_write_path_stores_the_cause_and_keeps_the_raw_text(tmp_path):
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        row = start(log)
        log.finish(row, "failed", LATER, ISSUE_TEXT)
        log.programme_started(programme_id="2026-12-01-chieu", day=DAY, slot="chieu", session="chieu",
                              scheduled_at=AT, title="Buổi chiều", started_at=None, status="failed", ended_at=AT,
                              error=ISSUE_TEXT, output="device")
        relay = start(log, programme_id="2026-12-01-trua")
        part = log.part_started(relay, {"item_id": "tiep-am", "item_kind": "tiep-am", "title": "VOV",
                                        "source": "vov", "started_at": AT})
        log.add_aired(relay, [{"id": part, "item_id": "tiep-am", "status": "failed", "started_at": AT,
                               "ended_at": LATER, "error": "tiếp âm lỗi: [Errno 110] Connection timed out"},
                              {"item_id": "du-phong", "status": "played", "started_at": LATER, "ended_at": LATER,
                               "error": "ffmpeg thoát với mã 1: Invalid data found when processing input"}])
        rows = log.rows(DAY, DAY)
    failed = [r for r in rows if r["error"]]
    assert len(failed) >= 5
    for r in failed:
        assert not is_raw(r["error"]), r["error"]
        assert r["error_raw"] and is_raw(r["error_raw"])
    assert any(r["error_raw"] == ISSUE_TEXT for r in rows)


def test_an_old_log_with_raw_english_is_translated_when_shown(tmp_path):
    path = tmp_path / "asrun.sqlite"
    with AsRunLog(path) as log:
        row = start(log)
    with sqlite3.connect(path) as db:                       # as a version before the split wrote it
        db.execute("ALTER TABLE airings DROP COLUMN error_raw")
        db.execute("UPDATE airings SET status = 'failed', error = ? WHERE id = ?", (ISSUE_TEXT, row))
    with AsRunLog(path) as log:                            # migrated: the column comes back, the row stays
        rows = log.rows(DAY, DAY)
    old = rows[0]
    assert old["error"] == ISSUE_TEXT and old["error_raw"] is None
    assert "thiết bị âm thanh" in shown_error(old) and raw_error(old) == ISSUE_TEXT
    table = format_log(rows)
    assert "Nothing was written" not in table and "thiết bị âm thanh" in table
    assert "Nothing was written" in format_log(rows, verbose=True)


def test_broadcast_log_shows_the_cause_and_minus_v_the_raw_ffmpeg_text(station_dir, tmp_path):
    """A real ffmpeg failure (a file of noise named .mp3) through `broadcast play`, read back by `broadcast log`."""
    bad = tmp_path / "hong.mp3"
    bad.write_bytes(bytes(range(256)) * 20)
    run = CliRunner().invoke
    played = run(cli, ["--station", str(station_dir), "play", str(bad), "--output", "null"])
    assert played.exit_code == 1 and "Traceback" not in played.output
    today = datetime.now(TZ).date().isoformat()    # `play` stamps the row with the wall clock's day
    plain = run(cli, ["--station", str(station_dir), "log", "--date", today]).output
    verbose = run(cli, ["--station", str(station_dir), "-v", "log", "--date", today]).output
    assert "tệp âm thanh hỏng" in plain and "Invalid data" not in plain and "chi tiết" not in plain
    assert "chi tiết: ffmpeg thoát với mã" in verbose and "Invalid data" in verbose
