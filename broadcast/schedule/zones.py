"""Validate `zones:` (thôn, areas of a former commune: outputs, quiet hours, gain) and `zones: [...]` targets.

    zones:
      - name: thon-dong
        title: Thôn Đông
        outputs: [device, "icecast:/thon-dong"]
        quiet_hours: "21:00-06:00"      # crossing midnight is fine; start == end is not
        gain_db: -3
        gains: {sang: -6}               # a lower level in the morning slot

A station that declares no zone is one zone, `toan-xa` ("Toàn xã"), on `[playout] output`
(`effective_zones`). `zones:` lives in one schedule file: a second one is refused, naming the first.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any

from broadcast.schedule.fields import _BAD, FieldReader
from broadcast.schedule.files import YMap
from broadcast.schedule.model import QuietHours, Schedule, ZoneSpec
from broadcast.schedule.vocabulary import (
    _ZONE_KEYS,
    IMPLICIT_ZONE,
    IMPLICIT_ZONE_TITLE,
    OUTPUT_KINDS,
    _did_you_mean,
)

_CLOCK = r"(\d{1,2})\s*(?:(?::|h|g|giờ)\s*(\d{2})?)?\s*(?:p|phút)?"
_SPAN = re.compile(rf"^\s*{_CLOCK}\s*(?:-|–|đến)\s*{_CLOCK}\s*$", re.IGNORECASE)
_SPAN_HINT = 'Sửa: ghi "GIỜ:PHÚT-GIỜ:PHÚT" trong dấu ngoặc kép, ví dụ quiet_hours: "21:00-06:00" (qua nửa đêm được)'
_OUTPUT_HINT = ('Sửa: dùng file, "null" (có ngoặc kép), device, "device:hw:1" hoặc "icecast:/thon-dong", '
                'ví dụ outputs: [device]')
GAIN_RANGE = (-30.0, 12.0)


def effective_zones(schedule: Schedule, station: Any) -> tuple[ZoneSpec, ...]:
    """The station's zones; without `zones:`, one zone `toan-xa` on `[playout] output`."""
    if schedule.zones:
        return schedule.zones
    return (ZoneSpec(name=IMPLICIT_ZONE, title=IMPLICIT_ZONE_TITLE, outputs=(station.playout.output,)),)


def parse_quiet_hours(raw: Any) -> QuietHours:
    """'21:00-06:00', '21h-6h', '21h30 đến 5h' → QuietHours; '24:00' ends at midnight; ValueError with a reason."""
    match = _SPAN.match(str(raw)) if isinstance(raw, str) else None
    if match is None:
        raise ValueError("không đọc được")
    h1, m1, h2, m2 = (int(g or 0) for g in match.groups())
    for hour, minute, end in ((h1, m1, False), (h2, m2, True)):
        if minute > 59:
            raise ValueError(f"phút {minute} quá 59")
        if hour > 24 or (hour == 24 and (minute or not end)):
            raise ValueError(f"giờ {hour} quá 24" if hour > 24 else "giờ bắt đầu không thể là 24:00")
    start, end = time(h1, m1), time(h2 % 24, m2)
    if start == end:
        raise ValueError("giờ bắt đầu bằng giờ kết thúc")
    return QuietHours(start, end)


