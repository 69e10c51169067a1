"""Pure planner: which slots air on a date, which items go in each, in what order, and how long."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.errors import BroadcastError
from broadcast.model import Item, ItemKind, LiveRelay, Priority, Programme
from broadcast.plan.fitting import drop_order, fit_notices
from broadcast.schedule.model import AnnouncementSpec, ColumnSpec, Schedule, SlotSpec
from broadcast.schedule.vocabulary import SESSIONS

Estimator = Callable[[Item], float]
"""Seconds an item will last on air, never negative. The build passes one that renders and normalizes
the text; a notice that cannot air on the day (deferred whatever it lasts) is not estimated."""

# Rough seconds per item when nothing better is known (DOMAIN.md §1.2 programme skeleton).
DEFAULT_SECONDS = {
    ItemKind.TUNE: 12.0,            # the tune file's length is not known to the planner
    ItemKind.OPENING: 30.0,
    ItemKind.CLOSING: 30.0,
    ItemKind.TRANSITION: 6.0,
    ItemKind.NOTICE: 45.0,          # per reading; × repeat
    ItemKind.URGENT: 45.0,          # per reading; × repeat
    ItemKind.COLUMN: 300.0,
    ItemKind.NEWS: 120.0,
    ItemKind.RELAY: 0.0,            # a relay fills what is left of the slot; length unknown here
}

_FURNITURE_TITLES = {"mo_dau": "Lời mở đầu", "loi_ket": "Lời kết", "chuyen_tiep": "Lời chuyển tiếp"}
_FESTIVE_TAG = "le-tet"

MODE_OFF, MODE_NORMAL, MODE_FESTIVE = "off", "normal", "festive"


def default_estimate(item: Item) -> float:
    """45 s per notice reading × repeat, 300 s per column episode, 30 s opening/closing, 12 s tune."""
    seconds = DEFAULT_SECONDS.get(item.kind, 30.0)
    if item.kind in (ItemKind.NOTICE, ItemKind.URGENT):
        seconds *= max(1, item.repeat)
    return seconds


def slot_mode(schedule: Schedule, slot: SlotSpec, day: date) -> str:
    """'off', 'normal' or 'festive' for this slot on this date.

    The station's exception for the date wins; then the slot's weekdays; then, on a public
    holiday, nghỉ bù or station day off, the slot's `on_holiday` policy.
    """
    calendar = schedule.calendar
    holiday = calendar.is_day_off(day)
    exception = calendar.exception_for(day, slot.name)
    if exception is not None:
        if not exception.on_air:
            return MODE_OFF
        return MODE_FESTIVE if holiday and slot.on_holiday == MODE_FESTIVE else MODE_NORMAL
    if day.isoweekday() not in slot.days:
        return MODE_OFF
    if holiday:
        return slot.on_holiday
    return MODE_NORMAL


def plan(schedule: Schedule, day: date, *, tz: ZoneInfo, library: Any = None,
         estimate: Estimator | None = None, carry_over: bool = True, trace: Any = None) -> list[Programme]:
    """The programmes airing on `day`, in air order, with their items and estimated durations.

    Items follow each slot's `structure`; notices are ordered khẩn cấp, ưu tiên, thường, then
    by their file's `order`, then by `from` date, then id. A programme longer than its slot defers its lowest-priority
    notices (never a khẩn cấp one, never half an item) to the next slot of the day, or with
    `carry_over` to the first slot of the next day; each programme's `warnings` say so in
    Vietnamese. Deferrals into `day` from the day before are recomputed (one day back), so the
    result depends only on the arguments; a `trace` (`broadcast.plan.trace`) keeps what in it rests on the estimates.
    """
    planner = _Planner(schedule, tz, _Templates(library), estimate or default_estimate, carry_over, trace)
    carried: list[tuple[Item, str]] = []
    if carry_over:
        before = day - timedelta(days=1)
        _, leftover = planner.plan_day(before, [])
        label = f"ngày {before:%d/%m/%Y}"
        carried = [(item, label) for item in leftover]
    programmes, _ = planner.plan_day(day, carried)
    return programmes


# ---------------------------------------------------------------------------------------------

class _Templates:
    """Template metadata from the library, when there is one (cached; errors mean 'unknown')."""

    def __init__(self, library: Any) -> None:
        self.library = library
        self._cache: dict[str, Any] = {}

    def info(self, name: str | None) -> Any:
        if self.library is None or name is None:
            return None
        if name not in self._cache:
            try:
                self._cache[name] = self.library.get(name)
            except BroadcastError:
                self._cache[name] = None
        return self._cache[name]

    def attr(self, name: str | None, attribute: str) -> Any:
        return getattr(self.info(name), attribute, None)

    def priority(self, name: str | None) -> Priority | None:
        raw = self.attr(name, "priority")
        if raw is None or isinstance(raw, Priority):
            return raw
        try:
            return Priority.parse(str(raw))
        except ValueError:
            return None


UNORDERED = 1000     # a notice without `order` airs after the numbered ones of its priority


def _notice_key(item: Item) -> tuple:
    """Air order among notices: most urgent first, then the notice file's `order` (the officer's,
    among items of one priority), then the oldest `from`, then id."""
    return (item.priority.rank, UNORDERED if item.order is None else item.order, item.valid_from or date.min, item.id)


NAMES_SHOWN = 5      # a warning names this many notices, then counts the rest


def names_summary(items: Sequence[Item], shown: int = NAMES_SHOWN) -> str:
    """The first few notices by title and id, then how many more: a warning stays one short line.

        >>> names_summary([Item(id=f"tb-{n}", kind=ItemKind.NOTICE, title=f"Số {n}") for n in range(7)], 2)
        '“Số 0” (tb-0), “Số 1” (tb-1) và 5 thông báo khác'
    """
    named = ", ".join(f"“{i.title}” ({i.id})" for i in items[:shown])
    return named if len(items) <= shown else f"{named} và {len(items) - shown} thông báo khác"


def _is_furniture(item: Item) -> bool:
    """Items whose words may change with the notices kept (the opening's table of contents)."""
    return item.kind in (ItemKind.OPENING, ItemKind.CLOSING, ItemKind.TRANSITION)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}".replace(".", ",") + " phút"


