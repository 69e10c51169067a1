"""Problem collection and generic field readers (text, slug, time, days, values, templates) for schedule files."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

from broadcast.errors import BroadcastError, InputError, ScheduleError
from broadcast.schedule import notices_kept
from broadcast.schedule.files import YMap, plain, read_yaml
from broadcast.schedule.vocabulary import (
    _DATE_HINT,
    _DAY_SUGGESTIONS,
    _SLUG,
    _TIME_HINT,
    _did_you_mean,
    parse_date,
    parse_days,
    parse_time,
)
from broadcast.station import files
from broadcast.station.bounded_yaml import YamlLimits, file_too_big, read_capped
from broadcast.station.paths import OutsideStationError, confined
from broadcast.station.text_limits import find_control

# ---------------------------------------------------------------------------------------------
# The loader

_BAD = object()     # a value that was wrong (the problem is already recorded)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slugify(text: str) -> str:
    key = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    key = "".join(c for c in key if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-") or "sang"


def _read_document(loader: FieldReader, file: Path, shown: str, kind: str,
                   content: bytes | None = None) -> Any:
    """One YAML file (schedule, `thong-bao/` announcement or data) read, hashed, decoded and parsed.

    `content`: the bytes the file would hold after a save (checked against the size limit here,
    since they were not read through `read_file`). The bytes go into the schedule's fingerprint
    under `kind`. Returns the document (None when empty), or _BAD with the problem recorded.
    """
    raw = loader.read_file(file, shown) if content is None else content
    if raw is _BAD:
        return _BAD
    if len(raw) > loader.limits.max_bytes:
        loader.errors.append(file_too_big(len(raw), loader.limits.max_bytes, shown))
        return _BAD
    loader.hasher.update(kind.encode() + b"\0" + file.name.encode() + b"\0" + raw)
    kept = notices_kept.active() if kind != "data" else None
    if kept is not None and (doc := kept.recall(loader, file, shown, raw)) is not None:
        return doc          # these very bytes parsed before, their notices checked (`notices_kept`)
    try:
        doc = read_yaml(raw.decode("utf-8"), shown, loader.limits)
        if kept is not None:
            kept.parsed(shown, doc)
        return doc
    except UnicodeDecodeError:
        loader.error(shown, None, "Tệp không phải văn bản UTF-8.", "Sửa: lưu lại với mã UTF-8")
    except ScheduleError as exc:
        loader.errors.append(exc)
    return _BAD


class FieldReader:
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

    def inside(self) -> tuple[Path, ...]:
        """The folders a file the schedules name may really lie in: the station's, the shared ones',
        and the schedule folders themselves (wherever a link to the folder leads)."""
        return (self.station_root, self.directory, *dict.fromkeys([*self.roots.values(), *self.folders.values()]))

    def read_file(self, file: Path, shown: str) -> Any:
        """The bytes of a schedule or data file within the size limit, or _BAD (error recorded).

        Only a regular file inside the station (or its shared folder) is read: a folder, a
        device, a FIFO or a link leading out is refused (`broadcast.station.files`)."""
        try:
            return read_capped(file, self.limits.max_bytes, shown, self.inside())
        except InputError as exc:                # too large, or not a regular file of the station
            self.errors.append(exc)
        except OSError as exc:
            self.error(shown, None, f"Không đọc được tệp ({exc.strerror or exc}).",
                       "Sửa: kiểm tra quyền đọc của tệp")
        return _BAD

    def usable(self, file: Path, path: str, line: int | None, missing: str, hint: str, *,
               max_bytes: int | None = None) -> bool:
        """Whether a file a schedule names is a regular file inside the station, within `max_bytes`;
        else the problem is recorded at `path:line` (`missing` when it is not there at all)."""
        reason = files.problem(file, inside=self.inside(), max_bytes=max_bytes)
        if reason is None:
            return True
        if reason == files.MISSING:
            self.error(path, line, missing, hint)
        else:
            self.error(path, line, f"Tệp '{self.display(file)}' {reason}.", files.HINT)
        return False

    def confine(self, rel: str, path: str, line: int, *, base: Path | None = None,
                root: Path | None = None) -> Any:
        """`rel` inside the station folder (`broadcast.station.paths.confined`), or _BAD with the error recorded.

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
            if not self.usable(file, path, m.at("data"), f"Không tìm thấy tệp dữ liệu '{rel}' của {what}.",
                               f"Sửa: tạo tệp {self.display(file)} hoặc sửa đường dẫn (tính từ thư mục "
                               f"{self.display(self.directory)})", max_bytes=self.limits.max_bytes):
                return _BAD, path, m.line
            data_path = self.display(file)
            self.data_files.append(file)
            values = _read_document(self, file, data_path, "data")
            if values is _BAD:
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
            where = f" ({exc.path}{f':{exc.line}' if exc.line else ''})" if exc.path else ""
            self.error(path, line, f"Phần '{part}' trong 'structure' cần mẫu '{template}'{where}: {exc.message}",
                       exc.hint or f"Sửa: tạo tệp scripts_vi/{template}.j2 hoặc bỏ '{part}' khỏi 'structure'")

    def claim_id(self, item_id: str, path: str, line: int, what: str) -> bool:
        where = f"{path}:{line}"
        if item_id in self._item_ids:
            self.error(path, line, f"Mã '{item_id}' của {what} đã dùng ở {self._item_ids[item_id]}.",
                       "Sửa: đặt mã khác (mỗi thông báo và mỗi kỳ chuyên mục một mã riêng)")
            return False
        self._item_ids[item_id] = where
        return True
