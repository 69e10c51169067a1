"""Announcements the console writes: one YAML file each in `schedules/thong-bao/`, checked, versioned.

A save is checked by the same loader `broadcast check` uses (with the candidate file in place
of the old one, nothing written yet), then written atomically. Every file carries `version`;
a save names the version it was edited from, and is refused when the file moved on meanwhile
(two people editing one announcement), so nobody's work is silently overwritten.
"""

from __future__ import annotations

import re
import secrets
import threading
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from broadcast.atomic import write_bytes_atomic
from broadcast.errors import InputError
from broadcast.schedule import load_schedule
from broadcast.schedule.files import plain, read_yaml
from broadcast.schedule.vocabulary import ANNOUNCEMENT_FOLDER
from broadcast.station.bounded_yaml import recording_reads

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
# Key order in the written file: what the officer reads first, the bookkeeping last.
KEY_ORDER = ("id", "template", "file", "title", "values", "from", "until", "slots", "days", "priority",
             "order", "repeat", "tags", "status", "author", "submitted_at", "approved_by", "approved_at", "comment",
             "version")


class VersionConflict(InputError):
    """The file changed since the page was opened."""


def slugify(text: str, limit: int = 40) -> str:
    key = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    key = "".join(c for c in key if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:limit].strip("-")
    return slug or "thong-bao"


def valid_id(notice_id: str) -> bool:
    return bool(_ID.fullmatch(notice_id or ""))


def dump_entry(entry: Mapping[str, Any]) -> bytes:
    """The file's text: keys in KEY_ORDER, empty keys left out, UTF-8 (readable in `git diff`)."""
    ordered = {k: entry[k] for k in KEY_ORDER if entry.get(k) not in (None, "", [], {})}
    extra = {k: v for k, v in entry.items() if k not in KEY_ORDER and v not in (None, "", [], {})}
    text = yaml.safe_dump({**ordered, **extra}, allow_unicode=True, sort_keys=False,
                          default_flow_style=False, width=100)
    return ("# Viết từ bảng điều khiển (broadcast web); sửa tay được, giữ nguyên 'version'.\n"
            + text).encode("utf-8")


