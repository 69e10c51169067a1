"""The pure planner: slots per day, holiday policy, item order, rotation, overflow, approval."""

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.errors import TemplateError
from broadcast.model import ItemKind, Priority
from broadcast.plan.planner import default_estimate, plan
from broadcast.schedule import (
    AnnouncementSpec,
    CalendarException,
    ColumnSpec,
    EpisodeSpec,
    RelaySpec,
    Schedule,
    SlotSpec,
    StationCalendar,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EVERY_DAY = frozenset(range(1, 8))
MON_SAT = frozenset(range(1, 7))
STRUCTURE = ("nhac-hieu", "mo-dau", "chuyen-muc", "thong-bao", "loi-ket", "nhac-hieu")
CALENDAR = StationCalendar()
FURNITURE_S = 12 + 30 + 30 + 12          # tune, opening, closing, tune with the default estimate


def slot(name, start, days=EVERY_DAY, max_minutes=30.0, on_holiday="normal", structure=STRUCTURE,
         relay=None, session=None):
    h, m = map(int, start.split(":"))
    return SlotSpec(name=name, title=f"Chương trình {name}", session=session or name, start=time(h, m),
                    days=days, max_minutes=max_minutes, on_holiday=on_holiday, structure=structure,
                    relay=relay, line=1)


def ann(id, priority=None, valid_from=date(2026, 12, 1), until=None, slots=("sang", "chieu"),
        days=EVERY_DAY, status="approved", repeat=None, tags=None, template="thong_bao", title=None):
    return AnnouncementSpec(id=id, template=template, values={"x": id}, valid_from=valid_from,
                            valid_until=until, slots=slots, days=days,
                            priority=Priority(priority) if priority else None, repeat=repeat,
                            status=status, path="schedules/lich.yaml", line=1, title=title or id, tags=tags)


def sched(slots, columns=(), announcements=(), calendar=CALENDAR, require_approval=False):
    return Schedule(slots=tuple(slots), columns=tuple(columns), announcements=tuple(announcements),
                    calendar=calendar, source_files=(), require_approval=require_approval)


STATION = [
    slot("sang", "05:30", days=MON_SAT, on_holiday="festive"),
    slot("trua", "11:00", days=frozenset({6, 7}), on_holiday="normal"),
    slot("chieu", "17:00", on_holiday="off"),
]


def ids(programme, kind=None):
    return [i.id for i in programme.items if kind is None or i.kind is kind]


# --- which slots air -----------------------------------------------------------------------

@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 12, 7), ["sang", "chieu"]),             # thứ Hai
    (date(2026, 12, 8), ["sang", "chieu"]),
    (date(2026, 12, 9), ["sang", "chieu"]),
    (date(2026, 12, 10), ["sang", "chieu"]),
    (date(2026, 12, 11), ["sang", "chieu"]),
    (date(2026, 12, 12), ["sang", "trua", "chieu"]),    # thứ Bảy
    (date(2026, 12, 13), ["trua", "chieu"]),            # Chủ nhật
])
def test_slots_by_weekday(day, expected):
    programmes = plan(sched(STATION), day, tz=TZ)
    assert [p.slot for p in programmes] == expected
    assert all(not p.festive for p in programmes)
    assert programmes[0].start.tzinfo is TZ


@pytest.mark.parametrize(("day", "expected"), [
    # sang: festive on holidays; trua (weekends): normal; chieu: off on holidays
    (date(2026, 2, 17), [("sang", True)]),                    # Tết 2026, thứ Ba
    (date(2026, 4, 26), [("trua", False)]),                   # Giỗ Tổ on a Sunday: no sang anyway
    (date(2026, 4, 27), [("sang", True)]),                    # nghỉ bù
    (date(2026, 4, 28), [("sang", False), ("chieu", False)]),
    (date(2026, 4, 30), [("sang", True)]),
    (date(2026, 5, 1), [("sang", True)]),
    (date(2026, 9, 2), [("sang", True)]),
    (date(2030, 2, 2), [("sang", True), ("trua", False)]),    # Tết 2030 is a Saturday in Vietnam
    (date(2030, 2, 9), [("sang", False), ("trua", False), ("chieu", False)]),
])
def test_holiday_policy_per_slot(day, expected):
    assert [(p.slot, p.festive) for p in plan(sched(STATION), day, tz=TZ)] == expected


