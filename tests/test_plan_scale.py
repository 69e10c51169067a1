"""Planning stays linear in the notices waiting: same result as dropping them one by one, bounded work."""

from __future__ import annotations

import zlib
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from broadcast.model import ItemKind, Priority, Programme
from broadcast.plan.planner import NAMES_SHOWN, _notice_key, _Planner, default_estimate, live_relay, plan
from broadcast.plan.view import format_plan
from broadcast.schedule import (
    AnnouncementSpec,
    ColumnSpec,
    EpisodeSpec,
    RelaySpec,
    Schedule,
    SlotSpec,
    StationCalendar,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 8)
STRUCTURE = ("nhac-hieu", "mo-dau", "chuyen-muc", "thong-bao", "loi-ket", "nhac-hieu")


def slot(name, start, max_minutes, relay=None):
    h, m = map(int, start.split(":"))
    return SlotSpec(name=name, title=f"Chương trình {name}", session=name, start=time(h, m),
                    days=frozenset(range(1, 8)), max_minutes=max_minutes, on_holiday="normal",
                    structure=STRUCTURE, relay=relay, line=1)


def ann(index, priority="thuong", valid_from=date(2026, 12, 1), id=None, repeat=None):
    return AnnouncementSpec(id=id or f"tb-{index:05d}", template="thong_bao", values={"x": index},
                            valid_from=valid_from, valid_until=None, slots=("sang", "chieu"),
                            days=frozenset(range(1, 8)), priority=Priority(priority), repeat=repeat,
                            status="approved", path="schedules/lich.yaml", line=1, title=f"Thông báo {index}")


def schedule(announcements, slots, columns=()):
    return Schedule(slots=tuple(slots), columns=tuple(columns), announcements=tuple(announcements),
                    calendar=StationCalendar(), source_files=(), require_approval=False)


COLUMN = ColumnSpec(id="cchc", title="Cải cách hành chính", tags=("cchc",), slots=("sang",),
                    days=frozenset(range(1, 8)), days_of_month=frozenset(), airings_per_episode=1,
                    start=date(2026, 11, 2), episodes=(EpisodeSpec(id="cchc-01", template="cchc", values={}),))


def one_by_one(self, slot, day, festive, notices, warnings):
    """The rule as first written: assemble, drop the lowest-priority movable notice, again."""
    columns = self.columns_for(slot, day, festive)
    kept = sorted((self.timed_notice(n) for n in notices), key=_notice_key)
    untimed = {id(self.timed_notice(n)): n for n in notices}
    limit = slot.max_minutes * 60
    if slot.relay is not None and slot.relay.url and slot.relay.minutes and not festive:
        limit -= slot.relay.minutes * 60
    deferred = []
    while True:
        items = self.assemble(slot, day, festive, columns, kept)
        if sum(i.est_duration_s for i in items) <= limit:
            break
        movable = [n for n in kept if n.priority is not Priority.KHAN_CAP]
        if not movable:
            break
        victim = max(movable, key=_notice_key)
        kept.remove(victim)
        deferred.append(untimed[id(victim)])
    return Programme(date=day, slot=slot.name, title=slot.title, start=datetime.combine(day, slot.start, tzinfo=TZ),
                     max_duration_s=limit, items=tuple(items), warnings=tuple(warnings), festive=festive,
                     session=slot.session, live=live_relay(slot, festive)), deferred


def varied(item):
    """Notices of 20–140 s (by id), an opening that grows with its table of contents."""
    if item.kind is ItemKind.OPENING:
        return 10.0 + 4.0 * len(item.values.get("muc_luc") or ())
    if item.kind is ItemKind.NOTICE:
        return 20.0 + zlib.crc32(item.id.encode()) % 121
    return default_estimate(item)


def shrinking(item):
    """An opening that shortens as the contents grow ("and many more"): the length is not monotone."""
    if item.kind is ItemKind.OPENING:
        return 90.0 if len(item.values.get("muc_luc") or ()) < 6 else 20.0
    return varied(item) if item.kind is ItemKind.NOTICE else default_estimate(item)


def zero_notices(item):
    return 0.0 if item.kind is ItemKind.NOTICE else default_estimate(item)


def mixed(count, urgent=(), tie=False):
    out = [ann(i, "khan-cap" if i in urgent else ("uu-tien" if i % 7 == 0 else "thuong"),
               valid_from=date(2026, 11, 20 + i % 9)) for i in range(count)]
    if tie:   # two announcements sharing a key (same id, priority, date) but not equal
        out += [ann(9001, id="trung", valid_from=date(2026, 11, 29)), ann(9002, id="trung", valid_from=date(2026, 11, 29))]
    return out


