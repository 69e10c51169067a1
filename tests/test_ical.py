"""iCalendar export: parses back, local start times in +07:00, stable UIDs, items in the description."""

from __future__ import annotations

import os
import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from broadcast.model import Item, ItemKind, Priority, Programme
from broadcast.publish.ical import programmes_to_ical, station_slug, write_ical

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 30, 20, 0, tzinfo=TZ)


def morning(day=date(2026, 12, 1)):
    return Programme(
        date=day, slot="sang", title="Chương trình phát thanh buổi sáng",
        start=datetime(day.year, day.month, day.day, 5, 30, tzinfo=TZ), max_duration_s=1800,
        items=(Item("mo-dau", ItemKind.OPENING, "Lời mở đầu", est_duration_s=40),
               Item("cchc-01", ItemKind.COLUMN, "Cải cách hành chính: đăng ký khai sinh trực tuyến",
                    tags=("cchc", "dvctt"), est_duration_s=300, episode="cchc-01"),
               Item("tiem-chung", ItemKind.NOTICE, unicodedata.normalize("NFD", "Thông báo tiêm chủng"),
                    tags=("yte", "cchc"), priority=Priority.UU_TIEN, repeat=2, est_duration_s=120),
               Item("loi-ket", ItemKind.CLOSING, "Lời kết", est_duration_s=20)),
        warnings=("chương trình gần chạm thời lượng tối đa",))


def afternoon_utc():
    """Start given in UTC: the export still shows 17:00 local."""
    return Programme(
        date=date(2026, 12, 1), slot="chieu", title="Chương trình phát thanh buổi chiều",
        start=datetime(2026, 12, 1, 10, 0, tzinfo=UTC), max_duration_s=1200,
        items=(Item("bao", ItemKind.URGENT, "Tin bão khẩn cấp", priority=Priority.KHAN_CAP),))


def events(data: bytes):
    cal = Calendar.from_ical(data)
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_parses_back_with_local_times_and_timezone():
    cal, evs = events(programmes_to_ical([afternoon_utc(), morning()], station_name="Hòa An", now=NOW))
    assert set(evs) == {"2026-12-01-sang@hoa-an", "2026-12-01-chieu@hoa-an"}
    sang, chieu = evs["2026-12-01-sang@hoa-an"], evs["2026-12-01-chieu@hoa-an"]
    start = sang.decoded("DTSTART")
    assert (start.hour, start.minute, start.utcoffset()) == (5, 30, timedelta(hours=7))
    assert sang["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert chieu.decoded("DTSTART").astimezone(TZ).hour == 17
    assert chieu.decoded("DTSTART").utcoffset() == timedelta(hours=7)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == ["2026-12-01-sang@hoa-an",
                                                           "2026-12-01-chieu@hoa-an"]  # air order


def test_end_is_estimate_or_max_duration():
    _, evs = events(programmes_to_ical([morning(), afternoon_utc()], station_name="Hòa An", now=NOW))
    sang, chieu = evs["2026-12-01-sang@hoa-an"], evs["2026-12-01-chieu@hoa-an"]
    assert sang.decoded("DTEND") - sang.decoded("DTSTART") == timedelta(seconds=480)
    assert chieu.decoded("DTEND") - chieu.decoded("DTSTART") == timedelta(seconds=1200)


def test_uids_stable_and_output_deterministic():
    a = programmes_to_ical([morning(), afternoon_utc()], station_name="Hòa An", now=NOW)
    b = programmes_to_ical([afternoon_utc(), morning()], station_name="Hòa An", now=NOW)
    c = programmes_to_ical([morning()], station_name="Hòa An", now=NOW + timedelta(days=3))
    assert a == b
    assert set(events(c)[1]) <= set(events(a)[1])
    dtstamp = events(a)[1]["2026-12-01-sang@hoa-an"].decoded("DTSTAMP")
    assert dtstamp == NOW and dtstamp.utcoffset() == timedelta(0)


def test_summary_description_categories_priority():
    _, evs = events(programmes_to_ical([morning(), afternoon_utc()], station_name="Hòa An", now=NOW))
    sang = evs["2026-12-01-sang@hoa-an"]
    assert str(sang["SUMMARY"]) == "Chương trình phát thanh buổi sáng"
    text = str(sang["DESCRIPTION"])
    assert "3. Thông báo tiêm chủng (thông báo, ưu tiên, đọc 2 lần, ~2 phút)" in text
    assert "2. Cải cách hành chính: đăng ký khai sinh trực tuyến (chuyên mục, ~5 phút)" in text
    assert "Lưu ý: chương trình gần chạm thời lượng tối đa" in text
    assert text == unicodedata.normalize("NFC", text)
    assert [str(c) for c in sang["CATEGORIES"].cats] == ["cchc", "dvctt", "yte"]
    assert int(sang["PRIORITY"]) == 5
    chieu = evs["2026-12-01-chieu@hoa-an"]
    assert int(chieu["PRIORITY"]) == 1
    assert "1. Tin bão khẩn cấp (khẩn cấp)" in str(chieu["DESCRIPTION"])
    assert "CATEGORIES" not in chieu


def test_empty_schedule_is_a_valid_calendar():
    cal, evs = events(programmes_to_ical([], station_name="Hòa An", now=NOW))
    assert evs == {} and str(cal["VERSION"]) == "2.0"


def test_naive_times_are_refused():
    bad = Programme(date=date(2026, 12, 1), slot="sang", title="x", start=datetime(2026, 12, 1, 5, 30),
                    max_duration_s=60, items=())
    with pytest.raises(ValueError, match="timezone-aware"):
        programmes_to_ical([bad], station_name="Hòa An", now=NOW)


@pytest.mark.parametrize("name, slug", [("Hòa An", "hoa-an"), ("Đông Thành", "dong-thanh"),
                                        ("Xã  Ea H'leo", "xa-ea-h-leo"), ("  ", "dai")])
def test_station_slug(name, slug):
    assert station_slug(name) == slug


def test_write_ical_atomic(tmp_path):
    data = programmes_to_ical([morning()], station_name="Hòa An", now=NOW)
    path = tmp_path / "lich" / "lich-phat-thanh.ics"
    write_ical(data, path)
    assert path.read_bytes() == data
    assert os.listdir(path.parent) == ["lich-phat-thanh.ics"]
