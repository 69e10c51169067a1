"""The receiver on its own clock: the zone's programmes played at their slots from the local copy.

A link that is down at 05:30 does not silence the village: the days were fetched ahead, and the
receiver plays them on its own clock. Beside the playing, one thread keeps the link
(`linkside.LinkSide`: the next days, heartbeats, the outbox, the station's orders). A restart the
station ordered stops the receiver between two programmes (systemd's Restart= starts it again).

Each programme is prepared `prepare_s` before its start (the spare player takes it: it reads the PCM
decoded when the day came, `receiver.pcm`, opens its outputs and waits on a gate; the next spare is
started only once the programme is over) and released at the start; a receiver started in the middle of a programme joins
it at the right offset ('late'); a programme the outbox already has never plays again.

An urgent push (`urgent.UrgentListener`, its own thread) wakes the playing thread: the programme on
air is stopped, the urgent played, then the programme resumes where it stopped (the station's
policy 'tiep-tuc'; any other policy leaves it interrupted); each gets its own as-run row.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.play import Clock, SystemClock
from broadcast.play.gated import GatedOutput, levels_path, position_name
from broadcast.play.spare import SparePlayer
from broadcast.receiver import control as remote
from broadcast.receiver import levels as on_air
from broadcast.receiver import monitor as listen
from broadcast.receiver import pcm
from broadcast.receiver.config import ReceiverConfig
from broadcast.receiver.link import StationLink
from broadcast.receiver.linkside import LinkSide
from broadcast.receiver.monitor import Monitor, MonitorSpec
from broadcast.receiver.orders import OrderState
from broadcast.receiver.outbox import Outbox
from broadcast.receiver.urgent import UrgentListener

OFFSET_WARN_S = 5.0


@dataclass(frozen=True)
class Planned:
    uid: str
    day: date
    start: datetime
    entry: dict[str, Any]
    path: Path


def planned(config: ReceiverConfig, around: date) -> list[Planned]:
    """The zone's programmes of `around` and the next day, from the days on disk, in start order."""
    found = []
    for day in (around - timedelta(days=1), around, around + timedelta(days=1)):
        folder = config.audio_out / day.isoformat()
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for entry in manifest.get("programmes", []):
            if config.zone not in entry.get("zones", [config.zone]):
                continue
            try:
                start = datetime.fromisoformat(str(entry["start"]))
            except (KeyError, ValueError):
                continue
            found.append(Planned(f"{day.isoformat()}/{entry.get('id')}/{config.zone}", day, start, entry,
                                 folder / str(entry.get("file"))))
    return sorted(found, key=lambda p: p.start)


def _timing(created: datetime, moments: dict[str, Any]) -> dict[str, float]:
    """Seconds from the confirmation to each step of an urgent (long-poll answer, audio checked, player asked, first write)."""
    found = {}
    for step, text in moments.items():
        try:
            found[step] = round((datetime.fromisoformat(str(text)) - created).total_seconds(), 3)
        except (TypeError, ValueError):
            continue
    return found


