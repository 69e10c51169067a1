"""`broadcast run` on the wall clock: `Daemon` drives the core with APScheduler 3.x (the only module importing it).

One-off jobs per slot and zone (one `prepare_s` before it: the file check and the player made
ready; one `arm_s` before it: a gated output's player started, its outputs open, waiting on the
slot's gate, so that at the slot only the release remains), build-ahead with readiness checks, heartbeat with clock-jump detection,
schedule-change polling, spool polling, SIGHUP reload and a clean SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from broadcast.daemon import schedwords
from broadcast.daemon.core import StationCore
from broadcast.daemon.settings import Builder, PlayoutSettings
from broadcast.daemon.watch import InputsWatcher
from broadcast.errors import BroadcastError
from broadcast.play.player import (
    PlayJob,
)
from broadcast.play.spool import DaemonLock
from broadcast.play.state import read_day
from broadcast.publish.staging import sweep_stale


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
        self._releases: dict[datetime, threading.Timer] = {}
        # Short jobs (heartbeat, spool, a slot's preparation and start) and builds (minutes) run apart:
        # stop() waits for the short ones, never for a build (which then writes nothing more to the log).
        self._jobs = ThreadPoolExecutor()
        self._builds = ThreadPoolExecutor(4)

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Take the lock, recover, schedule and start (returns at once)."""
        if self.lock is not None:
            self.lock.acquire()
        tz = self.settings.tz
        schedwords.install()         # its 'skipped' and 'missed' warnings in Vietnamese on the daemon's output
        self.scheduler = BackgroundScheduler(
            timezone=tz, executors={"default": self._jobs, "build": self._builds},
            # APScheduler drops a job 1 s late by default: our own grace decides instead.
            job_defaults={"misfire_grace_time": int(self.settings.grace_s) or 1, "coalesce": True,
                          "max_instances": 1})
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        outputs = "; ".join(f"{zone}: {out.name}" if zone else out.name for zone, out in self.core.outputs.items())
        self.core.start(f"Bắt đầu chạy (đầu ra {outputs})")
        swept = sweep_stale(self.core.audio_out)
        if swept:
            self.core.log.event("build", self.core.clock.now(), f"Đã dọn {len(swept)} thư mục dựng dở của lần dựng "
                                                                f"bị dừng: {', '.join(p.name for p in swept)}")
        self.scheduler.start()
        at = self.settings.build_ahead_time
        self.scheduler.add_job(self._beat, IntervalTrigger(seconds=self.settings.heartbeat_s, timezone=tz),
                               id="heartbeat")
        self.scheduler.add_job(self._build_tomorrow, CronTrigger(hour=at.hour, minute=at.minute, timezone=tz),
                               id="build-ahead", executor="build")
        self.scheduler.add_job(self._new_day, CronTrigger(hour=0, minute=0, second=30, timezone=tz), id="new-day",
                               executor="build")
        self.scheduler.add_job(self.core.poll_spool, IntervalTrigger(seconds=self.settings.spool_poll_s,
                                                                     timezone=tz), id="spool")
        if self.inputs is not None:
            self.scheduler.add_job(self._poll_inputs, IntervalTrigger(seconds=self.settings.reload_poll_s,
                                                                      timezone=tz), id="inputs", executor="build")
        self.core.poll_spool(include_processing=True)
        self.reload("khởi động", days=self.core.days_to_catch_up())
        stale = [d for d in self._days_to_build() if self._needs_build(d)]
        if stale and self.builder is not None:
            threading.Thread(target=self._build, args=(stale, "khởi động: chưa dựng hoặc đã cũ"), daemon=True,
                             name="build-start").start()

    def stop(self, reason: str = "SIGTERM") -> None:
        """Stop: the jobs and release timers running now end first, then the core logs the stop.

        After it returns nothing of the daemon writes to the as-run log (the caller may close it);
        a build still running writes no more lines (`_build`). Call it from outside the daemon's jobs.
        """
        with self._reload_lock:         # a reload or a build's log line in flight ends first; none starts after
            if self._stopped.is_set():
                return
            self._stopped.set()
            timers = list(self._releases.values())
        for timer in timers:
            timer.cancel()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self._jobs.shutdown(wait=True)
        for timer in timers:
            if timer is not threading.current_thread():
                timer.join()
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
            if self._stopped.is_set():
                return 0
            today = self.core.clock.now().date()
            days = list(days) if days is not None else [today - timedelta(days=1), today, today + timedelta(days=1)]
            future = self.core.catch_up(days)
            wanted = {slot_id(job): job for job in future}
            for job_id in list(self._slot_jobs):
                if job_id not in wanted:
                    self._remove(job_id)
            now = self.core.clock.now()
            for job_id, job in wanted.items():
                self._slot_jobs[job_id] = job
                self.scheduler.add_job(self.core.due, DateTrigger(run_date=job.scheduled_at, timezone=self.settings.tz),
                                       args=[job], id=job_id, replace_existing=True)
                if self.settings.prepare_s > 0:     # check the file and ready the player before the slot
                    ready_at = max(now, job.scheduled_at - timedelta(seconds=self.settings.prepare_s))
                    self.scheduler.add_job(self.core.prepare, DateTrigger(run_date=ready_at, timezone=self.settings.tz),
                                           args=[job], id=_prepare_id(job_id), replace_existing=True)
                if self.settings.arm_s > 0:         # a gated output's player waits on the slot's gate
                    arm_at = max(now, job.scheduled_at - timedelta(seconds=self.settings.arm_s))
                    self.scheduler.add_job(self._arm, DateTrigger(run_date=arm_at, timezone=self.settings.tz),
                                           args=[job], id=_prepare_id(job_id, "arm:"), replace_existing=True)
            self.core.log.event("reload", self.core.clock.now(),
                                f"Nạp lại lịch ({reason}): {len(wanted)} chương trình sắp phát")
            return len(wanted)

    def _arm(self, job: PlayJob) -> None:
        """Arm the job's gated player, and release the slot's gate from a timer of our own at the slot.

        The timer calls `core.due` straight from its thread `release_s` before the slot: the core
        decides then which zones start, and their players, told the slot's time ('T' on the gate),
        wait for it themselves in real time (`broadcast.play.realtime`), so a daemon late by up to
        `release_s` on a loaded machine costs nothing. APScheduler's slot job comes at the slot
        and finds the slot on air (or queues a zone that could not start gated).
        """
        self.core.arm(job)
        with self._reload_lock:
            if job.scheduled_at in self._releases or self._stopped.is_set():
                return
            delay = max(0.0, (job.scheduled_at - self.core.clock.now()).total_seconds() - self.settings.release_s)
            timer = threading.Timer(delay, self._release, args=[job])
            timer.daemon = True
            self._releases[job.scheduled_at] = timer
            for when in [w for w in self._releases if w < job.scheduled_at - timedelta(hours=1)]:
                self._releases.pop(when).cancel()
        timer.start()

    def _release(self, job: PlayJob) -> None:
        if not self._stopped.is_set() and slot_id(job) in self._slot_jobs:     # a reload may have removed it
            self.core.due(job)

    def _remove(self, job_id: str) -> None:
        self._slot_jobs.pop(job_id, None)
        for scheduled in (job_id, _prepare_id(job_id), _prepare_id(job_id, "arm:")):
            try:
                self.scheduler.remove_job(scheduled)
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
                    line, built = f"Đã dựng chương trình ngày {day} ({reason})", True
                except Exception as exc:  # noqa: BLE001 - a failed build must not stop what is on air
                    line, built = f"Dựng chương trình ngày {day} lỗi ({reason}): {exc}", False
                with self._reload_lock:     # stop() may have come during the build: the log may be closed
                    if self._stopped.is_set():
                        return
                    self.core.log.event("build", self.core.clock.now(), line)
                    if built:
                        try:
                            self._retry_preferred_voice(day)
                        except Exception as exc:  # noqa: BLE001 - nor may planning the retry
                            self.core.log.event("build", self.core.clock.now(), f"Dựng lại ngày {day} lỗi: {exc}")
        self.reload(f"sau khi dựng: {reason}")

    def _retry_preferred_voice(self, day: date) -> None:
        """Log each programme of `day` built in the fallback voice; build again with backoff until its deadline."""
        from broadcast.publish.readiness import fallback_lines, next_retry

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
                               replace_existing=True, executor="build")
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


def slot_id(job: PlayJob) -> str:
    """'slot:2026-12-01-sang', or 'slot:2026-12-01-sang@thon-dong' for a zone: the scheduler job of a slot."""
    return f"slot:{job.programme_id}" + (f"@{job.zone}" if job.zone else "")


def _prepare_id(slot_job_id: str, prefix: str = "prepare:") -> str:
    """'slot:2026-12-01-sang' -> 'prepare:2026-12-01-sang' (the job readying that slot; 'arm:' arms it)."""
    return prefix + slot_job_id.removeprefix("slot:")
