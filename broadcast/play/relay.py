"""Live relay (tiếp âm trực tiếp): a programme's file, then its live stream for the relay length, then a fallback.

A slot's `relay: {url: http://…/vov1.mp3}` is published as the programme's `live` object
(`url`, `title`, `source`, `minutes`, `fallback`, `until`). The programme plays as one
`RelayedPlayback`: the recorded file; then the stream, for `minutes` (capped at the slot's end
`until`) or until the slot's end, through the same output with a connect/read timeout; if the
stream cannot be reached or drops before its time, the `fallback` recording fills the rest, or
the rest stays silent. `parts` records what actually aired and for how long; the daemon logs
each part as an item row (kind 'tiep-am') of the programme. The live part is also told when it
goes on air (`watch_parts`), so the log holds a row for it while it airs: a crash mid-relay
leaves that row open, and the restart closes it as interrupted.

The recorded file is started before the constructor returns, so the play's `started_at` is
its player's own start, as for a plain play.

On a gated output (a zone's player) every part gets the zone's gain at the slot (`gated`: the
programme id, slot and the file's known peak; `broadcast.play.gain`): the file and the fallback
as a programme (a boost limited by the peak, the fallback's measured), the live stream with
`live=True` (its peak is not known before it airs: a cut as asked, no boost). The file part's
gain note is the play's `gain_note` (the programme row's note); each part keeps its own (`note`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.play import Clock
from broadcast.play.outputs import Output, Playback, PlayResult

PartWatch = Callable[[str, datetime, str, str], None]      # (kind, started_at, title, source)
# A stream ending this much before its time has dropped (ffmpeg's -t ends it exactly at its length).
DROP_TOLERANCE_S = 2.0
_STOP_WAIT_S = 15.0


@dataclass(frozen=True)
class RelayPart(PlayResult):
    """One stretch of the relay time (a play result with what it was): the live stream, the fallback, or silence.

    `status`: played | interrupted (the stream dropped) | failed (unreachable) | skipped (silence).
    """

    kind: str = "live"               # live | fallback | silence
    title: str = ""
    source: str = "vov"              # the relay's source (vov, tinh ...); 'du-phong' for the fallback
    note: str | None = None          # the zone's gain applied to this part ('mức -6 dB')


@dataclass(frozen=True)
class RelayResult(PlayResult):
    """A programme's result with the parts of its relay time."""

    parts: tuple[RelayPart, ...] = field(default=())