def test_station_exceptions_switch_slots_off_and_on():
    calendar = StationCalendar(exceptions=(
        CalendarException(date=date(2026, 12, 8), slots=frozenset({"chieu"}), on_air=False),
        CalendarException(date=date(2026, 12, 13), slots=frozenset({"sang"}), on_air=True),
    ), days_off={date(2026, 12, 22): "Kỷ niệm ngày thành lập xã"})
    schedule = sched(STATION, calendar=calendar)
    assert [p.slot for p in plan(schedule, date(2026, 12, 8), tz=TZ)] == ["sang"]
    assert [p.slot for p in plan(schedule, date(2026, 12, 13), tz=TZ)] == ["sang", "trua", "chieu"]
    assert [(p.slot, p.festive) for p in plan(schedule, date(2026, 12, 22), tz=TZ)] == [("sang", True)]


# --- what goes in a programme ---------------------------------------------------------------

CCHC = ColumnSpec(id="cchc", title="Cải cách hành chính", tags=("cchc",), slots=("sang",),
                  days=frozenset({1}), days_of_month=frozenset(), airings_per_episode=3,
                  start=date(2026, 11, 2),
                  episodes=tuple(EpisodeSpec(id=f"cchc-0{n}", template="cchc", values={"n": n})
                                 for n in (1, 2, 3)))


def test_items_follow_the_structure():
    relay = RelaySpec(file=Path("/dai/audio/vov.mp3"), title="Tiếp âm VOV", source="vov")
    slots = [slot("sang", "05:30", relay=relay,
                  structure=("nhac-hieu", "mo-dau", "chuyen-muc", "thong-bao", "loi-ket", "tiep-am"))]
    schedule = sched(slots, columns=[CCHC], announcements=[ann("hop-thon", title="Họp thôn")])
    (p,) = plan(schedule, date(2026, 12, 7), tz=TZ)
    assert p.id == "2026-12-07-sang" and p.start == datetime(2026, 12, 7, 5, 30, tzinfo=TZ)
    assert [(i.id, i.kind) for i in p.items] == [
        ("2026-12-07-sang-nhac-hieu", ItemKind.TUNE),
        ("2026-12-07-sang-mo-dau", ItemKind.OPENING),
        ("2026-12-07-sang-chuyen-tiep-cchc", ItemKind.TRANSITION),
        ("cchc-02", ItemKind.COLUMN),
        ("2026-12-07-sang-chuyen-tiep-thong-bao", ItemKind.TRANSITION),
        ("hop-thon", ItemKind.NOTICE),
        ("2026-12-07-sang-loi-ket", ItemKind.CLOSING),
        ("2026-12-07-sang-tiep-am", ItemKind.RELAY),
    ]
    tune, opening, to_column, episode, to_notices, notice, closing, relay_item = p.items
    assert tune.audio_file is None
    assert opening.template == "mo_dau"
    assert opening.values == {"buoi": "sáng", "ngay": date(2026, 12, 7),
                              "muc_luc": ["Cải cách hành chính", "Họp thôn"]}
    assert to_column.template == "chuyen_tiep"
    assert to_column.values == {"loai": "chuyen-muc", "ten": "Cải cách hành chính"}
    assert episode.episode == "cchc-02" and episode.values == {"n": 2} and episode.tags == ("cchc",)
    assert to_notices.values == {"loai": "thong-bao"}
    assert closing.template == "loi_ket" and closing.values == {"buoi": "sáng", "ngay": date(2026, 12, 7)}
    assert relay_item.audio_file == Path("/dai/audio/vov.mp3") and relay_item.source == "vov"
    assert p.est_duration_s == sum(default_estimate(i) for i in p.items)


def test_empty_sections_have_no_transition():
    (p,) = plan(sched([slot("sang", "05:30")]), date(2026, 12, 8), tz=TZ)
    assert [i.kind for i in p.items] == [ItemKind.TUNE, ItemKind.OPENING, ItemKind.CLOSING, ItemKind.TUNE]
    assert p.items[1].values["muc_luc"] == []


@pytest.mark.parametrize(("day", "episode"), [
    (date(2026, 11, 2), "cchc-01"), (date(2026, 11, 16), "cchc-01"), (date(2026, 11, 23), "cchc-02"),
    (date(2026, 12, 14), "cchc-03"), (date(2027, 1, 4), "cchc-01"), (date(2026, 11, 3), None),
])
def test_column_episode_of_the_day(day, episode):
    (p,) = plan(sched([slot("sang", "05:30")], columns=[CCHC]), day, tz=TZ)
    assert (ids(p, ItemKind.COLUMN) or [None]) == [episode]


