"""Open a station file safely: a regular file inside the station, its size bounded before it is read or hashed.

Every file the station reads from the folders the officer manages goes through here: schedules
and `thong-bao/` files, data files, templates, recordings and relay files, the pronunciation
file, and the digests the warm-rebuild check (`broadcast.publish.freshness`) and the daemon's
inputs watcher take. A file is accepted when

- its real location (symbolic links followed) lies inside one of the folders it may come from
  (`inside`: the station folder, a province's shared folder), when the caller names them;
- it is a regular file: not a folder, a device (`/dev/zero`, `/dev/urandom`), a FIFO or a
  socket, which would block the reader or never end;
- it holds at most `max_bytes`, checked on the open descriptor (`fstat`) before a byte is read;
  the read stops at `max_bytes + 1` in case the file grows meanwhile.

The open itself never blocks (`O_NONBLOCK`): a FIFO swapped in after the check is opened at
once and refused by `fstat`. A refusal is `StationFileError` (an `InputError`, exit 2) naming
the file and the reason in Vietnamese; `problem` gives the same reason without raising, for the
code that walks folders. A missing file is `FileNotFoundError`: callers say "not found" in
their own words.

>>> import tempfile, os
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "lich.yaml").write_text("slots: []")
>>> read_bytes(root / "lich.yaml", max_bytes=100, inside=(root,))
b'slots: []'
>>> os.symlink("/dev/zero", root / "zero.yaml")
>>> problem(root / "zero.yaml", inside=(root,))
'là liên kết tới thiết bị /dev/zero, không phải tệp thường'
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from broadcast.errors import InputError

__all__ = ["AUDIO_MAX_BYTES", "HINT", "MISSING", "StationFileError", "check", "open_file", "problem", "read_bytes", "sha256", "size_text", "special"]

HINT = ("Sửa: thay bằng một tệp thường nằm trong thư mục đài; không dùng liên kết tới thiết bị, "
        "ống dẫn, thư mục hay tệp ở ngoài thư mục đài")
_NONBLOCK = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1 << 20
AUDIO_MAX_BYTES = 2 << 30               # a relay file or tune: ten hours of 128 kbit/s MP3 is 576 MB
MISSING = "không có"                     # `problem` of a file that is not there (callers word it)


class StationFileError(InputError):
    """A file the station would read is not a regular file inside the station, or is too large.

    `reason` is the reason alone ('là một thư mục, không phải tệp'), for callers that word their own error."""

    reason: str = ""


def size_text(n_bytes: int) -> str:
    """'3 KB', '1,5 MB': sizes as the officer reads them."""
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(n_bytes // 1024, 1)} KB"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "một thư mục"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "thiết bị"
    if stat.S_ISFIFO(mode):
        return "một ống dẫn (FIFO)"
    if stat.S_ISSOCK(mode):
        return "một socket"
    return "một loại tệp đặc biệt"


def special(path: Path | str) -> str | None:
    """'thiết bị /dev/zero', 'một ống dẫn (FIFO)', 'một socket' for what `path` leads to, when it
    is neither a regular file nor a folder; else None (also when it is not there)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    kind = _kind(mode)
    if kind is None or kind == "một thư mục":
        return None
    return f"thiết bị {os.path.realpath(path)}" if kind == "thiết bị" else kind


def _reason(path: Path, st: os.stat_result, inside: Sequence[Path], max_bytes: int | None) -> str | None:
    kind = _kind(st.st_mode)
    link = path.is_symlink()
    if kind is not None:
        if kind == "thiết bị":
            target = os.path.realpath(path)
            return f"là {'liên kết tới ' if link else ''}thiết bị {target}, không phải tệp thường"
        if kind == "một thư mục":
            return f"là {'liên kết tới ' if link else ''}một thư mục, không phải tệp"
        return f"là {'liên kết tới ' if link else ''}{kind}, không phải tệp thường"
    if inside:
        real = Path(os.path.realpath(path))
        if not any(real == top or real.is_relative_to(top) for top in (Path(os.path.realpath(p)) for p in inside)):
            return f"là liên kết trỏ ra ngoài thư mục đài ({real})"
    if max_bytes is not None and st.st_size > max_bytes:
        return f"quá lớn ({size_text(st.st_size)}; tối đa {size_text(max_bytes)})"
    return None


def _error(path: Path, shown: str | None, reason: str) -> StationFileError:
    error = StationFileError(f"Không đọc tệp này vì nó {reason}.", path=shown or str(path), hint=HINT)
    error.reason = reason
    return error


def problem(path: Path | str, *, inside: Sequence[Path] = (), max_bytes: int | None = None) -> str | None:
    """Why `path` may not be read ('là một ống dẫn (FIFO), không phải tệp thường'), or None when it may.

    Never opens the file. A missing file: `MISSING`; a broken link says so.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return "là liên kết hỏng (trỏ tới tệp không có)" if path.is_symlink() else MISSING
    except OSError as exc:                      # a link loop, a name too long, no permission
        return f"không đọc được ({exc.strerror or exc})"
    return _reason(path, st, inside, max_bytes)


def check(path: Path | str, *, inside: Sequence[Path] = (), max_bytes: int | None = None,
          shown: str | None = None) -> Path:
    """`path` when it may be read; `StationFileError` with the reason, or `FileNotFoundError`."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise _error(path, shown, "là liên kết hỏng (trỏ tới tệp không có)") from None
        raise
    except OSError as exc:
        raise _error(path, shown, f"không đọc được ({exc.strerror or exc})") from None
    reason = _reason(path, st, inside, max_bytes)
    if reason is not None:
        raise _error(path, shown, reason)
    return path


@contextlib.contextmanager
def open_file(path: Path | str, *, max_bytes: int | None, inside: Sequence[Path] = (),
              shown: str | None = None) -> Iterator[BinaryIO]:
    """The file open for reading, checked as `check` does and once more on the open descriptor.

    `max_bytes=None`: the caller bounds its own read (and words its own "too large")."""
    path = check(path, inside=inside, max_bytes=max_bytes, shown=shown)
    fd = os.open(path, os.O_RDONLY | _NONBLOCK)
    try:
        st = os.fstat(fd)                       # the file actually opened, whatever happened since
        reason = _reason(path, st, (), max_bytes)
        if reason is not None:
            raise _error(path, shown, reason)
        if _NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_bytes(path: Path | str, *, max_bytes: int, inside: Sequence[Path] = (), shown: str | None = None) -> bytes:
    """The whole file, at most `max_bytes` of it (more is refused, never read)."""
    with open_file(path, max_bytes=max_bytes, inside=inside, shown=shown) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:                   # it grew after the check
        raise _error(Path(path), shown, f"quá lớn (hơn {size_text(max_bytes)}; tối đa {size_text(max_bytes)})")
    return data


def sha256(path: Path | str, *, max_bytes: int, inside: Sequence[Path] = (), shown: str | None = None) -> str:
    """Hex SHA-256 of the file, read in chunks, never more than `max_bytes + 1` bytes."""
    digest = hashlib.sha256()
    seen = 0
    with open_file(path, max_bytes=max_bytes, inside=inside, shown=shown) as handle:
        while chunk := handle.read(min(_CHUNK, max_bytes + 1 - seen)):
            seen += len(chunk)
            digest.update(chunk)
            if seen > max_bytes:
                raise _error(Path(path), shown, f"quá lớn (hơn {size_text(max_bytes)}; tối đa {size_text(max_bytes)})")
    return digest.hexdigest()
