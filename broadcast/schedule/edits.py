"""Edits of the schedule files themselves (slots, calendar, columns): located, version-checked, validated, atomic.

An edit is a function from the file's text to its new text (`broadcast.schedule.writer`). It
is applied only when the file still has the version the editor saw (a digest of its bytes), the
whole schedule loads with the new text in place (the loader `broadcast check` uses), and then it
is written atomically; otherwise the file is untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from broadcast.atomic import write_bytes_atomic
from broadcast.errors import InputError
from broadcast.schedule.writer import version_of

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NEW_CALENDAR_FILE = "lich-nghi.yaml"


class EditConflict(InputError):
    """The file changed since the page was opened."""


class ScheduleFiles:
    """The schedule files directly in `schedules/`, for the console's week editor.

    `check(candidates)` loads the whole schedule with `candidates` (file name -> bytes) in place
    of the files on disk and raises the loader's errors (`MultiError`) when it does not load.
    """

    def __init__(self, directory: Path, check: Callable[[Mapping[str, bytes]], Any]) -> None:
        self.directory = Path(directory)
        self.check = check
        self._lock = threading.Lock()

    def files(self) -> list[Path]:
        return sorted(p for p in self.directory.glob("*.yaml") if p.is_file())

    def documents(self) -> list[tuple[Path, Any]]:
        """Each file with its parsed content (files that do not parse are left to `broadcast check`)."""
        out = []
        for path in self.files():
            try:
                out.append((path, yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)))
            except (yaml.YAMLError, UnicodeDecodeError, OSError):
                continue
        return out

    def holding(self, section: str, key: str | None = None, value: Any = None) -> tuple[Path, int | None] | None:
        """The file whose top-level `section` holds an item with `key` == `value` and its index;
        with no key, the first file that has `section`; None when there is none."""
        for path, doc in self.documents():
            if not isinstance(doc, dict) or section not in doc:
                continue
            if key is None:
                return path, None
            items = doc.get(section)
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and str(item.get(key)) == str(value):
                    return path, index
        return None

    def calendar_file(self) -> Path:
        found = self.holding("calendar")
        return found[0] if found else self.directory / NEW_CALENDAR_FILE

    def slots_file(self) -> Path:
        found = self.holding("slots")
        return found[0] if found else self.directory / "slots.yaml"

    def version(self, path: Path) -> str:
        return version_of(path.read_bytes() if path.is_file() else b"")

    def versions(self) -> dict[str, str]:
        return {p.name: self.version(p) for p in self.files()}

    @staticmethod
    def conflict() -> EditConflict:
        return EditConflict("lịch phát vừa được người khác sửa trong lúc bạn mở trang; thay đổi của bạn chưa được "
                            "lưu", hint="những gì bạn vừa nhập vẫn còn trên trang: xem bản mới ở tab khác rồi "
                                        "bấm Lưu lại")

    def apply(self, path: Path, expected_version: str, edit: Callable[[str], str]) -> str:
        """Apply `edit` to `path`'s text if its version is `expected_version`; returns the new version.

        Raises EditConflict when the file moved on, MultiError when the loader rejects the result,
        InputError when the edit cannot be made (the item was removed meanwhile).
        """
        path = Path(path)
        if path.parent != self.directory or path.suffix != ".yaml":
            raise InputError("chỉ sửa được các tệp lịch phát của đài")
        with self._lock:
            old = path.read_bytes() if path.is_file() else b""
            if version_of(old) != expected_version:
                raise self.conflict()
            try:
                new = edit(old.decode("utf-8")).encode("utf-8")
            except (KeyError, IndexError):
                raise EditConflict("mục này không còn trong lịch phát (có thể vừa bị xóa)",
                                   hint="tải lại trang để xem lịch hiện tại") from None
            self.check({path.name: new})
            write_bytes_atomic(path, new)
            return version_of(new)