def test_notices_in_priority_then_date_then_id_order():
    announcements = [
        ann("thuong-cu", "thuong", valid_from=date(2026, 11, 20)),
        ann("thuong-b", "thuong", valid_from=date(2026, 12, 1)),
        ann("thuong-a", "thuong", valid_from=date(2026, 12, 1)),
        ann("uu-tien-moi", "uu-tien", valid_from=date(2026, 12, 5)),
        ann("uu-tien-cu", "uu-tien", valid_from=date(2026, 12, 2)),
        ann("bao", "khan-cap", valid_from=date(2026, 12, 6), slots=("chieu",)),   # urgent: every slot
        ann("het-han", "khan-cap", valid_from=date(2026, 11, 1), until=date(2026, 12, 6)),
        ann("chua-toi", "khan-cap", valid_from=date(2026, 12, 8)),
        ann("chi-chieu", "uu-tien", slots=("chieu",)),
        ann("chi-thu-hai", "uu-tien", days=frozenset({1})),
    ]
    schedule = sched([slot("sang", "05:30", max_minutes=60), slot("chieu", "17:00", max_minutes=60)],
                     announcements=announcements)
    sang, chieu = plan(schedule, date(2026, 12, 7), tz=TZ)
    assert ids(sang, ItemKind.NOTICE) == ["bao", "chi-thu-hai", "uu-tien-cu", "uu-tien-moi", "thuong-cu",
                                          "thuong-a", "thuong-b"]
    assert ids(chieu, ItemKind.NOTICE)[:2] == ["bao", "chi-chieu"]
    assert [i.priority for i in sang.items if i.kind is ItemKind.NOTICE][0] is Priority.KHAN_CAP


@dataclass(frozen=True)
class Info:
    title: str
    kind: str = "thong-bao"
    tags: tuple = ()
    priority: object = "thuong"
    repeat: int = 1


class FakeLibrary:
    infos = {
        "tiem_chung": Info("Thông báo tiêm chủng", tags=("yte",), priority="uu-tien", repeat=2),
        "thong_bao": Info("Thông báo chung"),
        "chuc_tet": Info("Chúc mừng năm mới", tags=("le-tet",), priority=Priority.THUONG),
        "mo_dau": Info("Lời mở đầu (mẫu)", kind="mo-dau"),
    }

    def get(self, name):
        if name not in self.infos:
            raise TemplateError(f"Không có mẫu '{name}'")
        return self.infos[name]

    def check_values(self, name, values):
        return []


def test_template_metadata_gives_defaults_and_the_announcement_overrides():
    announcements = [
        AnnouncementSpec(id="tiem", template="tiem_chung", values={}, valid_from=date(2026, 12, 1),
                         valid_until=None, slots=("sang",), days=EVERY_DAY, priority=None, repeat=None,
                         status="approved", path="x", line=1),
        AnnouncementSpec(id="tiem-gap", template="tiem_chung", values={}, valid_from=date(2026, 12, 1),
                         valid_until=None, slots=("sang",), days=EVERY_DAY, priority=Priority.KHAN_CAP,
                         repeat=3, status="approved", path="x", line=1, title="Tiêm gấp", tags=("dich",)),
    ]
    (p,) = plan(sched([slot("sang", "05:30", max_minutes=60)], announcements=announcements),
                date(2026, 12, 8), tz=TZ, library=FakeLibrary())
    gap, tiem = [i for i in p.items if i.kind is ItemKind.NOTICE]
    assert (tiem.title, tiem.tags, tiem.priority, tiem.repeat) == ("Thông báo tiêm chủng", ("yte",),
                                                                    Priority.UU_TIEN, 2)
    assert (gap.title, gap.tags, gap.priority, gap.repeat) == ("Tiêm gấp", ("dich",), Priority.KHAN_CAP, 3)
    assert tiem.est_duration_s == 90.0 and gap.est_duration_s == 135.0
    assert p.items[1].title == "Lời mở đầu (mẫu)"