class ZoneReader(FieldReader):
    """Reads `zones:` entries and the `zones: [...]` targets of announcements, columns and relays."""

    zone_names: tuple[str, ...] = (IMPLICIT_ZONE,)

    def read_zone(self, m: Any, path: str, line: int) -> ZoneSpec | None:
        if not isinstance(m, dict):
            self.error(path, line, "Mỗi vùng trong 'zones' phải là một nhóm khóa (name, title, outputs, ...).",
                       "Sửa: bắt đầu bằng '- name: thon-dong' rồi thụt lề 'title:' và 'outputs:'")
            return None
        what = f"vùng '{m.get('name', '?')}'"
        self.check_keys(m, path, _ZONE_KEYS, ("name", "title"), what)
        name = self.slug(m, "name", path, what)
        title = self.text(m, "title", path, what)
        if title == "":
            self.error(path, m.at("title"), f"'title' của {what} đang trống.", "Sửa: ví dụ 'title: Thôn Đông'")
            title = _BAD
        outputs = self.read_outputs(m, path, what)
        quiet = None
        if m.get("quiet_hours") is not None:
            try:
                quiet = parse_quiet_hours(m["quiet_hours"])
            except ValueError as exc:
                self.error(path, m.at("quiet_hours"), f"Giờ yên lặng '{m['quiet_hours']}' của {what} không hợp lệ: "
                                                      f"{exc}.", _SPAN_HINT)
                quiet = _BAD
        gain = self.number(m, "gain_db", path, what, integer=False, minimum=GAIN_RANGE[0],
                           maximum=GAIN_RANGE[1], default=0.0)
        gains = self.read_gains(m, path, what)
        if any(v is _BAD or v is None for v in (name, title, outputs, gain, gains)) or quiet is _BAD:
            return None
        return ZoneSpec(name=name, title=title, outputs=outputs, quiet_hours=quiet, gain_db=float(gain),
                        path=Path(path), line=m.line, slot_gain_db=gains)

    def read_outputs(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("outputs")
        if raw is None:
            self.error(path, m.line, f"{what[0].upper()}{what[1:]} chưa có đầu ra nào ('outputs').",
                       "Sửa: thêm 'outputs: [device]' (loa máy), '[file]' hoặc '[\"icecast:/thon-dong\"]'")
            return _BAD
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            self.error(path, m.at("outputs"), f"'outputs' của {what} đang trống: vùng không có loa nào.",
                       "Sửa: ghi ít nhất một đầu ra, ví dụ 'outputs: [device]'")
            return _BAD
        out: list[str] = []
        for item in items:
            if item is None:
                self.error(path, m.at("outputs"), f"Đầu ra trống trong 'outputs' của {what} (YAML đọc null "
                                                  "không ngoặc kép là giá trị rỗng).",
                           'Sửa: ghi "null" trong dấu ngoặc kép nếu muốn đầu ra null')
                return _BAD
            spec = str(item).strip()
            kind, colon, detail = spec.partition(":")
            ok = kind in OUTPUT_KINDS and (
                not colon or (kind == "device" and detail) or (kind == "icecast" and detail.startswith("/")
                                                               and len(detail) > 1))
            if isinstance(item, (dict, list, bool)) or not ok:
                self.error(path, m.at("outputs"), f"Đầu ra '{spec}' trong 'outputs' của {what} không hợp lệ.",
                           _did_you_mean(kind, OUTPUT_KINDS) if kind not in OUTPUT_KINDS else _OUTPUT_HINT)
                return _BAD
            if spec in out:
                self.error(path, m.at("outputs"), f"Đầu ra '{spec}' ghi hai lần trong 'outputs' của {what}.",
                           "Sửa: xóa một lần")
                return _BAD
            out.append(spec)
        return tuple(out)

    def read_gains(self, m: YMap, path: str, what: str) -> Any:
        """`gains: {sang: -6}`: the zone's level per slot, in dB (slot names checked once slots are read)."""
        raw = m.get("gains")
        if raw is None:
            return {}
        low, high = GAIN_RANGE
        if not isinstance(raw, dict) or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                            or not low <= v <= high for v in raw.values()):
            self.error(path, m.at("gains"), f"'gains' của {what} phải là 'tên buổi: số dB' từ {low:g} đến {high:g}.",
                       "Sửa: ví dụ 'gains: {sang: -6}'")
            return _BAD
        return {str(k): float(v) for k, v in raw.items()}

    def zone_refs(self, m: YMap, path: str, what: str) -> Any:
        """`zones: [thon-dong, thon-trung]` → names (None when absent: every zone), or _BAD."""
        if "zones" not in m:
            return None
        names = self.str_list(m, "zones", path, what)
        if names is _BAD:
            return _BAD
        if not names:
            self.error(path, m.at("zones"), f"'zones' của {what} đang trống.",
                       "Sửa: ghi các vùng nghe, ví dụ 'zones: [thon-dong]', hoặc xóa dòng này để phát cho cả xã")
            return _BAD
        for name in names:
            if name not in self.zone_names:
                declared = self.zone_names != (IMPLICIT_ZONE,)
                self.error(path, m.at("zones"), f"Vùng '{name}' ở 'zones' của {what} chưa được khai báo.",
                           _did_you_mean(name, self.zone_names) if declared else
                           "Sửa: khai báo vùng này trong mục 'zones:' của lịch phát (name, title, outputs)")
                return _BAD
        return tuple(dict.fromkeys(names))

    def check_zone_slots(self, zones: list[ZoneSpec], slot_names: tuple[str, ...]) -> None:
        for zone in zones:
            for slot in zone.slot_gain_db:
                if slot not in slot_names:
                    self.error(str(zone.path), zone.line, f"Buổi '{slot}' ở 'gains' của vùng '{zone.name}' "
                                                          "không có trong lịch.", _did_you_mean(slot, slot_names))
