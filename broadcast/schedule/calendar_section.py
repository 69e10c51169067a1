"""Validate the `calendar:` section: public holidays, days off, working days and slot exceptions."""

from __future__ import annotations

from typing import Any

from broadcast.schedule.calendar import CalendarException
from broadcast.schedule.fields import _BAD, FieldReader
from broadcast.schedule.files import YMap
from broadcast.schedule.vocabulary import _CALENDAR_KEYS, _DATED_KEYS, _EXCEPTION_KEYS


class CalendarReader(FieldReader):
    """Reads the `calendar:` section."""

    def read_calendar(self, m: Any, path: str, line: int, slot_names: tuple[str, ...],
                      acc: dict) -> None:
        if not isinstance(m, dict):
            self.error(path, line, "'calendar' phải là một nhóm khóa (public_holidays, days_off, ...).")
            return
        what = "'calendar'"
        self.check_keys(m, path, _CALENDAR_KEYS, (), what)
        if "public_holidays" in m:
            flag = m["public_holidays"]
            if not isinstance(flag, bool):
                self.error(path, m.at("public_holidays"), "'public_holidays' phải là true hoặc false.")
            elif acc.get("public_holidays", (flag,))[0] != flag:
                other = acc["public_holidays"][1]
                self.error(path, m.at("public_holidays"),
                           f"'public_holidays' mâu thuẫn với giá trị ở {other}.", "Sửa: chỉ khai báo một lần")
            else:
                acc["public_holidays"] = (flag, f"{path}:{m.at('public_holidays')}")
        for key, default_name in (("days_off", "Ngày nghỉ của đài"), ("working_days", "Ngày làm bù")):
            for entry, entry_line in self.entries(m, key, path):
                if not isinstance(entry, dict):
                    holder = YMap({"date": entry})
                    holder.line, holder.key_lines, holder.duplicates = entry_line, {}, []
                    holder.value_lines = {"date": entry_line}
                    entry = holder
                self.check_keys(entry, path, _DATED_KEYS, ("date",), f"'{key}'")
                day = self.date_of(entry, "date", path, f"'{key}'")
                name = self.text(entry, "name", path, f"'{key}'", default=default_name)
                if day not in (None, _BAD) and name is not _BAD:
                    acc[key][day] = name
        for entry, entry_line in self.entries(m, "exceptions", path):
            if not isinstance(entry, dict):
                self.error(path, entry_line, "Mỗi ngoại lệ phải có dạng {date: ..., slots: [...], "
                                             "on_air: false, reason: ...}.")
                continue
            self.check_keys(entry, path, _EXCEPTION_KEYS, ("date",), "'exceptions'")
            day = self.date_of(entry, "date", path, "'exceptions'")
            chosen = self.slot_refs(entry, "slots", path, "'exceptions'", slot_names)
            on_air = entry.get("on_air", False)
            if not isinstance(on_air, bool):
                self.error(path, entry.at("on_air"), "'on_air' phải là true (phát) hoặc false (không phát).")
                on_air = _BAD
            reason = self.text(entry, "reason", path, "'exceptions'", default="")
            if _BAD in (day, chosen, on_air, reason) or day is None:
                continue
            acc["exceptions"].append(CalendarException(date=day, slots=frozenset(chosen or ()),
                                                       on_air=on_air, reason=reason, line=entry.line))

    def entries(self, m: YMap, key: str, path: str) -> list[tuple[Any, int]]:
        raw = m.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(path, m.at(key), f"'{key}' phải là một danh sách (mỗi mục bắt đầu bằng '- ').")
            return []
        return list(zip(raw, raw.item_lines, strict=True))
