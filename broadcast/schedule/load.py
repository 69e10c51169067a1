"""Read schedules/*.yaml into a validated `Schedule`, reporting every problem with file, line and fix.

The section readers live beside this module (`slots`, `columns`, `announcements`, `relays`,
`calendar_section`, over `fields`); the values in `model`, the vocabulary in `vocabulary`,
YAML with line numbers in `files`. The names other modules import from here are re-exported.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from broadcast.errors import MultiError, ScheduleError, StationWarning
from broadcast.schedule import notices_kept
from broadcast.schedule.announcements import AnnouncementReader, _read_announcement_files
from broadcast.schedule.calendar import CalendarException, StationCalendar
from broadcast.schedule.calendar_section import CalendarReader
from broadcast.schedule.columns import ColumnReader
from broadcast.schedule.fields import _BAD, FieldReader, _read_document
from broadcast.schedule.files import YList, YMap, plain, read_yaml
from broadcast.schedule.model import (
    AnnouncementSpec,
    ColumnSpec,
    EpisodeSpec,
    RelaySpec,
    Schedule,
    SlotSpec,
    ZoneSpec,
)
from broadcast.schedule.slots import SlotReader
from broadcast.schedule.vocabulary import (
    _ANNOUNCEMENT_KEYS,
    _TOP_KEYS,
    ALL_DAYS,
    ANNOUNCEMENT_FOLDER,
    DAY_NAMES,
    DEFAULT_STRUCTURE,
    FURNITURE_TEMPLATES,
    HOLIDAY_POLICIES,
    LIVE_SCHEMES,
    RECORDING_MAX_BYTES,
    RECORDING_REPEAT,
    SESSIONS,
    SOURCES,
    STATUSES,
    STRUCTURE_PARTS,
    ascii_key,
    parse_date,
    parse_days,
    parse_time,
)
from broadcast.station.bounded_yaml import YamlLimits

__all__ = [
    "ALL_DAYS", "ANNOUNCEMENT_FOLDER", "DAY_NAMES", "DEFAULT_STRUCTURE", "FURNITURE_TEMPLATES",
    "HOLIDAY_POLICIES", "LIVE_SCHEMES", "RECORDING_MAX_BYTES", "RECORDING_REPEAT", "SESSIONS", "SOURCES",
    "STATUSES", "STRUCTURE_PARTS", "_ANNOUNCEMENT_KEYS",
    "AnnouncementSpec", "CalendarException", "ColumnSpec", "EpisodeSpec", "FieldReader", "RelaySpec",
    "Schedule", "SlotSpec", "StationCalendar", "YList", "YMap", "ascii_key", "load_schedule", "parse_date",
    "parse_days", "parse_time", "plain", "read_yaml",
]


class _Loader(SlotReader, ColumnReader, AnnouncementReader, CalendarReader):
    """Collects every problem while reading; `load_schedule` raises them together."""


def load_schedule(directory: Path, *, library: Any = None, station_root: Path | None = None,
                  require_approval: bool = False,
                  replacing: Mapping[str, bytes | None] | None = None,
                  limits: YamlLimits | None = None, include: Sequence[Path] = (),
                  candidates: Mapping[str, bytes] | None = None) -> Schedule:
    """Read every `*.yaml` directly in `directory` (not sub-folders: `data/` holds data files).

    Plus `thong-bao/*.yaml`, one announcement each; `replacing` (file name -> content or None)
    checks those files as they would be after a save, without writing them; `candidates` (file
    name directly in `directory` -> content) does the same for the schedule files themselves.
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
    candidates = dict(candidates or {})
    # a folder, FIFO or device so named is refused when read
    files = sorted(set(directory.glob("*.yaml")) | {directory / name for name in candidates})
    shared: list[Path] = []
    for folder in map(Path, include):
        if not folder.is_dir():
            raise ScheduleError(f"Không tìm thấy thư mục lịch phát chung '{loader.display(folder)}'.",
                                hint="Sửa: kiểm tra [province] include trong broadcast.toml")
        for file in sorted(folder.glob("*.yaml")):
            shared.append(file)
            loader.roots[loader.display(file)] = folder.parent
    if not files:
        raise ScheduleError(f"Thư mục '{loader.display(directory)}' chưa có tệp lịch phát *.yaml.",
                            path=loader.display(directory),
                            hint="Sửa: tạo ví dụ schedules/lich.yaml với 'slots:'")

    documents: list[tuple[str, YMap]] = []
    files = shared + files
    kept = notices_kept.active()
    for file in files:
        shown = loader.display(file)
        loader.folders[shown] = file.parent
        doc = _read_document(loader, file, shown, "schedule",
                             candidates.get(file.name) if file.parent == directory else None)
        if doc is _BAD:
            continue
        if doc is None or (doc == {} and not (kept is not None and kept.served(shown))):   # kept: notices only
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

    def section_of(shown: str, doc: YMap, key: str) -> list[tuple[str, Any, int]]:
        raw = doc.get(key)
        if raw is None:
            return []
        if key == "calendar":
            return [(shown, raw, doc.at(key))]
        if not isinstance(raw, list):
            loader.error(shown, doc.at(key), f"'{key}' phải là một danh sách (mỗi mục bắt đầu bằng '- ').",
                         f"Sửa: xuống dòng sau '{key}:' rồi viết mỗi mục trên một dòng bắt đầu bằng '- '")
            return []
        return [(shown, item, line) for item, line in zip(raw, raw.item_lines, strict=True)]

    def section(key: str) -> list[tuple[str, Any, int]]:
        return [found for shown, doc in documents for found in section_of(shown, doc, key)]

    zones = _read_zones(loader, documents, section)

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
    loader.check_zone_slots(zones, tuple(seen_slots))
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

    # file by file, singles first (as `section` lists them); a file's checked notices may be kept
    announcements: list[AnnouncementSpec] = []
    for shown, doc, single in [(shown, doc, True) for _, shown, doc in singles] + [(s, d, False) for s, d in documents]:
        if kept is not None and kept.served(shown):
            items = None
        elif single:
            items = [(doc, doc.line)]
        else:
            items = [(raw, line) for _, raw, line in section_of(shown, doc, "announcements")]
        announcements += notices_kept.read_notices(loader, shown, items, slot_names, single, kept)

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
    for text in loader.warnings:       # every command that loads schedules says it (broadcast.cli prints it once)
        warnings.warn(StationWarning(text), stacklevel=2)
    return Schedule(slots=tuple(sorted(slots, key=lambda s: (s.start, s.name))), columns=tuple(columns),
                    announcements=tuple(announcements), calendar=calendar,
                    source_files=tuple(files) + tuple(file for file, _, _ in singles),
                    require_approval=require_approval, data_files=tuple(loader.data_files),
                    digest=loader.hasher.hexdigest(), warnings=tuple(loader.warnings), zones=tuple(zones))