def test_festive_programme_has_only_furniture_festive_and_urgent_items():
    relay = RelaySpec(file=Path("/dai/vov.mp3"), title="VOV")
    festive_column = ColumnSpec(id="xuan", title="Mừng Đảng, mừng Xuân", tags=("le-tet",), slots=("sang",),
                                days=EVERY_DAY, days_of_month=frozenset(), airings_per_episode=1,
                                start=date(2026, 1, 1),
                                episodes=(EpisodeSpec(id="xuan-01", template="chuc_tet", values={}),))
    announcements = [ann(a_id, priority, valid_from=date(2026, 2, 1), template=template)
                     for a_id, priority, template in [("chuc-tet", None, "chuc_tet"),
                                                      ("thu-thue", "thuong", "thong_bao"),
                                                      ("bao-so-3", "khan-cap", "thong_bao")]]
    schedule = sched([slot("sang", "05:30", on_holiday="festive", relay=relay)],
                     columns=[CCHC, festive_column], announcements=announcements)
    (p,) = plan(schedule, date(2026, 2, 17), tz=TZ, library=FakeLibrary())
    assert p.festive
    assert [i.kind for i in p.items] == [ItemKind.TUNE, ItemKind.OPENING, ItemKind.TRANSITION, ItemKind.COLUMN,
                                         ItemKind.TRANSITION, ItemKind.NOTICE, ItemKind.NOTICE,
                                         ItemKind.CLOSING, ItemKind.TUNE]
    assert ids(p, ItemKind.NOTICE) == ["bao-so-3", "chuc-tet"]
    assert ids(p, ItemKind.COLUMN) == ["xuan-01"]


# --- overflow -------------------------------------------------------------------------------

def test_overflow_defers_lowest_priority_notices_to_the_next_slot():
    # 5 minutes: 84 s of furniture + 6 s transition leave room for 4 notices of 45 s.
    announcements = [ann("bao", "khan-cap"), ann("uu-1", "uu-tien"), ann("uu-2", "uu-tien"),
                     ann("th-cu", "thuong", valid_from=date(2026, 11, 1)),
                     ann("th-moi", "thuong", valid_from=date(2026, 12, 5)),
                     ann("th-moi-nhat", "thuong", valid_from=date(2026, 12, 6))]
    schedule = sched([slot("sang", "05:30", max_minutes=5), slot("chieu", "17:00", max_minutes=60)],
                     announcements=announcements)
    sang, chieu = plan(schedule, date(2026, 12, 8), tz=TZ)
    assert ids(sang, ItemKind.NOTICE) == ["bao", "uu-1", "uu-2", "th-cu"]
    assert sang.est_duration_s <= 300
    (warning,) = sang.warnings
    assert "hoãn 2 thông báo" in warning and "th-moi" in warning and "th-moi-nhat" in warning
    assert "17:00" in warning
    # chieu carries them (they were due there too, so they are not doubled)
    assert ids(chieu, ItemKind.NOTICE) == ["bao", "uu-1", "uu-2", "th-cu", "th-moi", "th-moi-nhat"]


def test_deferred_notices_join_a_slot_they_were_not_meant_for_with_a_warning():
    announcements = [ann(f"tb-{n}", "thuong", slots=("sang",)) for n in range(6)]
    schedule = sched([slot("sang", "05:30", max_minutes=5), slot("chieu", "17:00", max_minutes=60)],
                     announcements=announcements)
    sang, chieu = plan(schedule, date(2026, 12, 8), tz=TZ)
    assert ids(sang, ItemKind.NOTICE) == ["tb-0", "tb-1", "tb-2", "tb-3"]
    assert ids(chieu, ItemKind.NOTICE) == ["tb-4", "tb-5"]
    assert any("Phát bù 2 thông báo" in w and "05:30" in w for w in chieu.warnings)


def test_items_are_never_cut_and_urgent_ones_never_deferred():
    announcements = [ann(f"bao-{n}", "khan-cap", repeat=3) for n in range(4)] + [ann("thuong", "thuong")]
    schedule = sched([slot("sang", "05:30", max_minutes=5)], announcements=announcements)
    (p,) = plan(schedule, date(2026, 12, 8), tz=TZ, carry_over=False)
    assert ids(p, ItemKind.NOTICE) == ["bao-0", "bao-1", "bao-2", "bao-3"]
    assert all(i.est_duration_s == 135 for i in p.items if i.kind is ItemKind.NOTICE)
    assert any("khẩn cấp không được hoãn" in w for w in p.warnings)
    assert any("thuong" in w and "không được phát" in w for w in p.warnings)


