"""Validate `slots:` (name, session, start, days, structure, relay) and check that no two slots overlap."""

from __future__ import annotations

from typing import Any

from broadcast.schedule.fields import _BAD
from broadcast.schedule.files import YMap
from broadcast.schedule.model import SlotSpec
from broadcast.schedule.relays import RelayReader
from broadcast.schedule.vocabulary import (
    _SLOT_KEYS,
    ALL_DAYS,
    DAY_NAMES,
    DEFAULT_STRUCTURE,
    FURNITURE_TEMPLATES,
    HOLIDAY_POLICIES,
    SESSIONS,
    STRUCTURE_PARTS,
    _did_you_mean,
)


class SlotReader(RelayReader):
    """Reads `slots:` entries and checks their overlaps."""

    # -- sections ------------------------------------------------------------------------------

    def read_slot(self, m: Any, path: str, line: int) -> SlotSpec | None:
        if not isinstance(m, dict):
            self.error(path, line, "Mỗi buổi trong 'slots' phải là một nhóm khóa (name, start, ...).",
                       "Sửa: bắt đầu bằng '- name: sang' rồi thụt lề các khóa còn lại")
            return None
        what = f"buổi '{m.get('name', '?')}'"
        self.check_keys(m, path, _SLOT_KEYS, ("name", "start", "max_minutes"), what)
        name = self.slug(m, "name", path, what)
        start = self.time_of(m, "start", path, what)
        default_session = name if name in SESSIONS else (
            "sang" if start is _BAD or start.hour < 11 else "trua" if start.hour < 14 else "chieu")
        session = self.choice(m, "session", path, what, tuple(SESSIONS), default_session)
        title = self.text(m, "title", path, what,
                          default=f"Chương trình phát thanh buổi {SESSIONS.get(session, '')}".strip())
        days = self.days_of(m, "days", path, what, ALL_DAYS)
        max_minutes = self.number(m, "max_minutes", path, what, integer=False, minimum=1, maximum=600,
                                  default=_BAD)
        on_holiday = self.choice(m, "on_holiday", path, what, HOLIDAY_POLICIES, "normal")
        structure = self.read_structure(m, path, what)
        relay = self.read_relay(m, path, what)
        if structure is not _BAD and "tiep-am" in structure and relay is None:
            self.error(path, m.at("structure"), f"'structure' của {what} có 'tiep-am' nhưng không có 'relay'.",
                       "Sửa: thêm 'relay: {file: audio/tiep_am.mp3, title: ...}' hoặc bỏ 'tiep-am'")
        if (structure is not _BAD and relay not in (None, _BAD) and relay.url and "tiep-am" in structure
                and structure[-1] != "tiep-am"):
            self.error(path, m.at("structure"), f"Tiếp âm trực tiếp của {what} luôn phát sau phần đã dựng, "
                                                "nhưng 'tiep-am' không ở cuối 'structure'.",
                       "Sửa: đặt 'tiep-am' ở cuối 'structure' hoặc bỏ nó đi")
        if (relay not in (None, _BAD) and relay.minutes is not None and max_minutes is not _BAD
                and relay.minutes > max_minutes):
            self.error(path, m.at("relay"), f"Tiếp âm {relay.minutes:g} phút dài hơn 'max_minutes: "
                                            f"{max_minutes:g}' của {what}.",
                       "Sửa: giảm 'minutes' của relay hoặc tăng 'max_minutes'")
        if structure is not _BAD:
            for part in structure:
                if part in FURNITURE_TEMPLATES:
                    self.check_furniture(FURNITURE_TEMPLATES[part], path, m.at("structure"), part)
        values = (name, start, session, title, days, max_minutes, on_holiday, structure, relay)
        if any(v is _BAD for v in values):
            return None
        return SlotSpec(name=name, title=title, session=session, start=start, days=days,
                        max_minutes=float(max_minutes), on_holiday=on_holiday, structure=structure,
                        relay=relay, line=m.line, path=path)

    def read_structure(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("structure")
        if raw is None:
            return DEFAULT_STRUCTURE
        if not isinstance(raw, list) or not raw:
            self.error(path, m.at("structure"), f"'structure' của {what} phải là danh sách các phần.",
                       "Sửa: ví dụ [" + ", ".join(DEFAULT_STRUCTURE) + "]")
            return _BAD
        parts = []
        for part, line in zip(raw, raw.item_lines, strict=True):
            if part not in STRUCTURE_PARTS:
                self.error(path, line, f"Phần '{part}' trong 'structure' của {what} không hợp lệ.",
                           _did_you_mean(part, STRUCTURE_PARTS))
                return _BAD
            parts.append(part)
        return tuple(parts)


    # -- cross checks --------------------------------------------------------------------------

    def check_overlaps(self, slots: list[SlotSpec]) -> None:
        """Two slots on the same day where the first's start + max length runs into the second."""
        ordered = sorted(slots, key=lambda s: s.start_minutes)
        for i, a in enumerate(ordered):
            end = a.start_minutes + a.max_minutes
            for b in ordered[i + 1:]:
                shared = a.days & b.days
                if shared and end > b.start_minutes:
                    self.overlap_error(a, b, shared, end, next_day=False)
            if end > 24 * 60:                      # runs past midnight into the next day's slots
                for b in ordered:
                    shared = frozenset(d % 7 + 1 for d in a.days) & b.days
                    if shared and end - 24 * 60 > b.start_minutes and b is not a:
                        self.overlap_error(a, b, shared, end, next_day=True)

    def overlap_error(self, a: SlotSpec, b: SlotSpec, shared: frozenset[int], end: float,
                      next_day: bool) -> None:
        minutes = int(end) % (24 * 60)
        day_list = ", ".join(DAY_NAMES[d] for d in sorted(shared))
        when = f"các ngày {day_list}" + (" (sang ngày hôm sau)" if next_day else "")
        self.error(b.path, b.line,
                   f"Buổi '{b.name}' ({b.start:%H:%M}) trùng giờ với buổi '{a.name}' "
                   f"({a.start:%H:%M}, tối đa {a.max_minutes:g} phút, đến {minutes // 60:02d}:"
                   f"{minutes % 60:02d}) vào {when}; buổi '{a.name}' ở {a.path}:{a.line}.",
                   f"Sửa: giảm 'max_minutes' của '{a.name}' hoặc dời 'start' của '{b.name}'")