class NoticeStore:
    """The `thong-bao/` folder of one station's schedules."""

    def __init__(self, schedules_dir: Path, *, library: Any, station_root: Path,
                 require_approval: bool) -> None:
        self.schedules_dir = Path(schedules_dir)
        self.folder = self.schedules_dir / ANNOUNCEMENT_FOLDER
        self.library = library
        self.station_root = Path(station_root)
        self.require_approval = require_approval
        self._lock = threading.Lock()
        self._kept_lock = threading.Lock()
        self._kept: tuple[tuple, tuple[str, ...], Any] | None = None     # (signature, files read, schedule)

    def schedule(self, replacing: Mapping[str, bytes | None] | None = None):
        """The station's schedule; unchanged files answer from the last load (pages ask on every request).

        Kept by a signature of the schedules and templates folders and the other files the last
        load read (path, size, mtime, inode, ctime); kept only when nothing moved during the load.
        A load with `replacing` (a save being checked) is never kept. Errors are never kept.
        """
        if replacing is not None:
            return self._load(replacing)
        with self._kept_lock:
            kept = self._kept
        if kept is not None and self._signature(kept[1]) == kept[0]:
            return kept[2]
        before = self._signature(())
        with recording_reads() as reads:
            schedule = self._load(None)
        files = tuple(sorted({str(p) for p in reads}))
        after = self._signature(files)
        if after[:len(before)] == before:
            with self._kept_lock:
                self._kept = (after, files, schedule)
        return schedule

    def _load(self, replacing: Mapping[str, bytes | None] | None):
        return load_schedule(self.schedules_dir, library=self.library, station_root=self.station_root,
                             require_approval=self.require_approval, replacing=replacing)

    def _signature(self, files: tuple[str, ...]) -> tuple:
        """What each file is now: the two folders' files, then `files` (a vanished file counts too)."""
        roots = [self.schedules_dir, getattr(self.library, "root", None)]
        paths = [str(p) for root in roots if root is not None and Path(root).is_dir()
                 for p in sorted(Path(root).rglob("*"))]
        out = []
        for name in (*paths, *files):
            try:
                s = Path(name).stat()
                out.append((name, s.st_size, s.st_mtime_ns, s.st_ino, s.st_ctime_ns))
            except OSError:
                out.append((name, None))
        return tuple(out)

    def path_of(self, notice_id: str) -> Path:
        """The file of an id; the id is checked first, so no request reaches another path."""
        if not valid_id(notice_id):
            raise InputError(f"mã thông báo '{notice_id[:80]}' không hợp lệ")
        return self.folder / f"{notice_id}.yaml"

    def exists(self, notice_id: str) -> bool:
        return valid_id(notice_id) and self.path_of(notice_id).is_file()

    def load(self, notice_id: str) -> dict[str, Any]:
        path = self.path_of(notice_id)
        if not path.is_file():
            raise InputError(f"không có thông báo '{notice_id}' trong {ANNOUNCEMENT_FOLDER}/")
        entry = plain(read_yaml(path.read_text(encoding="utf-8"), str(path)))
        if not isinstance(entry, dict):
            raise InputError("tệp thông báo không đúng dạng", path=str(path))
        return entry

    def new_id(self, title: str, taken: set[str]) -> str:
        base = slugify(title)
        while True:
            candidate = f"{base}-{secrets.token_hex(2)}"
            if candidate not in taken and not self.path_of(candidate).exists():
                return candidate

    def save(self, entry: Mapping[str, Any], *, expected_version: int | None) -> dict[str, Any]:
        """Check and write one announcement; returns it as written (version bumped).

        `expected_version` is the version the page was opened with (None for a new one).
        Raises VersionConflict when the file moved on, MultiError when the loader rejects it.
        """
        notice_id = str(entry["id"])
        path = self.path_of(notice_id)
        with self._lock:
            current = self.load(notice_id).get("version", 1) if path.is_file() else None
            if current != expected_version:
                raise VersionConflict(
                    "thông báo này vừa được người khác sửa hoặc duyệt"
                    + (f" (nay là phiên bản {current})" if current is not None else " (hoặc đã bị xóa)")
                    + "; bản của bạn chưa được lưu",
                    hint="nội dung bạn vừa nhập vẫn còn trong trang: mở bản mới ở tab khác, so sánh rồi lưu lại")
            written = {**entry, "version": (current or 0) + 1}
            data = dump_entry(written)
            self.schedule(replacing={path.name: data})      # raises with file, line and fix
            write_bytes_atomic(path, data)
        return written

    def save_many(self, entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Save several announcements as one change: all of them or none.

        Each entry carries the version it was read at. Versions are checked and the schedule is
        checked with every new file in place before anything is written, so a conflict or a
        refusal writes nothing; if a write then fails, the files already written get their old
        bytes back.
        """
        with self._lock:
            plans = []
            for entry in entries:
                path = self.path_of(str(entry["id"]))
                current = self.load(str(entry["id"])).get("version", 1) if path.is_file() else None
                if current != entry.get("version", 1 if path.is_file() else None):
                    raise VersionConflict(f"thông báo '{entry['id']}' vừa được người khác sửa (nay là phiên bản "
                                          f"{current}); chưa đổi gì", hint="tải lại trang rồi làm lại")
                written = {**entry, "version": (current or 0) + 1}
                plans.append((path, path.read_bytes() if path.is_file() else None, dump_entry(written), written))
            self.schedule(replacing={path.name: data for path, _, data, _ in plans})
            done: list[tuple[Path, bytes | None]] = []
            try:
                for path, old, data, _ in plans:
                    write_bytes_atomic(path, data)
                    done.append((path, old))
            except OSError:
                for path, old in reversed(done):
                    if old is None:
                        path.unlink(missing_ok=True)
                    else:
                        write_bytes_atomic(path, old)
                raise
        return [written for *_, written in plans]

    def remove(self, notice_id: str, *, expected_version: int) -> None:
        path = self.path_of(notice_id)
        with self._lock:
            current = self.load(notice_id).get("version", 1)
            if current != expected_version:
                raise VersionConflict(f"thông báo đã đổi sang phiên bản {current}; chưa xóa")
            self.schedule(replacing={path.name: None})
            path.unlink()