class RelayedPlayback(Playback):
    """File, live stream, fallback: one play for the player queue (stop() ends whichever is on)."""

    def __init__(self, output: Output, path: Path, live: Mapping[str, Any], clock: Clock,
                 on_end: Callable[[PlayResult], None] | None, *, title: str = "", duration_s: float | None = None,
                 offset_s: float = 0.0, connect_timeout_s: float = 10.0,
                 gated: Mapping[str, Any] | None = None) -> None:
        super().__init__(path, clock, on_end)
        self.output = output
        self.live = dict(live)
        self.title = title
        self.duration_s = duration_s
        self.offset_s = offset_s
        self.connect_timeout_s = connect_timeout_s
        self.gated = dict(gated or {})   # a gated output's play arguments: programme_id, slot, peak_db
        self.gain_note: str | None = None
        self.parts: list[RelayPart] = []
        self._current: Playback | None = None
        self._phase: tuple[str, datetime] | None = None
        self._current_lock = threading.Lock()
        self._part_watch: PartWatch | None = None
        self._opened: tuple[str, datetime, str, str] | None = None
        self._file: tuple[Playback, threading.Event] | None = None
        if self.duration_s is None or self.offset_s < self.duration_s - 0.5:
            self._file = self._begin("file", lambda on_end: self.output.start(
                self.path, title=self.title, duration_s=self.duration_s, offset_s=self.offset_s, on_end=on_end,
                **self.gated))
            self.started_at = self._file[0].started_at       # audio starts with the file's player
            self.gain_note = getattr(self._file[0], "gain_note", None)
        threading.Thread(target=self._run, daemon=True, name=f"relay-{path.name}").start()

    @property
    def phase(self) -> tuple[str, datetime] | None:
        """What is on now ('file', 'live', 'fallback') and since when; None between parts."""
        with self._current_lock:
            return self._phase if self._current is not None else None

    def watch_parts(self, callback: PartWatch) -> None:
        """`callback(kind, started_at, title, source)` when the live part goes on air (now if it already has)."""
        with self._current_lock:
            self._part_watch = callback
            opened = self._opened
        if opened is not None:
            callback(*opened)

    def stop(self) -> None:
        super().stop()
        with self._current_lock:
            current = self._current
        if current is not None:
            current.stop()

    # the sequence ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._sequence()
        except Exception as exc:  # noqa: BLE001 - a broken relay must still settle the play
            self._finish("failed", f"tiếp âm lỗi: {exc}")

    def _sequence(self) -> None:
        if self._file is not None:
            result = self._wait(*self._file)
            if self._stopping.is_set() or result.status != "played":
                self._finish("interrupted" if self._stopping.is_set() else result.status, result.error)
                return
        start = self.clock.now()
        end = relay_end(self.live, start)
        seconds = (end - start).total_seconds()
        if seconds < 1.0:
            self._finish("played")
            return
        title, source = self.live.get("title") or "Tiếp âm", self.live.get("source") or "vov"
        result, note = self._play("live", lambda on_end: self.output.start(
            str(self.live["url"]), title=title, duration_s=seconds, limit_s=seconds,
            timeout_s=self.connect_timeout_s, on_end=on_end, **self._part_gain(live=True)), opened=(title, source))
        rest = (end - self.clock.now()).total_seconds()
        dropped = not self._stopping.is_set() and rest > DROP_TOLERANCE_S
        error, status = None, "played"
        if dropped:
            why = result.error or "nguồn ngừng phát"
            aired = result.seconds
            # ffmpeg says "Error opening input" when it cannot connect or read the stream's start; a
            # stream that stops later ends its play normally (end of stream) or fails on a read timeout
            unreachable = result.status == "failed" and ("opening input" in why.lower() or aired < 1.0)
            error = (f"không kết nối được luồng tiếp âm ({why})" if unreachable else
                     f"luồng tiếp âm ngắt sau {clock_text(aired)} ({why})")
            status = "failed" if unreachable else "interrupted"
        if self._stopping.is_set():
            status = "interrupted"
        self.parts.append(RelayPart(status, result.started_at, result.ended_at, error, kind="live", title=title,
                                    source=source, note=note))
        if self._stopping.is_set():
            self._finish("interrupted")
            return
        if dropped:
            self._fill(end, title)
        self._finish("played")

    def _fill(self, end: datetime, title: str) -> None:
        """The rest of the relay time after a failed or dropped stream: the fallback file, or silence."""
        now = self.clock.now()
        rest = (end - now).total_seconds()
        fallback = self.live.get("fallback")
        if fallback and Path(fallback).is_file():
            result, note = self._play("fallback", lambda on_end: self.output.start(
                Path(fallback), title=f"{title} (dự phòng)", duration_s=rest, limit_s=rest, on_end=on_end,
                **self._part_gain()))
            error = None if result.status == "played" else (result.error or "dừng giữa chừng")
            self.parts.append(RelayPart(result.status, result.started_at, result.ended_at, error, kind="fallback",
                                        title=f"{title} (dự phòng)", source="du-phong", note=note))
        else:
            self.parts.append(RelayPart("skipped", now, end, "không có tệp dự phòng: phần còn lại để im lặng",
                                        kind="silence", title=f"{title} (im lặng)", source="du-phong"))

    def _part_gain(self, *, live: bool = False) -> dict[str, Any]:
        """A gated output's arguments for a live or fallback part: the slot's gain, the part's own peak."""
        if not self.gated:
            return {}
        return {"slot": self.gated.get("slot"), **({"live": True} if live else {})}

    def _play(self, phase: str, start: Callable[[Callable[[PlayResult], None]], Playback],
              opened: tuple[str, str] | None = None) -> tuple[PlayResult, str | None]:
        """One part: start it, tell the watcher (`opened`: its title and source), wait for its end;
        its result and the gain applied to it."""
        playback, done = self._begin(phase, start, opened)
        return self._wait(playback, done), getattr(playback, "gain_note", None)

    def _begin(self, phase: str, start: Callable[[Callable[[PlayResult], None]], Playback],
               opened: tuple[str, str] | None = None) -> tuple[Playback, threading.Event]:
        done = threading.Event()
        playback = start(lambda _result: done.set())
        watch = None
        with self._current_lock:
            self._current = playback
            self._phase = (phase, playback.started_at)
            if opened is not None:
                self._opened = (phase, playback.started_at, *opened)
                watch = self._part_watch
        if watch is not None:
            watch(phase, playback.started_at, *opened)
        if self._stopping.is_set():
            playback.stop()
        return playback, done

    def _wait(self, playback: Playback, done: threading.Event) -> PlayResult:
        done.wait()
        with self._current_lock:
            self._current = None
        return playback.result or PlayResult("failed", playback.started_at, self.clock.now(), "không rõ kết quả")

    def _finish(self, status: str, error: str | None = None) -> None:
        with self._lock:
            if self._result is not None:
                return
            self._result = RelayResult(status, self.started_at, self.clock.now(), error, tuple(self.parts))
        self._done.set()
        if self._on_end is not None:
            self._on_end(self._result)


def relay_end(live: Mapping[str, Any], start: datetime) -> datetime:
    """When the live relay stops: `minutes` after it starts, never after the slot's end (`until`)."""
    until = datetime.fromisoformat(live["until"]) if live.get("until") else None
    minutes = live.get("minutes")
    end = start + timedelta(minutes=float(minutes)) if minutes else until
    if live.get("ends_at"):              # a relay resumed after a cut keeps its first planned end
        end = datetime.fromisoformat(live["ends_at"])
    if end is None:
        return start
    return min(end, until) if until is not None else end


def clock_text(seconds: float) -> str:
    """'3:05' for 185 seconds."""
    whole = max(0, int(round(seconds)))
    return f"{whole // 60}:{whole % 60:02d}"
