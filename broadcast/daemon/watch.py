"""Watching the inputs a day is built from: a fingerprint of schedules, templates and broadcast.toml."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any


class InputsWatcher:
    """Fingerprint of the files a day is built from (schedules, templates, broadcast.toml)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = [Path(p) for p in paths]

    def _files(self) -> list[Path]:
        files = []
        for path in self.paths:
            if path.is_dir():
                files += [p for p in path.rglob("*") if p.is_file()]
            elif path.is_file():
                files.append(path)
        return sorted(files)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in self._files():
            stat = path.stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    def latest_change(self, tz: Any) -> datetime | None:
        times = [p.stat().st_mtime for p in self._files()]
        return datetime.fromtimestamp(max(times), tz) if times else None
