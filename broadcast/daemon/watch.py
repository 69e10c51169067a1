"""Watching the inputs a day is built from: a fingerprint of schedules, templates and broadcast.toml.

Only names and `stat` go into it, never a file's bytes; folders are walked without following links
to other folders (a link loop cannot make it endless). An entry that is not a regular file inside
the station (a FIFO, a link to /dev/zero, a link leading out: `broadcast.station.files`) counts by
its name and reason, so adding or removing one is seen, and the build it starts says what is wrong.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.station import files as station_files


class InputsWatcher:
    """Fingerprint of the files a day is built from (schedules, templates, broadcast.toml).

    `inside`: the folders those files may really lie in (default: each watched path and its
    parent: the station folder for its own schedules and templates, the province's for shared ones)."""

    def __init__(self, paths: Sequence[Path], inside: Sequence[Path] | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.inside = tuple(Path(p) for p in inside) if inside is not None else \
            tuple(dict.fromkeys([*self.paths, *(p.parent for p in self.paths)]))

    def _entries(self) -> list[Path]:
        found = []
        for path in self.paths:
            if path.is_dir():
                for folder, dirs, files in os.walk(path):
                    dirs.sort()
                    found += [Path(folder) / name for name in files]
            elif os.path.lexists(path):
                found.append(path)
        return sorted(found)

    def _states(self) -> list[tuple[Path, str, float | None]]:
        """(entry, what it is now, its modification time when it is a regular file of the station)."""
        states = []
        for path in self._entries():
            reason = station_files.problem(path, inside=self.inside)
            if reason is not None:
                states.append((path, f"!{reason}", None))
                continue
            try:
                st = path.stat()
            except OSError:
                continue                                # removed meanwhile
            # inode and ctime too: a same-size save within one clock tick keeps size and mtime
            states.append((path, f"{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_ctime_ns}", st.st_mtime))
        return states

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path, state, _ in self._states():
            digest.update(f"{path}\0{state}\n".encode())
        return digest.hexdigest()

    def latest_change(self, tz: Any) -> datetime | None:
        times = [mtime for _, _, mtime in self._states() if mtime is not None]
        return datetime.fromtimestamp(max(times), tz) if times else None
