"""iCalendar export of planned programmes, so the commune office can see the station's schedule.

One VEVENT per programme: UID ``<programme id>@<station slug>`` (``2026-12-01-sang@hoa-an``, stable
across exports so calendar apps update events instead of duplicating them), DTSTART in the station
timezone with its VTIMEZONE, DTEND = start + estimated duration (the slot's maximum when there is no
estimate), SUMMARY = programme title, DESCRIPTION = the items in air order with kind and priority,
CATEGORIES = the items' tags, PRIORITY 1 when an urgent item is on (5 for ưu tiên).
Every text is `plaintext.plain` (some calendar apps render a DESCRIPTION as HTML): tags removed.

On a station with zones (`zone_titles`: name -> title of every zone) each programme's
description says where it is heard ("Vùng nghe: Thôn Đông, Thôn Trung." or "mọi vùng"), a slot
with several programmes has the zones in each SUMMARY, and the slots a zone skips in its quiet
hours are the programme's warnings ("Lưu ý: ..."). `calendar_name` names one zone's calendar.
Without `zone_titles` the file is what it always was.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from broadcast.atomic import write_bytes_atomic
from broadcast.model import Item, ItemKind, Priority, Programme
from broadcast.publish.plaintext import plain

STATION_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_EVENT = timedelta(minutes=1)

KIND_LABELS = {
    ItemKind.TUNE: "nhạc hiệu", ItemKind.OPENING: "lời mở đầu", ItemKind.NEWS: "bản tin",
    ItemKind.COLUMN: "chuyên mục", ItemKind.TRANSITION: "chuyển tiếp", ItemKind.NOTICE: "thông báo",
    ItemKind.CLOSING: "lời kết", ItemKind.RELAY: "tiếp âm", ItemKind.URGENT: "khẩn cấp",
}
ICAL_PRIORITY = {Priority.KHAN_CAP: 1, Priority.UU_TIEN: 5}


def station_slug(name: str) -> str:
    """'Hòa An' → 'hoa-an' (ASCII, for UIDs)."""
    text = unicodedata.normalize("NFD", name.strip().lower()).replace("đ", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in text)
    return "-".join(part for part in slug.split("-") if part) or "dai"


def programmes_to_ical(programmes: Iterable[Programme], *, station_name: str, now: datetime,
                       tz: ZoneInfo = STATION_TZ, zone_titles: Mapping[str, str] | None = None,
                       calendar_name: str | None = None) -> bytes:
    """The programmes as an iCalendar file (bytes); `now` stamps DTSTAMP (pure: no clock read)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    slug = station_slug(station_name)
    station = _nfc(station_name)
    cal = Calendar()
    cal.add("prodid", f"-//broadcast//Đài Truyền thanh xã {station}//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Lịch phát thanh - Đài Truyền thanh xã {station}"
            + (f" - {_nfc(calendar_name)}" if calendar_name else ""))
    cal.add("x-wr-timezone", tz.key)
    ordered = sorted(programmes, key=lambda p: (p.start, p.slot))
    for programme in ordered:
        cal.add_component(_event(programme, slug, station, now, tz, zone_titles))
    if ordered:
        first: date = min(p.start.astimezone(tz) for p in ordered).date()
        last: date = max(p.start.astimezone(tz) for p in ordered).date()
        cal.add_missing_timezones(first_date=first - timedelta(days=1), last_date=last + timedelta(days=366))
    return cal.to_ical()


def _event(programme: Programme, slug: str, station: str, now: datetime, tz: ZoneInfo,
           zone_titles: Mapping[str, str] | None = None) -> Event:
    if programme.start.tzinfo is None:
        raise ValueError(f"programme {programme.id}: start must be timezone-aware")
    start = programme.start.astimezone(tz)
    length = programme.est_duration_s if programme.est_duration_s > 0 else programme.max_duration_s
    event = Event()
    event.add("uid", f"{programme.id}@{slug}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + max(timedelta(seconds=length), MIN_EVENT))
    where = _heard(programme, zone_titles) if zone_titles else None
    summary = _nfc(programme.title) + (f" ({where})" if where and programme.variant else "")
    event.add("summary", summary)
    event.add("location", f"Đài Truyền thanh xã {station}")
    event.add("description", _description(programme, where))
    tags = list(dict.fromkeys(tag for item in programme.items for tag in item.tags))
    if tags:
        event.add("categories", [_nfc(tag) for tag in tags])
    urgency = min((item.priority for item in programme.items), key=lambda p: p.rank, default=None)
    if urgency in ICAL_PRIORITY:
        event.add("priority", ICAL_PRIORITY[urgency])
    event.add("transp", "TRANSPARENT")
    return event


def _heard(programme: Programme, zone_titles: Mapping[str, str]) -> str:
    """'Thôn Đông, Thôn Trung', or 'mọi vùng' when every zone hears it."""
    if not programme.zones or set(programme.zones) >= set(zone_titles):
        return "mọi vùng"
    return ", ".join(_nfc(zone_titles.get(z, z)) for z in zone_titles if z in programme.zones)


def _description(programme: Programme, where: str | None = None) -> str:
    lines = [f"{n}. {_item_line(item)}" for n, item in enumerate(programme.items, start=1)]
    if where:
        lines.insert(0, f"Vùng nghe: {where}.")
    if programme.festive:
        lines.insert(0, "Chương trình ngày lễ.")
    if programme.est_duration_s > 0:
        lines.append(f"Thời lượng dự kiến: {_mmss(programme.est_duration_s)} "
                     f"(tối đa {_mmss(programme.max_duration_s)}).")
    lines += [f"Lưu ý: {_nfc(w)}" for w in programme.warnings]
    return _nfc("\n".join(lines) or "Chưa có nội dung.")


def _item_line(item: Item) -> str:
    kind = KIND_LABELS.get(item.kind, str(item.kind))
    parts = [kind]
    if item.priority is not Priority.THUONG and not (item.kind is ItemKind.URGENT
                                                     and item.priority is Priority.KHAN_CAP):
        parts.append(item.priority.label)
    if item.repeat > 1:
        parts.append(f"đọc {item.repeat} lần")
    if item.est_duration_s > 0:
        parts.append(f"~{_mmss(item.est_duration_s)}")
    return f"{_nfc(item.title)} ({', '.join(parts)})"


def _mmss(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} phút {secs:02d} giây" if secs else f"{minutes} phút"


def _nfc(text: str) -> str:
    """NFC text without markup (`plaintext.plain`)."""
    return plain(text)


def write_ical(data: bytes, path: str | os.PathLike) -> None:
    """Write the .ics through a temporary file, then rename."""
    write_bytes_atomic(Path(path), data)
