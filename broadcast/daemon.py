"""`broadcast run` and `broadcast simulate`: one clock-injected core, driven by APScheduler or a virtual clock.

`StationCore` decides what plays when: a programme due at its slot start plays through the one
player queue; late within the grace it plays and is logged 'late', beyond it is logged
'missed'; a slot already settled in the as-run log never plays again; a play cut off by a crash
or a khẩn cấp announcement carries on by `interrupted_policy`: 'resume' (default) from the item
it was cut in, while within the grace of the cut; 'restart' from the start, while within the
grace of the slot start; 'interrupted': logged, not aired again. The resumed or restarted row
says so in its `note`. A broken programme file is logged 'failed' and the fallback plays.

`Daemon` drives the core on the wall clock with APScheduler 3.x (the only module importing it):
one-off jobs per slot, build-ahead, heartbeat with clock-jump detection, schedule-change polling,
spool polling, SIGHUP reload and a clean SIGTERM. `Simulation` drives the very same core on a
`VirtualClock` without sleeping: it is `broadcast simulate` and the harness of the tests.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import signal
import tempfile
import threading
import wave
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from broadcast.asrun import FINAL_STATUSES, AsRunLog, iso
from broadcast.errors import BroadcastError, ConfigError, InputError
from broadcast.model import Priority
from broadcast.play import Clock, SystemClock, VirtualClock
from broadcast.play.child import PidFiles
from broadcast.play.outputs import FileOutput, Output, Playback, PlayResult, check_playable, make_output
from broadcast.play.player import (
    Player,
    PlayJob,
    _duration_of,
    job_from_announcement,
    jobs_from_manifest,
    log_not_aired,
    log_start,
)
from broadcast.play.relay import RelayResult
from broadcast.play.relay import clock_text as relay_clock
from broadcast.play.spool import DaemonLock, Spool, SpoolEntry, announcement_id
from broadcast.staging import sweep_stale

Builder = Callable[[date], Any]
POLICIES = ("resume", "restart", "interrupted")
POLICY_ALIASES = {"replay": "restart", "log": "interrupted"}      # the names before resume existed


@dataclass(frozen=True)
class PlayoutSettings:
    """The daemon's knobs ([playout] in broadcast.toml, plus a few internal defaults)."""

    grace_minutes: float = 10.0          # a late start within this still plays (logged 'late')
    interrupted_policy: str = "resume"   # resume | restart | interrupted (old names: replay, log)
    build_ahead: str = "20:00"           # build tomorrow at this time
    heartbeat_s: float = 60.0
    fallback: str = "silence"            # 'silence' or the path of a file to play instead of a broken one
    timezone: str = "Asia/Ho_Chi_Minh"
    late_tolerance_s: float = 30.0       # a start later than this counts as 'late'
    clock_jump_s: float = 30.0           # wall vs monotonic difference between heartbeats that is a jump
    reload_poll_s: float = 30.0          # how often the schedule fingerprint is compared
    spool_poll_s: float = 1.0
    catch_up_days: int = 7               # how far back a restart looks for slots missed while off
    preferred_deadline_h: float = 2.0    # retry the preferred voice until this long before a fallback slot
    relay_connect_timeout_s: float = 10.0  # a live relay that does not answer (or stalls) this long has failed

    def __post_init__(self) -> None:
        policy = POLICY_ALIASES.get(self.interrupted_policy, self.interrupted_policy)
        if policy not in POLICIES:
            raise ConfigError(f"interrupted_policy phải là {', '.join(repr(p) for p in POLICIES)}, nhận được "
                              f"'{self.interrupted_policy}'")
        object.__setattr__(self, "interrupted_policy", policy)
        self.build_ahead_time  # noqa: B018 - validates the HH:MM

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def grace_s(self) -> float:
        return self.grace_minutes * 60.0

    @property
    def build_ahead_time(self) -> time:
        try:
            hour, minute = (int(p) for p in self.build_ahead.split(":"))
            return time(hour, minute)
        except ValueError:
            raise ConfigError(f"build_ahead phải có dạng HH:MM, nhận được '{self.build_ahead}'") from None

    def fallback_path(self, root: Path | None = None) -> Path | None:
        if not self.fallback or self.fallback == "silence":
            return None
        path = Path(self.fallback)
        return path if path.is_absolute() or root is None else root / path


def read_day(audio_out: Path, day: date) -> dict[str, Any] | None:
    """The published manifest of `day`, or None when that day was not built."""
    from broadcast.publish import read_manifest

    directory = Path(audio_out) / day.isoformat()
    if not (directory / "manifest.json").exists():
        return None
    return read_manifest(directory)


# --- the core ----------------------------------------------------------------------------------

# What the log says will happen to a programme cut by a khẩn cấp announcement, by policy.
AFTER_CUT = {"resume": "; phát tiếp từ mục đang phát sau thông báo", "restart": "; phát lại từ đầu sau thông báo",
             "interrupted": "; không phát lại (interrupted_policy = interrupted)"}

