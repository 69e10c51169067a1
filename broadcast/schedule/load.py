"""Read schedules/*.yaml into a validated `Schedule`, reporting every problem with file, line and fix."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from broadcast.bounded_yaml import YamlLimits, check_document, file_too_big, read_capped
from broadcast.errors import BroadcastError, MultiError, ScheduleError
from broadcast.model import Priority
from broadcast.normalize.numbers import WEEKDAY_NAMES
from broadcast.paths import OutsideStationError, confined
from broadcast.schedule.calendar import CalendarException, StationCalendar
from broadcast.text_limits import find_control

# ---------------------------------------------------------------------------------------------
# Vocabulary the officer types

ALL_DAYS = frozenset(range(1, 8))
DAY_NAMES = {iso: name for iso, name in enumerate(WEEKDAY_NAMES, start=1)}
_DAY_WORDS: dict[str, frozenset[int]] = {
    "thuhai": frozenset({1}), "thu2": frozenset({1}), "t2": frozenset({1}),
    "thuba": frozenset({2}), "thu3": frozenset({2}), "t3": frozenset({2}),
    "thutu": frozenset({3}), "thu4": frozenset({3}), "t4": frozenset({3}),
    "thunam": frozenset({4}), "thu5": frozenset({4}), "t5": frozenset({4}),
    "thusau": frozenset({5}), "thu6": frozenset({5}), "t6": frozenset({5}),
    "thubay": frozenset({6}), "thu7": frozenset({6}), "t7": frozenset({6}),
    "chunhat": frozenset({7}), "cn": frozenset({7}),
    "hangngay": ALL_DAYS, "moingay": ALL_DAYS,
}
_DAY_SUGGESTIONS = ["thu-hai", "thu-ba", "thu-tu", "thu-nam", "thu-sau", "thu-bay", "chu-nhat",
                    "hang-ngay", "T2", "T3", "T4", "T5", "T6", "T7", "CN"]

SESSIONS = {"sang": "sáng", "trua": "trưa", "chieu": "chiều"}
HOLIDAY_POLICIES = ("normal", "off", "festive")
STRUCTURE_PARTS = ("nhac-hieu", "mo-dau", "chuyen-muc", "thong-bao", "loi-ket", "tiep-am")
DEFAULT_STRUCTURE = ("nhac-hieu", "mo-dau", "chuyen-muc", "thong-bao", "loi-ket", "nhac-hieu")
STATUSES = ("draft", "pending", "approved", "returned")    # nháp, chờ duyệt, đã duyệt, trả lại
_STATUS_ALIASES = {"daduyet": "approved", "duyet": "approved", "nhap": "draft", "choduyet": "pending",
                   "tralai": "returned"}
# One announcement per file in this sub-folder of schedules/ (written by the web console).
ANNOUNCEMENT_FOLDER = "thong-bao"
SOURCES = ("vov", "tinh", "huyen", "tu-san-xuat")
# Programme furniture: which template each structure part needs from scripts_vi/.
FURNITURE_TEMPLATES = {"mo-dau": "mo_dau", "loi-ket": "loi_ket", "chuyen-muc": "chuyen_tiep",
                       "thong-bao": "chuyen_tiep"}

_TOP_KEYS = ("slots", "columns", "announcements", "calendar")
_SLOT_KEYS = ("name", "title", "session", "start", "days", "max_minutes", "on_holiday", "structure",
              "relay")
_RELAY_KEYS = ("file", "url", "title", "source", "minutes", "fallback")
LIVE_SCHEMES = ("http", "https", "rtsp")       # a live relay: Icecast/HTTP or RTSP
_COLUMN_KEYS = ("id", "title", "tags", "slots", "days", "days_of_month", "airings_per_episode",
                "start", "episodes")
_EPISODE_KEYS = ("id", "template", "title", "values", "data")
_ANNOUNCEMENT_KEYS = ("id", "template", "file", "title", "values", "data", "from", "until", "slots", "days",
                      "priority", "repeat", "status", "tags")
RECORDING_REPEAT = 2                # a recorded notice is read twice unless `repeat` says otherwise
RECORDING_MAX_BYTES = 64 << 20      # a phone recording of an hour in AAC is about 30 MB
# Who wrote and approved an announcement, and its edit version (kept by the web console).
_REVIEW_KEYS = ("author", "submitted_at", "approved_by", "approved_at", "comment", "version")
_CALENDAR_KEYS = ("public_holidays", "days_off", "working_days", "exceptions")
_DATED_KEYS = ("date", "name")
_EXCEPTION_KEYS = ("date", "slots", "on_air", "reason")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TIME = re.compile(r"^\s*(\d{1,2})\s*(?::|h|g|giờ)\s*(\d{2})?\s*(?:p|phút)?\s*$", re.IGNORECASE)
_TIME_HINT = 'Sửa: ghi giờ dạng "HH:MM" từ 00:00 đến 23:59, trong dấu ngoặc kép, ví dụ start: "05:30".'
_DATE_HINT = "Sửa: ghi ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY, ví dụ 2026-12-05 hoặc 05/12/2026."


# ---------------------------------------------------------------------------------------------
# The validated schedule

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

    def valid_on(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_until is None or d <= self.valid_until)

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass(frozen=True)
class Schedule:
    """Everything in schedules/: slots, columns, announcements and the station calendar."""

    slots: tuple[SlotSpec, ...]
    columns: tuple[ColumnSpec, ...]
    announcements: tuple[AnnouncementSpec, ...]
    calendar: StationCalendar
    source_files: tuple[Path, ...]
    require_approval: bool = False
    data_files: tuple[Path, ...] = ()
    digest: str = field(default="", repr=False, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)     # "file: message" lines

    def fingerprint(self) -> str:
        """sha256 of every schedule and data file as loaded (plus relay files' size and mtime)."""
        return self.digest

    def slot(self, name: str) -> SlotSpec:
        for s in self.slots:
            if s.name == name:
                return s
        raise KeyError(name)


# ---------------------------------------------------------------------------------------------
# YAML with line numbers

class YMap(dict):
    """A YAML mapping that remembers where it, its keys and its values start (1-based lines)."""

    line: int
    key_lines: dict
    value_lines: dict
    duplicates: list

    def at(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_lines.get(key, self.line))


class YList(list):
    """A YAML sequence that remembers where it and each item start."""

    line: int
    item_lines: list


# libyaml's composer keeps the same marks and is about 10× faster than the pure-Python one.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def _from_node(node: Node, constructor: SafeConstructor) -> Any:
    if isinstance(node, ScalarNode):
        # YAML 1.1 reads 17:00 as the sexagesimal integer 1020: keep such scalars as written.
        if node.tag in (_INT_TAG, _FLOAT_TAG) and ":" in node.value:
            return node.value
        try:
            return constructor.construct_object(node, deep=True)
        except ValueError:      # 2026-12-32 looks like a date but is none: let the field say so
            return node.value
    if isinstance(node, SequenceNode):
        items = YList()
        items.line = node.start_mark.line + 1
        items.item_lines = []
        for child in node.value:
            items.append(_from_node(child, constructor))
            items.item_lines.append(child.start_mark.line + 1)
        return items
    if isinstance(node, MappingNode):
        mapping = YMap()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines, mapping.value_lines, mapping.duplicates = {}, {}, []
        for key_node, value_node in node.value:
            key = _from_node(key_node, constructor)
            if isinstance(key, (list, dict)):
                key = str(key)
            key_line = key_node.start_mark.line + 1
            if key in mapping:
                mapping.duplicates.append((key, key_line))
            mapping[key] = _from_node(value_node, constructor)
            mapping.key_lines[key] = key_line
            mapping.value_lines[key] = value_node.start_mark.line + 1
        return mapping
    raise TypeError(node)   # pragma: no cover - the composer makes only these three kinds


def read_yaml(text: str, path: str, limits: YamlLimits | None = None) -> Any:
    """Parse one YAML document into plain values whose mappings/lists carry line numbers.

    The composed document is checked against `limits` (aliases expanded, depth) before any
    value is built, so a "billion laughs" file fails in milliseconds.
    """
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
        if node is None:
            return None
        check_document(node, limits or YamlLimits(), path)
        return _from_node(node, SafeConstructor())
    except yaml.reader.ReaderError as exc:     # NUL and other control characters in the file
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character or "?")[:1])
        raise ScheduleError(f"Tệp có ký tự điều khiển U+{code:04X} không được phép.", path=path, line=line,
                            hint="Sửa: xóa ký tự này (thường lẫn vào khi chép từ Word, PDF hay bảng "
                                 "tính), rồi lưu lại tệp") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScheduleError(f"Tệp YAML sai cú pháp: {problem}.", path=path, line=line,
                            hint="Sửa: kiểm tra thụt lề (dùng dấu cách, không dùng Tab), dấu ':' "
                                 "sau mỗi khóa và dấu ngoặc kép quanh giá trị có ':' hoặc '#'") from None