class Receiver(LinkSide):
    """One cluster's receiver; `run(stop)` until `stop` is set."""

    def __init__(self, config: ReceiverConfig, *, clock: Clock | None = None, output: Any = None,
                 link: StationLink | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.output = output or GatedOutput(config.outputs, zone=config.zone, clock=self.clock,
                                            file_dir=config.folder / "playout", positions=config.folder / "vi-tri",
                                            pace_files=True,    # a file output airs in real time, as a card would
                                            levels=True, lock="touched")      # a small computer: see realtime
        self.link = link or StationLink(config)
        self.outbox = Outbox(config.folder / "outbox.sqlite")
        self.heartbeat_s, self.sync_s = config.heartbeat_s, config.sync_s
        self.playing: str | None = None
        self.last_fault: str | None = None
        self.clock_offset_s: float | None = None
        self.online = False
        self.wake = threading.Event()                 # an urgent push waits to be played
        self._urgent_lock = threading.Lock()
        self.urgents: list[tuple[dict[str, Any], Path]] = []
        self.cancelled: set[str] = set()
        self.on_air_urgent: tuple[str, Any] | None = None
        self.notes: list[str] = []
        self.levels_now: Path | None = None
        self.spare: SparePlayer | None = None         # a player started ahead for the next urgent
        self.control = remote.load(config.folder)
        self.orders = OrderState.load(config.folder)
        self.restart_order: str | None = None         # a restart the station ordered: stop between programmes
        spec = MonitorSpec.from_config(config.monitor)
        self.monitor = Monitor(spec, on_fault=self.note) if spec else None     # the monitor input, when configured
        self._apply_control()

    def _levels(self, programme_id: str) -> Path:
        """The levels file of one play (a stale one from a crash removed first)."""
        path = levels_path(self.config.folder / "vi-tri" / position_name(programme_id, self.config.zone))
        path.unlink(missing_ok=True)
        self.levels_now = path
        return path

    def _judge_levels(self, row: dict[str, Any], path: Path) -> None:
        """Add what was really on air to an as-run row; digital silence is the fault 'im lặng trên loa'."""
        self.levels_now = None
        row["levels"] = on_air.take(path)
        if row["status"] in ("played", "late") and on_air.silent(row["levels"]):
            row["fault"], row["fault_source"] = on_air.FAULT_SILENT, on_air.SOURCE
            self.note(f"{on_air.FAULT_SILENT}: {row['title']} ({row['scheduled_at']})")

    def _judge_monitor(self, row: dict[str, Any]) -> None:
        """The monitor input's summary on a programme's row; its silence is the fault when the PCM itself was not silent."""
        if self.monitor is None:
            return
        heard = self.monitor.end()
        row["monitor"] = heard
        if heard and heard["silent"] and row["status"] in ("played", "late", "interrupted") and not row.get("fault"):
            row["fault"], row["fault_source"] = on_air.FAULT_SILENT, listen.SOURCE

    def _apply_control(self) -> None:
        if hasattr(self.output, "volume"):
            self.output.volume = remote.gain(self.control)

    # -- urgent pushes

    def urgent_arrived(self, document: dict[str, Any], audio: Path) -> None:
        document = {**document, "received_at": self.clock.now().isoformat()}
        with self._urgent_lock:
            self.urgents.append((document, audio))
        self.wake.set()

    def cancel_urgent(self, push_id: str) -> None:
        with self._urgent_lock:
            self.cancelled.add(push_id)
            self.urgents = [u for u in self.urgents if str(u[0].get("id")) != push_id]
            current = self.on_air_urgent
        if current is not None and current[0] == push_id:
            current[1].stop()

    def play_urgents(self, stop: threading.Event) -> None:
        """Play the urgent pushes waiting (oldest first), each with its as-run row."""
        while not stop.is_set():
            with self._urgent_lock:
                self.wake.clear()
                if not self.urgents:
                    return
                document, audio = self.urgents.pop(0)
                push_id = str(document["id"])
                if push_id in self.cancelled:
                    continue
            if datetime.fromisoformat(str(document["expires_at"])) <= self.clock.now():
                self.note(f"thông báo khẩn '{push_id}' hết hạn trước khi phát")
                continue
            finished = threading.Event()
            result: list = []
            title = str(document.get("title") or push_id)
            level_file = self._levels(f"khan-cap-{push_id}")
            prepared_at = self.clock.now()
            spare = self._take_spare()
            direct = {"pcm": True} if isinstance(self.output, GatedOutput) else {}   # the station's PCM, as it is
            handle = self.output.prepare(audio, title=title, duration_s=document.get("duration_s"),
                                         programme_id=f"khan-cap-{push_id}", **({"spare": spare} if spare else {}),
                                         **direct)
            with self._urgent_lock:
                self.on_air_urgent = (push_id, handle)
            self.playing = f"[khẩn] {title}"
            handle.start(lambda r, result=result, finished=finished: (result.append(r), finished.set()))
            while not finished.wait(0.2):
                if stop.is_set() or push_id in self.cancelled:
                    handle.stop()
                    finished.wait(10)
                    break
            with self._urgent_lock:
                self.on_air_urgent = None
            self.playing = None
            outcome = result[0] if result else None
            started = outcome.started_at if outcome and outcome.started_at else handle.started_at or self.clock.now()
            created = datetime.fromisoformat(str(document["created_at"]))
            status = "cancelled" if push_id in self.cancelled else (outcome.status if outcome else "interrupted")
            row = {"uid": f"khan-cap/{push_id}/{self.config.cluster}", "kind": "khan-cap",
                   "date": started.date().isoformat(), "programme_id": push_id, "title": title,
                   "zone": self.config.zone, "cluster": self.config.cluster,
                   "scheduled_at": created.isoformat(), "started_at": started.isoformat(),
                   "ended_at": (outcome.ended_at if outcome else self.clock.now()).isoformat(),
                   "delay_s": round((started - created).total_seconds(), 3), "seq": document.get("seq"),
                   "received_at": document.get("received_at"),
                   "timing": _timing(created, {**(document.get("timing") or {}), "prepare": prepared_at.isoformat(),
                                               "started": started.isoformat()}),
                   "status": status, "error": outcome.error if outcome else None}
            self._judge_levels(row, level_file)
            self.outbox.add(row)
            self._keep_spare(spare)        # the next urgent finds a player waiting too (this one, done)

    def _keep_spare(self, used: SparePlayer | None, *, refill: bool = True) -> None:
        """After a play: the spare that played it waits for the next one; a new one only when it cannot."""
        if used is not None and used.usable and self.spare is None:
            self.spare = used
        elif used is not None:
            used.close()
        if refill:
            self._refill_spare()

    def _source(self, item: Planned) -> tuple[Path, dict[str, bool]]:
        """What the player reads for a programme: its PCM decoded ahead, played as it is; else the source, decoded."""
        found = pcm.on_air(self.config.folder, item.day, item.entry, item.path)
        if found is None or not isinstance(self.output, GatedOutput):
            return item.path, {}
        return found, {"pcm": True}

    def _take_spare(self) -> SparePlayer | None:
        """The player started ahead for the next urgent (None: none ready, or not a gated output)."""
        spare, self.spare = self.spare, None
        if spare is not None and not spare.usable:
            spare.close()
            return None
        return spare

    def _refill_spare(self) -> None:
        if self.config.warm_player and isinstance(self.output, GatedOutput) and self.spare is None:
            try:
                self.spare = SparePlayer()
            except OSError as exc:
                self.note(f"không chuẩn bị sẵn được trình phát: {exc}")

    def _idle(self, seconds: float, stop: threading.Event) -> bool:
        """Wait up to `seconds`, playing urgent pushes as they come; True when asked to stop."""
        deadline = time.monotonic() + max(0.0, seconds)
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.restart_order is not None:
                return False
            if self.wake.wait(min(0.2, remaining)):
                self.play_urgents(stop)
        return True

    # -- playing

    def next_programme(self) -> Planned | None:
        now = self.clock.now()
        for item in planned(self.config, now.date()):
            ends = item.start + timedelta(seconds=float(item.entry.get("duration_s") or 0))
            if ends > now and not self.outbox.has(item.uid) and item.path.is_file():
                return item
        return None

    def play(self, item: Planned, stop: threading.Event) -> None:
        """Prepare ahead, release at the start (or join late at the right offset), log what aired."""
        lead = (item.start - self.clock.now()).total_seconds()
        if lead > self.config.prepare_s and self._idle(lead - self.config.prepare_s, stop):
            return
        late_by = max(0.0, (self.clock.now() - item.start).total_seconds())
        title = str(item.entry.get("title") or item.entry.get("id"))
        level_file = self._levels(str(item.entry.get("id")))
        source, direct = self._source(item)
        spare = self._take_spare()         # the spare plays the programme: no second player while it airs
        handle = self.output.prepare(source, title=title, duration_s=item.entry.get("duration_s"),
                                     offset_s=late_by, programme_id=str(item.entry.get("id")), **direct,
                                     **({"spare": spare} if spare else {}))
        deadline = time.monotonic() + (item.start - self.clock.now()).total_seconds()
        while time.monotonic() < deadline:
            if stop.wait(min(0.1, max(0.0, deadline - time.monotonic()))) or self.wake.is_set():
                handle.cancel()            # the outputs go to the urgent; the programme is picked up again after
                handle.wait(10)
                self._keep_spare(spare, refill=not stop.is_set())
                return
        finished = threading.Event()
        result: list = []
        self.playing = title
        handle.start(lambda r: (result.append(r), finished.set()))
        if self.monitor is not None:
            self.monitor.begin()
        first_start = handle.started_at
        interrupted_by: list[str] = []
        while not finished.wait(0.05):
            if stop.is_set():
                handle.stop()
                finished.wait(10)
                break
            if self.wake.is_set():
                handle.stop()
                finished.wait(10)
                position = late_by + ((result[0].ended_at if result else self.clock.now()) -
                                      (handle.started_at or self.clock.now())).total_seconds()
                with self._urgent_lock:
                    waiting = [u for u in self.urgents if str(u[0].get("id")) not in self.cancelled]
                policy = str(waiting[0][0].get("policy", "tiep-tuc")) if waiting else "tiep-tuc"
                interrupted_by += [str(u[0].get("id")) for u in waiting]
                self._keep_spare(spare)    # the programme's player plays the urgent ...
                spare = None
                self.play_urgents(stop)
                duration = float(item.entry.get("duration_s") or 0)
                if stop.is_set() or policy != "tiep-tuc" or (duration and position >= duration - 0.5):
                    break
                finished.clear()
                result.clear()
                late_by = position
                spare = self._take_spare()     # ... and then the rest of the programme
                handle = self.output.start(source, title=title, duration_s=item.entry.get("duration_s"),
                                           offset_s=position, programme_id=str(item.entry.get("id")),
                                           on_end=lambda r: (result.append(r), finished.set()), **direct,
                                           **({"spare": spare} if spare else {}))
                self.levels_now = level_file
                self.playing = title
        self.playing = None
        self._keep_spare(spare, refill=not stop.is_set())     # the next spare only once the programme is over
        outcome = result[0] if result else None
        status = outcome.status if outcome else "interrupted"
        if status == "played" and (late_by > 1.0 and not interrupted_by):
            status = "late"
        row = {"uid": item.uid, "date": item.day.isoformat(), "programme_id": item.entry.get("id"),
               "title": title, "zone": self.config.zone, "cluster": self.config.cluster,
               "scheduled_at": item.start.isoformat(),
               "started_at": (first_start or (outcome.started_at if outcome else None)
                              or self.clock.now()).isoformat(),
               "interrupted_by": interrupted_by,
               "ended_at": (outcome.ended_at if outcome else self.clock.now()).isoformat(),
               "status": status, "error": outcome.error if outcome else None}
        self._judge_levels(row, level_file)
        self._judge_monitor(row)
        self.outbox.add(row)
        if outcome is not None and outcome.error:
            self.last_fault = outcome.error

    def run(self, stop: threading.Event) -> None:
        link = threading.Thread(target=self.keep_link, args=(stop,), daemon=True, name="receiver-link")
        link.start()
        listener = UrgentListener(self.config, self.link, self)
        threading.Thread(target=listener.run, args=(stop,), daemon=True, name="receiver-urgent").start()
        self._refill_spare()
        if self.monitor is not None:
            self.monitor.start()
        while not stop.is_set() and self.restart_order is None:
            self.play_urgents(stop)
            item = self.next_programme()
            if item is None:
                self._idle(1.0, stop)
                continue
            lead = (item.start - self.clock.now()).total_seconds()
            if lead > self.config.prepare_s + 2:       # look again soon: a fresher day may have come
                self._idle(min(5.0, lead - self.config.prepare_s - 1), stop)
                continue
            why = remote.refusal(self.control, item.start)
            if why is not None:            # muted, or outside the cluster's hours: said once, on its row
                self.outbox.add({"uid": item.uid, "date": item.day.isoformat(), "programme_id": item.entry.get("id"),
                                 "title": str(item.entry.get("title") or item.entry.get("id")),
                                 "zone": self.config.zone, "cluster": self.config.cluster,
                                 "scheduled_at": item.start.isoformat(), "started_at": None, "ended_at": None,
                                 "status": "skipped", "error": why})
                continue
            self.airing = True
            try:
                self.play(item, stop)
            finally:
                self.airing = False
        stop.set()                         # a restart ends the link thread too
        link.join(timeout=5)
        if self.spare is not None:
            self.spare.close()
            self.spare = None
        if self.monitor is not None:
            self.monitor.close()
        self._guard(self.flush)
        if self.restart_order is not None:
            self._guard(self.heartbeat)    # the station learns the restart was applied