class StationCore:
    """What plays when, on an injected clock; see the module docstring for the rules.

    Every entry point (`due`, `announce`, `heartbeat`, `catch_up`, `shutdown`) returns at once:
    plays run on the output and come back through the player's end callback.
    """

    def __init__(self, *, log: AsRunLog, output: Output, clock: Clock, audio_out: Path,
                 settings: PlayoutSettings, spool: Spool | None = None,
                 check: Callable[[Path], str | None] = check_playable,
                 fallback: Path | None = None,
                 watch: Callable[[PlayJob, Playback], None] | None = None,
                 origin: str | None = None) -> None:
        self.log = log
        self.origin = origin          # 'rehearsal' for a simulation: every row it writes says so
        self.output = output
        self.clock = clock
        self.audio_out = Path(audio_out)
        self.settings = settings
        self.spool = spool
        self.check = check
        self.fallback = fallback
        self.player = Player(output, admit=self._admit, finished=self._finished, watch=watch,
                             started=self._started, relay_timeout_s=settings.relay_connect_timeout_s)
        self._lock = threading.RLock()
        self._rows: dict[PlayJob, tuple[int, bool]] = {}
        self._entries: dict[str, SpoolEntry] = {}
        self._last_beat: tuple[datetime, float] | None = None
        self._stop_reason = "dừng"

    # lifecycle -------------------------------------------------------------------------------

    def start(self, message: str = "") -> None:
        """End a player a dead run left, close plays it left 'playing', then log the start."""
        now = self.clock.now()
        pids = getattr(self.output, "pids", None)
        ended = pids.end_leftovers() if pids is not None else []
        if ended:
            message = (message or "Bắt đầu chạy") + (f"; đã dừng {len(ended)} trình phát còn sót từ lần chạy "
                                                      f"trước (pid {', '.join(map(str, ended))})")
        with self._lock:
            last_beat = self.log.last_event(["heartbeat"])
            for row in self.log.open_programmes():
                started = datetime.fromisoformat(row["started_at"] or row["scheduled_at"])
                ended = started
                if last_beat and datetime.fromisoformat(last_beat["at"]) > started:
                    ended = datetime.fromisoformat(last_beat["at"])
                self.log.finish(row["id"], "interrupted", ended,
                                "máy hoặc chương trình phát dừng đột ngột khi đang phát")
            self.log.event("start", now, message or "Bắt đầu chạy")
            self._last_beat = (now, self.clock.monotonic())

    def days_to_catch_up(self) -> list[date]:
        """From the last day the log saw activity (at most `catch_up_days` back) to tomorrow."""
        today = self.clock.now().date()
        first = today          # a fresh log: nothing before today was ever ours to play
        last = self.log.last_event(["heartbeat", "stop"])
        if last:
            seen = datetime.fromisoformat(last["at"]).date()
            first = max(min(seen, today - timedelta(days=1)), today - timedelta(days=self.settings.catch_up_days))
        return [first + timedelta(days=n) for n in range((today - first).days + 2)]

    def jobs_for(self, day: date) -> list[PlayJob]:
        manifest = self._manifest(day)
        return jobs_from_manifest(manifest, self.audio_out / day.isoformat()) if manifest else []

    def _manifest(self, day: date) -> dict[str, Any] | None:
        try:
            return read_day(self.audio_out, day)
        except BroadcastError as exc:
            self.log.event("build", self.clock.now(), f"Không đọc được chương trình ngày {day}: {exc}")
            return None

    def catch_up(self, days: Iterable[date]) -> list[PlayJob]:
        """Queue every past slot of `days` not yet settled (late or missed); return the future ones."""
        now = self.clock.now()
        future = []
        for day in days:
            for job in self.jobs_for(day):
                if job.scheduled_at > now:
                    future.append(job)
                elif self._wanted(job):
                    self.due(job)
        return future

    def shutdown(self, reason: str = "dừng") -> None:
        """Stop what is on air (logged 'interrupted' with the reason) and log the stop."""
        with self._lock:
            self._stop_reason = f"dừng phát: {reason}"
            self.player.stop()
            self.log.event("stop", self.clock.now(), f"Dừng ({reason})")

    # events ----------------------------------------------------------------------------------

    def due(self, job: PlayJob) -> None:
        """A slot's start time has come (perhaps late): queue it unless it is settled."""
        with self._lock:
            if self.player.holds(job.programme_id) or not self._wanted(job):
                return
            if not job.fallback and self.log.status_of(job.programme_id) == "interrupted":
                job = self._continuation(job)        # cut off by a crash: carry on by policy
                if job is None:
                    return
            self.player.submit(job)

    def announce(self, audio: Path, meta: Mapping[str, Any], entry: SpoolEntry | None = None) -> PlayJob:
        """An announcement arrives: khẩn cấp cuts what is on air at once, others queue."""
        now = self.clock.now()
        meta = dict(meta)
        meta.setdefault("submitted_at", iso(now))
        meta.setdefault("id", announcement_id(now))
        if meta.get("duration_s") is None:
            meta["duration_s"] = _duration_of(Path(audio))
        job = job_from_announcement(Path(audio), meta, tz=self.clock.tz)
        with self._lock:
            if entry is not None:
                self._entries[job.programme_id] = entry
            label = Priority(job.priority).label if job.priority in {p.value for p in Priority} else job.priority
            self.log.event("urgent", now, f"Nhận thông báo ({label}): {job.title} [{job.programme_id}]")
            if job.urgent:
                cut = self.player.interrupt(job)
                if cut is not None:
                    self.log.event("urgent", self.clock.now(),
                                   f"Ngắt '{cut.title}' [{cut.programme_id}] để phát thông báo khẩn")
            else:
                self.player.submit(job)
        return job

    def poll_spool(self, *, include_processing: bool = False) -> int:
        """Take announcements handed over through the spool; how many were taken."""
        if self.spool is None:
            return 0
        entries, problems = self.spool.claim(include_processing=include_processing)
        for problem in problems:
            self.log.event("urgent", self.clock.now(), f"Bỏ qua thông báo hỏng trong hàng đợi: {problem}")
        for entry in entries:
            self.announce(entry.audio, entry.meta, entry)
        return len(entries)

    def heartbeat(self) -> float | None:
        """Log a heartbeat; return the wall-clock jump in seconds if one happened since the last."""
        now, mono = self.clock.now(), self.clock.monotonic()
        jump = None
        with self._lock:
            if self._last_beat is not None:
                wall = (now - self._last_beat[0]).total_seconds()
                steady = mono - self._last_beat[1]
                if abs(wall - steady) > self.settings.clock_jump_s:
                    jump = wall - steady
                    self.log.event("clock-jump", now,
                                   f"Đồng hồ máy nhảy {jump:+.0f} giây (giữa hai nhịp: giờ máy {wall:.0f} giây, "
                                   f"thời gian thực {steady:.0f} giây); đã sắp lại lịch phát")
            self._last_beat = (now, mono)
            on_air = self.player.current
            self.log.event("heartbeat", now, f"đang phát {on_air.programme_id}" if on_air else "chờ")
        return jump

    # the player's questions ------------------------------------------------------------------

    def _wanted(self, job: PlayJob) -> bool:
        status = self.log.status_of(job.programme_id)
        if status in FINAL_STATUSES or status == "playing":
            return False
        return not (status == "interrupted" and self.settings.interrupted_policy == "interrupted")

    def _log_relay(self, row: int, job: PlayJob, result: RelayResult) -> None:
        """The relay's parts as item rows (what aired, from when, how long) and a note on the programme."""
        rows, said = [], []
        for n, part in enumerate(result.parts):
            aired = part.status in ("played", "interrupted")      # skipped: silence; failed: unreachable
            rows.append({"item_id": f"{job.programme_id}-tiep-am-{part.kind}-{n}", "item_kind": "tiep-am",
                         "title": part.title, "source": part.source, "status": part.status, "error": part.error,
                         "started_at": part.started_at if aired else None,
                         "ended_at": part.ended_at if aired else None})
            label = {"live": "tiếp âm trực tiếp", "fallback": "tệp dự phòng", "silence": "im lặng"}[part.kind]
            said.append(f"{label} {relay_clock(part.seconds)}" + (f" ({part.error})" if part.error else ""))
            if part.error:
                self.log.event("relay", part.ended_at, f"{job.programme_id}: {part.error}")
        self.log.add_aired(row, rows, note="; ".join(said))

    def _continuation(self, job: PlayJob) -> PlayJob | None:
        """The play that carries on an interrupted programme by policy; None when it stays interrupted."""
        policy = self.settings.interrupted_policy
        if policy == "interrupted" or job.fallback:
            return None
        if policy == "restart":
            return replace(job, offset_s=0.0, cut_at=None, note="phát lại từ đầu sau khi bị ngắt")
        row = self.log.latest_programme(job.programme_id)
        cut_at = datetime.fromisoformat(row["ended_at"]) if row and row.get("ended_at") else self.clock.now()
        items = self.log.item_rows(row["id"]) if row else []
        planned = {i.get("id"): i for i in (job.entry or {}).get("items") or []}
        relayed = [i for i in items if i["item_kind"] == "tiep-am" and i["item_id"] not in planned]
        items = [i for i in items if i not in relayed]
        for item in items:
            if item["status"] == "played":
                continue
            where = planned.get(item["item_id"])
            if where is None:
                break
            offset = float(where.get("offset_s") or 0.0)
            minute, second = divmod(int(offset), 60)
            return replace(job, offset_s=offset, cut_at=cut_at,
                           note=f"phát tiếp từ mục '{where.get('title') or item['item_id']}' "
                                f"({minute}:{second:02d}) sau khi bị ngắt")
        else:
            if items and job.live and job.duration_s:      # cut during the live relay: carry on with it
                live = dict(job.live)
                first = next((i["started_at"] for i in relayed if i["started_at"]), None)
                if first and live.get("minutes"):
                    live["ends_at"] = (datetime.fromisoformat(first)
                                       + timedelta(minutes=float(live["minutes"]))).isoformat()
                return replace(job, offset_s=job.duration_s, cut_at=cut_at, live=live,
                               note="tiếp âm tiếp sau khi bị ngắt")
            if items:
                return None          # every item had aired before the cut: nothing left to play
        return replace(job, offset_s=0.0, cut_at=cut_at, note="phát lại từ đầu sau khi bị ngắt")

    def _admit(self, job: PlayJob) -> bool:
        now = self.clock.now()
        if not job.fallback:
            status = self.log.status_of(job.programme_id)
            if not self._wanted(job):
                return self._drop(job)
            late_s = (now - job.scheduled_at).total_seconds()
            if job.cut_at is not None:              # a resume: the grace counts from the cut
                since_cut = (now - job.cut_at).total_seconds()
                if since_cut > self.settings.grace_s:
                    self.log.event("missed", now, f"Không phát tiếp {job.programme_id} ({job.title}): đã "
                                                  f"{since_cut / 60:.0f} phút từ lúc bị ngắt, quá "
                                                  f"{self.settings.grace_minutes:g} phút cho phép")
                    return self._drop(job)
            elif late_s > self.settings.grace_s:
                if status == "interrupted":        # too late to replay: it stays 'interrupted'
                    return self._drop(job)
                minutes = late_s / 60.0
                error = (f"trễ {minutes:.0f} phút, quá {self.settings.grace_minutes:g} phút cho phép "
                         "(máy tắt, đồng hồ sai hoặc chương trình trước kéo dài)")
                log_not_aired(self.log, job, "missed", now, error, self.output.name, origin=self.origin)
                self.log.event("missed", now, f"Lỡ {job.programme_id} ({job.title}): {error}")
                return self._drop(job)
            problem = self.check(job.path)
            if problem:
                log_not_aired(self.log, job, "failed", now, problem, self.output.name, origin=self.origin)
                if self.fallback is not None and self.fallback.is_file():
                    self.player.submit(replace(job, path=self.fallback, title=f"{job.title} (dự phòng)",
                                               duration_s=_duration_of(self.fallback), entry=None,
                                               fallback=True), front=True)
                return self._drop(job)
        return True

    def _started(self, job: PlayJob, playback: Playback) -> None:
        """The output has started the job: log it at the player's start time (that is the lateness)."""
        started = playback.started_at
        late = job.cut_at is None and (started - job.scheduled_at).total_seconds() > self.settings.late_tolerance_s
        row = log_start(self.log, job, started, self.output.name, origin=self.origin)
        self._rows[job] = (row, late)
        if job.live and getattr(self.output, "manual", False):
            self.log.event("relay", started, f"{job.programme_id}: tiếp âm trực tiếp {job.live.get('url')} không "
                                             "được diễn tập (chỉ phát phần đã dựng)")

    def _drop(self, job: PlayJob) -> bool:
        entry = self._entries.pop(job.programme_id, None)
        if entry is not None and self.spool is not None:
            self.spool.done(entry)
        return False

    def _finished(self, job: PlayJob, result: PlayResult, reason: str) -> None:
        if job not in self._rows:       # the output could not even start it
            log_not_aired(self.log, job, "failed", result.ended_at, result.error, self.output.name, origin=self.origin)
            self._drop(job)
            return
        row, late = self._rows.pop(job)
        status, error = result.status, result.error
        if status == "played" and late:
            status = "late"
        if reason == "urgent":
            error = "bị ngắt để phát thông báo khẩn" + AFTER_CUT[self.settings.interrupted_policy]
        elif reason == "stop":
            error = self._stop_reason
        self.log.finish(row, status, result.ended_at, error)
        if isinstance(result, RelayResult) and result.parts:
            self._log_relay(row, job, result)
        carry_on = self._continuation(job) if reason == "urgent" else None
        if carry_on is not None:
            self.player.submit(carry_on, front=True)
        elif reason != "stop":
            self._drop(job)       # a stopped announcement stays in processing/ for the next start