def test_carry_over_to_the_first_slot_of_the_next_day():
    announcements = [ann(f"tb-{n}", "thuong", valid_from=date(2026, 12, 8), until=date(2026, 12, 8),
                         slots=("sang",)) for n in range(4)]
    announcements += [ann("keo-dai", "thuong", valid_from=date(2026, 12, 9), until=date(2026, 12, 10),
                          slots=("sang",)),
                      ann("xa-cuoi", "thuong", valid_from=date(2026, 12, 8), until=date(2026, 12, 9),
                          slots=("sang",), days=frozenset({2}))]          # thứ Ba only
    schedule = sched([slot("sang", "05:30", max_minutes=5)], announcements=announcements)
    (first,) = plan(schedule, date(2026, 12, 8), tz=TZ)
    assert ids(first, ItemKind.NOTICE) == ["tb-0", "tb-1", "tb-2", "tb-3"]
    assert "xa-cuoi" in first.warnings[0] and "09/12/2026" in first.warnings[0]
    (second,) = plan(schedule, date(2026, 12, 9), tz=TZ)
    assert ids(second, ItemKind.NOTICE) == ["xa-cuoi", "keo-dai"]
    assert any("Phát bù 1 thông báo" in w and "08/12/2026" in w for w in second.warnings)
    (alone,) = plan(schedule, date(2026, 12, 9), tz=TZ, carry_over=False)
    assert ids(alone, ItemKind.NOTICE) == ["keo-dai"]


def test_carried_notice_past_its_window_is_dropped_with_a_warning():
    announcements = [ann(f"tb-{n}", "thuong", valid_from=date(2026, 12, 8), until=date(2026, 12, 8),
                         slots=("sang",)) for n in range(5)]
    schedule = sched([slot("sang", "05:30", max_minutes=5)], announcements=announcements)
    (next_day,) = plan(schedule, date(2026, 12, 9), tz=TZ)
    assert ids(next_day, ItemKind.NOTICE) == []
    assert any("hết hạn" in w and "tb-4" in w for w in next_day.warnings)


# --- approval and estimates -----------------------------------------------------------------

@pytest.mark.parametrize(("require", "expected", "warned"), [
    (True, ["da-duyet"], True),
    (False, ["da-duyet", "nhap"], False),
])
def test_approval(require, expected, warned):
    announcements = [ann("da-duyet", "uu-tien"), ann("nhap", "thuong", status="draft")]
    schedule = sched([slot("sang", "05:30")], announcements=announcements, require_approval=require)
    (p,) = plan(schedule, date(2026, 12, 8), tz=TZ)
    assert ids(p, ItemKind.NOTICE) == expected
    assert any("chưa được duyệt" in w and "nhap" in w for w in p.warnings) is warned


def test_injected_estimator_and_purity():
    schedule = sched(STATION, columns=[CCHC], announcements=[ann("a", "thuong")])
    seen = []

    def estimate(item):
        seen.append(item.kind)
        return 7.0

    programmes = plan(schedule, date(2026, 12, 7), tz=TZ, estimate=estimate)
    assert all(i.est_duration_s == 7.0 for p in programmes for i in p.items)
    assert ItemKind.COLUMN in seen
    assert plan(schedule, date(2026, 12, 7), tz=TZ, estimate=estimate) == programmes


@pytest.mark.parametrize(("kind", "repeat", "seconds"), [
    (ItemKind.TUNE, 1, 12.0), (ItemKind.OPENING, 1, 30.0), (ItemKind.CLOSING, 1, 30.0),
    (ItemKind.NOTICE, 2, 90.0), (ItemKind.COLUMN, 1, 300.0),
])
def test_default_estimate(kind, repeat, seconds):
    from broadcast.model import Item
    assert default_estimate(Item(id="x", kind=kind, title="x", repeat=repeat)) == seconds


# --- the command line loads only what a command uses ----------------------------------------------

@pytest.mark.parametrize("args, needed", [
    (["--help"], ()),
    (["plan", "--date", "2026-12-07"], ("yaml", "jinja2", "holidays")),
])
def test_help_and_plan_import_only_what_they_use(args, needed, station_dir):
    import subprocess
    import sys

    heavy = ("broadcast.daemon", "apscheduler", "icalendar", "docx", "broadcast.report", "gtts")
    code = ("import sys\nfrom broadcast.cli import cli\n"
            "try:\n    cli.main(sys.argv[1:], prog_name='broadcast')\nexcept SystemExit as e:\n    code = e.code\n"
            f"print(sorted(m for m in {heavy + needed!r} if m in sys.modules))\nsys.exit(code)")
    out = subprocess.run([sys.executable, "-c", code, "--station", str(station_dir), *args],
                         capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    loaded = eval(out.stdout.strip().splitlines()[-1])
    assert loaded == sorted(needed)
