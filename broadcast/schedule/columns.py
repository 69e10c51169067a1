"""Validate `columns:` (chuyên mục): tags, slots, days, days of month and rotating episodes."""

from __future__ import annotations

from typing import Any

from broadcast.schedule.fields import _BAD, _cap
from broadcast.schedule.files import YMap, plain
from broadcast.schedule.model import ColumnSpec, EpisodeSpec, SlotSpec
from broadcast.schedule.vocabulary import _COLUMN_KEYS, _EPISODE_KEYS
from broadcast.schedule.zones import ZoneReader


class ColumnReader(ZoneReader):
    """Reads `columns:` entries and their episodes."""

    def read_column(self, m: Any, path: str, line: int, slots: tuple[SlotSpec, ...]) -> ColumnSpec | None:
        if not isinstance(m, dict):
            self.error(path, line, "Mỗi chuyên mục trong 'columns' phải là một nhóm khóa (id, title, ...).")
            return None
        what = f"chuyên mục '{m.get('id', '?')}'"
        self.check_keys(m, path, _COLUMN_KEYS, ("id", "title", "start", "episodes"), what)
        column_id = self.slug(m, "id", path, what)
        title = self.text(m, "title", path, what)
        tags = self.str_list(m, "tags", path, what) or ()
        slot_names = tuple(s.name for s in slots)
        carrying = tuple(s.name for s in slots if "chuyen-muc" in s.structure)
        chosen = self.slot_refs(m, "slots", path, what, slot_names)
        if chosen is None:
            chosen = carrying
        elif chosen is not _BAD:
            for name in chosen:
                if name not in carrying:
                    self.error(path, m.at("slots"), f"Buổi '{name}' không có phần 'chuyen-muc' trong "
                                                    f"'structure' nên {what} sẽ không bao giờ được phát.",
                               f"Sửa: thêm 'chuyen-muc' vào 'structure' của buổi '{name}' hoặc bỏ "
                               "buổi này khỏi 'slots'")
        days = self.days_of(m, "days", path, what, frozenset())
        days_of_month = self.read_days_of_month(m, path, what)
        if "days" in m and "days_of_month" in m:
            self.error(path, m.key_lines["days_of_month"], f"{_cap(what)} có cả 'days' và 'days_of_month'.",
                       "Sửa: chọn một: 'days: [thu-hai]' (hằng tuần) hoặc 'days_of_month: [1, 15]'")
        elif m.get("days") is None and m.get("days_of_month") is None:
            self.error(path, m.line, f"{_cap(what)} chưa nói phát vào ngày nào.",
                       "Sửa: thêm 'days: [thu-hai]' (hằng tuần) hoặc 'days_of_month: [1, 15]' (hai lần "
                       "mỗi tháng)")
        airings = self.number(m, "airings_per_episode", path, what, integer=True, minimum=1,
                              maximum=100, default=1)
        start = self.date_of(m, "start", path, what)
        episodes = self.read_episodes(m, path, what)
        zones = self.zone_refs(m, path, what)
        values = (column_id, title, tags, chosen, days, days_of_month, airings, start, episodes)
        if zones is _BAD:
            return None
        if any(v is _BAD or v is None for v in values):
            return None
        return ColumnSpec(id=column_id, title=title, tags=tags, slots=chosen, days=days,
                          days_of_month=days_of_month, airings_per_episode=airings, start=start,
                          episodes=episodes, path=path, line=m.line, zones=zones)

    def read_days_of_month(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("days_of_month")
        if raw is None:
            return frozenset()
        items = raw if isinstance(raw, list) else [raw]
        if not items or any(isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= 31
                            for x in items):
            self.error(path, m.at("days_of_month"), f"'days_of_month' của {what} phải là các ngày từ 1 "
                                                    f"đến 31, nhận được {plain(raw)!r}.",
                       "Sửa: ví dụ 'days_of_month: [1, 15]'")
            return _BAD
        return frozenset(items)

    def read_episodes(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("episodes")
        if raw is None:
            return _BAD
        if not isinstance(raw, list) or not raw:
            self.error(path, m.at("episodes"), f"'episodes' của {what} phải là danh sách có ít nhất một kỳ.",
                       "Sửa: '- id: cchc-01' rồi 'template: ...' thụt lề bên dưới")
            return _BAD
        episodes = []
        for item, line in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, dict):
                self.error(path, line, f"Mỗi kỳ trong {what} phải có 'id' và 'template'.")
                continue
            ep_what = f"kỳ '{item.get('id', '?')}' của {what}"
            self.check_keys(item, path, _EPISODE_KEYS, ("id", "template"), ep_what)
            ep_id = self.text(item, "id", path, ep_what)
            template = self.text(item, "template", path, ep_what)
            title = self.text(item, "title", path, ep_what)
            values, values_path, values_line = self.values_of(item, path, ep_what)
            if template not in (None, _BAD):
                self.check_template(template, values, path, item.at("template"), values_path, values_line)
            if any(v is _BAD or v is None for v in (ep_id, template, values)) or title is _BAD:
                continue
            if self.claim_id(ep_id, path, item.line, ep_what):
                episodes.append(EpisodeSpec(id=ep_id, template=template, values=values, title=title,
                                            line=item.line))
        if len(episodes) != len(raw):
            return _BAD
        return tuple(episodes)
