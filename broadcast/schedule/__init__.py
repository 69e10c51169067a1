"""Schedules: YAML slots, columns, announcements and the station calendar, loaded and validated."""

from broadcast.schedule.calendar import CalendarException, StationCalendar
from broadcast.schedule.load import (
    DAY_NAMES,
    SESSIONS,
    AnnouncementSpec,
    ColumnSpec,
    EpisodeSpec,
    RelaySpec,
    Schedule,
    SlotSpec,
    load_schedule,
    parse_date,
    parse_days,
    parse_time,
)

__all__ = [
    "DAY_NAMES", "SESSIONS", "AnnouncementSpec", "CalendarException", "ColumnSpec", "EpisodeSpec",
    "RelaySpec", "Schedule", "SlotSpec", "StationCalendar", "load_schedule", "parse_date", "parse_days",
    "parse_time",
]