def _read_zones(loader: _Loader, documents: list[tuple[str, YMap]], section: Any) -> list[ZoneSpec]:
    """`zones:` from the one file that declares them; sets the names targets may use."""
    declaring = [(shown, doc) for shown, doc in documents if "zones" in doc]
    for shown, doc in declaring[1:]:
        first, first_doc = declaring[0]
        loader.error(shown, doc.key_lines["zones"], f"Mục 'zones:' đã khai báo ở {first}:"
                                                    f"{first_doc.key_lines['zones']}; chỉ một tệp được khai báo vùng.",
                     f"Sửa: chuyển các vùng ở đây sang {first} rồi xóa mục 'zones:' trong tệp này")
    for shown, doc in declaring[:1]:
        if doc["zones"] is None or doc["zones"] == []:
            loader.error(shown, doc.key_lines["zones"], "Mục 'zones:' đang trống.",
                         "Sửa: khai báo ít nhất một vùng (name, title, outputs) hoặc xóa dòng 'zones:'")
    zones: list[ZoneSpec] = []
    names: list[str] = []
    for shown, raw, line in section("zones"):
        if shown != declaring[0][0]:
            continue
        zone = loader.read_zone(raw, shown, line)
        if isinstance(raw, dict) and raw.get("name") is not None:
            names.append(str(raw["name"]))     # a zone with a mistake still counts as known
        if zone is None:
            continue
        twin = next((z for z in zones if z.name == zone.name), None)
        if twin is not None:
            loader.error(shown, zone.line, f"Tên vùng '{zone.name}' đã dùng ở {shown}:{twin.line}.",
                         "Sửa: đặt tên khác, ví dụ 'thon-dong-2'")
            continue
        zones.append(zone)
    if declaring:
        loader.zone_names = tuple(dict.fromkeys(names))
    return zones