def plain(value: Any) -> Any:
    """Drop the line bookkeeping: YMap → dict, YList → list (recursively)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Small parsers shared with other modules

def ascii_key(raw: Any) -> str:
    """'Thứ Hai' → 'thuhai', 'T2' → 't2', 'khẩn cấp' → 'khancap'."""
    text = unicodedata.normalize("NFD", str(raw).strip().lower()).replace("đ", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text if c.isalnum())


def parse_time(raw: Any) -> time:
    """'05:30', '5:30', '5h30', '17h' → time; ValueError for '25:00' or 'sáng'."""
    if isinstance(raw, time):
        return raw
    match = _TIME.match(str(raw))
    if not match:
        raise ValueError(raw)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return time(hour, minute)          # raises ValueError for 25:00 or 05:75


def parse_date(raw: Any) -> date:
    """date, '2026-12-05' or '05/12/2026' → date; ValueError otherwise."""
    if isinstance(raw, datetime):
        raise ValueError(raw)
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_days(raw: Any) -> frozenset[int]:
    """['thu-hai', 'T7', 'CN'] or 'hang-ngay' → ISO weekdays; ValueError naming the bad word."""
    words = raw if isinstance(raw, list) else [raw]
    days: set[int] = set()
    for word in words:
        if isinstance(word, bool) or not isinstance(word, str):
            raise ValueError(word)
        found = _DAY_WORDS.get(ascii_key(word))
        if found is None:
            raise ValueError(word)
        days |= found
    return frozenset(days)


def _suggest(word: Any, choices: Iterable[str]) -> str | None:
    choices = list(choices)
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.5)
    if not close:
        by_key = {ascii_key(c): c for c in choices}
        close = [by_key[k] for k in difflib.get_close_matches(ascii_key(word), list(by_key), n=1,
                                                                cutoff=0.5)]
    return close[0] if close else None


def _did_you_mean(word: Any, choices: Iterable[str]) -> str:
    choices = list(choices)
    guess = _suggest(word, choices)
    if guess is not None:
        return f"Sửa: có phải ý bạn là '{guess}'?"
    return "Sửa: dùng một trong: " + ", ".join(choices) + "."


# ---------------------------------------------------------------------------------------------
# The loader

_BAD = object()     # a value that was wrong (the problem is already recorded)


class _Loader:
    """Collects every problem while reading; `load_schedule` raises them together."""

    def __init__(self, directory: Path, library: Any, station_root: Path,
                 limits: YamlLimits | None = None) -> None:
        self.directory = directory
        self.library = library
        self.station_root = station_root
        self.limits = limits or YamlLimits()
        self.errors: list[BroadcastError] = []
        self.warnings: list[str] = []
        self.data_files: list[Path] = []
        self.relay_files: list[Path] = []
        self.hasher = hashlib.sha256()
        self.folders: dict[str, Path] = {}       # shown file -> its folder (data paths are relative to it)
        self.roots: dict[str, Path] = {}         # shown shared file -> the folder its paths stay inside
        self._templates_seen: dict[str, bool] = {}
        self._item_ids: dict[str, str] = {}      # episode/announcement id → "file:line"

    # -- reporting -----------------------------------------------------------------------------

    def error(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.errors.append(ScheduleError(message, path=path, line=line, hint=hint))

    def display(self, p: Path) -> str:
        for base in (self.station_root, self.directory.parent):
            try:
                return p.relative_to(base).as_posix()
            except ValueError:
                continue
        try:                                     # a shared folder beside the station: ../tinh/...
            return Path(os.path.relpath(p, self.station_root)).as_posix()
        except ValueError:
            return str(p)

    def read_file(self, file: Path, shown: str) -> Any:
        """The bytes of a schedule or data file within the size limit, or _BAD (error recorded)."""
        try:
            return read_capped(file, self.limits.max_bytes, shown)
        except ScheduleError as exc:
            self.errors.append(exc)
        except OSError as exc:
            self.error(shown, None, f"Không đọc được tệp ({exc.strerror or exc}).",
                       "Sửa: kiểm tra quyền đọc của tệp")
        return _BAD

    def confine(self, rel: str, path: str, line: int, *, base: Path | None = None,
                root: Path | None = None) -> Any:
        """`rel` inside the station folder (`broadcast.paths.confined`), or _BAD with the error recorded.

        `root`: another folder to stay inside (a province's shared folder, for its own files)."""
        try:
            return confined(root or self.station_root, rel, base=base)
        except OutsideStationError as exc:
            self.errors.append(exc.at(path, line))
            return _BAD

    # -- generic field readers -----------------------------------------------------------------

    def check_keys(self, m: YMap, path: str, allowed: tuple[str, ...], required: tuple[str, ...],
                   what: str) -> None:
        for key, line in m.duplicates:
            self.error(path, line, f"Khóa '{key}' bị lặp lại trong {what}; chỉ giá trị cuối được dùng.",
                       "Sửa: xóa dòng lặp")
        for key in m:
            if key not in allowed:
                self.error(path, m.key_lines.get(key, m.line), f"Khóa lạ '{key}' trong {what}.",
                           _did_you_mean(key, allowed))
        for key in required:
            if key not in m or m[key] is None:
                self.error(path, m.line, f"Thiếu khóa '{key}' trong {what}.",
                           f"Sửa: thêm dòng '{key}: ...'")

    def text(self, m: YMap, key: str, path: str, what: str, default: Any = None) -> Any:
        raw = m.get(key)
        if raw is None:
            return default
        if isinstance(raw, (dict, list)) or isinstance(raw, bool):
            self.error(path, m.at(key), f"'{key}' trong {what} phải là một chuỗi chữ, không phải {raw!r}.")
            return _BAD
        control = find_control(str(raw))
        if control is not None:
            self.error(path, m.at(key), f"'{key}' trong {what} có ký tự điều khiển {control}.",
                       "Sửa: xóa ký tự này hoặc gõ lại giá trị")
            return _BAD
        return str(raw).strip()

    def slug(self, m: YMap, key: str, path: str, what: str) -> Any:
        value = self.text(m, key, path, what)
        if value is None or value is _BAD:
            return _BAD
        if not _SLUG.match(value):
            self.error(path, m.at(key), f"'{key}: {value}' trong {what} phải là chữ thường không dấu, "
                                        "số và dấu '-' (dùng trong tên tệp).",
                       f"Sửa: ví dụ '{key}: {_slugify(value)}'")
            return _BAD
        return value

    def time_of(self, m: YMap, key: str, path: str, what: str) -> Any:
        raw = m.get(key)
        if raw is None:
            return _BAD
        try:
            return parse_time(raw)
        except (ValueError, TypeError):
            self.error(path, m.at(key), f"Giờ '{raw}' ở '{key}' trong {what} không hợp lệ.", _TIME_HINT)
            return _BAD

    def date_of(self, m: YMap, key: str, path: str, what: str) -> Any:
        raw = m.get(key)
        if raw is None:
            return None
        try:
            return parse_date(raw)
        except (ValueError, TypeError):
            self.error(path, m.at(key), f"Ngày '{raw}' ở '{key}' trong {what} không hợp lệ.", _DATE_HINT)
            return _BAD

    def days_of(self, m: YMap, key: str, path: str, what: str, default: frozenset[int]) -> Any:
        raw = m.get(key)
        if raw is None:
            return default
        try:
            days = parse_days(raw)
        except ValueError as exc:
            bad = exc.args[0] if exc.args else raw
            hint = _did_you_mean(bad, _DAY_SUGGESTIONS) if isinstance(bad, str) else (
                "Sửa: ghi tên ngày, ví dụ [thu-hai, thu-tu] hoặc [T2, T4] hoặc [hang-ngay] "
                "(không dùng số: thứ 2 là T2)")
            self.error(path, m.at(key), f"Ngày trong tuần '{bad}' ở '{key}' trong {what} không hợp lệ.", hint)
            return _BAD
        if not days:
            self.error(path, m.at(key), f"'{key}' trong {what} đang trống.",
                       "Sửa: ghi ít nhất một ngày, ví dụ [hang-ngay], hoặc bỏ dòng này")
            return _BAD
        return days

    def number(self, m: YMap, key: str, path: str, what: str, *, integer: bool, minimum: float,
               maximum: float, default: Any = None) -> Any:
        raw = m.get(key)
        if raw is None:
            return default
        ok_type = (int,) if integer else (int, float)
        if isinstance(raw, bool) or not isinstance(raw, ok_type) or not minimum <= raw <= maximum:
            kind = "số nguyên" if integer else "số"
            self.error(path, m.at(key), f"'{key}: {raw}' trong {what} phải là {kind} từ {minimum:g} "
                                        f"đến {maximum:g}.", f"Sửa: ví dụ '{key}: {int(minimum) or 1}'")
            return _BAD
        return raw

    def choice(self, m: YMap, key: str, path: str, what: str, choices: tuple[str, ...],
               default: str) -> Any:
        raw = m.get(key)
        if raw is None:
            return default
        if raw is False and "off" in choices:      # YAML 1.1 reads a bare `off` as false
            return "off"
        if isinstance(raw, str) and raw.strip() in choices:
            return raw.strip()
        self.error(path, m.at(key), f"Giá trị '{key}: {raw}' trong {what} không hợp lệ.",
                   _did_you_mean(raw, choices))
        return _BAD

    def str_list(self, m: YMap, key: str, path: str, what: str) -> Any:
        raw = m.get(key)
        if raw is None:
            return None
        items = raw if isinstance(raw, list) else [raw]
        if any(isinstance(x, (dict, list, bool)) or x is None for x in items):
            self.error(path, m.at(key), f"'{key}' trong {what} phải là danh sách tên, ví dụ [a, b].")
            return _BAD
        return tuple(str(x).strip() for x in items)

    def slot_refs(self, m: YMap, key: str, path: str, what: str, slot_names: tuple[str, ...]) -> Any:
        names = self.str_list(m, key, path, what)
        if names is None or names is _BAD:
            return names
        for name in names:
            if name not in slot_names:
                self.error(path, m.at(key), f"Buổi '{name}' ở '{key}' trong {what} không có trong lịch.",
                           _did_you_mean(name, slot_names) if slot_names else
                           "Sửa: khai báo buổi này trong 'slots'")
                return _BAD
        return names

    def values_of(self, m: YMap, path: str, what: str) -> tuple[Any, str, int]:
        """`values:` inline or `data:` file → (plain mapping, path, line) to point at."""
        if "values" in m and "data" in m:
            self.error(path, m.key_lines["data"], f"{_cap(what)} có cả 'values' và 'data'.",
                       "Sửa: giữ một trong hai")
        if m.get("data") is not None:
            rel = m["data"]
            if not isinstance(rel, str):
                self.error(path, m.at("data"), f"'data' trong {what} phải là đường dẫn tệp.",
                           "Sửa: ví dụ 'data: data/tiem_chung.yaml'")
                return _BAD, path, m.line
            file = self.confine(rel, path, m.at("data"), base=self.folders.get(path, self.directory),
                                root=self.roots.get(path))
            if file is _BAD:
                return _BAD, path, m.line
            if not file.is_file():
                self.error(path, m.at("data"), f"Không tìm thấy tệp dữ liệu '{rel}' của {what}.",
                           f"Sửa: tạo tệp {self.display(file)} hoặc sửa đường dẫn (tính từ thư mục "
                           f"{self.display(self.directory)})")
                return _BAD, path, m.line
            data_path = self.display(file)
            raw = self.read_file(file, data_path)
            if raw is _BAD:
                return _BAD, path, m.line
            try:
                self.data_files.append(file)
                self.hasher.update(b"data\0" + file.name.encode() + b"\0" + raw)
                values = read_yaml(raw.decode("utf-8"), data_path, self.limits)
            except UnicodeDecodeError:
                self.error(data_path, None, "Tệp không phải văn bản UTF-8.", "Sửa: lưu lại với mã UTF-8")
                return _BAD, path, m.line
            except ScheduleError as exc:
                self.errors.append(exc)
                return _BAD, path, m.line
            if values is None:
                values = YMap()
                values.line = 1
            if not isinstance(values, dict):
                self.error(data_path, 1, "Tệp dữ liệu phải là danh sách 'tên: giá trị'.",
                           "Sửa: ví dụ 'ngay: 05/12/2026'")
                return _BAD, path, m.line
            return plain(values), data_path, values.line
        raw = m.get("values")
        if raw is None:
            return {}, path, m.line
        if not isinstance(raw, dict):
            self.error(path, m.at("values"), f"'values' trong {what} phải là các cặp 'tên: giá trị'.",
                       "Sửa: ví dụ 'values: {ngay: 05/12/2026, gio: \"7h30-11h00\"}'")
            return _BAD, path, m.line
        return plain(raw), path, m.at("values")

    def check_template(self, template: str, values: Any, path: str, line: int, values_path: str,
                       values_line: int) -> Any:
        """Ask the template library; returns its TemplateInfo-like object or None."""
        if self.library is None:
            return None
        try:
            info = self.library.get(template)
        except BroadcastError as exc:
            self.error(path, line, exc.message, exc.hint)
            return None
        if values is not _BAD:
            for problem in self.library.check_values(template, values):
                shown = problem if template in problem else f"Mẫu '{template}': {problem}"
                self.error(values_path, values_line, shown)
        return info

    def check_furniture(self, template: str, path: str, line: int, part: str) -> None:
        if self.library is None or template in self._templates_seen:
            return
        self._templates_seen[template] = True
        try:
            self.library.get(template)
        except BroadcastError as exc:
            self.error(path, line, f"Phần '{part}' trong 'structure' cần mẫu '{template}': {exc.message}",
                       exc.hint or f"Sửa: tạo tệp scripts_vi/{template}.j2 hoặc bỏ '{part}' khỏi 'structure'")

    def claim_id(self, item_id: str, path: str, line: int, what: str) -> bool:
        where = f"{path}:{line}"
        if item_id in self._item_ids:
            self.error(path, line, f"Mã '{item_id}' của {what} đã dùng ở {self._item_ids[item_id]}.",
                       "Sửa: đặt mã khác (mỗi thông báo và mỗi kỳ chuyên mục một mã riêng)")
            return False
        self._item_ids[item_id] = where
        return True

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

    def read_relay(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("relay")
        if raw is None:
            return None
        if isinstance(raw, str):
            raw_map = YMap({"file": raw})
            raw_map.line, raw_map.key_lines, raw_map.duplicates = m.at("relay"), {}, []
            raw_map.value_lines = {"file": m.at("relay")}
            raw = raw_map
        if not isinstance(raw, dict):
            self.error(path, m.at("relay"), f"'relay' của {what} phải có dạng {{file: ..., title: ...}}.")
            return _BAD
        self.check_keys(raw, path, _RELAY_KEYS, (), f"'relay' của {what}")
        title = self.text(raw, "title", path, what, default="Tiếp âm")
        source = self.choice(raw, "source", path, what, SOURCES, "vov")
        if "url" in raw or "file" not in raw:
            return self.read_live_relay(raw, path, what, title, source)
        rel = self.text(raw, "file", path, what)
        if rel is None or rel is _BAD or title is _BAD or source is _BAD:
            return _BAD
        file = self.confine(rel, path, raw.at("file"))
        if file is _BAD:
            return _BAD
        if not file.is_file():
            self.error(path, raw.at("file"), f"Không tìm thấy tệp âm thanh '{rel}' (tiếp âm của {what}).",
                       f"Sửa: chép tệp vào {self.display(file)} hoặc sửa đường dẫn (tính từ thư mục đài)")
            return _BAD
        self.relay_files.append(file)
        return RelaySpec(file=file, title=title, source=source, line=raw.line)

    def read_live_relay(self, raw: YMap, path: str, what: str, title: Any, source: Any) -> Any:
        """`relay: {url: http://..., minutes: 30, fallback: audio/tiep_am.mp3}`: a live stream."""
        url = self.text(raw, "url", path, what)
        if url is None or "file" in raw:
            self.error(path, raw.line, f"'relay' của {what} cần đúng một trong 'file' (tệp ghi sẵn) hoặc "
                                       "'url' (tiếp âm trực tiếp).",
                       "Sửa: ví dụ 'relay: {url: http://127.0.0.1:8000/vov1.mp3, title: Tiếp âm VOV}'")
            return _BAD
        minutes = self.number(raw, "minutes", path, what, integer=False, minimum=1, maximum=600)
        fallback_rel = self.text(raw, "fallback", path, what)
        if url is _BAD or title is _BAD or source is _BAD or minutes is _BAD or fallback_rel is _BAD:
            return _BAD
        parts = urlsplit(url)
        if parts.scheme.lower() not in LIVE_SCHEMES or not parts.hostname:
            self.error(path, raw.at("url"), f"Địa chỉ tiếp âm '{url}' của {what} không hợp lệ: phải bắt đầu "
                                            f"bằng {', '.join(s + '://' for s in LIVE_SCHEMES)} và có tên máy.",
                       "Sửa: ví dụ 'url: http://127.0.0.1:8000/vov1.mp3' hoặc 'url: rtsp://10.0.0.5/tinh'")
            return _BAD
        if parts.username or parts.password:
            self.error(path, raw.at("url"), f"Địa chỉ tiếp âm của {what} có tài khoản hoặc mật khẩu.",
                       "Sửa: dùng một luồng nghe công khai; không ghi mật khẩu trong lịch phát")
            return _BAD
        fallback = None
        if fallback_rel is not None:
            fallback = self.confine(fallback_rel, path, raw.at("fallback"))
            if fallback is _BAD:
                return _BAD
            if not fallback.is_file():
                self.error(path, raw.at("fallback"), f"Không tìm thấy tệp dự phòng '{fallback_rel}' (tiếp âm của "
                                                     f"{what}).",
                           f"Sửa: chép tệp vào {self.display(fallback)} hoặc sửa đường dẫn (tính từ thư mục đài)")
                return _BAD
            self.relay_files.append(fallback)
        return RelaySpec(file=None, title=title, source=source, line=raw.line, url=url,
                         minutes=None if minutes is None else float(minutes), fallback=fallback)

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
        values = (column_id, title, tags, chosen, days, days_of_month, airings, start, episodes)
        if any(v is _BAD or v is None for v in values):
            return None
        return ColumnSpec(id=column_id, title=title, tags=tags, slots=chosen, days=days,
                          days_of_month=days_of_month, airings_per_episode=airings, start=start,
                          episodes=episodes, path=path, line=m.line)

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

    def read_announcement(self, m: Any, path: str, line: int,
                          slot_names: tuple[str, ...]) -> AnnouncementSpec | None:
        if not isinstance(m, dict):
            self.error(path, line, "Mỗi thông báo trong 'announcements' phải là một nhóm khóa "
                                   "(id, template, from, ...).")
            return None
        what = f"thông báo '{m.get('id', '?')}'"
        recorded = m.get("file") is not None
        self.check_keys(m, path, _ANNOUNCEMENT_KEYS + _REVIEW_KEYS,
                        ("id", "from", "title") if recorded else ("id", "from"), what)
        ann_id = self.text(m, "id", path, what)
        template = self.text(m, "template", path, what)
        title = self.text(m, "title", path, what)
        if recorded:
            file = self.read_recording(m, path, what)
            values, values_path, values_line = {}, path, m.line
            if template is not None:
                self.error(path, m.at("template"), f"{_cap(what)} có cả 'file' (bản ghi âm) và 'template'.",
                           "Sửa: giữ một trong hai")
                template = _BAD
            for key in ("values", "data"):
                if key in m:
                    self.error(path, m.at(key), f"{_cap(what)} là bản ghi âm ('file') nên không dùng '{key}'.",
                               f"Sửa: xóa dòng '{key}'")
                    values = _BAD
        else:
            file = None
            if template is None:
                self.error(path, m.line, f"Thiếu khóa 'template' (hoặc 'file' cho bản ghi âm) trong {what}.",
                           "Sửa: thêm dòng 'template: ...', hoặc 'file: recordings/TEN.m4a' và 'title: ...'")
                template = _BAD
            values, values_path, values_line = self.values_of(m, path, what)
        valid_from = self.date_of(m, "from", path, what)
        valid_until = self.date_of(m, "until", path, what)
        if valid_from not in (None, _BAD) and valid_until not in (None, _BAD) and valid_until < valid_from:
            self.error(path, m.at("until"), f"{_cap(what)} hết hạn ({valid_until:%d/%m/%Y}) trước ngày bắt đầu "
                                            f"({valid_from:%d/%m/%Y}).",
                       "Sửa: 'until' phải bằng hoặc sau 'from'; kiểm tra lại ngày, tháng, năm")
            valid_until = _BAD
        chosen = self.slot_refs(m, "slots", path, what, slot_names)
        days = self.days_of(m, "days", path, what, ALL_DAYS)
        priority = None
        if m.get("priority") is not None:
            try:
                priority = Priority.parse(str(m["priority"]))
            except ValueError:
                self.error(path, m.at("priority"), f"Mức ưu tiên '{m['priority']}' của {what} không hợp lệ.",
                           _did_you_mean(m["priority"], [p.value for p in Priority]))
                priority = _BAD
        repeat = self.number(m, "repeat", path, what, integer=True, minimum=1, maximum=10)
        status = self.read_status(m, path, what)
        tags = self.str_list(m, "tags", path, what)
        review = self.read_review(m, path, what)
        if template not in (None, _BAD):
            self.check_template(template, values, path, m.at("template"), values_path, values_line)
        fields_ = (ann_id, template, values, valid_from, valid_until, chosen, days, priority, repeat,
                   status, title, tags, review, file)
        if any(v is _BAD for v in fields_) or None in (ann_id, valid_from) or (template is None and file is None):
            return None
        if not self.claim_id(ann_id, path, m.line, what):
            return None
        return AnnouncementSpec(
            id=ann_id, template=template, values=values, valid_from=valid_from, valid_until=valid_until,
            slots=chosen if chosen is not None else slot_names, days=days, priority=priority,
            repeat=repeat if repeat is not None or file is None else RECORDING_REPEAT, status=status,
            path=path, line=m.line, title=title, tags=tags, review=review, file=file)

    def read_recording(self, m: YMap, path: str, what: str) -> Any:
        """`file:` of a recorded notice: a path inside the station folder to a file that exists.

        Whether it really is audio ffmpeg can decode is checked by content at `broadcast check`
        and at build time (`broadcast.clips`), not here and not by its extension.
        """
        rel = self.text(m, "file", path, what)
        if rel in (None, _BAD):
            return _BAD
        hint = "Sửa: chép bản ghi âm vào thư mục recordings/ của đài và ghi 'file: recordings/TEN.m4a'"
        file = self.confine(rel, path, m.at("file"))
        if file is _BAD:
            return _BAD
        if not file.is_file():
            self.error(path, m.at("file"), f"Không tìm thấy tệp ghi âm '{rel}' của {what}.", hint)
            return _BAD
        if file.stat().st_size > RECORDING_MAX_BYTES:
            self.error(path, m.at("file"), f"Tệp ghi âm '{rel}' của {what} quá lớn "
                                           f"(tối đa {RECORDING_MAX_BYTES >> 20} MB).",
                       "Sửa: cắt bớt hoặc lưu lại với chất lượng thấp hơn (m4a, mp3 64 kbps là đủ)")
            return _BAD
        self.relay_files.append(file)    # its size and time go into the schedule's fingerprint
        return file

    def read_review(self, m: YMap, path: str, what: str) -> Any:
        """The console's bookkeeping keys: names and comment as text, times ISO 8601, version >= 1."""
        review: dict[str, Any] = {}
        bad = False
        for key in ("author", "approved_by", "comment"):
            value = self.text(m, key, path, what)
            bad = bad or value is _BAD
            if value not in (None, _BAD):
                review[key] = value
        for key in ("submitted_at", "approved_at"):
            raw = m.get(key)
            if raw is None:
                continue
            try:
                review[key] = (raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))).isoformat()
            except ValueError:
                self.error(path, m.at(key), f"'{key}' của {what} phải là thời điểm dạng "
                                            f"YYYY-MM-DDTHH:MM:SS+07:00, nhận được '{raw}'.")
                bad = True
        version = self.number(m, "version", path, what, integer=True, minimum=1, maximum=999_999)
        bad = bad or version is _BAD
        if version not in (None, _BAD):
            review["version"] = version
        return _BAD if bad else review

    def read_status(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("status")
        if raw is None:
            return "draft"
        if isinstance(raw, str):
            key = raw.strip()
            if key in STATUSES:
                return key
            if ascii_key(key) in _STATUS_ALIASES:
                return _STATUS_ALIASES[ascii_key(key)]
        self.error(path, m.at("status"), f"Trạng thái '{raw}' của {what} không hợp lệ.",
                   _did_you_mean(raw, STATUSES))
        return _BAD

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


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slugify(text: str) -> str:
    key = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    key = "".join(c for c in key if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-") or "sang"


def _read_announcement_files(loader: _Loader, folder: Path,
                             replacing: Mapping[str, bytes | None]) -> list[tuple[Path, str, YMap]]:
    """`schedules/thong-bao/*.yaml`: one announcement mapping per file (the web console writes them).

    `replacing` maps a file name to the content it would have after a save (None: deleted), so a
    change is checked by this same loader before it is written.
    """
    contents: dict[Path, bytes | None] = {}
    if folder.is_dir():
        contents = {p: None for p in folder.glob("*.yaml") if p.is_file()}
    for name, content in replacing.items():
        contents[folder / name] = content
    out: list[tuple[Path, str, YMap]] = []
    for file in sorted(p for p in contents if p.name.endswith(".yaml")):
        if file.name in replacing and replacing[file.name] is None:
            continue
        shown = loader.display(file)
        raw = contents[file] if contents[file] is not None else loader.read_file(file, shown)
        if raw is _BAD:
            continue
        if len(raw) > loader.limits.max_bytes:
            loader.errors.append(file_too_big(len(raw), loader.limits.max_bytes, shown))
            continue
        loader.hasher.update(b"announcement\0" + file.name.encode() + b"\0" + raw)
        try:
            doc = read_yaml(raw.decode("utf-8"), shown, loader.limits)
        except UnicodeDecodeError:
            loader.error(shown, None, "Tệp không phải văn bản UTF-8.", "Sửa: lưu lại với mã UTF-8")
            continue
        except ScheduleError as exc:
            loader.errors.append(exc)
            continue
        if not isinstance(doc, YMap):
            loader.error(shown, 1, "Tệp trong thư mục thong-bao/ phải là một thông báo (các khóa id, "
                                   "template, from, ...), không phải danh sách.",
                         "Sửa: bỏ dấu '- ' ở đầu và khóa 'announcements:'")
            continue
        out.append((file, shown, doc))
    return out


def load_schedule(directory: Path, *, library: Any = None, station_root: Path | None = None,
                  require_approval: bool = False,
                  replacing: Mapping[str, bytes | None] | None = None,
                  limits: YamlLimits | None = None, include: Sequence[Path] = ()) -> Schedule:
    """Read every `*.yaml` directly in `directory` (not sub-folders: `data/` holds data files).

    Plus `thong-bao/*.yaml`, one announcement each; `replacing` (file name -> content or None)
    checks those files as they would be after a save, without writing them.
    `include`: shared schedule folders (a province's `schedules/`) read before the station's own,
    their `data:` paths relative to their own folder and confined to the shared folder's parent.

    `library` (a `broadcast.render.TemplateLibrary`, or any object with `get(name)` and
    `check_values(name, values) -> list[str]`) checks templates and values; None skips that.
    `station_root` resolves relay files (default: the parent of `directory`); every file a
    schedule names must lie inside it. `limits` bounds each file's size and expansion (default
    `YamlLimits()`). Raises one `MultiError` of `ScheduleError`s listing every problem with
    file and line; `Schedule.warnings` lists what is allowed but probably wrong (an empty file).
    """
    directory = Path(directory)
    root = Path(station_root) if station_root is not None else directory.parent
    loader = _Loader(directory, library, root, limits)
    if not directory.is_dir():
        raise ScheduleError(f"Không tìm thấy thư mục lịch phát '{directory}'.",
                            hint="Sửa: tạo thư mục schedules/ với ít nhất một tệp .yaml")
    files = sorted(p for p in directory.glob("*.yaml") if p.is_file())
    shared: list[Path] = []
    for folder in map(Path, include):
        if not folder.is_dir():
            raise ScheduleError(f"Không tìm thấy thư mục lịch phát chung '{loader.display(folder)}'.",
                                hint="Sửa: kiểm tra [province] include trong broadcast.toml")
        for file in sorted(p for p in folder.glob("*.yaml") if p.is_file()):
            shared.append(file)
            loader.roots[loader.display(file)] = folder.parent
    if not files:
        raise ScheduleError(f"Thư mục '{loader.display(directory)}' chưa có tệp lịch phát *.yaml.",
                            path=loader.display(directory),
                            hint="Sửa: tạo ví dụ schedules/lich.yaml với 'slots:'")

    documents: list[tuple[str, YMap]] = []
    files = shared + files
    for file in files:
        shown = loader.display(file)
        loader.folders[shown] = file.parent
        raw = loader.read_file(file, shown)
        if raw is _BAD:
            continue
        loader.hasher.update(b"schedule\0" + file.name.encode() + b"\0" + raw)
        try:
            doc = read_yaml(raw.decode("utf-8"), shown, loader.limits)
        except UnicodeDecodeError:
            loader.error(shown, None, "Tệp không phải văn bản UTF-8.", "Sửa: lưu lại với mã UTF-8")
            continue
        except ScheduleError as exc:
            loader.errors.append(exc)
            continue
        if doc is None or doc == {}:
            loader.warnings.append(f"{shown}: Tệp lịch phát trống (chưa có 'slots', 'columns', "
                                   "'announcements' hay 'calendar'); tệp này được bỏ qua.")
            continue
        if not isinstance(doc, dict):
            loader.error(shown, 1, "Tệp lịch phát phải gồm các mục 'slots:', 'columns:', "
                                   "'announcements:', 'calendar:'.")
            continue
        loader.check_keys(doc, shown, _TOP_KEYS, (), "tệp lịch phát")
        documents.append((shown, doc))

    singles = _read_announcement_files(loader, directory / ANNOUNCEMENT_FOLDER, replacing or {})

    def section(key: str) -> list[tuple[str, Any, int]]:
        out = [(shown, doc, doc.line) for _, shown, doc in singles] if key == "announcements" else []
        for shown, doc in documents:
            raw = doc.get(key)
            if raw is None:
                continue
            if key == "calendar":
                out.append((shown, raw, doc.at(key)))
            elif not isinstance(raw, list):
                loader.error(shown, doc.at(key), f"'{key}' phải là một danh sách (mỗi mục bắt đầu bằng '- ').")
            else:
                out.extend((shown, item, line) for item, line in zip(raw, raw.item_lines, strict=True))
        return out

    slots: list[SlotSpec] = []
    seen_slots: dict[str, SlotSpec] = {}
    for shown, raw, line in section("slots"):
        slot = loader.read_slot(raw, shown, line)
        if slot is None:
            continue
        if slot.name in seen_slots:
            first = seen_slots[slot.name]
            loader.error(shown, slot.line, f"Tên buổi '{slot.name}' đã dùng ở {first.path}:{first.line}.",
                         "Sửa: đặt tên khác, ví dụ 'sang-cn'")
            continue
        seen_slots[slot.name] = slot
        slots.append(slot)
    loader.check_overlaps(slots)
    # Names of slots that failed validation still count as known, so one mistake in a slot
    # does not cascade into "unknown slot" errors everywhere.
    slot_names = tuple(seen_slots) + tuple(
        str(raw["name"]) for _, raw, _ in section("slots")
        if isinstance(raw, dict) and raw.get("name") is not None and str(raw["name"]) not in seen_slots)

    columns: list[ColumnSpec] = []
    for shown, raw, line in section("columns"):
        column = loader.read_column(raw, shown, line, tuple(slots))
        if column is not None:
            if any(c.id == column.id for c in columns):
                loader.error(shown, column.line, f"Mã chuyên mục '{column.id}' bị trùng.",
                             "Sửa: đặt mã khác")
                continue
            columns.append(column)

    announcements = [a for shown, raw, line in section("announcements")
                     if (a := loader.read_announcement(raw, shown, line, slot_names)) is not None]

    acc: dict[str, Any] = {"days_off": {}, "working_days": {}, "exceptions": []}
    for shown, raw, line in section("calendar"):
        loader.read_calendar(raw, shown, line, slot_names, acc)

    if loader.errors:
        if len(loader.errors) == 1:
            raise MultiError(loader.errors, summary="Có 1 lỗi cần sửa trong lịch phát:")
        raise MultiError(loader.errors, summary=f"Có {len(loader.errors)} lỗi cần sửa trong lịch phát:")

    calendar = StationCalendar(public_holidays=acc.get("public_holidays", (True,))[0],
                               days_off=acc["days_off"], working_days=acc["working_days"],
                               exceptions=tuple(acc["exceptions"]))
    for file in loader.relay_files:
        stat = file.stat()
        loader.hasher.update(f"relay\0{file}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    loader.hasher.update(f"approval\0{require_approval}".encode())
    return Schedule(slots=tuple(sorted(slots, key=lambda s: (s.start, s.name))), columns=tuple(columns),
                    announcements=tuple(announcements), calendar=calendar,
                    source_files=tuple(files) + tuple(file for file, _, _ in singles),
                    require_approval=require_approval, data_files=tuple(loader.data_files),
                    digest=loader.hasher.hexdigest(), warnings=tuple(loader.warnings))
