"""Schedules: YAML slots, columns, announcements, zones and the station calendar, loaded and validated.

Each name is imported from its room on first use (`__getattr__`): the planner needs the values
(`model`), not the YAML loader, so importing `broadcast.schedule.model` loads neither PyYAML nor
the template checks.
"""

from __future__ import annotations

from broadcast import rooms

_HOMES = {   # name -> the room it lives in (imported on first use)
    **dict.fromkeys(("CalendarException", "StationCalendar"), "calendar"),
    **dict.fromkeys(("load_schedule",), "load"),
    **dict.fromkeys(("AnnouncementSpec", "ColumnSpec", "EpisodeSpec", "QuietHours", "RelaySpec", "Schedule",
                     "SlotSpec", "ZoneSpec"), "model"),
    **dict.fromkeys(("DAY_NAMES", "SESSIONS", "parse_date", "parse_days", "parse_time"), "vocabulary"),
}


__getattr__ = rooms(__name__, _HOMES)

__all__ = [
    "DAY_NAMES", "SESSIONS", "AnnouncementSpec", "CalendarException", "ColumnSpec", "EpisodeSpec",
    "QuietHours", "RelaySpec", "Schedule", "SlotSpec", "StationCalendar", "ZoneSpec", "load_schedule", "parse_date", "parse_days",
    "parse_time",
]
