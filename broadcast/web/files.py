"""Files the console serves: a name matched against a pattern, inside one folder, else a plain 404."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.responses import FileResponse, Response

AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".wav": "audio/wav", ".ogg": "audio/ogg"}


def not_found(what: str) -> Response:
    return Response(f"Không có {what}.", status_code=404, media_type="text/plain; charset=utf-8")


def audio_file(path: Path) -> FileResponse:
    """An audio file with its type; FileResponse answers Range requests, so players can seek."""
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))


def file_in(folder: Path, name: str, pattern: re.Pattern[str], *, what: str, media_type: str | None = None,
            download: bool = False) -> Response:
    """`folder/name` when `name` matches `pattern` (no separators, no '..') and the file exists."""
    path = folder / name
    if not pattern.fullmatch(name) or not path.is_file():
        return not_found(what)
    if media_type is None:
        return audio_file(path)
    return FileResponse(path, media_type=media_type, filename=name if download else None)
