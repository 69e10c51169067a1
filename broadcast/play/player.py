"""The single player queue: one thing on air at a time, khẩn cấp first, and `play_file` for manual plays.

A `PlayJob` (`broadcast.play.jobs`) is one file to put on air with everything the as-run log
needs. The `Player` owns the queue and the one current `Playback`; the daemon core decides
*whether* a job may start (`admit`) and what its end means (`finished`). The player never
blocks: an output's end callback moves it to the next job, so the same player runs on the wall
clock (the daemon) and on a virtual one (the simulation).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from broadcast.log.asrun import AsRunLog
from broadcast.play import Clock, SystemClock
from broadcast.play.jobs import (  # noqa: F401 - re-exported: the daemon and the CLI import them from here
    SESSIONS,
    URGENT_SESSION,
    PlayJob,
    job_from_announcement,
    jobs_from_manifest,
    log_not_aired,
    log_start,
    session_of,
)
from broadcast.play.outputs import Output, Playback, PlayResult

# --- the queue ---------------------------------------------------------------------------------

Admit = Callable[[PlayJob], bool]
Finished = Callable[[PlayJob, PlayResult, str], None]     # reason: 'end' | 'urgent' | 'stop'
Watch = Callable[[PlayJob, Playback], None]
Started = Callable[[PlayJob, Playback], None]


@dataclass
class _OnAir:
    job: PlayJob
    playback: Playback
    token: object = field(default_factory=object)


class Player:
    """One output, one queue, one current play.

    `admit(job) -> bool` is asked just before a job starts (the core refuses a job that is
    missed or already aired); `started(job, playback)` is told once the output has started it
    (the core logs it then, at the player's own start time: lateness is measured when audio
    starts, not when the job is admitted); `finished(job, result, reason)` is told how each
    admitted job ended (without a `started` call when the output could not start it). Khẩn cấp
    jobs go through `interrupt()`: what is on air stops at once (unless it is itself khẩn cấp)
    and is reported with reason 'urgent'. `prepare(job)` before the job's time lets the output
    make its player ready (`Output.prepare`), so that starting the job only spawns it.
    """

    def __init__(self, output: Output, *, admit: Admit, finished: Finished, watch: Watch | None = None,
                 started: Started | None = None, relay_timeout_s: float = 10.0) -> None:
        self.output = output
        self.relay_timeout_s = relay_timeout_s
        self._admit = admit
        self._started = started
        self._finished = finished
        self._watch = watch
        self._lock = threading.RLock()
        self._urgent: deque[PlayJob] = deque()
        self._normal: deque[PlayJob] = deque()
        self._on_air: _OnAir | None = None
        self._ready: dict[str, tuple[tuple[Any, ...], Any]] = {}
        self._admitted: set[int] = set()        # jobs the core admitted before opening their gate

    @property
    def current(self) -> PlayJob | None:
        with self._lock:
            return self._on_air.job if self._on_air else None

    @property
    def current_playback(self) -> Playback | None:
        with self._lock:
            return self._on_air.playback if self._on_air else None

    def pending(self) -> list[PlayJob]:
        with self._lock:
            return list(self._urgent) + list(self._normal)

    def holds(self, programme_id: str) -> bool:
        """Is this programme on air or waiting in the queue?"""
        with self._lock:
            jobs = self.pending() + ([self._on_air.job] if self._on_air else [])
            return any(j.programme_id == programme_id for j in jobs)

    @property
    def idle(self) -> bool:
        """Nothing on air and nothing waiting: a job submitted now starts at once."""
        with self._lock:
            return self._on_air is None and not self._urgent and not self._normal

    def prepare(self, job: PlayJob, gate: Any = None) -> bool:
        """Make the job's player ready now (before its time); False when the output has nothing to prepare.

        A gated output (`GatedOutput`) starts its player now, waiting on `gate`.
        """
        prepare = getattr(self.output, "prepare", None)
        if prepare is None or self._relayed(job):
            return False        # the file output; a relay prepares nothing (its parts start one after another)
        extra = {"gate": gate, "at": job.scheduled_at, **_gated(job)} if getattr(self.output, "gated", False) else {}
        ready = prepare(job.path, title=job.title, duration_s=job.duration_s, offset_s=job.offset_s, **extra)
        with self._lock:
            self.discard(job)
            self._ready[job.programme_id] = (_start_key(job), ready)
            while len(self._ready) > 64:         # slots removed by a reload never come to start theirs
                _cancel(self._ready.pop(next(iter(self._ready)))[1])
        return True

    def is_ready(self, job: PlayJob) -> bool:
        """Is a player prepared for exactly this job, and still waiting?"""
        with self._lock:
            key, ready = self._ready.get(job.programme_id, (None, None))
            return ready is not None and key == _start_key(job) and getattr(ready, "usable", True)

    def discard(self, job: PlayJob) -> None:
        """Drop the player prepared for this job (a gated one is ended, nothing aired)."""
        with self._lock:
            _key, ready = self._ready.pop(job.programme_id, (None, None))
        _cancel(ready)

    def submit(self, job: PlayJob, *, front: bool = False, admitted: bool = False) -> None:
        """Queue a job (after what is on air); `front` puts it before other waiting non-urgent jobs.

        `admitted`: the core has already admitted it (its gate is open): it is not asked again.
        """
        with self._lock:
            if admitted:
                self._admitted.add(id(job))
            if job.urgent:
                self._urgent.append(job)
            elif front:
                self._normal.appendleft(job)
            else:
                self._normal.append(job)
            self._start_next()

    def interrupt(self, job: PlayJob) -> PlayJob | None:
        """Put a khẩn cấp job on air now; returns the job it cut off, if any."""
        with self._lock:
            cut = None
            # Queued first: whatever the end of the cut job triggers, the urgent job is next.
            self._urgent.append(job)
            if self._on_air is not None and not self._on_air.job.urgent:
                cut = self._on_air.job
                self._end_current("urgent")
            self._start_next()
            return cut

    def stop(self) -> PlayJob | None:
        """Stop what is on air (reason 'stop') and empty the queue; returns the stopped job."""
        with self._lock:
            self._urgent.clear()
            self._normal.clear()
            for _key, ready in self._ready.values():
                _cancel(ready)
            self._ready.clear()
            if self._on_air is None:
                return None
            job = self._on_air.job
            self._end_current("stop")
            return job

    def _end_current(self, reason: str) -> None:
        on_air, self._on_air = self._on_air, None
        on_air.playback.stop()
        result = on_air.playback.wait(timeout=15.0)
        if result is None:     # the output did not confirm in time: record the stop ourselves
            now = on_air.playback.clock.now()
            result = PlayResult("interrupted", on_air.playback.started_at, now, "đầu ra không dừng kịp")
        self._finished(on_air.job, result, reason)

    def _ended(self, token: object, result: PlayResult) -> None:
        with self._lock:
            if self._on_air is None or self._on_air.token is not token:
                return          # already settled by interrupt() or stop()
            job, self._on_air = self._on_air.job, None
            self._finished(job, result, "end")
            self._start_next()

    def _start_next(self) -> None:
        while self._on_air is None and (self._urgent or self._normal):
            job = self._urgent.popleft() if self._urgent else self._normal.popleft()
            released = id(job) in self._admitted       # its gate is open: its player may even have finished
            if released:
                self._admitted.discard(id(job))
            elif not self._admit(job):
                self.discard(job)
                continue
            on_air = _OnAir(job, None)  # type: ignore[arg-type]
            token = on_air.token
            try:
                playback = self._start(job, lambda result, t=token: self._ended(t, result), released)
            except Exception as exc:    # a broken output must not stop the queue
                from broadcast.play.outputs import redact
                clock = getattr(self.output, "clock", SystemClock())
                now = clock.now()
                self._finished(job, PlayResult("failed", now, now, redact(str(exc))), "end")
                continue
            on_air.playback = playback
            self._on_air = on_air
            if self._started is not None:
                self._started(job, playback)
            if self._watch is not None:
                self._watch(job, playback)

    def _relayed(self, job: PlayJob) -> bool:
        return bool(job.live) and not job.fallback and not getattr(self.output, "manual", False)

    def _start(self, job: PlayJob, on_end: Callable[[PlayResult], None], released: bool = False) -> Playback:
        key, ready = self._ready.pop(job.programme_id, (None, None))
        if ready is not None and key == _start_key(job) and (released or getattr(ready, "usable", True)):
            return ready.start(on_end)          # made ready before the slot: only the spawn (or the gate) is left
        _cancel(ready)
        if self._relayed(job):
            from broadcast.play.relay import RelayedPlayback

            return RelayedPlayback(self.output, job.path, job.live, self.output.clock, on_end, title=job.title,
                                   duration_s=job.duration_s, offset_s=job.offset_s,
                                   connect_timeout_s=self.relay_timeout_s,
                                   gated=_gated(job) if getattr(self.output, "gated", False) else None)
        extra = _gated(job) if getattr(self.output, "gated", False) else {}
        return self.output.start(job.path, title=job.title, duration_s=job.duration_s, on_end=on_end,
                                 offset_s=job.offset_s, **extra)


def _gated(job: PlayJob) -> dict[str, Any]:
    """What a gated output needs of a job: its id (position file), slot (the zone's gain there), known peak."""
    peak = (job.entry or {}).get("true_peak_dbtp")
    return {"programme_id": job.programme_id, "slot": job.slot,
            "peak_db": float(peak) if isinstance(peak, (int, float)) and not job.fallback else None}


def _cancel(ready: Any) -> None:
    """End a prepared player that will not be started (a gated one waits with its outputs open)."""
    cancel = getattr(ready, "cancel", None)
    if cancel is not None:
        cancel()


def _start_key(job: PlayJob) -> tuple[Any, ...]:
    """What a prepared player was made for: a job played differently (resumed, another file) is prepared anew."""
    return (job.path, job.offset_s, job.duration_s, job.title)


# --- manual play -------------------------------------------------------------------------------

def play_file(path: Path, output: Output, *, log: AsRunLog | None = None,
              on_progress: Callable[[float, float | None], None] | None = None,
              job: PlayJob | None = None, clock: Clock | None = None,
              stop: threading.Event | None = None, poll_s: float = 0.5) -> PlayResult:
    """Play one file now on `output`, logging it; Ctrl-C (or `stop`) ends it cleanly as 'interrupted'.

    `on_progress(elapsed_s, remaining_s | None)` is called about every `poll_s`. `job`
    describes what is played (a manifest programme via `jobs_from_manifest`, an announcement
    via `job_from_announcement`); without it the file is logged as an unscheduled play.
    A manual play never counts as the scheduled slot's airing: its programme id gets a
    '-thu-cong-HHMMSS' suffix, so the daemon still plays the slot at its time.
    """
    clock = clock or getattr(output, "clock", None) or SystemClock()
    pids = getattr(output, "pids", None)
    if pids is not None:
        pids.end_leftovers()          # a player a killed 'broadcast play' left must not play over this one
    now = clock.now()
    path = Path(path)
    if job is None:
        job = PlayJob(programme_id=f"{now:%Y-%m-%d}-thu-cong-{now:%H%M%S}", day=now.date(),
                      slot=URGENT_SESSION, session=URGENT_SESSION, scheduled_at=now, title=path.stem,
                      path=path)
    if job.duration_s is None:
        job = replace(job, duration_s=_duration_of(path))
    # An announcement's id is its own; a scheduled programme played by hand gets a new one.
    manual_id = job.programme_id if job.slot == URGENT_SESSION else f"{job.programme_id}-thu-cong-{now:%H%M%S}"
    playback = output.start(path, title=job.title, duration_s=job.duration_s)
    row = (log_start(log, job, playback.started_at, output.name, programme_id=manual_id, origin="manual")
           if log else None)
    result = None
    try:
        while result is None:
            result = playback.wait(poll_s)
            if stop is not None and stop.is_set() and result is None:
                playback.stop()
            if on_progress is not None:
                elapsed = (clock.now() - playback.started_at).total_seconds()
                remaining = max(0.0, job.duration_s - elapsed) if job.duration_s else None
                on_progress(elapsed, remaining)
    except KeyboardInterrupt:
        playback.stop()
        result = playback.wait(15.0) or PlayResult("interrupted", playback.started_at, clock.now())
    if log is not None and row is not None:
        log.finish(row, result.status, result.ended_at, result.error)
    return result


def _duration_of(path: Path) -> float | None:
    """Seconds of audio in `path`, or None when it cannot be read (the play itself will say why)."""
    try:
        from broadcast.audio import probe

        return probe(path).duration_s
    except Exception:  # noqa: BLE001 - a duration is only for display and logging
        return None

