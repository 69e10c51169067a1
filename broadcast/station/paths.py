"""Confine every path named in a schedule (relay files, `data:` files, recordings) to the station folder.

One helper for every file a schedule, a data file or a web form names, so that no
configured text reaches the file system unchecked:

>>> from pathlib import Path
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> confined(root, "audio/tiep_am_vov.mp3") == root / "audio/tiep_am_vov.mp3"
True
>>> confined(root, "../../etc/passwd")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
broadcast.station.paths.OutsideStationError: Đường dẫn '../../etc/passwd' nằm ngoài thư mục đài. (Sửa: ...)

Rules (the same on Linux and Windows):
- `rel` is read from `base` (default: `root`); `data:` files are read from `schedules/`.
- The result, with every symbolic link followed, must lie inside `root` (also followed). An
  absolute path is accepted only when it points inside `root`. A link from inside the station
  folder to a file outside it is refused too: the station folder is what the officer manages.
- Empty text, NUL or other control characters, and Windows drive or UNC paths on Linux are refused.
- The file need not exist: callers say "not found" in their own words.

The error is a `ScheduleError` without file and line; the caller adds where the path was written
(`OutsideStationError.at(path, line)`), or catches it and records `exc.message` / `exc.hint`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from broadcast.errors import ScheduleError
from broadcast.station import files

__all__ = ["OutsideStationError", "confined"]

_HINT = ("Sửa: ghi đường dẫn tính từ thư mục đài, không có '..' và không trỏ ra ngoài, "
         "ví dụ 'audio/tiep_am_vov.mp3' hoặc 'recordings/thong_bao.m4a'")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class OutsideStationError(ScheduleError):
    """A path from a schedule (or a form) is empty, malformed or leads outside the station folder."""

    def at(self, path: str | None, line: int | None) -> OutsideStationError:
        """The same error, naming the file and line where the path was written."""
        return OutsideStationError(self.message, path=path, line=line, hint=self.hint)


def confined(root: Path, rel: str | os.PathLike[str], *, base: Path | None = None) -> Path:
    """`rel` resolved from `base` (default `root`), as a path inside `root` spelled from `root`.

    Raises `OutsideStationError` when `rel` is empty, holds control characters, or resolves
    (symbolic links followed) outside `root`.
    """
    text = os.fspath(rel)
    shown = _CONTROL.sub("?", text)
    if not text.strip():
        raise OutsideStationError("Đường dẫn tệp đang trống.", hint=_HINT)
    if _CONTROL.search(text):
        raise OutsideStationError(f"Đường dẫn '{shown}' có ký tự điều khiển (ví dụ NUL).", hint=_HINT)
    if os.name != "nt" and _is_windows_absolute(text):
        raise OutsideStationError(f"Đường dẫn '{shown}' là đường dẫn Windows tuyệt đối, nằm ngoài "
                                  "thư mục đài.", hint=_HINT)
    top = Path(root).resolve()
    start = Path(base) if base is not None else top
    target = Path(text) if Path(text).is_absolute() else start / text
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):     # a symbolic-link loop, or a name the system refuses
        raise OutsideStationError(f"Đường dẫn '{shown}' không đọc được (vòng liên kết?).",
                                  hint=_HINT) from None
    if resolved != top and not resolved.is_relative_to(top):
        device = files.special(resolved)
        if device is not None:              # say what it is: a link to /dev/zero is worse than "outside"
            raise OutsideStationError(f"Đường dẫn '{shown}' trỏ tới {device}, không phải tệp thường, và nằm "
                                      "ngoài thư mục đài.", hint=_HINT)
        raise OutsideStationError(f"Đường dẫn '{shown}' nằm ngoài thư mục đài.", hint=_HINT)
    # Spelled from the caller's `root`, so messages can show it relative to the station folder.
    return Path(root) / resolved.relative_to(top)


def _is_windows_absolute(text: str) -> bool:
    """'C:\\x', 'C:x' or '\\\\server\\share' (meaningless and unsafe on Linux)."""
    win = PureWindowsPath(text)
    return bool(win.drive) and not PurePosixPath(text).is_absolute()