@dataclass(frozen=True)
class _Slotted:
    slot: SlotSpec
    festive: bool


class _Planner:
    def __init__(self, schedule: Schedule, tz: ZoneInfo, templates: _Templates, estimate: Estimator,
                 carry_over: bool, trace: Any = None) -> None:
        self.schedule = schedule
        self.tz = tz
        self.templates = templates
        self.estimate = estimate
        self.carry_over = carry_over
        self.trace = trace
        self.by_id = {a.id: a for a in schedule.announcements}
        # Each announcement as an Item, untimed and timed, made once for every slot and day planned.
        self._notices: dict[int, Item] = {}
        self._timed_notices: dict[int, tuple[Item, Item]] = {}   # id(untimed) -> (untimed, timed)

    def timed(self, item: Item) -> Item:
        return replace(item, est_duration_s=float(self.estimate(item)))

    def timed_notice(self, item: Item) -> Item:
        """A notice with its estimate, made once however many slots and days it waits for."""
        found = self._timed_notices.get(id(item))
        if found is None:
            found = self._timed_notices[id(item)] = (item, self.timed(item))
        return found[1]

    # -- one day -------------------------------------------------------------------------------

    def plan_day(self, day: date, carried: list[tuple[Item, str]]) -> tuple[list[Programme], list[Item]]:
        """Programmes of `day` and the notices still deferred after its last slot."""
        airing = []
        for slot in self.schedule.slots:
            mode = slot_mode(self.schedule, slot, day)
            if mode != MODE_OFF:
                airing.append(_Slotted(slot, mode == MODE_FESTIVE))
        airing.sort(key=lambda s: (s.slot.start, s.slot.name))

        pending: list[tuple[Item, str]] = []
        expired = []
        for item, origin in carried:
            spec = self.by_id.get(item.id)
            if spec is not None and spec.valid_until is not None and spec.valid_until < day:
                expired.append(item)
            else:
                pending.append((item, origin))

        programmes: list[Programme] = []
        for index, entry in enumerate(airing):
            slot, festive = entry.slot, entry.festive
            warnings: list[str] = []
            if index == 0 and expired:
                warnings.append(f"Không phát bù {len(expired)} thông báo hoãn từ hôm trước vì đã hết hạn: "
                                f"{names_summary(expired)}.")
            notices, waiting = self.notices_for(slot, day, festive)
            if waiting:
                warnings.append(f"{len(waiting)} thông báo chưa được duyệt nên chưa phát: "
                                f"{', '.join(a.id for a in waiting)}. Sửa: khi lãnh đạo đã duyệt, ghi "
                                "'status: approved'.")
            accepts = "thong-bao" in slot.structure and not festive
            if accepts and pending:
                own = {n.id for n in notices}
                incoming = [(item, origin) for item, origin in pending if item.id not in own]
                for origin in dict.fromkeys(o for _, o in incoming):
                    group = [item for item, o in incoming if o == origin]
                    warnings.append(f"Phát bù {len(group)} thông báo hoãn từ {origin}: {names_summary(group)}.")
                notices = notices + [item for item, _ in incoming]
                pending = []
            programme, deferred = self.fit(slot, day, festive, notices, warnings)
            if deferred:
                destination = self.destination(airing[index + 1:], day)
                every = (f" Xem đủ danh sách: broadcast plan --date {day.isoformat()}."
                         if len(deferred) > NAMES_SHOWN else "")
                programme = replace(programme, deferred=tuple(deferred), warnings=programme.warnings + (
                    f"Chương trình {slot.label} dài hơn thời lượng tối đa {slot.max_minutes:g} phút: "
                    f"hoãn {len(deferred)} thông báo {names_summary(deferred)} sang {destination}.{every}",))
                origin = f"chương trình {slot.label}"
                pending.extend((item, origin) for item in deferred)
            programmes.append(programme)
        return programmes, [item for item, _ in pending]

    def destination(self, later: list[_Slotted], day: date) -> str:
        for entry in later:
            if "thong-bao" in entry.slot.structure and not entry.festive:
                return f"chương trình {entry.slot.label} cùng ngày"
        if self.carry_over:
            return f"chương trình đầu tiên có thông báo của ngày {day + timedelta(days=1):%d/%m/%Y}"
        return "không có chương trình nào (đã tắt phát bù sang ngày sau), nên các thông báo này không được phát"

    # -- what goes in a slot -------------------------------------------------------------------

    def notices_for(self, slot: SlotSpec, day: date,
                    festive: bool) -> tuple[list[Item], list[AnnouncementSpec]]:
        """Notices due in this slot (not yet estimated: `fit` times those that could air) and the
        announcements waiting for approval."""
        if "thong-bao" not in slot.structure:
            return [], []
        notices, waiting = [], []
        weekday = day.isoweekday()
        for index, spec in enumerate(self.schedule.announcements):
            if not spec.valid_on(day):
                continue
            item = self._notices.get(index)
            if item is None:
                item = self._notices[index] = self.notice_item(spec)
            urgent = item.priority is Priority.KHAN_CAP
            # khẩn cấp airs in every slot of its window, whatever its slot/day filters say.
            if not urgent and (slot.name not in spec.slots or weekday not in spec.days):
                continue
            if festive and not urgent and _FESTIVE_TAG not in item.tags:
                continue
            if self.schedule.require_approval and not spec.approved:
                waiting.append(spec)
                continue
            notices.append(item)
        notices.sort(key=_notice_key)
        return notices, waiting

    def notice_item(self, spec: AnnouncementSpec) -> Item:
        if spec.file is not None:   # a recorded notice: the officer's voice, not a template
            return Item(id=spec.id, kind=ItemKind.NOTICE, title=spec.title or spec.id, tags=spec.tags or (),
                        priority=spec.priority or Priority.THUONG, repeat=spec.repeat or 1,
                        audio_file=spec.file, valid_from=spec.valid_from, order=spec.order)
        t = self.templates
        tags = spec.tags if spec.tags is not None else tuple(t.attr(spec.template, "tags") or ())
        return Item(
            id=spec.id, kind=ItemKind.NOTICE,
            title=spec.title or t.attr(spec.template, "title") or spec.template,
            template=spec.template, values=dict(spec.values), tags=tuple(tags),
            priority=spec.priority or t.priority(spec.template) or Priority.THUONG,
            repeat=spec.repeat or t.attr(spec.template, "repeat") or 1,
            valid_from=spec.valid_from, order=spec.order)

    def columns_for(self, slot: SlotSpec, day: date, festive: bool) -> list[tuple[ColumnSpec, Item]]:
        if "chuyen-muc" not in slot.structure:
            return []
        out = []
        t = self.templates
        for column in self.schedule.columns:
            if slot.name not in column.slots:
                continue
            episode = column.episode_on(day)
            if episode is None:
                continue
            tags = column.tags or tuple(t.attr(episode.template, "tags") or ())
            if festive and _FESTIVE_TAG not in tags:
                continue
            item = Item(id=episode.id, kind=ItemKind.COLUMN,
                        title=episode.title or t.attr(episode.template, "title") or column.title,
                        template=episode.template, values=dict(episode.values), tags=tuple(tags),
                        priority=t.priority(episode.template) or Priority.THUONG, episode=episode.id)
            out.append((column, self.timed(item)))
        return out

    # -- assembling and fitting ----------------------------------------------------------------

    def fit(self, slot: SlotSpec, day: date, festive: bool, notices: list[Item],
            warnings: list[str]) -> tuple[Programme, list[Item]]:
        """Drop the lowest-priority notices until the programme fits; return it and the dropped.

        The notices go in the order `drop_order` gives, and the first cut that fits wins; a notice is estimated only when it could air. Only the
        opening (its table of contents) changes with the cut, so a cut whose fixed items and kept
        notices already overrun the slot is passed over without being assembled: a few assemblies
        per slot, however many notices wait (`broadcast.plan.fitting`).
        """
        columns = self.columns_for(slot, day, festive)
        ordered = sorted(notices, key=_notice_key)
        limit = slot.max_minutes * 60
        if slot.relay is not None and slot.relay.url and slot.relay.minutes and not festive:
            limit -= slot.relay.minutes * 60       # the live relay's minutes come out of the slot

        def assemble(kept: list[Item]) -> tuple[list[Item], float]:
            items = self.assemble(slot, day, festive, columns, kept)
            return items, sum(i.est_duration_s for i in items)

        drops = drop_order(ordered, key=_notice_key, movable=lambda n: n.priority is not Priority.KHAN_CAP)
        kept, items, total, deferred = fit_notices(ordered, drops, limit, assemble, _is_furniture,
                                                   self.timed_notice, self.trace)
        if self.trace is not None:
            self.trace.check(items, lambda seconds: (seconds > limit, seconds > limit and _minutes(seconds)))
        if total > limit:
            urgent = [n for n in kept if n.priority is Priority.KHAN_CAP]
            why = (f"; thông báo khẩn cấp không được hoãn: {names_summary(urgent)}" if urgent else "")
            warnings.append(f"Chương trình {slot.label} ước tính {_minutes(total)}, dài hơn thời lượng "
                            f"tối đa {slot.max_minutes:g} phút{why}. Sửa: tăng 'max_minutes' hoặc bớt "
                            "nội dung.")
        programme = Programme(
            date=day, slot=slot.name, title=slot.title,
            start=datetime.combine(day, slot.start, tzinfo=self.tz),
            max_duration_s=limit, items=tuple(items), warnings=tuple(warnings), festive=festive,
            session=slot.session, live=live_relay(slot, festive))
        return programme, deferred

    def assemble(self, slot: SlotSpec, day: date, festive: bool,
                 columns: list[tuple[ColumnSpec, Item]], notices: list[Item]) -> list[Item]:
        """Items in `structure` order; furniture is (re)built around the chosen content."""
        pid = f"{day.isoformat()}-{slot.name}"
        buoi = SESSIONS.get(slot.session, slot.session)
        contents = [c.title for c, _ in columns] + [n.title for n in notices]
        items: list[Item] = []
        tunes = 0
        relay_placed = False
        for part in slot.structure:
            if part == "nhac-hieu":
                tunes += 1
                suffix = "" if tunes == 1 else f"-{tunes}"
                items.append(self.timed(Item(id=f"{pid}-nhac-hieu{suffix}", kind=ItemKind.TUNE,
                                             title="Nhạc hiệu", audio_file=None)))
            elif part == "mo-dau":
                items.append(self.furniture(f"{pid}-mo-dau", ItemKind.OPENING, "mo_dau",
                                            {"buoi": buoi, "ngay": day, "muc_luc": contents}))
            elif part == "chuyen-muc":
                for column, episode in columns:
                    items.append(self.furniture(f"{pid}-chuyen-tiep-{column.id}", ItemKind.TRANSITION,
                                                "chuyen_tiep", {"loai": "chuyen-muc", "ten": column.title}))
                    items.append(episode)
            elif part == "thong-bao":
                if notices:
                    items.append(self.furniture(f"{pid}-chuyen-tiep-thong-bao", ItemKind.TRANSITION,
                                                "chuyen_tiep", {"loai": "thong-bao"}))
                    items.extend(notices)
            elif part == "loi-ket":
                items.append(self.furniture(f"{pid}-loi-ket", ItemKind.CLOSING, "loi_ket",
                                            {"buoi": buoi, "ngay": day}))
            elif part == "tiep-am" and slot.relay is not None and not slot.relay.url and not festive:
                items.append(self.relay_item(pid, slot))
                relay_placed = True
        if slot.relay is not None and not slot.relay.url and not relay_placed and not festive:
            items.append(self.relay_item(pid, slot))
        return items

    def furniture(self, item_id: str, kind: ItemKind, template: str, values: dict) -> Item:
        title = self.templates.attr(template, "title") or _FURNITURE_TITLES[template]
        return self.timed(Item(id=item_id, kind=kind, title=title, template=template, values=values))

    def relay_item(self, pid: str, slot: SlotSpec) -> Item:
        """A recorded relay as an item of the programme (a live one is the programme's `live`)."""
        relay = slot.relay
        return self.timed(Item(id=f"{pid}-tiep-am", kind=ItemKind.RELAY, title=relay.title,
                               audio_file=relay.file, source=relay.source))


def live_relay(slot: SlotSpec, festive: bool) -> LiveRelay | None:
    """The slot's live relay (`relay: {url: ...}`), aired after the recorded programme; none on festive days."""
    relay = slot.relay
    if relay is None or not relay.url or festive:
        return None
    return LiveRelay(url=relay.url, title=relay.title, source=relay.source, minutes=relay.minutes,
                     fallback=relay.fallback, slot_minutes=slot.max_minutes)
