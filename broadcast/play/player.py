"""The single player queue: one thing on air at a time, khẩn cấp first, and `play_file` for manual plays.

A `PlayJob` is one file to put on air with everything the as-run log needs. The `Player`
owns the queue and the one current `Playback`; the daemon core decides *whether* a job may
start (`admit`) and what its end means (`finished`). The player never blocks: an output's
end callback moves it to the next job, so the same player runs on the wall clock (the
daemon) and on a virtual one (the simulation).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from broadcast.log.asrun import AsRunLog
from broadcast.model import ItemKind, Priority
from broadcast.play import Clock, SystemClock
from broadcast.play.outputs import Output, Playback, PlayResult

URGENT_SESSION = "dot-xuat"
SESSIONS = ("sang", "trua", "chieu")


@dataclass(frozen=True, eq=False)
class PlayJob:
    """One file to put on air, described the way the as-run log records it (compared by identity)."""

    programme_id: str                    # '2026-12-01-sang', '2026-12-01-dot-xuat-143005-ab12'
    day: date                            # local date of the slot
    slot: str
    session: str                         # sang | trua | chieu | dot-xuat
    scheduled_at: datetime               # when it should start (aware)
    title: str
    path: Path
    duration_s: float | None = None
    entry: Mapping[str, Any] | None = None   # manifest programme entry (its items are logged)
    priority: str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None
    urgent: bool = False                 # khẩn cấp: interrupts whatever is on air
    fallback: bool = False               # the station's fallback file standing in for a broken one
    origin: str = "scheduled"            # as-run origin: scheduled | urgent | manual | rehearsal
    offset_s: float = 0.0                # a resumed play starts this far into the file
    note: str | None = None              # why this row exists ('phát tiếp từ mục ...'), shown in the log
    cut_at: datetime | None = None       # a resumed play: when it was cut (the grace counts from here)
    live: Mapping[str, Any] | None = None  # the manifest's live relay, aired after the file (play/relay.py)

    @property
    def remaining_s(self) -> float | None:
        """Seconds this play lasts: the file's length less the resume offset."""
        return None if self.duration_s is None else max(0.0, self.duration_s - self.offset_s)


def session_of(slot: str, start: datetime) -> str:
    """The session a slot belongs to: its name when it is one ('sang'), else by the hour.

    >>> session_of("sang", datetime(2026, 12, 1, 5, 30))
    'sang'
    >>> session_of("bao-chi", datetime(2026, 12, 1, 11, 0))
    'trua'
    """
    if slot in SESSIONS:
        return slot
    clock = start.time()
    if clock < time(10, 30):
        return "sang"
    if clock < time(13, 30):
        return "trua"
    return "chieu"


def jobs_from_manifest(manifest: Mapping[str, Any], day_dir: Path) -> list[PlayJob]:
    """The day's programmes, in air order, as jobs (times are the manifest's aware ISO times)."""
    jobs = []
    day = date.fromisoformat(manifest["date"])
    for entry in manifest.get("programmes") or []:
        start = datetime.fromisoformat(entry["start"])
        if start.tzinfo is None:
            raise ValueError(f"manifest {day}: start '{entry['start']}' has no timezone")
        tags = sorted({t for item in entry.get("items") or [] for t in item.get("tags") or []})
        jobs.append(PlayJob(
            programme_id=entry["id"], day=day, slot=entry["slot"],
            session=entry.get("session") or session_of(entry["slot"], start), scheduled_at=start,
            title=entry.get("title") or entry["id"], path=Path(day_dir) / entry["file"],
            duration_s=entry.get("duration_s"), entry=entry, tags=tuple(tags), live=entry.get("live")))
    return sorted(jobs, key=lambda j: j.scheduled_at)


