"""The receiver on its own clock: the zone's programmes played at their slots from the local copy.

A link that is down at 05:30 does not silence the village: the days were fetched ahead, and the
receiver plays them on its own clock. Beside the playing, one thread keeps the link: it fetches
the next days, sends a heartbeat (state, clock offset against the station, disk free, what is
playing) and flushes the as-run outbox; each of these failing is noted and retried, never fatal.

Each programme is prepared `prepare_s` before its start (the player decodes, opens its outputs and
waits on a gate) and released at the start; a receiver started in the middle of a programme joins
it at the right offset ('late'); a programme the outbox already has never plays again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast import __version__
from broadcast.errors import BroadcastError
from broadcast.play import Clock, SystemClock
from broadcast.play.gated import GatedOutput
from broadcast.receiver.config import ReceiverConfig
from broadcast.receiver.link import StationLink
from broadcast.receiver.outbox import Outbox
from broadcast.receiver.sync import sync_days

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


def ntp_state() -> str:
    """'synced', 'not-synced' or 'unknown' (no timedatectl): a receiver without NTP is reported."""
    tool = shutil.which("timedatectl")
    if tool is None:
        return "unknown"
    try:
        out = subprocess.run([tool, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True,
                             timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return {"yes": "synced", "no": "not-synced"}.get(out, "unknown")


class Receiver:
    """One cluster's receiver; `run(stop)` until `stop` is set."""

    def __init__(self, config: ReceiverConfig, *, clock: Clock | None = None, output: Any = None,
                 link: StationLink | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.output = output or GatedOutput(config.outputs, zone=config.zone, clock=self.clock,
                                            file_dir=config.folder / "playout", positions=config.folder / "vi-tri")
        self.link = link or StationLink(config)
        self.outbox = Outbox(config.folder / "outbox.sqlite")
        self.heartbeat_s, self.sync_s = config.heartbeat_s, config.sync_s
        self.playing: str | None = None
        self.last_fault: str | None = None
        self.clock_offset_s: float | None = None
        self.online = False

    # -- the link

    def keep_link(self, stop: threading.Event) -> None:
        next_sync = next_beat = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_sync:
                next_sync = now + self.sync_s
                self._guard(lambda: sync_days(self.config, self.clock.now().date(), link=self.link))
            if now >= next_beat:
                next_beat = now + self.heartbeat_s
                self._guard(self.heartbeat)
                self._guard(self.flush)
            stop.wait(min(1.0, max(0.05, min(next_sync, next_beat) - time.monotonic())))

    def _guard(self, action) -> None:
        try:
            action()
            self.online = True
        except BroadcastError as exc:
            self.online = False
            self.last_fault = str(exc)

    def heartbeat(self) -> None:
        usage = shutil.disk_usage(self.config.folder)
        state = {"version": __version__, "online": True, "zone": self.config.zone, "playing": self.playing,
                 "clock_offset_s": self.clock_offset_s, "disk_free_mb": usage.free // (1 << 20),
                 "ntp": ntp_state(), "last_fault": self.last_fault,
                 "days": sorted(p.name for p in self.config.audio_out.iterdir()) if self.config.audio_out.is_dir() else []}
        sent = time.time()
        answer = self.link.post("/heartbeat", state)
        back = time.time()
        if isinstance(answer.get("station_time"), (int, float)):
            self.clock_offset_s = round(answer["station_time"] - (sent + back) / 2, 3)

    def flush(self) -> None:
        while rows := self.outbox.unsent():
            self.link.post("/asrun", {"rows": rows})
            self.outbox.mark_sent([r["uid"] for r in rows])

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
        if lead > self.config.prepare_s and stop.wait(lead - self.config.prepare_s):
            return
        late_by = max(0.0, (self.clock.now() - item.start).total_seconds())
        title = str(item.entry.get("title") or item.entry.get("id"))
        handle = self.output.prepare(item.path, title=title, duration_s=item.entry.get("duration_s"),
                                     offset_s=late_by, programme_id=str(item.entry.get("id")))
        wait = (item.start - self.clock.now()).total_seconds()
        if wait > 0 and stop.wait(wait):
            handle.cancel()
            return
        finished = threading.Event()
        result: list = []
        self.playing = title
        handle.start(lambda r: (result.append(r), finished.set()))
        while not finished.wait(0.5):
            if stop.is_set():
                handle.stop()
                finished.wait(10)
                break
        self.playing = None
        outcome = result[0] if result else None
        status = outcome.status if outcome else "interrupted"
        if status == "played" and late_by > 1.0:
            status = "late"
        self.outbox.add({"uid": item.uid, "date": item.day.isoformat(), "programme_id": item.entry.get("id"),
                         "title": title, "zone": self.config.zone, "cluster": self.config.cluster,
                         "scheduled_at": item.start.isoformat(),
                         "started_at": (outcome.started_at if outcome else handle.started_at or self.clock.now()).isoformat(),
                         "ended_at": (outcome.ended_at if outcome else self.clock.now()).isoformat(),
                         "status": status, "error": outcome.error if outcome else None})
        if outcome is not None and outcome.error:
            self.last_fault = outcome.error

    def run(self, stop: threading.Event) -> None:
        link = threading.Thread(target=self.keep_link, args=(stop,), daemon=True, name="receiver-link")
        link.start()
        while not stop.is_set():
            item = self.next_programme()
            if item is None:
                stop.wait(1.0)
                continue
            lead = (item.start - self.clock.now()).total_seconds()
            if lead > self.config.prepare_s + 2:       # look again soon: a fresher day may have come
                stop.wait(min(5.0, lead - self.config.prepare_s - 1))
                continue
            self.play(item, stop)
        link.join(timeout=5)
        self._guard(self.flush)
