"""Turn an operating-system error on a file into one Vietnamese line: full disk, read-only, no permission, a path through a file.

The pipeline lets `OSError`s rise (writes are atomic, so a failed write leaves nothing behind);
the CLI turns each into `describe_os_error(exc)`, exit 1, instead of a traceback.

>>> import errno
>>> str(describe_os_error(OSError(errno.ENOSPC, "No space left on device", "audio_out/x.mp3")))
'audio_out/x.mp3: Hết chỗ trống trên đĩa, không ghi được. (Sửa: giải phóng chỗ trống, ví dụ xóa các ngày cũ trong audio_out/ và thư mục .cache/, rồi chạy lại)'
"""

from __future__ import annotations

import errno
from pathlib import Path

from broadcast.errors import BroadcastError

__all__ = ["FileSystemError", "describe_os_error", "disk_full_in"]

_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)


class FileSystemError(BroadcastError):
    """The machine refused a read or write (disk full, read-only, permissions): exit code 1."""


def describe_os_error(exc: OSError, path: str | Path | None = None) -> FileSystemError:
    """One plain line for `exc`, naming the file or folder at fault.

    `path` is the file being written: it is named instead of a temporary sibling (`.x.mp3.ab12`)
    or when `exc` names no file.
    """
    original = exc.filename
    if original is not None and (path is None or not _beside(original, path)):
        path = original
    shown = str(path) if path is not None else None
    code = exc.errno
    if code in _FULL:
        return FileSystemError("Hết chỗ trống trên đĩa, không ghi được.", path=shown,
                               hint="Sửa: giải phóng chỗ trống, ví dụ xóa các ngày cũ trong audio_out/ và "
                                    "thư mục .cache/, rồi chạy lại")
    if code == errno.EROFS:
        return FileSystemError("Ổ đĩa hoặc thư mục chỉ cho đọc, không ghi được.", path=shown,
                               hint="Sửa: chọn thư mục khác để ghi, hoặc gắn lại ổ đĩa cho phép ghi")
    if code in (errno.EACCES, errno.EPERM):
        return FileSystemError("Không có quyền đọc hoặc ghi ở đây.", path=shown,
                               hint="Sửa: chọn thư mục khác, hoặc cấp quyền ghi cho người dùng chạy chương trình")
    if code == errno.ENOTDIR or (code == errno.EEXIST and original is not None and Path(original).is_file()):
        return FileSystemError("Đường dẫn đi qua một tệp như thể đó là thư mục.", path=shown,
                               hint="Sửa: kiểm tra lại đường dẫn (-o), mỗi phần trước tên tệp phải là thư mục")
    if code == errno.EISDIR:
        return FileSystemError("Đây là một thư mục, cần một tên tệp.", path=shown,
                               hint="Sửa: thêm tên tệp, ví dụ -o thong_bao.mp3")
    if code == errno.ENOENT:
        return FileSystemError("Không tìm thấy tệp hoặc thư mục.", path=shown,
                               hint="Sửa: kiểm tra lại đường dẫn")
    if code == errno.ENAMETOOLONG:
        return FileSystemError("Tên tệp hoặc đường dẫn quá dài.", path=shown, hint="Sửa: đặt tên ngắn hơn")
    reason = exc.strerror or type(exc).__name__
    return FileSystemError(f"Không đọc hoặc ghi được tệp ({reason}).", path=shown,
                           hint="Sửa: kiểm tra đĩa và quyền của thư mục")


def disk_full_in(text: str) -> bool:
    """True when a tool's error text (ffmpeg's stderr) says the disk is full."""
    return "No space left on device" in text or "Disk quota exceeded" in text or "File too large" in text


def _beside(name: str | Path, path: str | Path) -> bool:
    """`name` is `path`, one of its temporary siblings, or a file of a scratch folder beside it."""
    folder = Path(path).absolute().parent
    try:
        candidate = Path(name).absolute()
        return candidate != folder and candidate.is_relative_to(folder)
    except (TypeError, ValueError):
        return False
