"""The words the officer types in schedule files (days, sessions, keys, times, dates) and their parsers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from broadcast.errors import closest
from broadcast.model import ascii_key
from broadcast.normalize.numbers import WEEKDAY_NAMES

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

_TOP_KEYS = ("slots", "columns", "announcements", "calendar", "zones")
_SLOT_KEYS = ("name", "title", "session", "start", "days", "max_minutes", "on_holiday", "structure",
              "relay")
_RELAY_KEYS = ("file", "url", "title", "source", "minutes", "fallback", "zones")
LIVE_SCHEMES = ("http", "https", "rtsp")       # a live relay: Icecast/HTTP or RTSP
_COLUMN_KEYS = ("id", "title", "tags", "slots", "days", "days_of_month", "airings_per_episode",
                "start", "episodes", "zones")
_EPISODE_KEYS = ("id", "template", "title", "values", "data")
_ANNOUNCEMENT_KEYS = ("id", "template", "file", "title", "values", "data", "from", "until", "slots", "days",
                      "priority", "order", "repeat", "status", "tags", "zones", "public")
RECORDING_REPEAT = 2                # a recorded notice is read twice unless `repeat` says otherwise
RECORDING_MAX_BYTES = 64 << 20      # a phone recording of an hour in AAC is about 30 MB
# Who wrote and approved an announcement, and its edit version (kept by the web console).
_REVIEW_KEYS = ("author", "submitted_at", "approved_by", "approved_at", "comment", "version")
_ZONE_KEYS = ("name", "title", "outputs", "quiet_hours", "gain_db", "gains")
OUTPUT_KINDS = ("file", "null", "device", "icecast")     # a zone output: kind, or kind:detail
IMPLICIT_ZONE, IMPLICIT_ZONE_TITLE = "toan-xa", "Toàn xã"   # the one zone of a station without `zones:`
_CALENDAR_KEYS = ("public_holidays", "days_off", "working_days", "exceptions")
_DATED_KEYS = ("date", "name")
_EXCEPTION_KEYS = ("date", "slots", "on_air", "reason")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TIME = re.compile(r"^\s*(\d{1,2})\s*(?::|h|g|giờ)\s*(\d{2})?\s*(?:p|phút)?\s*$", re.IGNORECASE)
_TIME_HINT = 'Sửa: ghi giờ dạng "HH:MM" từ 00:00 đến 23:59, trong dấu ngoặc kép, ví dụ start: "05:30".'
_DATE_HINT = "Sửa: ghi ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY, ví dụ 2026-12-05 hoặc 05/12/2026."



# ---------------------------------------------------------------------------------------------
# Small parsers shared with other modules

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
    return closest(word, choices, cutoff=0.5)


def _did_you_mean(word: Any, choices: Iterable[str]) -> str:
    choices = list(choices)
    guess = _suggest(word, choices)
    if guess is not None:
        return f"Sửa: có phải ý bạn là '{guess}'?"
    return "Sửa: dùng một trong: " + ", ".join(choices) + "."
