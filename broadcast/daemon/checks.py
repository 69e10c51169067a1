"""The programme file checks of the core: done ahead of a slot, reused at the slot while the file is unchanged.

`FileChecks.ahead(path)` decodes the file's start (`check_playable`) before the slot; at the
slot `at_slot(path)` answers from that check when the file is the same (inode, size,
modification time), waits for a check under way rather than decoding twice, or checks anew.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

KEEP = 64                 # file checks kept at most (a day has a handful of slots)
WAIT_S = 60.0             # the slot waits this long at most for a preparation's file check under way
UNKNOWN = "chưa kiểm tra"


class FileChecks:
    """Checks of programme files, shared by the preparation and the slot (see the module docstring)."""

    def __init__(self, check: Callable[[Path], str | None]) -> None:
        self.check = check
        self._checked: dict[Path, tuple[tuple[int, int, int] | None, str | None]] = {}
        self._checking: dict[Path, threading.Event] = {}
        self._lock = threading.Lock()      # never held while checking: the slot may wait on `_checking`

    def ahead(self, path: Path) -> str | None:
        """Check `path` now (or reuse an unchanged check): the problem, None if it plays, UNKNOWN if not known."""
        key = file_key(path)          # taken first: a file replaced during the check is checked again
        with self._lock:
            known = self._checked.get(path)
            if known is not None and known[0] is not None and known[0] == key:
                return known[1]
            if path in self._checking:
                return UNKNOWN         # another preparation is checking this file now
            done = self._checking[path] = threading.Event()
        checked = None
        try:
            checked = (key, self.check(path))
        except Exception:  # noqa: BLE001 - a preparation is best effort: the slot checks again and says why
            return UNKNOWN
        finally:
            with self._lock:
                if checked is not None:
                    self._checked[path] = checked
                    while len(self._checked) > KEEP:     # slots a reload removed never use theirs
                        self._checked.pop(next(iter(self._checked)))
                self._checking.pop(path, None)
            done.set()
        return checked[1]

    def at_slot(self, path: Path) -> str | None:
        """The check at the slot: the one made ahead if the file is unchanged since, else a new one."""
        with self._lock:
            checking = self._checking.get(path)
        if checking is not None:          # the preparation is decoding it now: wait for its answer, not a second decode
            checking.wait(WAIT_S)
        with self._lock:
            key, problem = self._checked.get(path, (None, None))
        if key is not None and key == file_key(path):
            return problem
        return self.check(path)


def file_key(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, modification time) of a file, None when it is missing: what tells it changed."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)
