"""Urgent announcements played from the console process itself when no player (`broadcast run`) runs.

Exactly what `broadcast announce` does without a daemon (`broadcast.daemon.announce.play_directly`,
logged 'thủ công'), in a background thread so the page answers at once and then shows the
state: đang phát → đã phát xong, or phát không được with the reason and a retry. One
direct play at a time; the prepared file is never deleted, so a failure loses nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.errors import BroadcastError
from broadcast.io_errors import describe_os_error
from broadcast.play.failures import explain

STATE_LABELS = {"playing": "Đang phát trên loa", "played": "Đã phát xong", "failed": "Phát không được",
                "interrupted": "Đã dừng giữa chừng"}


@dataclass
class DirectPlay:
    """One prepared announcement played by the console: where it stands now."""

    name: str
    title: str
    state: str = "playing"
    error: str = ""
    started_at: datetime | None = None
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def done(self) -> bool:
        return self.state != "playing"


@dataclass
class DirectPlayer:
    """The console's direct plays by prepared file name; `start` refuses a second one at once."""

    play: Callable[..., Any]
    plays: dict[str, DirectPlay] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def busy(self) -> DirectPlay | None:
        with self._lock:
            return next((p for p in self.plays.values() if not p.done), None)

    def get(self, name: str) -> DirectPlay | None:
        with self._lock:
            return self.plays.get(name)

    def start(self, station: Any, audio: Path, meta: Mapping[str, Any], *, now: datetime) -> DirectPlay | None:
        """Play in a thread; None when another direct play is still on air."""
        with self._lock:
            if any(not p.done for p in self.plays.values()):
                return None
            entry = DirectPlay(audio.name, str(meta.get("title", "")), started_at=now)
            self.plays[audio.name] = entry
        thread = threading.Thread(target=self._run, args=(entry, station, audio, dict(meta), now),
                                  name=f"phat-truc-tiep-{audio.name}", daemon=True)
        thread.start()
        return entry

    def _run(self, entry: DirectPlay, station: Any, audio: Path, meta: dict, now: datetime) -> None:
        try:
            result = self.play(station, audio, meta, now=now)
        except BroadcastError as exc:
            state, error, seconds = "failed", exc.message, 0.0
        except OSError as exc:
            state, error, seconds = "failed", describe_os_error(exc).message, 0.0
        else:
            state, seconds = result.status, result.seconds
            # ffmpeg's words stay out of the page: the cause in Vietnamese, as `broadcast announce` says it.
            error = explain(station.playout.output, result.error)[0] if result.status == "failed" else ""
        with self._lock:
            entry.state, entry.error, entry.seconds = state, error, seconds
