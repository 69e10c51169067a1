"""Planning per zone: targeted notices, columns and relays only where aimed, quiet hours, khẩn cấp through them."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.model import AUDIENCE_VARIABLE, ItemKind
from broadcast.plan.planner import plan
from broadcast.plan.zones import audience_titles, differences, plan_zones, quiet_skips, skipped_on
from broadcast.schedule import load_schedule
from broadcast.schedule.model import ZoneSpec

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 7)            # a Monday

SCHEDULE = """\
slots:
  - {name: sang, start: "05:30", max_minutes: 60}
  - name: chieu
    start: "17:00"
    max_minutes: 60
    structure: [nhac-hieu, mo-dau, chuyen-muc, thong-bao, loi-ket, tiep-am]
    relay: {file: audio/vov.mp3, title: Tiếp âm VOV, zones: [thon-dong]}
zones:
  - {name: thon-dong, title: Thôn Đông, outputs: [file]}
  - {name: thon-trung, title: Thôn Trung, outputs: [file]}
  - {name: xom-bai, title: Xóm Bãi, outputs: [file], quiet_hours: "21:00-06:00"}
columns:
  - {id: nong-nghiep, title: Nông nghiệp, start: 2026-11-02, days: [T2], zones: [xom-bai],
     episodes: [{id: nn-01, template: t}]}
announcements:
  - {id: chung, template: t, title: Thông báo chung, from: 2026-12-01, status: approved}
  - {id: hop-dong, template: t, title: Họp thôn Đông, from: 2026-12-01, status: approved, zones: [thon-dong]}
  - {id: cat-dien, template: t, title: Cắt điện, from: 2026-12-01, status: approved, zones: [thon-trung, xom-bai]}
"""

URGENT = """\
announcements:
  - {id: bao-lu, template: t, from: 2026-12-07, until: 2026-12-07, priority: khan-cap, slots: [chieu]}
"""


def schedule_of(tmp_path: Path, extra: str = ""):
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "vov.mp3").write_bytes(b"ID3")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "lich.yaml").write_text(textwrap.dedent(SCHEDULE), encoding="utf-8")
    if extra:
        (tmp_path / "schedules" / "khan.yaml").write_text(extra, encoding="utf-8")
    return load_schedule(tmp_path / "schedules")


def contents(programme) -> list[str]:
    return [i.id for i in programme.items if i.kind in (ItemKind.NOTICE, ItemKind.COLUMN, ItemKind.RELAY)]


def by_slot(programmes) -> dict:
    return {p.slot: p for p in programmes}


@pytest.fixture
def planned(tmp_path):
    schedule = schedule_of(tmp_path)
    return schedule, plan_zones(schedule, schedule.zones, DAY, tz=TZ)


@pytest.mark.parametrize("zone, slot, expected", [
    ("thon-dong", "sang", ["chung", "hop-dong"]),
    ("thon-trung", "sang", ["cat-dien", "chung"]),
    ("thon-dong", "chieu", ["chung", "hop-dong", "2026-12-07-chieu-tiep-am"]),
    ("thon-trung", "chieu", ["cat-dien", "chung"]),
    ("xom-bai", "chieu", ["nn-01", "cat-dien", "chung"]),
])
def test_each_zone_hears_what_targets_it(planned, zone, slot, expected):
    _, per_zone = planned
    assert contents(by_slot(per_zone[zone])[slot]) == expected
    assert all(p.zones == (zone,) for p in per_zone[zone])


def test_a_slot_in_quiet_hours_is_skipped_there_only(planned):
    schedule, per_zone = planned
    assert list(by_slot(per_zone["xom-bai"])) == ["chieu"]
    assert list(by_slot(per_zone["thon-dong"])) == ["sang", "chieu"]
    (note,) = quiet_skips(schedule, schedule.zones)
    assert note.startswith("schedules/lich.yaml:") and "05:30 (sang) không phát ở Xóm Bãi" in note
    assert "21:00-06:00" in note
    xom_bai = schedule.zones[2]
    assert skipped_on(schedule, xom_bai, DAY, per_zone["xom-bai"]) == [
        "Buổi 05:30 (sang) không phát ở Xóm Bãi (giờ yên lặng 21:00-06:00)."]
    assert skipped_on(schedule, xom_bai, date(2026, 12, 6), []) == [     # a Sunday: sang airs too (days: all)
        "Buổi 05:30 (sang) không phát ở Xóm Bãi (giờ yên lặng 21:00-06:00)."]
    assert skipped_on(schedule, schedule.zones[0], DAY, per_zone["thon-dong"]) == []


def test_khan_cap_airs_through_quiet_hours_and_nothing_else_does(tmp_path):
    schedule = schedule_of(tmp_path, URGENT)
    per_zone = plan_zones(schedule, schedule.zones, DAY, tz=TZ)
    quiet = by_slot(per_zone["xom-bai"])["sang"]
    assert contents(quiet) == ["bao-lu"]                    # no column, no ordinary notice
    assert any("giờ yên lặng" in w and "khẩn cấp" in w for w in quiet.warnings)
    assert "bao-lu" in contents(by_slot(per_zone["thon-dong"])["sang"])


def test_targeted_notices_know_whom_they_are_for(planned):
    _, per_zone = planned
    notices = {i.id: i for p in per_zone["xom-bai"] for i in p.items}
    assert notices["cat-dien"].values[AUDIENCE_VARIABLE] == ["thôn Trung", "xóm Bãi"]
    assert AUDIENCE_VARIABLE not in notices["chung"].values
    same = {i.id: i for p in per_zone["thon-trung"] for i in p.items}["cat-dien"]
    assert same.values == notices["cat-dien"].values       # one text, spoken once for both zones


@pytest.mark.parametrize("targets, titles", [
    (None, []),
    (("thon-dong",), ["thôn Đông"]),
    (("thon-dong", "xom-bai"), ["thôn Đông", "xóm Bãi"]),
])
def test_audience_titles(planned, targets, titles):
    schedule, _ = planned
    assert audience_titles(targets, schedule.zones) == titles


def test_a_zone_less_station_plans_as_before(tmp_path):
    schedule = schedule_of(tmp_path)
    slots = tuple(replace(s, relay=replace(s.relay, zones=None)) if s.relay else s for s in schedule.slots)
    plain = replace(schedule, zones=(), slots=slots, columns=(),
                    announcements=tuple(a for a in schedule.announcements if a.zones is None))
    (zone_plan,) = plan_zones(plain, (ZoneSpec("toan-xa", "Toàn xã", ("device",)),), DAY, tz=TZ).values()
    before = plan(plain, DAY, tz=TZ)
    assert [(p.id, p.items) for p in zone_plan] == [(p.id, p.items) for p in before]


def test_differences_are_one_line_per_slot(planned):
    schedule, per_zone = planned
    lines = differences(per_zone, schedule.zones)
    assert lines[0].startswith("05:30 (sang): ")
    assert "Thôn Trung: + Cắt điện, − Họp thôn Đông" in lines[0]
    assert "Xóm Bãi: không phát (giờ yên lặng)" in lines[0]
    assert lines[1].startswith("17:00 (chieu): ") and "Xóm Bãi: + Nông nghiệp" in lines[1]
