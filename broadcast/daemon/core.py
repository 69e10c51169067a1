"""The station core: what plays when, in every zone, on an injected clock (`StationCore`); the rules are in `broadcast.daemon`.

One `Player` (queue, one thing on air) per zone, each on its zone's output. Gated outputs
(`broadcast.play.gated`) are armed `arm_s` before a slot: every zone's player of that slot
waits on one `Gate`, and the first `due()` of the slot opens it for all of them at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.daemon.carry import continuation, log_relay, missed_once, recover
from broadcast.daemon.checks import FileChecks
from broadcast.daemon.settings import PlayoutSettings
from broadcast.errors import BroadcastError
from broadcast.log.asrun import FINAL_STATUSES, AsRunLog, iso
from broadcast.model import Priority
from broadcast.play import Clock
from broadcast.play.failures import playout_failure
from broadcast.play.gated import Gate
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
from broadcast.play.spool import Spool, SpoolEntry, announcement_id
from broadcast.play.state import read_day

# What the log says will happen to a programme cut by a khẩn cấp announcement, by policy.
AFTER_CUT = {"resume": "; phát tiếp từ mục đang phát sau thông báo", "restart": "; phát lại từ đầu sau thông báo",
             "interrupted": "; không phát lại (interrupted_policy = interrupted)"}

class StationCore:
    """What plays when, on an injected clock; see the module docstring for the rules.

    Every entry point (`due`, `announce`, `heartbeat`, `catch_up`, `shutdown`) returns at once:
    plays run on the output and come back through the player's end callback.
    """

    def __init__(self, *, log: AsRunLog, output: Output | None = None, clock: Clock, audio_out: Path,
                 settings: PlayoutSettings, spool: Spool | None = None,
                 check: Callable[[Path], str | None] = check_playable,
                 fallback: Path | None = None,
                 watch: Callable[[PlayJob, Playback], None] | None = None,
                 origin: str | None = None, outputs: Mapping[str, Output] | None = None,
                 zone_titles: Mapping[str, str] | None = None, positions: Path | None = None) -> None:
        """`outputs` maps each zone to its output; a lone `output` is a station without zones (rows of no zone)."""
        self.log = log
        self.origin = origin          # 'rehearsal' for a simulation: every row it writes says so
        if not outputs and output is None:
            raise ValueError("StationCore needs an output or outputs per zone")
        self.outputs: dict[str | None, Output] = dict(outputs) if outputs else {None: output}
        self.zone_titles = dict(zone_titles or {})
        self.positions = positions      # where the players write their position (crash recovery)
        self.clock = clock
        self.audio_out = Path(audio_out)
        self.settings = settings
        self.spool = spool
        self.check = check
        self.fallback = fallback
        self.players = {zone: Player(out, admit=self._admit, finished=self._finished, watch=watch,
                                     started=self._started, relay_timeout_s=settings.relay_connect_timeout_s)
                        for zone, out in self.outputs.items()}
        self._gates: dict[datetime, tuple[Gate, list[PlayJob]]] = {}
        self._lock = threading.RLock()
        self._rows: dict[PlayJob, tuple[int, bool]] = {}
        self._live_rows: dict[PlayJob, int] = {}      # the open row of a relay's live part while it airs
        self.checks = FileChecks(check)
        self._entries: dict[str, list[Any]] = {}      # announcement id -> [spool entry, zones still to settle]
        self._last_beat: tuple[datetime, float] | None = None
        self._stop_reason = "dừng"
        self._said: set[str] = set()

    @property
    def output(self) -> Output:
        """The first zone's output (the only one of a station without zones)."""
        return next(iter(self.outputs.values()))

    @property
    def player(self) -> Player:
        """The first zone's player (the only one of a station without zones)."""
        return next(iter(self.players.values()))

    @property
    def zones(self) -> list[str] | None:
        """The zone names, or None for a station without zones."""
        return None if list(self.outputs) == [None] else [z for z in self.outputs if z is not None]

    def _player(self, job: PlayJob) -> Player | None:
        return self.players.get(job.zone)

    def _output_name(self, job: PlayJob) -> str:
        out = self.outputs.get(job.zone)
        return out.name if out is not None else ""

    # lifecycle -------------------------------------------------------------------------------

    def start(self, message: str = "") -> None:
        """End a player a dead run left, close plays it left 'playing' (at its last position), then log the start."""
        now = self.clock.now()
        ended: list[int] = []
        for pids in {id(p): p for p in (getattr(o, "pids", None) for o in self.outputs.values()) if p}.values():
            ended += pids.end_leftovers()
        if ended:
            message = (message or "Bắt đầu chạy") + (f"; đã dừng {len(ended)} trình phát còn sót từ lần chạy "
                                                      f"trước (pid {', '.join(map(str, ended))})")
        with self._lock:
            recover(self.log, self.positions)
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
        return jobs_from_manifest(manifest, self.audio_out / day.isoformat(), self.zones) if manifest else []

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
            for gate, _jobs in self._gates.values():
                gate.discard()
            self._gates.clear()
            for player in self.players.values():
                player.stop()
            self.log.event("stop", self.clock.now(), f"Dừng ({reason})")

    # events ----------------------------------------------------------------------------------

    def prepare(self, job: PlayJob) -> None:
        """Before the slot (`settings.prepare_s` ahead): check the file and make the player ready.

        At the slot only the start remains: the file is checked again only when it changed
        since (another inode, size or modification time), and a broken one is logged at the slot.
        """
        player = self._player(job)
        with self._lock:
            if player is None or job.fallback or player.holds(job.programme_id) or not self._wanted(job):
                return
        problem = self.checks.ahead(job.path)
        if problem is None and not getattr(player.output, "gated", False):
            player.prepare(job)          # a gated output is armed later (`arm`): its player holds the device

    def arm(self, job: PlayJob) -> None:
        """`arm_s` before the slot: start the gated player of this job's zone, waiting on the slot's gate."""
        player = self._player(job)
        if player is None or not getattr(player.output, "gated", False):
            return
        problem = self.checks.ahead(job.path)    # known already when `prepare` ran: not decoded again
        with self._lock:
            if problem is not None or player.holds(job.programme_id) or not self._wanted(job):
                return
            if player.is_ready(job) and any(job is m for m in self._gates.get(job.scheduled_at, (None, []))[1]):
                return                   # armed already (a reload re-adds the arm job): keep the waiting player
            now = self.clock.now()
            for when in [w for w in self._gates if w < now - timedelta(hours=1)]:     # slots a reload removed
                gate, members = self._gates.pop(when)
                for member in members:
                    self.players[member.zone].discard(member)
                gate.discard()
            gate, members = self._gates.setdefault(job.scheduled_at, (Gate(), []))
            members[:] = [m for m in members if m.zone != job.zone]
            if player.prepare(job, gate):
                members.append(job)

    def due(self, job: PlayJob) -> None:
        """A slot's start time has come (perhaps late): queue it unless it is settled.

        The first job of a slot whose zones were armed opens the slot's gate for every zone
        that can start now (idle, admitted); a zone busy (khẩn cấp on air) has its armed
        player ended and queues the job as usual.
        """
        with self._lock:
            early = self.clock.now() < job.scheduled_at     # the release ahead of the slot (`release_s`)
            gate, members = self._gates.pop(job.scheduled_at, (None, []))
            jobs = members + [job] if all(m is not job for m in members) else members
            go = []
            for one in jobs:
                player, armed = self._player(one), any(one is m for m in members)
                if early and not (armed and player is not None and player.idle and player.is_ready(one)):
                    if armed and player is not None:
                        player.discard(one)      # this zone cannot start at the slot gated: it queues then
                    continue                     # the slot's own `due` queues it at the slot, not before
                if player is not None and armed and not (player.idle and player.is_ready(one)):
                    player.discard(one)          # before the gate opens: this zone cannot start now
                    armed = False
                if player is None or player.holds(one.programme_id) or not self._wanted(one):
                    continue
                if not one.fallback and self.log.status_of(one.programme_id, one.zone) == "interrupted":
                    if armed:
                        player.discard(one)
                        armed = False
                    one = continuation(self.log, self.settings, one, self.clock.now())   # after a crash: by policy
                    if one is None:
                        continue
                if armed:
                    if self._admit(one):
                        go.append(one)
                    else:
                        player.discard(one)
                    continue
                player.submit(one)
            if gate is not None:
                gate.open(timed=early) if go else gate.discard()
            for one in go:               # released together; each start returns once its audio started
                self.players[one.zone].submit(one, admitted=True)

    def announce(self, audio: Path, meta: Mapping[str, Any], entry: SpoolEntry | None = None) -> PlayJob:
        """An announcement arrives: khẩn cấp cuts what is on air at once, others queue."""
        now = self.clock.now()
        meta = dict(meta)
        meta.setdefault("submitted_at", iso(now))
        meta.setdefault("id", announcement_id(now))
        if meta.get("duration_s") is None:
            meta["duration_s"] = _duration_of(Path(audio))
        job = job_from_announcement(Path(audio), meta, tz=self.clock.tz)
        targets = [z for z in self.outputs if z is None or not meta.get("zones") or z in meta["zones"]]
        with self._lock:
            if entry is not None:
                self._entries[job.programme_id] = [entry, len(targets)]
            label = Priority(job.priority).label if job.priority in {p.value for p in Priority} else job.priority
            where = f" cho {', '.join(self.zone_titles.get(z, z) for z in targets)}" if self.zones else ""
            self.log.event("urgent", now, f"Nhận thông báo ({label}){where}: {job.title} [{job.programme_id}]")
            if not targets and entry is not None and self.spool is not None:
                self.log.event("urgent", now, f"Thông báo {job.programme_id} không nhắm vùng nào của đài: bỏ qua")
                self._entries.pop(job.programme_id, None)
                self.spool.done(entry)
            for zone in targets:
                one = replace(job, zone=zone)
                if one.urgent:
                    cut = self.players[zone].interrupt(one)
                    if cut is not None:
                        self.log.event("urgent", self.clock.now(), f"Ngắt '{cut.title}' [{cut.programme_id}]"
                                       f"{' ở ' + self.zone_titles.get(zone, zone) if zone else ''} để phát thông báo khẩn")
                else:
                    self.players[zone].submit(one)
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
            on_air = [p.current for p in self.players.values() if p.current is not None]
            self.log.event("heartbeat", now, "đang phát " + ", ".join(
                j.programme_id + (f"@{j.zone}" if j.zone else "") for j in on_air) if on_air else "chờ")
        return jump

    # the player's questions ------------------------------------------------------------------

    def _wanted(self, job: PlayJob) -> bool:
        status = self.log.status_of(job.programme_id, job.zone)
        if status in FINAL_STATUSES or status == "playing":
            return False
        return not (status == "interrupted" and self.settings.interrupted_policy == "interrupted")

    def _admit(self, job: PlayJob) -> bool:
        now = self.clock.now()
        if not job.fallback:
            status = self.log.status_of(job.programme_id, job.zone)
            if not self._wanted(job):
                return self._drop(job)
            late_s = (now - job.scheduled_at).total_seconds()
            if job.cut_at is not None:              # a resume: the grace counts from the cut
                since_cut = (now - job.cut_at).total_seconds()
                if since_cut > self.settings.grace_s:        # written once, however often we restart past it
                    missed_once(self.log, job, now, f"Không phát tiếp {job.programme_id} ({job.title}): đã "
                                                    f"{since_cut / 60:.0f} phút từ lúc bị ngắt, quá "
                                                    f"{self.settings.grace_minutes:g} phút cho phép")
                    return self._drop(job)
            elif late_s > self.settings.grace_s:
                if status == "interrupted":        # too late to replay: it stays 'interrupted'
                    return self._drop(job)
                minutes = late_s / 60.0
                error = (f"trễ {minutes:.0f} phút, quá {self.settings.grace_minutes:g} phút cho phép "
                         "(máy tắt, đồng hồ sai hoặc chương trình trước kéo dài)")
                log_not_aired(self.log, job, "missed", now, error, self._output_name(job), origin=self.origin)
                missed_once(self.log, job, now, f"Lỡ {job.programme_id} ({job.title}): {error}")
                return self._drop(job)
            problem = self.checks.at_slot(job.path)
            if problem:
                log_not_aired(self.log, job, "failed", now, problem, self._output_name(job), origin=self.origin)
                if self.fallback is not None and self.fallback.is_file():
                    self._player(job).submit(replace(job, path=self.fallback, title=f"{job.title} (dự phòng)",
                                               duration_s=_duration_of(self.fallback), entry=None,
                                               fallback=True), front=True)
                return self._drop(job)
        return True

    def _started(self, job: PlayJob, playback: Playback) -> None:
        """The output has started the job: log it at the player's start time (that is the lateness)."""
        started = playback.started_at
        late = job.cut_at is None and (started - job.scheduled_at).total_seconds() > self.settings.late_tolerance_s
        row = log_start(self.log, job, started, self._output_name(job), origin=self.origin,
                        note=getattr(playback, "gain_note", None))
        said = getattr(playback, "realtime_note", None)
        if said and said not in self._said:        # what scheduling the players obtained, said once per run
            self._said.add(said)
            self.log.event("start", started, said)
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
        held = self._entries.get(job.programme_id)
        if held is not None:
            held[1] -= 1
            if held[1] <= 0:          # every zone it was for has settled it
                del self._entries[job.programme_id]
                if self.spool is not None:
                    self.spool.done(held[0])
        return False

    def _finished(self, job: PlayJob, result: PlayResult, reason: str) -> None:
        failures = getattr(result, "failures", ())
        for label, why in failures:     # one output of the zone failed: said for that zone, the others played on
            failure = playout_failure(label.partition(":")[0], why, job.title)
            where = f"Vùng {self.zone_titles.get(job.zone, job.zone)}: " if job.zone else ""
            self.log.event("output", result.ended_at, f"{where}{failure} ({label}; {failure.hint}) "
                                                      f"[{job.programme_id}]")
        if result.status == "failed" and failures:
            result = replace(result, error="; ".join(f"{label}: {playout_failure(label.partition(':')[0], why, job.title)}"
                                                     for label, why in failures))
        if job not in self._rows:       # the output could not even start it
            log_not_aired(self.log, job, "failed", result.ended_at, result.error, self._output_name(job),
                          origin=self.origin)
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
        opened = self._live_rows.pop(job, None)
        if isinstance(result, RelayResult) and result.parts:
            log_relay(self.log, row, job, result, opened)
        carry_on = continuation(self.log, self.settings, job, self.clock.now()) if reason == "urgent" else None
        if carry_on is not None:
            self._player(job).submit(carry_on, front=True)
        elif reason != "stop":
            self._drop(job)       # a stopped announcement stays in processing/ for the next start