def job_from_announcement(audio: Path, meta: Mapping[str, Any], *, tz: Any, now: datetime | None = None) -> PlayJob:
    """An announcement (spool meta: title, priority, template, values, tags, repeat, duration_s) as a job.

    `id` and `submitted_at` come from the meta, or from `now` when it has none (a direct play).
    """
    if "id" not in meta or "submitted_at" not in meta:
        from broadcast.play.spool import announcement_id

        now = (now or datetime.now(tz)).astimezone(tz)
        meta = {"id": announcement_id(now), "submitted_at": now.isoformat(timespec="seconds"), **meta}
    submitted = datetime.fromisoformat(meta["submitted_at"]).astimezone(tz)
    priority = meta.get("priority") or Priority.KHAN_CAP.value
    urgent = priority == Priority.KHAN_CAP.value
    item = {"id": meta.get("item_id") or meta.get("template") or "thong-bao",
            "kind": ItemKind.URGENT.value if urgent else ItemKind.NOTICE.value,
            "template": meta.get("template"), "title": meta.get("title") or "Thông báo",
            "tags": list(meta.get("tags") or []), "priority": priority, "repeat": meta.get("repeat"),
            "episode": None, "source": meta.get("source") or "tu-san-xuat", "values": meta.get("values"),
            "offset_s": 0.0, "duration_s": meta.get("duration_s")}
    return PlayJob(
        programme_id=meta["id"], day=submitted.date(), slot=URGENT_SESSION, session=URGENT_SESSION,
        scheduled_at=submitted, title=meta.get("title") or "Thông báo", path=Path(audio),
        duration_s=meta.get("duration_s"), entry={"items": [item]}, priority=priority,
        tags=tuple(meta.get("tags") or ()), source=item["source"], urgent=urgent, origin="urgent")


def log_start(log: AsRunLog, job: PlayJob, started_at: datetime, output: str, *,
              programme_id: str | None = None, origin: str | None = None) -> int:
    """Write the 'playing' rows (programme and items) for a job about to go on air."""
    return log.programme_started(
        programme_id=programme_id or job.programme_id, day=job.day, slot=job.slot, session=job.session,
        scheduled_at=job.scheduled_at, title=job.title, started_at=started_at, status="playing",
        entry=None if job.fallback else job.entry, tags=job.tags, priority=job.priority,
        duration_s=job.remaining_s, output=output, file=str(job.path),
        source="du-phong" if job.fallback else job.source, origin=origin or job.origin,
        offset_s=job.offset_s, note=job.note)


def log_not_aired(log: AsRunLog, job: PlayJob, status: str, at: datetime, error: str | None,
                  output: str | None = None, origin: str | None = None) -> int:
    """A programme row for a job that never went on air ('missed', 'failed'), without items."""
    return log.programme_started(
        programme_id=job.programme_id, day=job.day, slot=job.slot, session=job.session,
        scheduled_at=job.scheduled_at, title=job.title, started_at=None, status=status, ended_at=at,
        error=error, tags=job.tags, priority=job.priority, duration_s=job.remaining_s, output=output,
        file=str(job.path), source=job.source, origin=origin or job.origin, note=job.note)


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

    def prepare(self, job: PlayJob) -> bool:
        """Make the job's player ready now (before its time); False when the output has nothing to prepare."""
        prepare = getattr(self.output, "prepare", None)
        if prepare is None or self._relayed(job):
            return False        # the file output; a relay prepares nothing (its parts start one after another)
        ready = prepare(job.path, title=job.title, duration_s=job.duration_s, offset_s=job.offset_s)
        with self._lock:
            self._ready[job.programme_id] = (_start_key(job), ready)
            while len(self._ready) > 64:         # slots removed by a reload never come to start theirs
                self._ready.pop(next(iter(self._ready)))
        return True

    def submit(self, job: PlayJob, *, front: bool = False) -> None:
        """Queue a job (after what is on air); `front` puts it before other waiting non-urgent jobs."""
        with self._lock:
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
            if not self._admit(job):
                continue
            on_air = _OnAir(job, None)  # type: ignore[arg-type]
            token = on_air.token
            try:
                playback = self._start(job, lambda result, t=token: self._ended(t, result))
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

    def _start(self, job: PlayJob, on_end: Callable[[PlayResult], None]) -> Playback:
        key, ready = self._ready.pop(job.programme_id, (None, None))
        if ready is not None and key == _start_key(job):
            return ready.start(on_end)          # made ready before the slot: only the spawn is left
        if self._relayed(job):
            from broadcast.play.relay import RelayedPlayback

            return RelayedPlayback(self.output, job.path, job.live, self.output.clock, on_end, title=job.title,
                                   duration_s=job.duration_s, offset_s=job.offset_s,
                                   connect_timeout_s=self.relay_timeout_s)
        return self.output.start(job.path, title=job.title, duration_s=job.duration_s, on_end=on_end,
                                 offset_s=job.offset_s)


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

