"""`zones:` in schedule files: the documented shape, targets, quiet hours, and every mistake with file and line."""

from __future__ import annotations

import textwrap
from datetime import time
from pathlib import Path

import pytest

from broadcast.errors import MultiError, ScheduleError
from broadcast.schedule import QuietHours, load_schedule
from broadcast.schedule.zones import effective_zones, parse_quiet_hours

SLOTS = """\
slots:
  - {name: sang, start: "05:30", max_minutes: 30}
  - {name: chieu, start: "17:00", max_minutes: 30, relay: {file: audio/vov.mp3, zones: [thon-dong]}}
"""

ZONES = """\
zones:
  - name: thon-dong
    title: Thôn Đông
    outputs: [device, "icecast:/thon-dong"]
    quiet_hours: "21:00-06:00"
    gain_db: -3
    gains: {sang: -6}
  - name: thon-trung
    title: Thôn Trung
    outputs: [file, "null", "device:hw:1"]
"""

TARGETED = """\
announcements:
  - {id: hop, template: t, from: 2026-12-01, zones: [thon-dong, thon-trung]}
  - {id: chung, template: t, from: 2026-12-01}
columns:
  - {id: c, title: C, start: 2026-11-02, days: [T2], zones: [thon-trung], episodes: [{id: e, template: t}]}
"""


def station(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "audio").mkdir(exist_ok=True)
    (tmp_path / "audio" / "vov.mp3").write_bytes(b"ID3")
    for rel, text in files.items():
        target = tmp_path / "schedules" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path / "schedules"


def problems(directory: Path) -> list[ScheduleError]:
    with pytest.raises(MultiError) as caught:
        load_schedule(directory)
    return caught.value.errors


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_zones_and_targets_load(tmp_path):
    schedule = load_schedule(station(tmp_path, {"lich.yaml": SLOTS, "vung.yaml": ZONES, "tb.yaml": TARGETED}))
    dong, trung = schedule.zones
    assert (dong.name, dong.title, dong.outputs) == ("thon-dong", "Thôn Đông", ("device", "icecast:/thon-dong"))
    assert dong.quiet_hours == QuietHours(time(21), time(6))
    assert (dong.gain_db, dong.gain_for("sang"), dong.gain_for("chieu")) == (-3.0, -6.0, -3.0)
    assert dong.path.name == "vung.yaml" and dong.line == 2
    assert trung.outputs == ("file", "null", "device:hw:1") and trung.quiet_hours is None
    by_id = {a.id: a for a in schedule.announcements}
    assert by_id["hop"].zones == ("thon-dong", "thon-trung") and by_id["chung"].zones is None
    assert schedule.columns[0].zones == ("thon-trung",)
    assert schedule.slot("chieu").relay.zones == ("thon-dong",)


def test_a_station_without_zones_is_one_zone_on_its_output(tmp_path):
    class Playout:
        output = "icecast"

    class Station:
        playout = Playout()

    schedule = load_schedule(station(tmp_path, {"lich.yaml": SLOTS.replace(", zones: [thon-dong]", "")}))
    assert schedule.zones == ()
    (zone,) = effective_zones(schedule, Station())
    assert (zone.name, zone.title, zone.outputs, zone.quiet_hours) == ("toan-xa", "Toàn xã", ("icecast",), None)


@pytest.mark.parametrize("raw, start, end", [
    ("21:00-06:00", time(21), time(6)),
    ("05:00-06:30", time(5), time(6, 30)),
    ("22-5", time(22), time(5)),
    ("20:00-24:00", time(20), time(0)),
    (" 21:00 - 06:00 ", time(21), time(6)),
    ("21h-6h", time(21), time(6)),
    ("21h30 đến 5h", time(21, 30), time(5)),
    ("21:00–06:00", time(21), time(6)),
])
def test_quiet_hours_read(raw, start, end):
    assert parse_quiet_hours(raw) == QuietHours(start, end)


@pytest.mark.parametrize("span, inside, outside", [
    ("21:00-06:00", [time(21), time(23, 59), time(0), time(5, 30)], [time(6), time(12), time(20, 59)]),
    ("12:00-13:30", [time(12), time(13, 29)], [time(11, 59), time(13, 30), time(5, 30)]),
])
def test_quiet_hours_contain(span, inside, outside):
    quiet = parse_quiet_hours(span)
    assert all(quiet.contains(t) for t in inside)
    assert not any(quiet.contains(t) for t in outside)


