"""Schedules: YAML slots, columns, announcements, zones and the station calendar, loaded and validated."""

from broadcast.schedule.calendar import CalendarException, StationCalendar
from broadcast.schedule.load import load_schedule
from broadcast.schedule.model import (
    AnnouncementSpec,
    ColumnSpec,
    EpisodeSpec,
    QuietHours,
    RelaySpec,
    Schedule,
    SlotSpec,
    ZoneSpec,
)
from broadcast.schedule.vocabulary import DAY_NAMES, SESSIONS, parse_date, parse_days, parse_time

__all__ = [
    "DAY_NAMES", "SESSIONS", "AnnouncementSpec", "CalendarException", "ColumnSpec", "EpisodeSpec",
    "QuietHours", "RelaySpec", "Schedule", "SlotSpec", "StationCalendar", "ZoneSpec", "load_schedule", "parse_date", "parse_days",
    "parse_time",
]
