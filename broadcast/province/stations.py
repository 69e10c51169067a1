"""The province's station set: folders named on the command line or listed in a file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from broadcast.errors import InputError, MultiError
from broadcast.station.config import CONFIG_NAME


def station_set(folders: Iterable[str] = (), listing: str | None = None) -> list[Path]:
    """Station folders in order, each once: `folders`, then those listed in `listing`.

    A listing has one folder per line, relative to the listing's own folder; blank lines and
    lines starting with '#' are skipped. Every folder without a broadcast.toml is reported at once.
    """
    found: list[tuple[Path, str]] = [(Path(f), f) for f in folders]
    if listing:
        path = Path(listing)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"không đọc được danh sách đài: {exc}", path=str(path),
                             hint="mỗi dòng một thư mục đài, tính từ thư mục chứa tệp danh sách") from None
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                found.append((path.parent / text, f"{path}:{number}"))
    if not found:
        raise InputError("chưa có đài nào để dựng", hint="dùng --stations THƯ_MỤC... hoặc --stations-from TỆP")
    errors = []
    seen: dict[Path, None] = {}
    for folder, where in found:
        resolved = folder.expanduser().resolve()
        if not (resolved / CONFIG_NAME).is_file():
            errors.append(InputError(f"'{folder}' không phải thư mục đài (thiếu {CONFIG_NAME})", path=where
                                     if where != str(folder) else None, hint="sửa đường dẫn hoặc bỏ dòng này"))
            continue
        seen.setdefault(resolved, None)
    if errors:
        raise errors[0] if len(errors) == 1 else MultiError(errors, summary=f"Có {len(errors)} thư mục đài sai:")
    return list(seen)
