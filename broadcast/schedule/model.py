"""The validated schedule: frozen `SlotSpec`, `ColumnSpec`, `AnnouncementSpec`, `RelaySpec`, `ZoneSpec`, `Schedule`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from broadcast.model import Priority
from broadcast.schedule.calendar import StationCalendar

# ---------------------------------------------------------------------------------------------
# The validated schedule

@dataclass(frozen=True)
class QuietHours:
    """A daily span with no programme in a zone ("21:00-06:00"); it may cross midnight."""

    start: time
    end: time

    def contains(self, t: time) -> bool:
        """True when `t` falls in [start, end): 21:00-06:00 contains 23:00 and 05:30, not 06:00."""
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class ZoneSpec:
    """A group of loudspeakers that hears one programme: a thôn, a former commune's area."""

    name: str
    title: str
    outputs: tuple[str, ...]        # "file", "null", "device", "device:hw:1", "icecast:/mount"
    quiet_hours: QuietHours | None = None
    gain_db: float = 0.0
    path: Path | None = None
    line: int | None = None
    slot_gain_db: Mapping[str, float] = field(default_factory=dict)   # slot name -> gain there

    def gain_for(self, slot: str) -> float:
        """The gain at `slot`: the slot's own when `gains:` names it, else the zone's."""
        return float(self.slot_gain_db.get(slot, self.gain_db))


@dataclass(frozen=True)
class RelaySpec:
    """A relayed or recorded audio file (tiếp âm VOV, đài tỉnh...) aired in a slot, or a live stream.

    With `url` (http, https, rtsp) the relay is live: it airs after the slot's recorded programme
    for `minutes` (None: the rest of the slot), and `fallback` (a recorded file) or silence fills
    in when the stream fails or drops.
    """

    file: Path | None               # resolved against the station root; None for a live relay
    title: str
    source: str = "vov"             # vov | tinh | huyen | tu-san-xuat (report group A)
    line: int = 0
    url: str | None = None
    minutes: float | None = None
    fallback: Path | None = None
    zones: tuple[str, ...] | None = None     # None: every zone


@dataclass(frozen=True)
class SlotSpec:
    """One daily broadcast slot: 05:30 Monday–Saturday, at most 30 minutes, in this order."""

    name: str
    title: str
    session: str                    # sang | trua | chieu
    start: time
    days: frozenset[int]            # ISO weekdays 1 (thứ Hai) .. 7 (Chủ nhật)
    max_minutes: float
    on_holiday: str                 # normal | off | festive
    structure: tuple[str, ...]
    relay: RelaySpec | None
    line: int
    path: str = ""

    @property
    def start_minutes(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def label(self) -> str:
        """'05:30 (sang)' for messages."""
        return f"{self.start:%H:%M} ({self.name})"


@dataclass(frozen=True)
class EpisodeSpec:
    """One episode of a column: a template and its values."""

    id: str
    template: str
    values: Mapping[str, Any]
    title: str | None = None
    line: int = 0


@dataclass(frozen=True)
class ColumnSpec:
    """A series such as "Cải cách hành chính": when it airs and which episode is due.

    The rotation is a pure function of the date and the anchor `start`: an *airing day* is a
    day matching `days` (weekly) or `days_of_month`; each episode airs on
    `airings_per_episode` consecutive airing days, then the next one; after the last episode
    the cycle starts again. On an airing day the same episode airs in every slot of `slots`.
    Holidays do not shift the rotation, so restarts and rebuilds give the same answer.
    """

    id: str
    title: str
    tags: tuple[str, ...]
    slots: tuple[str, ...]
    days: frozenset[int]
    days_of_month: frozenset[int]
    airings_per_episode: int
    start: date
    episodes: tuple[EpisodeSpec, ...]
    path: str = ""
    line: int = 0
    zones: tuple[str, ...] | None = None     # None: every zone

    def airs_on(self, d: date) -> bool:
        """True when `d` is one of the column's airing days (on or after the anchor)."""
        if d < self.start or not self.episodes:
            return False
        if self.days_of_month:
            return d.day in self.days_of_month
        return d.isoweekday() in self.days

    def airing_index(self, d: date) -> int:
        """How many airing days lie in [start, d): 0 for the first airing."""
        if d <= self.start:
            return 0
        if self.days_of_month:
            count = 0
            year, month = self.start.year, self.start.month
            while (year, month) <= (d.year, d.month):
                for dom in self.days_of_month:
                    try:
                        candidate = date(year, month, dom)
                    except ValueError:      # 31 in a 30-day month: no airing that month
                        continue
                    if self.start <= candidate < d:
                        count += 1
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return count
        weeks, rest = divmod((d - self.start).days, 7)
        count = weeks * len(self.days)
        for offset in range(rest):
            if (self.start + timedelta(days=offset)).isoweekday() in self.days:
                count += 1
        return count

    def episode_on(self, d: date) -> EpisodeSpec | None:
        """The episode due on `d`, or None when the column does not air that day."""
        if not self.airs_on(d):
            return None
        index = self.airing_index(d) // self.airings_per_episode
        return self.episodes[index % len(self.episodes)]


@dataclass(frozen=True)
class AnnouncementSpec:
    """A notice to read in the slots and days of its validity window: a template, or a recording."""

    id: str
    template: str | None            # None for a recorded notice (`file`)
    values: Mapping[str, Any]
    valid_from: date
    valid_until: date | None
    slots: tuple[str, ...]          # resolved: every slot when the file names none
    days: frozenset[int]
    priority: Priority | None       # None: the template's
    repeat: int | None              # None: the template's
    status: str                     # draft | pending | approved | returned
    path: str
    line: int
    title: str | None = None
    tags: tuple[str, ...] | None = None     # None: the template's
    file: Path | None = None        # a recorded notice: the audio file, inside the station folder
    review: Mapping[str, Any] = field(default_factory=dict, compare=False)   # _REVIEW_KEYS present
    zones: tuple[str, ...] | None = None     # None: every zone
    public: bool = True             # false: never on the listening page (/nghe-lai) or its podcast feed
    order: int | None = None        # air order within its priority (1 first); None: after the numbered ones

    def valid_on(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_until is None or d <= self.valid_until)

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass(frozen=True)
class Schedule:
    """Everything in schedules/: slots, columns, announcements, zones and the station calendar.

    `zones` is empty when no file declares `zones:`: the station is one zone
    (`broadcast.schedule.zones.effective_zones`).
    """

    slots: tuple[SlotSpec, ...]
    columns: tuple[ColumnSpec, ...]
    announcements: tuple[AnnouncementSpec, ...]
    calendar: StationCalendar
    source_files: tuple[Path, ...]
    require_approval: bool = False
    data_files: tuple[Path, ...] = ()
    digest: str = field(default="", repr=False, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)     # "file: message" lines
    zones: tuple[ZoneSpec, ...] = ()

    def fingerprint(self) -> str:
        """sha256 of every schedule and data file as loaded (plus relay files' size and mtime)."""
        return self.digest

    def slot(self, name: str) -> SlotSpec:
        for s in self.slots:
            if s.name == name:
                return s
        raise KeyError(name)