ZONE_MISTAKES = [
    # (zones text, the line to point at, words the message says)
    ('zones:\n  - {name: a, title: A, outputs: [file], quiet_hours: "25:00-06:00"}\n', "25:00", "giờ 25 quá 24"),
    ('zones:\n  - {name: a, title: A, outputs: [file], quiet_hours: "06:00-06:00"}\n', "06:00-06:00", "bằng"),
    ('zones:\n  - {name: a, title: A, outputs: [file], quiet_hours: "21:75-06:00"}\n', "21:75", "phút 75"),
    ('zones:\n  - {name: a, title: A, outputs: [file], quiet_hours: "tối"}\n', "tối", "21:00-06:00"),
    ('zones:\n  - {name: a, title: A, outputs: [file], quiet_hours: 2100}\n', "2100", "không hợp lệ"),
    ("zones:\n  - {name: a, title: A}\n", "name: a", "chưa có đầu ra"),
    ("zones:\n  - {name: a, title: A, outputs: []}\n", "outputs", "đang trống"),
    ("zones:\n  - {name: a, title: A, outputs: [null]}\n", "outputs", "ngoặc kép"),
    ("zones:\n  - {name: a, title: A, outputs: [devise]}\n", "devise", "'device'"),
    ("zones:\n  - {name: a, title: A, outputs: ['icecast:thon-a']}\n", "icecast", "icecast:/thon-dong"),
    ("zones:\n  - {name: a, title: A, outputs: [file, file]}\n", "outputs", "hai lần"),
    ("zones:\n  - {name: a, title: A, outputs: [file]}\n  - {name: a, title: B, outputs: [file]}\n",
     "title: B", "đã dùng"),
    ("zones:\n  - {name: Thôn A, title: A, outputs: [file]}\n", "Thôn A", "thon-a"),
    ("zones:\n  - {name: a, outputs: [file]}\n", "name: a", "Thiếu khóa 'title'"),
    ("zones:\n  - {name: a, title: A, outputs: [file], quiet: '21:00-06:00'}\n", "quiet", "quiet_hours"),
    ("zones:\n  - {name: a, title: A, outputs: [file], gain_db: 40}\n", "gain_db", "từ -30"),
    ("zones:\n  - {name: a, title: A, outputs: [file], gains: {sagn: -6}}\n", "gains", "'sang'"),
    ("zones:\n  - {name: a, title: A, outputs: [file], gains: {sang: loud}}\n", "gains", "dB"),
    ("zones:\n", "zones", "đang trống"),
    ("zones: thon-dong\n", "zones", "danh sách"),
    ("zones:\n  - thon-dong\n", "thon-dong", "nhóm khóa"),
]


@pytest.mark.parametrize("text, needle, words", ZONE_MISTAKES)
def test_each_zone_mistake_names_file_line_and_fix(tmp_path, text, needle, words):
    errors = problems(station(tmp_path, {"lich.yaml": SLOTS.replace(", zones: [thon-dong]", ""), "vung.yaml": text}))
    line = line_of(text, needle)
    matching = [e for e in errors if e.path == "schedules/vung.yaml" and e.line == line and words in str(e)]
    assert matching, [str(e) for e in errors]
    assert all("Sửa" in str(e) or "sửa" in str(e) or e.hint for e in matching)


TARGET_MISTAKES = [
    # (file text, the line, words): targets name a declared zone, with did-you-mean
    ("announcements:\n  - {id: a, template: t, from: 2026-12-01, zones: [thon-dog]}\n", "thon-dog", "'thon-dong'"),
    ("announcements:\n  - {id: a, template: t, from: 2026-12-01, zones: [Thôn Trung]}\n", "Thôn Trung",
     "'thon-trung'"),
    ("announcements:\n  - {id: a, template: t, from: 2026-12-01, zones: []}\n", "zones", "cả xã"),
    ("columns:\n  - {id: c, title: C, start: 2026-11-02, days: [T2], zones: [thon-tay],\n"
     "     episodes: [{id: e, template: t}]}\n", "thon-tay", "chưa được khai báo"),
    ("slots:\n  - {name: toi, start: '19:00', max_minutes: 20, relay: {file: audio/vov.mp3, zones: [dong]}}\n",
     "dong", "'thon-dong'"),
]


@pytest.mark.parametrize("text, needle, words", TARGET_MISTAKES)
def test_unknown_target_zone_is_an_error_with_did_you_mean(tmp_path, text, needle, words):
    errors = problems(station(tmp_path, {"lich.yaml": SLOTS, "vung.yaml": ZONES, "tb.yaml": text}))
    line = line_of(text, needle)
    assert [e for e in errors if e.path == "schedules/tb.yaml" and e.line == line and words in str(e)], \
        [str(e) for e in errors]


def test_a_target_without_declared_zones_says_to_declare_them(tmp_path):
    text = "announcements:\n  - {id: a, template: t, from: 2026-12-01, zones: [thon-dong]}\n"
    errors = problems(station(tmp_path, {"lich.yaml": SLOTS.replace(", zones: [thon-dong]", ""), "tb.yaml": text}))
    assert any(e.line == 2 and "khai báo vùng này trong mục 'zones:'" in str(e) for e in errors)


def test_zones_in_two_files_are_refused_naming_both(tmp_path):
    other = "zones:\n  - {name: thon-tay, title: Thôn Tây, outputs: [file]}\n"
    errors = problems(station(tmp_path, {"lich.yaml": SLOTS, "vung.yaml": ZONES, "vung2.yaml": other}))
    (error,) = [e for e in errors if e.path == "schedules/vung2.yaml"]
    assert error.line == 1
    assert "schedules/vung.yaml:1" in str(error) and "chỉ một tệp" in str(error)


def test_a_zone_with_a_mistake_is_still_known_to_targets(tmp_path):
    zones = 'zones:\n  - {name: thon-dong, title: Thôn Đông, outputs: [file], quiet_hours: "25:00-06:00"}\n'
    text = "announcements:\n  - {id: a, template: t, from: 2026-12-01, zones: [thon-dong]}\n"
    errors = problems(station(tmp_path, {"lich.yaml": SLOTS.replace(", zones: [thon-dong]", ""),
                                         "vung.yaml": zones, "tb.yaml": text}))
    assert [e.path for e in errors] == ["schedules/vung.yaml"]       # one mistake, one message


def test_targets_in_a_console_announcement_file(tmp_path):
    folder = station(tmp_path, {"lich.yaml": SLOTS, "vung.yaml": ZONES,
                                "thong-bao/hop.yaml": "id: hop\ntemplate: t\nfrom: 2026-12-01\nzones: [thon-trung]\n"})
    (spec,) = load_schedule(folder).announcements
    assert spec.zones == ("thon-trung",)