# --- the real daemon -----------------------------------------------------------------------------

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


class Daemon:
    """`broadcast run`: the core on the wall clock, with APScheduler in the station timezone."""

    def __init__(self, core: StationCore, *, settings: PlayoutSettings, builder: Builder | None = None,
                 inputs: InputsWatcher | None = None, lock: DaemonLock | None = None) -> None:
        self.core = core
        self.settings = settings
        self.builder = builder
        self.inputs = inputs
        self.lock = lock
        self.scheduler: BackgroundScheduler | None = None
        self._slot_jobs: dict[str, PlayJob] = {}
        self._reload_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._fingerprint = inputs.fingerprint() if inputs else None
        self._stopped = threading.Event()
        self._preferred_attempts: dict[date, int] = {}

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Take the lock, recover, schedule and start (returns at once)."""
        if self.lock is not None:
            self.lock.acquire()
        tz = self.settings.tz
        self.scheduler = BackgroundScheduler(
            timezone=tz,
            # APScheduler drops a job 1 s late by default: our own grace decides instead.
            job_defaults={"misfire_grace_time": int(self.settings.grace_s) or 1, "coalesce": True,
                          "max_instances": 1})
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self.core.start(f"Bắt đầu chạy (đầu ra {self.core.output.name})")
        swept = sweep_stale(self.core.audio_out)
        if swept:
            self.core.log.event("build", self.core.clock.now(), f"Đã dọn {len(swept)} thư mục dựng dở của lần dựng "
                                                                f"bị dừng: {', '.join(p.name for p in swept)}")
        self.scheduler.start()
        at = self.settings.build_ahead_time
        self.scheduler.add_job(self._beat, IntervalTrigger(seconds=self.settings.heartbeat_s, timezone=tz),
                               id="heartbeat")
        self.scheduler.add_job(self._build_tomorrow, CronTrigger(hour=at.hour, minute=at.minute, timezone=tz),
                               id="build-ahead")
        self.scheduler.add_job(self._new_day, CronTrigger(hour=0, minute=0, second=30, timezone=tz), id="new-day")
        self.scheduler.add_job(self.core.poll_spool, IntervalTrigger(seconds=self.settings.spool_poll_s,
                                                                     timezone=tz), id="spool")
        if self.inputs is not None:
            self.scheduler.add_job(self._poll_inputs, IntervalTrigger(seconds=self.settings.reload_poll_s,
                                                                      timezone=tz), id="inputs")
        self.core.poll_spool(include_processing=True)
        self.reload("khởi động", days=self.core.days_to_catch_up())
        stale = [d for d in self._days_to_build() if self._needs_build(d)]
        if stale and self.builder is not None:
            threading.Thread(target=self._build, args=(stale, "khởi động: chưa dựng hoặc đã cũ"), daemon=True,
                             name="build-start").start()

    def stop(self, reason: str = "SIGTERM") -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.core.shutdown(reason)
        if self.lock is not None:
            self.lock.release()

    def run(self) -> int:
        """Run until SIGTERM or Ctrl-C (SIGHUP rebuilds and reloads); call from the main thread."""
        stop, hup = threading.Event(), threading.Event()
        names: dict[int, str] = {}

        def on_signal(signum: int, _frame: object) -> None:
            names[0] = signal.Signals(signum).name
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: hup.set())
        self.start()
        try:
            while not stop.wait(0.5):
                if hup.is_set():
                    hup.clear()
                    self._rebuild("SIGHUP")
        finally:
            self.stop(names.get(0, "kết thúc"))
        return 0

    # jobs ------------------------------------------------------------------------------------

    def reload(self, reason: str, days: Iterable[date] | None = None) -> int:
        """Re-derive the slot jobs from the published days; returns how many are scheduled."""
        with self._reload_lock:
            today = self.core.clock.now().date()
            days = list(days) if days is not None else [today - timedelta(days=1), today, today + timedelta(days=1)]
            future = self.core.catch_up(days)
            wanted = {f"slot:{job.programme_id}": job for job in future}
            for job_id in list(self._slot_jobs):
                if job_id not in wanted:
                    self._remove(job_id)
            for job_id, job in wanted.items():
                self._slot_jobs[job_id] = job
                self.scheduler.add_job(self.core.due, DateTrigger(run_date=job.scheduled_at, timezone=self.settings.tz),
                                       args=[job], id=job_id, replace_existing=True)
            self.core.log.event("reload", self.core.clock.now(),
                                f"Nạp lại lịch ({reason}): {len(wanted)} chương trình sắp phát")
            return len(wanted)

    def _remove(self, job_id: str) -> None:
        self._slot_jobs.pop(job_id, None)
        try:
            self.scheduler.remove_job(job_id)
        except Exception:  # noqa: BLE001 - a one-off job that already ran is gone
            pass

    def _on_missed(self, event: JobExecutionEvent) -> None:
        job = self._slot_jobs.get(event.job_id)
        if job is not None:          # the core logs it 'missed' (or 'late' if still within grace)
            self.core.due(job)

    def _beat(self) -> None:
        if self.core.heartbeat() is not None:
            self.reload("đồng hồ máy nhảy")

    def _days_to_build(self) -> list[date]:
        now = self.core.clock.now()
        days = [now.date()]
        if now.time() >= self.settings.build_ahead_time:
            days.append(now.date() + timedelta(days=1))
        return days

    def _needs_build(self, day: date) -> bool:
        try:
            manifest = read_day(self.core.audio_out, day)
        except BroadcastError:
            return True
        if manifest is None:
            return True
        if self.inputs is None:
            return False
        changed = self.inputs.latest_change(self.settings.tz)
        # generated_at may be stamped to the second: a change within that second is not "newer".
        built = datetime.fromisoformat(manifest["generated_at"]) + timedelta(seconds=1)
        return changed is not None and changed > built

    def _build(self, days: Sequence[date], reason: str) -> None:
        if self.builder is None:
            return
        with self._build_lock:
            for day in days:
                try:
                    self.builder(day)
                    self.core.log.event("build", self.core.clock.now(), f"Đã dựng chương trình ngày {day} ({reason})")
                    self._retry_preferred_voice(day)
                except Exception as exc:  # noqa: BLE001 - a failed build must not stop what is on air
                    self.core.log.event("build", self.core.clock.now(),
                                        f"Dựng chương trình ngày {day} lỗi ({reason}): {exc}")
        self.reload(f"sau khi dựng: {reason}")

    def _retry_preferred_voice(self, day: date) -> None:
        """Log each programme of `day` built in the fallback voice; build again with backoff until its deadline."""
        from broadcast.readiness import fallback_lines, next_retry

        try:
            manifest = read_day(self.core.audio_out, day)
        except BroadcastError:
            return
        now = self.core.clock.now()
        for line in fallback_lines(manifest, now, self.settings.preferred_deadline_h):
            self.core.log.event("build", now, line)
        attempt = self._preferred_attempts.pop(day, 0)
        when = next_retry(manifest, now, self.settings.preferred_deadline_h, attempt)
        if self.scheduler is None:
            return
        if when is None:   # the preferred voice is back, or it is too late to wait for it
            if self.scheduler.get_job(f"preferred-voice:{day}") is not None:
                self.scheduler.remove_job(f"preferred-voice:{day}")
            return
        self._preferred_attempts[day] = attempt + 1
        self.scheduler.add_job(self._build, DateTrigger(run_date=when, timezone=self.settings.tz),
                               args=[[day], "thử lại máy đọc ưu tiên"], id=f"preferred-voice:{day}",
                               replace_existing=True)
        self.core.log.event("build", now, f"Sẽ dựng lại ngày {day} lúc {when:%H:%M} để thử lại máy đọc ưu tiên")

    def _build_tomorrow(self) -> None:
        self._build([self.core.clock.now().date() + timedelta(days=1)], "dựng trước")

    def _new_day(self) -> None:
        today = self.core.clock.now().date()
        if self._needs_build(today):
            self._build([today], "sang ngày mới")
        else:
            self.reload("sang ngày mới")

    def _rebuild(self, reason: str) -> None:
        today = self.core.clock.now().date()
        days = [today]
        tomorrow = today + timedelta(days=1)
        if (self.core.audio_out / tomorrow.isoformat()).exists():
            days.append(tomorrow)
        if self.builder is not None:
            self._build(days, reason)
        else:
            self.reload(reason)

    def _poll_inputs(self) -> None:
        current = self.inputs.fingerprint()
        if current != self._fingerprint:
            self._fingerprint = current
            self._rebuild("lịch hoặc mẫu thay đổi")


# --- simulation ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Injection:
    """An announcement put in at a given (virtual) time: rendered audio plus its spool-style meta."""

    at: datetime
    audio: Path
    meta: Mapping[str, Any]


class Simulation:
    """The core on a `VirtualClock`: events run in time order and plays last their manifest durations.

    Nothing sleeps; `run_until()` jumps from one event to the next. A test can also stop a
    simulation mid-play and start another one on the same log: that is a crash and a restart.
    """

    def __init__(self, *, log: AsRunLog, audio_out: Path, output_dir: Path, start: datetime,
                 settings: PlayoutSettings, check: Callable[[Path], str | None] = check_playable,
                 fallback: Path | None = None, copy_files: bool = False, heartbeats: bool = False,
                 origin: str | None = None) -> None:
        self.clock = VirtualClock(start)
        self.output = FileOutput(output_dir, clock=self.clock, manual=True, copy_files=copy_files)
        self.settings = settings
        self.core = StationCore(log=log, output=self.output, clock=self.clock, audio_out=audio_out,
                                settings=settings, check=check, fallback=fallback, watch=self._watch,
                                origin=origin)
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._heartbeats = heartbeats

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (moment, next(self._seq), action))

    def _watch(self, job: PlayJob, playback: Playback) -> None:
        end = playback.started_at + timedelta(seconds=job.remaining_s or 0.0)
        self.at(end, playback.finish)     # a no-op if the play was cut off before

    def start(self, days: Iterable[date] | None = None) -> None:
        """Recover from the log, queue what is late, schedule the future slots of `days`."""
        self.core.start("Bắt đầu chạy thử (mô phỏng)")
        self.schedule(self.core.days_to_catch_up() if days is None else days)
        if self._heartbeats:
            self._beat()

    def schedule(self, days: Iterable[date]) -> int:
        future = self.core.catch_up(days)
        for job in future:
            self.at(job.scheduled_at, lambda job=job: self.core.due(job))
        return len(future)

    def _beat(self) -> None:
        self.core.heartbeat()
        self.at(self.clock.now() + timedelta(seconds=self.settings.heartbeat_s), self._beat)

    def inject(self, injection: Injection) -> None:
        self.at(injection.at, lambda: self.core.announce(injection.audio, injection.meta))

    def run_until(self, moment: datetime | None = None) -> None:
        """Run every event up to `moment` (all of them, heartbeats aside, when None)."""
        while self._queue:
            when = self._queue[0][0]
            if moment is not None and when > moment:
                break
            if moment is None and self._heartbeats and all(a == self._beat for _, _, a in self._queue):
                break
            _, _, action = heapq.heappop(self._queue)
            self.clock.advance_to(when)
            action()
        if moment is not None:
            self.clock.advance_to(moment)


@dataclass(frozen=True)
class SimulationResult:
    log_path: Path
    playout_path: Path
    rows: list[dict[str, Any]]
    events: list[dict[str, Any]]


def simulate(*, audio_out: Path, start: date, days: int, output_dir: Path, settings: PlayoutSettings,
             builder: Builder | None = None, injections: Sequence[Injection] = (),
             check: Callable[[Path], str | None] = check_playable, fallback: Path | None = None,
             copy_files: bool = False) -> SimulationResult:
    """`broadcast simulate`: rehearse `days` days from `start` on a virtual clock, into `output_dir`.

    Builds the first day at its midnight and each next day at the build-ahead time, plays every
    slot to a file output (playout.txt with virtual times), injects the announcements, and
    writes a fresh as-run log `output_dir/asrun.sqlite` (the station's real log is untouched).
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    log_path = output_dir / "asrun.sqlite"
    for stale in (log_path, output_dir / "asrun.sqlite-wal", output_dir / "asrun.sqlite-shm",
                  output_dir / "playout.txt"):
        stale.unlink(missing_ok=True)
    tz = settings.tz
    first = datetime.combine(start, time(0, 0), tz)
    with AsRunLog(log_path, synchronous="NORMAL") as log:
        sim = Simulation(log=log, audio_out=audio_out, output_dir=output_dir, start=first, settings=settings,
                         check=check, fallback=fallback, copy_files=copy_files, origin="rehearsal")

        def build(day: date, reason: str) -> None:
            if builder is not None:
                try:
                    builder(day)
                    log.event("build", sim.clock.now(), f"Đã dựng chương trình ngày {day} ({reason})")
                except Exception as exc:  # noqa: BLE001 - report and go on, like the daemon
                    log.event("build", sim.clock.now(), f"Dựng chương trình ngày {day} lỗi ({reason}): {exc}")
            sim.schedule([day])

        sim.core.start("Bắt đầu chạy thử (mô phỏng)")
        build(start, "bắt đầu mô phỏng")
        for n in range(1, days):
            day = start + timedelta(days=n)
            ahead = datetime.combine(day - timedelta(days=1), settings.build_ahead_time, tz)
            sim.at(ahead, lambda day=day: build(day, "dựng trước"))
        for injection in injections:
            sim.inject(injection)
        sim.run_until()
        sim.core.log.event("stop", sim.clock.now(), "Kết thúc chạy thử")
        rows = log.rows(start, start + timedelta(days=days - 1))
        events = log.events(start, start + timedelta(days=days))
    return SimulationResult(log_path, output_dir / "playout.txt", rows, events)


# --- wiring from a station -----------------------------------------------------------------------

def settings_from_station(station: Any) -> PlayoutSettings:
    p = station.playout
    return PlayoutSettings(grace_minutes=float(p.grace_minutes), interrupted_policy=p.interrupted_policy,
                           build_ahead=p.build_ahead, heartbeat_s=float(p.heartbeat_s),
                           fallback=getattr(p, "fallback", "silence"), timezone=station.station.timezone,
                           preferred_deadline_h=float(station.speech.preferred_deadline_h),
                           relay_connect_timeout_s=float(p.relay_connect_timeout_s))


def player_pids(station: Any) -> PidFiles:
    """The PID files of running players, `var/player/` (a restart ends a player a dead run left)."""
    return PidFiles(station.path(station.paths.state) / "player")


def output_for_station(station: Any, *, clock: Clock | None = None, name: str | None = None,
                       realtime: bool = True) -> Output:
    """The configured output, or `name` as a one-off override; `realtime` paces the null output."""
    p = station.playout
    return make_output(name or p.output, device=p.device, file_dir=station.path(p.file_dir), clock=clock,
                       icecast_url=station.icecast.url, icecast_user=station.icecast.user,
                       icecast_password=station.icecast_password, stream_name=station.station_title,
                       realtime=realtime, pids=player_pids(station))


def state_paths(station: Any) -> tuple[Path, Path]:
    """(as-run log, spool folder) under the station's state folder."""
    return station.path(station.paths.log_db), station.path(station.paths.spool)


def daemon_for_station(station: Any, *, builder: Builder | None = None) -> Daemon:
    """The `broadcast run` daemon for a station; `builder` defaults to `build_day(station, day)`,
    or to fetching the day from the province when [province] source is set."""
    settings = settings_from_station(station)
    clock = SystemClock(settings.tz)
    log_path, spool_dir = state_paths(station)
    if builder is None and getattr(station, "province", None) is not None and station.province.source:
        from broadcast.province.fetch import fetch_day

        def builder(day: date) -> Any:
            return fetch_day(station, day)

    if builder is None:
        from broadcast.build import build_day

        def builder(day: date) -> Any:
            return build_day(station, day)

    core = StationCore(log=AsRunLog(log_path), output=output_for_station(station, clock=clock), clock=clock,
                       audio_out=station.path(station.paths.audio_out), settings=settings,
                       spool=Spool(spool_dir), fallback=settings.fallback_path(station.root))
    shared = getattr(station, "province_dir", None)     # the province's templates and schedules air here too
    inputs = InputsWatcher([station.path(station.paths.schedules), station.path(station.paths.scripts),
                            station.root / "broadcast.toml",
                            *((shared / "schedules", shared / "scripts_vi") if shared else ())])
    return Daemon(core, settings=settings, builder=builder, inputs=inputs, lock=DaemonLock(spool_dir))


def rehearsal_root(station: Any) -> Path:
    """Where `broadcast simulate` writes by default: var/simulate/<first day>/."""
    return station.path(station.paths.state) / "simulate"


def latest_rehearsal_log(station: Any) -> Path:
    """The as-run log of the most recent rehearsal under var/simulate/; InputError when there is none."""
    logs = [p for p in rehearsal_root(station).glob("*/asrun.sqlite") if p.is_file()]
    if not logs:
        raise InputError("chưa có lần diễn tập nào", hint="chạy 'broadcast simulate' trước, hoặc dùng --db TỆP")
    return max(logs, key=lambda p: p.stat().st_mtime_ns)


def simulate_station(station: Any, *, start: date, days: int, output_dir: Path,
                     injections: Sequence[Injection] = (), builder: Builder | None = None) -> SimulationResult:
    """`broadcast simulate` for a station: builds with `build_day` unless `builder` is given.

    The rehearsal writes its own log in `output_dir`; it refuses a folder whose log would be the
    station's real as-run log (the rehearsal starts its log afresh).
    """
    real_log = state_paths(station)[0]
    if (Path(output_dir) / "asrun.sqlite").resolve() == real_log.resolve():
        raise InputError(f"thư mục diễn tập {output_dir} chứa nhật ký phát thật của đài",
                         hint="chọn thư mục khác cho --output, ví dụ var/simulate/thu")
    settings = settings_from_station(station)
    if builder is None:
        from broadcast.build import build_day

        def builder(day: date) -> Any:
            return build_day(station, day)

    return simulate(audio_out=station.path(station.paths.audio_out), start=start, days=days,
                    output_dir=output_dir, settings=settings, builder=builder, injections=injections,
                    fallback=settings.fallback_path(station.root))


def parse_injection(spec: str, first_day: date, tz: Any) -> tuple[datetime, str, dict[str, str]]:
    """'HH:MM TEMPLATE key=value ...' or 'YYYY-MM-DD HH:MM TEMPLATE ...' -> (moment, template, values).

    >>> parse_injection("14:05 bao_khan ten_bao=Yagi", date(2026, 12, 1), ZoneInfo("Asia/Ho_Chi_Minh"))[:2]
    (datetime.datetime(2026, 12, 1, 14, 5, tzinfo=zoneinfo.ZoneInfo(key='Asia/Ho_Chi_Minh')), 'bao_khan')
    """
    import shlex

    words = shlex.split(spec)
    day = first_day
    if words and len(words[0]) == 10 and words[0][4] == "-":
        day = date.fromisoformat(words.pop(0))
    try:
        hour, minute = (int(p) for p in words[0].split(":"))
        template = words[1]
    except (IndexError, ValueError):
        raise ConfigError(f"--inject '{spec}' phải có dạng 'HH:MM MẪU khoa=giá_trị ...'") from None
    values = {}
    for word in words[2:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise ConfigError(f"--inject '{spec}': '{word}' phải có dạng khoa=giá_trị")
        values[key] = value
    return datetime.combine(day, time(hour, minute), tz), template, values


# --- benchmark -----------------------------------------------------------------------------------

def write_silence_wav(path: Path, seconds: float = 0.05, rate: int = 8000) -> Path:
    """A tiny mono 16-bit WAV of silence (tests, benchmark)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return path


def measure_start_lateness(n: int = 50, output: Output | None = None, *, spacing_s: float = 0.2,
                           lead_s: float = 1.5, timeout_s: float | None = None,
                           check: Callable[[Path], str | None] = check_playable) -> list[float]:
    """Seconds each of `n` tiny programmes, 0.2 s apart, started after its slot (real clock, APScheduler).

    Measured as the log records it: at the player's start, after the file check the daemon makes.
    """
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    clock = SystemClock(tz)
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as tmp:
        root = Path(tmp)
        first = clock.now() + timedelta(seconds=lead_s)
        output = output or FileOutput(root / "out", clock=clock, copy_files=False)
        manifests: dict[date, dict] = {}
        for i in range(n):
            start = first + timedelta(seconds=i * spacing_s)
            day = start.date()
            folder = root / "audio_out" / day.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{i:04d}.wav"
            write_silence_wav(folder / name)
            manifest = manifests.setdefault(day, {"schema": 1, "date": day.isoformat(), "station": "bench",
                                                  "timezone": str(tz), "generated_at": iso(clock.now()),
                                                  "programmes": []})
            manifest["programmes"].append(fake_entry(f"{day}-b{i:04d}", f"b{i:04d}", start, name, 0.05))
        import json

        for day, manifest in manifests.items():
            (root / "audio_out" / day.isoformat() / "manifest.json").write_text(json.dumps(manifest))
        log = AsRunLog(root / "asrun.sqlite", synchronous="NORMAL")
        core = StationCore(log=log, output=output, clock=clock, audio_out=root / "audio_out",
                           settings=PlayoutSettings(), check=check)
        daemon = Daemon(core, settings=core.settings)
        daemon.start()
        deadline = first + timedelta(seconds=n * spacing_s + (timeout_s or 10.0))
        done = threading.Event()
        while clock.now() < deadline and not done.wait(0.1):
            rows = [r for d in manifests for r in log.rows(d, d) if r["kind"] == "programme"]
            if len(rows) >= n and all(r["status"] != "playing" for r in rows):
                break
        daemon.stop("đo xong")
        rows = [r for d in manifests for r in log.rows(d, d) if r["kind"] == "programme" and r["started_at"]]
        log.close()
    return [(datetime.fromisoformat(r["started_at"]) - datetime.fromisoformat(r["scheduled_at"])).total_seconds()
            for r in rows]


class FakeBuilder:
    """A stand-in for `build_day`: publishes a manifest with tiny WAV files (tests, benchmark).

    `slots` maps a slot name to (HH:MM, manifest duration in seconds); each programme has two
    items splitting that duration. The WAVs are a few milliseconds long: the manifest's
    durations are what the simulation and the paced file output use.
    """

    def __init__(self, audio_out: Path, slots: Mapping[str, tuple[str, float]], tz: Any = None) -> None:
        self.audio_out = Path(audio_out)
        self.slots = dict(slots)
        self.tz = tz or ZoneInfo("Asia/Ho_Chi_Minh")
        self.built: list[date] = []

    def __call__(self, day: date) -> Path:
        import json

        folder = self.audio_out / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        programmes = []
        for slot, (clock, duration) in sorted(self.slots.items(), key=lambda kv: kv[1][0]):
            hour, minute = (int(p) for p in clock.split(":"))
            start = datetime.combine(day, time(hour, minute), self.tz)
            name = f"{hour:02d}{minute:02d}-{slot}.wav"
            write_silence_wav(folder / name, seconds=0.02)
            half = round(duration / 2, 3)
            programmes.append(fake_entry(f"{day}-{slot}", slot, start, name, duration, items=[
                {"id": "mo-dau", "kind": "mo-dau", "template": "mo_dau", "title": "Lời mở đầu", "tags": [],
                 "priority": "thuong", "repeat": 1, "episode": None, "source": "tu-san-xuat",
                 "values": {}, "offset_s": 0.0, "duration_s": half, "text": "", "spoken": ""},
                {"id": "tiem-chung", "kind": "thong-bao", "template": "tiem_chung", "title": "Tiêm chủng",
                 "tags": ["yte"], "priority": "uu-tien", "repeat": 2, "episode": None, "source": "tu-san-xuat",
                 "values": {"ngay": "05/12/2026"}, "offset_s": half, "duration_s": duration - half,
                 "text": "", "spoken": ""}]))
        manifest = {"schema": 1, "date": day.isoformat(), "station": "Thử", "timezone": str(self.tz),
                    "generated_at": iso(datetime.now(self.tz)), "programmes": programmes}
        part = folder / ".manifest.json.part"
        part.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        part.replace(folder / "manifest.json")
        self.built.append(day)
        return folder


def fake_entry(programme_id: str, slot: str, start: datetime, name: str, duration_s: float,
               items: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A manifest programme entry with the keys `read_manifest` requires."""
    return {"id": programme_id, "slot": slot, "title": f"Chương trình {slot}", "start": start.isoformat(),
            "file": name, "duration_s": duration_s, "loudness_lufs": -16.0, "true_peak_dbtp": -1.0,
            "engine": "fake", "engine_notes": [], "inputs_hash": "", "items": list(items)}
