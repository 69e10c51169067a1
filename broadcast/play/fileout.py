"""The file output: what would have played, linked or copied into a folder and logged in playout.txt."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import datetime
from pathlib import Path

from broadcast.play import Clock, SystemClock
from broadcast.play.playback import EndCallback, Playback
from broadcast.play.process import _rest

PLAYOUT_FILE = "playout.txt"


class FilePlayback(Playback):
    """A play recorded in the file output's directory; see `FileOutput`."""

    def __init__(self, output: FileOutput, path: Path, title: str, duration_s: float | None,
                 on_end: EndCallback | None) -> None:
        super().__init__(path, output.clock, on_end)
        self.output = output
        self.title = title
        self.duration_s = duration_s
        self._ending = False
        self._copy_error = output._copy_in(path, self.started_at)
        if not output.manual:
            threading.Thread(target=self._run, daemon=True, name=f"file-{path.name}").start()

    def _run(self) -> None:
        if self._copy_error is None and self.output.pace > 0 and self.duration_s:
            self._stopping.wait(self.duration_s * self.output.pace)
        if self._stopping.is_set():
            self._end("interrupted")
        else:
            self._end("failed" if self._copy_error else "played", self._copy_error)

    def finish(self) -> None:
        """Manual mode: the driver says the file has played to its end (virtual time)."""
        self._end("failed" if self._copy_error else "played", self._copy_error)

    def stop(self) -> None:
        super().stop()
        if self.output.manual:
            self._end("interrupted")

    def _end(self, status: str, error: str | None = None) -> None:
        with self._lock:
            if self._ending:
                return
            self._ending = True
        ended = self.clock.now()
        self.output._record(self.started_at, ended, status, self.path, self.title)
        self._settle(status, error, ended)


class FileOutput:
    """Writes what would have played: the file itself (linked or copied) and a line in playout.txt.

    Each line reads `start_iso end_iso status file title`. With `pace=1.0` a play lasts as long
    as the file (interruptible, like a real device); with `pace=0` it ends at once. In `manual`
    mode a play ends only when its driver calls `FilePlayback.finish()` - the simulation does so
    at the virtual end time taken from the manifest.
    """

    name = "file"

    def __init__(self, directory: Path, *, clock: Clock | None = None, pace: float = 0.0,
                 manual: bool = False, copy_files: bool = True) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.clock = clock or SystemClock()
        self.pace = pace
        self.manual = manual
        self.copy_files = copy_files
        self._lock = threading.Lock()

    @property
    def playout_path(self) -> Path:
        return self.directory / PLAYOUT_FILE

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> FilePlayback:
        if offset_s > 0:     # a resumed play: playout.txt says from where
            title = f"{title} [từ {offset_s:.1f} giây]"
        length = _rest(duration_s, offset_s)
        if limit_s is not None:
            length = limit_s if length is None else min(length, limit_s)
        return FilePlayback(self, Path(path), title, length, on_end)

    def lines(self) -> list[list[str]]:
        """playout.txt split into [start, end, status, file, title]."""
        if not self.playout_path.exists():
            return []
        return [line.split(" ", 4) for line in self.playout_path.read_text(encoding="utf-8").splitlines() if line]

    def _copy_in(self, path: Path, started: datetime) -> str | None:
        if not path.is_file():
            return f"không có tệp {path}"
        if not self.copy_files:
            return None
        target = self.directory / f"{started:%Y%m%dT%H%M%S%f}-{path.name}"
        try:
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
        except OSError as exc:
            return f"không chép được {path.name}: {exc}"
        return None

    def _record(self, started: datetime, ended: datetime, status: str, path: Path, title: str) -> None:
        line = (f"{started.isoformat(timespec='milliseconds')} {ended.isoformat(timespec='milliseconds')} "
                f"{status} {path.name} {' '.join(title.split())}\n")
        with self._lock, open(self.playout_path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
