"""Schedules: YAML slots, columns, announcements and the station calendar, loaded and validated."""

from broadcast.schedule.calendar import CalendarException, StationCalendar
from broadcast.schedule.load import load_schedule
from broadcast.schedule.model import AnnouncementSpec, ColumnSpec, EpisodeSpec, RelaySpec, Schedule, SlotSpec
from broadcast.schedule.vocabulary import DAY_NAMES, SESSIONS, parse_date, parse_days, parse_time

__all__ = [
    "DAY_NAMES", "SESSIONS", "AnnouncementSpec", "CalendarException", "ColumnSpec", "EpisodeSpec",
    "RelaySpec", "Schedule", "SlotSpec", "StationCalendar", "load_schedule", "parse_date", "parse_days",
    "parse_time",
]