VARIANTS = [
    ("empty", [], 5, None, default_estimate),
    ("fits", mixed(3), 30, None, default_estimate),
    ("defers", mixed(12), 5, None, default_estimate),
    ("varied", mixed(60), 10, None, varied),
    ("urgent-everywhere", mixed(40, urgent={0, 13, 39}), 6, None, varied),
    ("only-urgent-overrun", mixed(8, urgent=set(range(8))), 3, None, varied),
    ("ties", mixed(30, tie=True), 8, None, varied),
    ("not-monotone", mixed(25), 7, None, shrinking),
    ("zero-length", mixed(30), 4, None, zero_notices),
    ("relay", mixed(50), 20, RelaySpec(file=None, title="VOV", url="http://127.0.0.1/live", minutes=12), varied),
    ("many", mixed(400, urgent={5}), 15, None, varied),
]


@pytest.mark.parametrize(("announcements", "minutes", "relay", "estimate"),
                         [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_fit_is_the_one_by_one_rule(announcements, minutes, relay, estimate, monkeypatch):
    sched = schedule(announcements, [slot("sang", "05:30", minutes, relay), slot("chieu", "17:00", minutes / 2)],
                     columns=[COLUMN])
    for day in (DAY, date(2026, 12, 9)):
        fast = plan(sched, day, tz=TZ, estimate=estimate)
        with monkeypatch.context() as m:
            m.setattr(_Planner, "fit", one_by_one)
            slow = plan(sched, day, tz=TZ, estimate=estimate)
        assert [p.items for p in fast] == [p.items for p in slow]
        assert [p.est_duration_s for p in fast] == [p.est_duration_s for p in slow]


@pytest.mark.parametrize("count", [300, 3000])
def test_work_per_slot_does_not_grow_with_the_notices_waiting(count, monkeypatch):
    """Before: one assembly per deferred notice (1,977 for two slots of 1,000) and every notice estimated."""
    assembled, estimated = [], []
    real = _Planner.assemble

    def counting(self, *args):
        assembled.append(1)
        return real(self, *args)

    def estimate(item):
        estimated.append(item.kind)
        return varied(item)

    monkeypatch.setattr(_Planner, "assemble", counting)
    sched = schedule(mixed(count, urgent={1}), [slot("sang", "05:30", 10), slot("chieu", "17:00", 10)])
    programmes = plan(sched, DAY, tz=TZ, estimate=estimate)
    assert all(p.est_duration_s <= 600 for p in programmes)
    assert sum(len(p.deferred) for p in programmes) > count      # nearly all wait, in both slots
    assert len(assembled) <= 4 * 4                               # 4 slots planned (the day before too)
    assert estimated.count(ItemKind.NOTICE) <= 4 * 20            # ~10 fit a slot of 10 minutes
    assert estimated.count(ItemKind.OPENING) <= 4 * 4


def test_deferral_warning_is_a_summary_and_plan_lists_every_one():
    sched = schedule(mixed(1000), [slot("sang", "05:30", 10), slot("chieu", "17:00", 10)])
    sang, chieu = plan(sched, DAY, tz=TZ)
    (warning,) = [w for w in sang.warnings if "hoãn" in w]
    assert len(warning) < 800                                    # was 100 KB for 1,000 notices
    shown = sang.deferred[:NAMES_SHOWN]
    assert f"hoãn {len(sang.deferred)} thông báo" in warning
    assert all(f"({n.id})" in warning for n in shown)
    assert f"và {len(sang.deferred) - NAMES_SHOWN} thông báo khác" in warning
    assert "broadcast plan --date 2026-12-08" in warning
    assert all(len(w) < 800 for p in (sang, chieu) for w in p.warnings)
    text = format_plan(DAY, [sang, chieu])
    assert all(f"- {n.title} ({n.id})" in text for n in sang.deferred)


def test_a_short_deferral_names_every_notice_without_a_pointer():
    sched = schedule(mixed(8), [slot("sang", "05:30", 5), slot("chieu", "17:00", 60)])
    sang, _ = plan(sched, DAY, tz=TZ)
    (warning,) = [w for w in sang.warnings if "hoãn" in w]
    assert 0 < len(sang.deferred) <= NAMES_SHOWN
    assert all(f"({n.id})" in warning for n in sang.deferred)
    assert "khác" not in warning and "broadcast plan" not in warning
    assert "Hoãn" not in format_plan(DAY, [sang])


def test_toolkit_keeps_a_bounded_number_of_texts(station_dir, monkeypatch):
    from broadcast.build import Toolkit
    from broadcast.build import toolkit as toolkit_module
    from broadcast.station.config import load_station

    monkeypatch.setattr(toolkit_module, "PREPARED_KEPT", 8)
    toolkit = Toolkit.from_station(load_station(station_dir))
    values = {"noi_dung": "Họp thôn lúc 19 giờ.", "so_dien_thoai": "0234 3876 543"}
    first = toolkit.prepare("thong_bao_chung", values)
    for n in range(40):
        toolkit.prepare("thong_bao_chung", {**values, "noi_dung": f"Họp thôn số {n}."})
        toolkit.prepare("thong_bao_chung", values)           # asked often: stays
    assert len(toolkit._prepared) <= 8
    assert toolkit.prepare("thong_bao_chung", values) is first
