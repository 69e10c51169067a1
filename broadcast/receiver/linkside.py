"""The receiver's link thread: the next days fetched, a heartbeat (state, clock offset, orders), the outbox flushed.

Each of these failing is noted and retried, never fatal: the village's programmes do not depend on
the link. The answer to a heartbeat carries the station's remote control (volume, mute, hours),
signed, and its signed orders (a restart, applied once, between programmes: `receiver.orders`).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from datetime import timedelta
from typing import Any

from broadcast import __version__
from broadcast.errors import BroadcastError
from broadcast.play.process import ffmpeg_exe
from broadcast.receiver import control as remote
from broadcast.receiver import levels as on_air
from broadcast.receiver import pcm
from broadcast.receiver.orders import check_control, check_order
from broadcast.receiver.sync import sync_days

NTP_EVERY_S = 600.0


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


class LinkSide:
    """The link half of `runner.Receiver` (it holds config, clock, link, outbox, control, order state)."""

    config: Any
    clock: Any
    link: Any
    outbox: Any
    playing: str | None = None
    airing = False                # a programme is prepared or on air (no decode, no timedatectl beside it)
    _ntp: tuple[str, float | None] = ("unknown", None)      # the last NTP state and when it was asked

    def keep_link(self, stop: threading.Event) -> None:
        next_sync = next_beat = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_sync:
                next_sync = now + self.sync_s
                self._guard(lambda: sync_days(self.config, self.clock.now().date(), link=self.link))
                self.decode_ahead()
            if now >= next_beat:
                next_beat = now + self.heartbeat_s
                self._guard(self.heartbeat)
                self._guard(self.flush)
            stop.wait(min(1.0, max(0.05, min(next_sync, next_beat) - time.monotonic())))

    def decode_ahead(self) -> None:
        """Today's and the next days' programmes decoded to PCM, between programmes (`receiver.pcm`)."""
        today = self.clock.now().date()
        try:
            pcm.prune(self.config.folder, today)
            pcm.prepare_days(self.config.folder, self.config.audio_out, [today + timedelta(days=n) for n in range(2)],
                             self.config.zone, ffmpeg_exe, may_decode=self.quiet)
        except (OSError, BroadcastError) as exc:     # a full card, no ffmpeg: the sources are decoded on air
            self.note(f"không giải mã trước được chương trình: {exc}")

    def quiet(self) -> bool:
        """Nothing prepared or on air: the time for a decode or a timedatectl."""
        return not self.airing and self.playing is None

    def _guard(self, action) -> None:
        try:
            action()
            self.online = True
        except BroadcastError as exc:
            self.online = False
            self.last_fault = str(exc)

    def note(self, why: str) -> None:
        """A refused push or another event the heartbeat reports (the last few)."""
        self.notes = [*self.notes[-9:], why]
        self.last_fault = why

    def ntp(self) -> str:
        """`ntp_state()`, asked every `NTP_EVERY_S` and never while a programme plays (timedatectl is a 6 MB
        process: not beside the player, against a cluster's memory budget)."""
        said, asked = self._ntp
        if self.quiet() and (asked is None or time.monotonic() - asked >= NTP_EVERY_S):
            self._ntp = said, asked = ntp_state(), time.monotonic()
        return said

    def heartbeat_state(self) -> dict[str, Any]:
        usage = shutil.disk_usage(self.config.folder)
        audio_out = self.config.audio_out
        return {"version": __version__, "online": True, "zone": self.config.zone, "playing": self.playing,
                "clock_offset_s": self.clock_offset_s, "disk_free_mb": usage.free // (1 << 20),
                "ntp": self.ntp(), "last_fault": self.last_fault, "notes": self.notes[-5:],
                "level": on_air.latest(self.levels_now), "control": self.control,
                "monitor": self.monitor.state() if self.monitor is not None else None,
                "orders_done": self.orders.done[-5:],
                "days": sorted(p.name for p in audio_out.iterdir()) if audio_out.is_dir() else []}

    def heartbeat(self) -> None:
        state = self.heartbeat_state()
        sent = time.time()
        answer = self.link.post("/heartbeat", state)
        back = time.time()
        if "control_signed" in answer or "control" in answer:
            self.take_control(answer.get("control_signed"))
        if isinstance(answer.get("station_time"), (int, float)):
            self.clock_offset_s = round(answer["station_time"] - (sent + back) / 2, 3)
        for item in answer.get("orders") or []:
            self.take_order(item)

    def take_control(self, item: Any) -> None:
        """Apply the station's signed control when it changed (an unsigned, foreign or older one is refused)."""
        taken, why = check_control(item, cluster=self.config.cluster, station_key=self.config.station_public_key,
                                   state=self.orders)
        if taken is None:
            if why not in self.notes:
                self.note(why)
            return
        issued = taken.pop("_issued_at")
        self.orders.control_issued = issued          # in memory each time; on disk when the control changes
        if taken != self.control:
            self.control = taken
            remote.save(self.config.folder, self.control)
            self.orders.control_taken(issued)
            self._apply_control()

    def take_order(self, item: Any) -> None:
        """Check one signed order; a restart is saved as applied, then the receiver stops between programmes."""
        document, why = check_order(item, cluster=self.config.cluster, station_key=self.config.station_public_key,
                                    state=self.orders, now=self.clock.now())
        if why is not None:
            self.note(why)
        if document is None:
            return
        self.orders.applied(document)
        self.restart_order = str(document["id"])
        self.note(f"đài ra lệnh khởi động lại ({document['id']}): máy thu dừng giữa hai chương trình")

    def flush(self) -> None:
        while rows := self.outbox.unsent():
            self.link.post("/asrun", {"rows": rows})
            self.outbox.mark_sent([r["uid"] for r in rows])
