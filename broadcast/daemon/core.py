"""The station core: what plays when, on an injected clock (`StationCore`); the rules are in `broadcast.daemon`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.daemon.settings import PlayoutSettings
from broadcast.errors import BroadcastError
from broadcast.log.asrun import FINAL_STATUSES, AsRunLog, iso
from broadcast.model import Priority
from broadcast.play import Clock
from broadcast.play.outputs import Output, Playback, PlayResult, check_playable
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
from broadcast.play.spool import Spool, SpoolEntry, announcement_id
from broadcast.play.state import read_day

_KEEP_READY = 64          # prepared file checks kept at most (a day has a handful of slots)
_CHECK_WAIT_S = 60.0      # the slot waits this long at most for a preparation's file check under way
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
        self._live_rows: dict[PlayJob, int] = {}      # the open row of a relay's live part while it airs
        self._checked: dict[Path, tuple[tuple[int, int, int] | None, str | None]] = {}
        self._checking: dict[Path, threading.Event] = {}     # file checks under way in a preparation
        self._check_lock = threading.Lock()      # never held while checking: the slot may wait on `_checking`
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
                relayed = [i for i in self.log.item_rows(row["id"]) if i["item_kind"] == "tiep-am"]
                if relayed:        # the relay part that was on air is closed with it: say how long it aired
                    seconds = sum(i["duration_s"] or 0.0 for i in relayed)
                    self.log.add_aired(row["id"], [], note=f"tiếp âm trực tiếp {relay_clock(seconds)} (ngắt khi "
                                                           "máy dừng đột ngột)")
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

    def prepare(self, job: PlayJob) -> None:
        """Before the slot (`settings.prepare_s` ahead): check the file and make the player ready.

        At the slot only the start remains: the file is checked again only when it changed
        since (another inode, size or modification time), and a broken one is logged at the slot.
        """
        with self._lock:
            if job.fallback or self.player.holds(job.programme_id) or not self._wanted(job):
                return
        key = _file_key(job.path)          # taken first: a file replaced during the check is checked again
        with self._check_lock:
            known = self._checked.get(job.path)
            reuse = known is not None and known[0] is not None and known[0] == key
            if not reuse:
                if job.path in self._checking:
                    return                 # another preparation is checking this file now
                done = self._checking[job.path] = threading.Event()
        if reuse:
            problem = known[1]
        else:
            checked = None
            try:
                checked = (key, self.check(job.path))
            except Exception:  # noqa: BLE001 - a preparation is best effort: the slot checks again and says why
                return
            finally:
                with self._check_lock:
                    if checked is not None:
                        self._checked[job.path] = checked
                        while len(self._checked) > _KEEP_READY:     # slots a reload removed never use theirs
                            self._checked.pop(next(iter(self._checked)))
                    self._checking.pop(job.path, None)
                done.set()
            problem = checked[1]
        if problem is None:
            self.player.prepare(job)

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
        opened = self._live_rows.pop(job, None)
        for n, part in enumerate(result.parts):
            aired = part.status in ("played", "interrupted")      # skipped: silence; failed: unreachable
            rows.append({"id": opened if n == 0 and part.kind == "live" else None,
                         "item_id": f"{job.programme_id}-tiep-am-{part.kind}-{n}", "item_kind": "tiep-am",
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
            problem = self._check_now(job.path)
            if problem:
                log_not_aired(self.log, job, "failed", now, problem, self.output.name, origin=self.origin)
                if self.fallback is not None and self.fallback.is_file():
                    self.player.submit(replace(job, path=self.fallback, title=f"{job.title} (dự phòng)",
                                               duration_s=_duration_of(self.fallback), entry=None,
                                               fallback=True), front=True)
                return self._drop(job)
        return True

    def _check_now(self, path: Path) -> str | None:
        """The file check at the slot: what `prepare` found if the file is unchanged since, else a new check."""
        with self._check_lock:
            checking = self._checking.get(path)
        if checking is not None:          # the preparation is decoding it now: wait for its answer, not a second decode
            checking.wait(_CHECK_WAIT_S)
        with self._check_lock:
            key, problem = self._checked.pop(path, (None, None))
        if key is not None and key == _file_key(path):
            return problem
        return self.check(path)

    def _started(self, job: PlayJob, playback: Playback) -> None:
        """The output has started the job: log it at the player's start time (that is the lateness)."""
        started = playback.started_at
        late = job.cut_at is None and (started - job.scheduled_at).total_seconds() > self.settings.late_tolerance_s
        row = log_start(self.log, job, started, self.output.name, origin=self.origin)
        self._rows[job] = (row, late)
        if hasattr(playback, "watch_parts"):      # a relay: its live part gets a row as soon as it airs
            playback.watch_parts(lambda kind, at, title, source: self._part_started(job, row, kind, at, title, source))
        if job.live and getattr(self.output, "manual", False):
            self.log.event("relay", started, f"{job.programme_id}: tiếp âm trực tiếp {job.live.get('url')} không "
                                             "được diễn tập (chỉ phát phần đã dựng)")

    def _part_started(self, job: PlayJob, row: int, kind: str, at: datetime, title: str, source: str) -> None:
        """The relay's live part is on air: open its item row now (a crash leaves it for the restart to close)."""
        self._live_rows[job] = self.log.part_started(row, {"item_id": f"{job.programme_id}-tiep-am-{kind}-0",
                                                           "item_kind": "tiep-am", "title": title, "source": source,
                                                           "started_at": at})

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
        self._live_rows.pop(job, None)
        carry_on = self._continuation(job) if reason == "urgent" else None
        if carry_on is not None:
            self.player.submit(carry_on, front=True)
        elif reason != "stop":
            self._drop(job)       # a stopped announcement stays in processing/ for the next start


def _file_key(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, modification time) of a file, None when it is missing: what tells it changed."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)
