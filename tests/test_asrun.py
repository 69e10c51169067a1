"""The as-run log: exact schema, item settlement, status of a slot, reading back, the readable table."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.log.asrun import SCHEMA as CURRENT_SCHEMA
from broadcast.log.asrun import AsRunLog
from broadcast.log.table import format_log

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)
AT = datetime(2026, 12, 1, 5, 30, tzinfo=TZ)

AIRINGS_COLUMNS = ["id", "kind", "parent_id", "programme_id", "date", "slot", "session", "scheduled_at",
                   "started_at", "ended_at", "item_id", "item_kind", "template", "title", "tags", "priority",
                   "episode", "source", "repeat", "duration_s", "status", "error", "output", "file",
                   "values_json", "origin", "note", "zone"]

ENTRY = {"id": "2026-12-01-sang", "items": [
    {"id": "mo-dau", "kind": "mo-dau", "template": "mo_dau", "title": "Mở đầu", "tags": [], "offset_s": 0.0,
     "duration_s": 30.0, "priority": "thuong", "repeat": 1, "source": "tu-san-xuat"},
    {"id": "cchc-01", "kind": "chuyen-muc", "template": "cchc", "title": "Cải cách hành chính",
     "tags": ["cchc", "dvc"], "offset_s": 30.0, "duration_s": 60.0, "episode": "cchc-01",
     "values": {"ten_thu_tuc": ["Đăng ký khai sinh", "Chứng thực"]}},
    {"id": "loi-ket", "kind": "loi-ket", "template": "loi_ket", "title": "Lời kết", "tags": [], "offset_s": 90.0,
     "duration_s": 20.0},
]}


@pytest.fixture
def log(tmp_path):
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        yield log


def start(log: AsRunLog, **extra) -> int:
    fields = dict(programme_id="2026-12-01-sang", day=DAY, slot="sang", session="sang", scheduled_at=AT,
                  title="Buổi sáng", started_at=AT, entry=ENTRY, tags=["cchc"], output="file", file="0530-sang.mp3")
    fields.update(extra)
    return log.programme_started(**fields)


def test_schema_is_exactly_the_agreed_one(log):
    columns = [r[1] for r in log._db.execute("PRAGMA table_info(airings)")]
    assert columns == AIRINGS_COLUMNS
    assert [r[1] for r in log._db.execute("PRAGMA table_info(events)")] == ["id", "at", "kind", "message"]
    assert log._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_status_outside_the_list_is_refused_by_the_database(log):
    with pytest.raises(sqlite3.IntegrityError):
        log._db.execute("INSERT INTO airings (kind, programme_id, date, status) VALUES ('programme', 'x', "
                        "'2026-12-01', 'aired')")


def test_programme_and_items_rows(log):
    row = start(log)
    items = log.item_rows(row)
    assert [i["item_id"] for i in items] == ["mo-dau", "cchc-01", "loi-ket"]
    assert all(i["parent_id"] == row and i["status"] == "playing" for i in items)
    assert items[1]["started_at"] == "2026-12-01T05:30:30.000+07:00"
    assert items[1]["tags"] == ["cchc", "dvc"] and items[1]["episode"] == "cchc-01"
    assert '"ten_thu_tuc": ["Đăng ký khai sinh", "Chứng thực"]' in items[1]["values_json"]
    assert log.status_of("2026-12-01-sang") == "playing"


@pytest.mark.parametrize(("status", "ended_after_s", "expected"), [
    ("played", 110, ["played", "played", "played"]),
    ("late", 110, ["played", "played", "played"]),
    ("interrupted", 45, ["played", "interrupted", "skipped"]),
    ("failed", 10, ["failed", "skipped", "skipped"]),
    ("interrupted", 90, ["played", "played", "interrupted"]),
])
def test_finish_settles_items_by_their_offsets(log, status, ended_after_s, expected):
    row = start(log)
    log.finish(row, status, AT + timedelta(seconds=ended_after_s), "lý do" if status != "played" else None)
    assert log.status_of("2026-12-01-sang") == status
    items = log.item_rows(row)
    assert [i["status"] for i in items] == expected
    skipped = [i for i in items if i["status"] == "skipped"]
    assert all(i["started_at"] is None for i in skipped)


def test_status_of_is_the_latest_row(log):
    assert log.status_of("2026-12-01-sang") is None
    first = start(log)
    log.finish(first, "interrupted", AT + timedelta(seconds=40))
    second = start(log, started_at=AT + timedelta(minutes=1))
    log.finish(second, "played", AT + timedelta(minutes=3))
    assert log.status_of("2026-12-01-sang") == "played"
    assert log.open_programmes() == []


def test_open_programmes_are_the_ones_left_playing(log):
    row = start(log)
    assert [r["id"] for r in log.open_programmes()] == [row]


def test_rows_and_events_filter_by_local_date(log):
    start(log)
    start(log, programme_id="2026-12-02-sang", day=date(2026, 12, 2), scheduled_at=AT + timedelta(days=1),
          started_at=None, status="missed", entry=None)
    log.event("heartbeat", AT, "chờ")
    log.event("clock-jump", AT + timedelta(days=1), "nhảy")
    assert {r["date"] for r in log.rows(DAY, DAY)} == {"2026-12-01"}
    assert len(log.rows(DAY, DAY + timedelta(days=1))) == 5
    assert [e["kind"] for e in log.events(DAY + timedelta(days=1), DAY + timedelta(days=1))] == ["clock-jump"]
    assert log.last_event(["heartbeat"])["message"] == "chờ"
    with pytest.raises(ValueError):
        log.event("nonsense", AT, "")


def test_naive_times_are_refused(log):
    with pytest.raises(ValueError):
        start(log, started_at=datetime(2026, 12, 1, 5, 30))


def test_every_change_is_visible_to_another_connection_at_once(tmp_path):
    path = tmp_path / "asrun.sqlite"
    with AsRunLog(path) as writer:
        row = start(writer)
        reader = sqlite3.connect(path)
        assert reader.execute("SELECT status FROM airings WHERE id = ?", (row,)).fetchone() == ("playing",)
        writer.finish(row, "played", AT + timedelta(minutes=2))
        assert reader.execute("SELECT status FROM airings WHERE id = ?", (row,)).fetchone() == ("played",)
        reader.close()


def test_format_log_reads_like_a_log_book(log):
    row = start(log)
    log.finish(row, "interrupted", AT + timedelta(seconds=45), "bị ngắt để phát thông báo khẩn")
    text = format_log(log.rows(DAY, DAY))
    lines = text.splitlines()
    assert "Trạng thái" in lines[0]
    assert "2026-12-01  05:30:00  sang" in lines[2] and "bị ngắt" in lines[2] and "0:45" in lines[2]
    assert "[bị ngắt để phát thông báo khẩn]" in lines[2]
    assert "· Cải cách hành chính" in text and "bỏ qua" in text
    assert "chưa có gì" in format_log([])


# the airings table as the first release wrote it (no origin, no note)
OLD_SCHEMA = CURRENT_SCHEMA.split("    values_json TEXT NULL,")[0] + "    values_json TEXT NULL\n);\n"


def test_an_old_log_is_migrated_and_its_rows_count_as_scheduled(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA.split("CREATE INDEX")[0])
        db.execute("INSERT INTO airings (kind, programme_id, date, status) VALUES ('programme', 'x', '2026-11-30', "
                   "'played')")
    with AsRunLog(path) as log:
        assert [r[1] for r in log._db.execute("PRAGMA table_info(airings)")] == AIRINGS_COLUMNS
        assert [r["origin"] for r in log.rows(date(2026, 11, 30), date(2026, 11, 30))] == ["scheduled"]
        start(log, origin="manual")
        assert {r["origin"] for r in log.rows(DAY, DAY)} == {"manual"}       # items carry the programme's
    with AsRunLog(path) as log:                                             # opening again is a no-op
        assert len(log.rows(DAY, DAY)) == 4
        with pytest.raises(sqlite3.IntegrityError):
            log._db.execute("INSERT INTO airings (kind, programme_id, date, status, origin) VALUES "
                            "('programme', 'y', '2026-12-01', 'played', 'test')")


def test_an_unknown_origin_is_refused(log):
    with pytest.raises(ValueError):
        start(log, origin="bogus")


def test_a_resumed_play_logs_the_items_from_its_offset(log):
    row = start(log, offset_s=30.0, duration_s=80.0, note="phát tiếp từ mục 'Cải cách hành chính' (0:30)")
    items = log.item_rows(row)
    assert [(i["item_id"], i["started_at"][11:19]) for i in items] == [("cchc-01", "05:30:00"),
                                                                      ("loi-ket", "05:31:00")]
    text = format_log(log.rows(DAY, DAY))
    assert "theo lịch" in text and "(phát tiếp từ mục 'Cải cách hành chính' (0:30))" in text


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid"), reason="POSIX modes")
def test_the_log_is_private_whatever_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        with AsRunLog(tmp_path / "a.sqlite") as log:
            start(log)
    finally:
        os.umask(old)
    assert (tmp_path / "a.sqlite").stat().st_mode & 0o777 == 0o600


# --- zones -------------------------------------------------------------------------------------

def test_a_log_before_zones_gets_the_zone_column_and_its_rows_are_the_whole_commune(tmp_path):
    path = tmp_path / "truoc-vung.sqlite"
    before = CURRENT_SCHEMA.replace("    note TEXT NULL,\n    zone TEXT NULL\n", "    note TEXT NULL\n")
    assert "zone" not in before
    with sqlite3.connect(path) as db:
        db.executescript(before.split("CREATE INDEX")[0])
        db.execute("INSERT INTO airings (kind, programme_id, date, status) VALUES ('programme', '2026-12-01-sang', "
                   "'2026-12-01', 'played')")
    with AsRunLog(path) as log:
        assert [r[1] for r in log._db.execute("PRAGMA table_info(airings)")] == AIRINGS_COLUMNS
        assert [r["zone"] for r in log.rows(DAY, DAY)] == [None]
        # an old row is the whole commune: every zone counts it as aired (it never airs twice)
        assert log.status_of("2026-12-01-sang", "thon-dong") == "played"
        assert log.status_of("2026-12-01-sang") == "played"


@pytest.mark.parametrize(("zone", "other", "expected"), [
    ("thon-dong", "thon-tay", None), ("thon-dong", "thon-dong", "interrupted"), (None, "thon-tay", "interrupted")])
def test_status_and_latest_row_are_per_zone(log, zone, other, expected):
    row = start(log, zone=zone)
    log.finish(row, "interrupted", AT + timedelta(seconds=45))
    assert log.status_of("2026-12-01-sang", other) == expected
    assert all(r["zone"] == zone for r in log.rows(DAY, DAY))          # items carry the programme's zone


def test_the_log_table_shows_the_zone_when_there_is_more_than_one(log):
    start(log, zone="thon-dong")
    assert "Vùng" not in format_log(log.rows(DAY, DAY))               # one zone: nothing to tell apart
    start(log, zone="thon-tay", entry=None)
    lines = format_log(log.rows(DAY, DAY), zone_titles={"thon-dong": "Thôn Đông"}).splitlines()
    assert "Vùng" in lines[0]
    assert "Thôn Đông" in lines[2] and "thon-tay" in lines[-1]
