"""`broadcast simulate`: the core on a `VirtualClock` (`Simulation`), the rehearsal of whole days, `--inject`."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from broadcast.daemon.core import StationCore
from broadcast.daemon.settings import Builder, PlayoutSettings
from broadcast.errors import ConfigError
from broadcast.log.asrun import AsRunLog
from broadcast.play import VirtualClock
from broadcast.play.outputs import FileOutput, Playback, check_playable
from broadcast.play.player import (
    PlayJob,
)


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
                 origin: str | None = None, zones: Sequence[str] | None = None) -> None:
        """`zones`: one file output per zone (output_dir/<zone>/ when there are several); None: no zones."""
        self.clock = VirtualClock(start)
        folder = {z: Path(output_dir) / z if len(zones) > 1 else Path(output_dir) for z in zones or ()}
        self.outputs = {z: FileOutput(f, clock=self.clock, manual=True, copy_files=copy_files)
                        for z, f in folder.items()}
        self.output = next(iter(self.outputs.values())) if zones else FileOutput(
            output_dir, clock=self.clock, manual=True, copy_files=copy_files)
        self.settings = settings
        self.core = StationCore(log=log, output=self.output, outputs=self.outputs or None, clock=self.clock,
                                audio_out=audio_out, settings=settings, check=check, fallback=fallback,
                                watch=self._watch, origin=origin)
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
             copy_files: bool = False, zones: Sequence[str] | None = None) -> SimulationResult:
    """`broadcast simulate`: rehearse `days` days from `start` on a virtual clock, into `output_dir`.

    Builds the first day at its midnight and each next day at the build-ahead time, plays every
    slot to a file output (playout.txt with virtual times), injects the announcements, and
    writes a fresh as-run log `output_dir/asrun.sqlite` (the station's real log is untouched).
    Every zone plays (`zones`; its playout.txt in output_dir/<zone>/ when there are several).
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    log_path = output_dir / "asrun.sqlite"
    for stale in (log_path, output_dir / "asrun.sqlite-wal", output_dir / "asrun.sqlite-shm",
                  output_dir / "playout.txt", *(output_dir / z / "playout.txt" for z in zones or ())):
        stale.unlink(missing_ok=True)
    tz = settings.tz
    first = datetime.combine(start, time(0, 0), tz)
    with AsRunLog(log_path, synchronous="NORMAL") as log:
        sim = Simulation(log=log, audio_out=audio_out, output_dir=output_dir, start=first, settings=settings,
                         check=check, fallback=fallback, copy_files=copy_files, origin="rehearsal", zones=zones)

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
    several = zones is not None and len(zones) > 1
    return SimulationResult(log_path, output_dir if several else output_dir / "playout.txt", rows, events)


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
