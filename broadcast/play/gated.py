"""Gated outputs: all of a zone's outputs fed by one player process made ready before the slot, released by a gate.

A `GatedOutput` is one zone's outputs (spec strings: "file", "null", "device", "device:hw:1",
"icecast:/mount"). `prepare()` starts the player process now (`broadcast.play.gate`: decode,
open the outputs, pre-fill, wait) and returns a `GatedPlayback`; at the slot the `Gate` is
opened (one byte per waiting player, written at once, so every zone of a slot sharing a gate
starts at the same instant) and `start(on_end)` returns once the player says when it handed
the first buffer to its outputs: that is the play's `started_at`, the time the log records.
`start()` without a preparation does both at once (late: the spawn is paid at the slot).

One output failing does not stop the others: its failure comes back in the result's
`failures` ((label, why) pairs) while the play goes on; only when every output failed is the
play 'failed'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from broadcast.errors import ConfigError
from broadcast.play import Clock, SystemClock
from broadcast.play.child import PidFiles, popen
from broadcast.play.devices import PCM_CHANNELS, PCM_RATE, device_sink
from broadcast.play.gain import applied_gain, factor, live_gain, measure_peak
from broadcast.play.pcmfile import wav_format
from broadcast.play.playback import EndCallback, Playback, PlayResult
from broadcast.play.process import ffmpeg_exe, redact
from broadcast.play.spare import SparePlayer

RATE, CHANNELS = PCM_RATE, PCM_CHANNELS
START_WAIT_S = 10.0           # a released player that says nothing for this long has its start taken as now
OUTPUT_KINDS = ("file", "null", "device", "icecast")


@dataclass(frozen=True)
class GatedResult(PlayResult):
    """A play's result with the outputs that failed during it ((label, why), the others played on)."""

    failures: tuple[tuple[str, str], ...] = ()


class Gate:
    """A pipe every prepared player of a slot waits on: `open()` releases them all, `discard()` cancels them."""

    def __init__(self) -> None:
        self.read_fd, self._write_fd = os.pipe()
        self.members = 0
        self.state = "closed"

    def open(self, *, timed: bool = False) -> None:
        """Release every member: now ('G'), or `timed` ahead of the slot, each playing at its slot ('T')."""
        if self.state != "closed":
            return
        self.state = "open"
        os.write(self._write_fd, (b"T" if timed else b"G") * max(1, min(self.members, 4000)))
        self._close()

    def discard(self) -> None:
        if self.state == "closed":
            self.state = "discarded"
            self._close()

    def _close(self) -> None:
        for fd in (self._write_fd, self.read_fd):
            try:
                os.close(fd)
            except OSError:
                pass


def check_spec(spec: str) -> str:
    """The kind of an output spec ('device:hw:1' -> 'device'); ConfigError in Vietnamese when unknown."""
    kind = spec.split(":", 1)[0].strip()
    if kind not in OUTPUT_KINDS:
        raise ConfigError(f"không có đầu ra '{spec}'", hint="dùng file, null, device, device:TÊN hoặc icecast:/điểm-gắn")
    return kind


class GatedOutput:
    """One zone's outputs, fed together by one gated player process; see the module docstring."""

    gated = True

    def __init__(self, specs: tuple[str, ...] | list[str], *, zone: str = "toan-xa", clock: Clock | None = None,
                 pids: PidFiles | None = None, positions: Path | None = None, file_dir: Path | None = None,
                 file_subdir: str | None = None,
                 icecast_url: str = "", icecast_user: str = "source", icecast_password: str = "",
                 stream_name: str = "", realtime: bool = True, pace_files: bool = False,
                 levels: bool = False, gain_db: float = 0.0, slot_gain_db: Mapping[str, float] | None = None,
                 priority: bool = True, libpulse: bool = True, lock: str = "all") -> None:
        self.specs = tuple(specs)
        for spec in self.specs:
            check_spec(spec)
        if not self.specs:
            raise ConfigError(f"vùng '{zone}' không có đầu ra nào", hint="thêm outputs: [device] cho vùng này")
        self.zone = zone
        self.name = ",".join(self.specs)
        self.clock = clock or SystemClock()
        self.pids = pids
        self.positions = Path(positions) if positions else None
        self.file_dir = (Path(file_dir) / file_subdir if file_subdir else Path(file_dir)) if file_dir else None
        self.icecast = (icecast_url, icecast_user, icecast_password)
        self.stream_name = stream_name
        self.realtime = realtime
        self.pace_files = pace_files
        self.levels = levels            # per-second levels beside each position file (a cluster's receiver)
        self.volume: float | None = None    # a gain factor (a cluster's remote volume); None: as built
        self.gain_db = float(gain_db)       # the zone's gain, and per slot (`gains:`), applied at playout
        self.slot_gain_db = dict(slot_gain_db or {})
        self.priority = priority            # the player asks for real-time scheduling for the slot's start
        self.lock = lock                    # its memory locked: "all" pages mapped, or only those "touched"
        self.libpulse = libpulse            # PulseAudio from the player itself (False: through pacat)

    def gain_for(self, slot: str | None) -> float:
        """The gain asked for at `slot` (dB): the slot's own when the zone names it, else the zone's."""
        return float(self.slot_gain_db.get(slot, self.gain_db)) if slot else self.gain_db

    def sinks(self, path: Path | str, title: str, rate: int = RATE,
              channels: int = CHANNELS) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
        """The player's sink specs for one play (PCM at `rate`, `channels`), and the secrets to keep out of messages."""
        sinks, secrets = [], []
        for spec in self.specs:
            kind, _, rest = spec.partition(":")
            if kind == "file":
                if self.file_dir is None:
                    raise ConfigError("đầu ra 'file' cần thư mục", hint="đặt [playout] file_dir")
                stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}"
                target = self.file_dir / f"{stamp}-{Path(str(path)).stem}.wav"
                sinks.append({"kind": "file", "path": str(target), "label": spec})
            elif kind == "null":
                sinks.append({"kind": "null", "label": spec})
            elif kind == "device":
                sinks.append(device_sink(rest or None, title, spec, libpulse=self.libpulse, rate=rate,
                                         channels=channels))
            else:
                url, user, password = self.icecast
                cmd = self._icecast_command(url, user, password, rest, rate, channels)
                secrets.append(password)
                sinks.append({"kind": "pipe", "cmd": cmd, "keepalive": True, "label": spec})
        return sinks, tuple(secrets)

    def _icecast_command(self, url: str, user: str, password: str, mount: str, rate: int = RATE,
                         channels: int = CHANNELS) -> list[str]:
        parts = urlsplit(url)
        if parts.scheme not in ("icecast", "http") or not parts.netloc:
            raise ConfigError(f"địa chỉ Icecast phải bắt đầu bằng icecast://, nhận được '{redact(url)}'",
                              hint="Sửa [icecast] url, ví dụ icecast://127.0.0.1:8000/dai-xa.mp3")
        if not password:
            raise ConfigError("chưa có mật khẩu nguồn Icecast",
                              hint="đặt biến môi trường BROADCAST_ICECAST_PASSWORD (hoặc [icecast] password_env)")
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc}"
        mount = "/" + mount.strip("/") if mount.strip("/ ") else parts.path     # bare 'icecast': [icecast] url's mount
        if not mount or mount == "/":
            raise ConfigError("địa chỉ Icecast thiếu điểm gắn (mount)", hint='ví dụ "icecast:/thon-dong"')
        target = urlunsplit(("icecast", netloc, mount, "", ""))
        meta = ["-ice_name", self.stream_name] if self.stream_name else []
        return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-re", "-probesize", "32",
                "-analyzeduration", "0", "-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0",
                "-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", *meta, "-f", "mp3", target]

    def prepare(self, path: Path | str, *, title: str = "", duration_s: float | None = None, offset_s: float = 0.0,
                limit_s: float | None = None, timeout_s: float | None = None, gate: Gate | None = None,
                programme_id: str | None = None, slot: str | None = None, peak_db: float | None = None,
                at: datetime | None = None, spare: SparePlayer | None = None, pcm: bool = False,
                live: bool = False) -> GatedPlayback:
        """Start the player now (or hand the play to `spare`, a player started ahead), waiting on `gate`;
        `at` (the slot) is when a timed release ('T') plays it; `live`: a stream (its peak unknown). With
        `pcm`, a 16-bit PCM WAV is played as it is, in its own rate and channels (no decoder: a receiver's
        urgent, decoded once at the station)."""
        direct = wav_format(path) if pcm else None
        rate, channels = direct or (RATE, CHANNELS)
        sinks, secrets = self.sinks(path, title, rate, channels)
        asked = self.gain_for(slot)
        if asked > 0 and peak_db is None and not live:
            peak_db = measure_peak(path, ffmpeg_exe(), offset_s)
        gain_db, gain_note = live_gain(asked) if live else applied_gain(asked, peak_db)
        volume = (self.volume if self.volume is not None else 1.0) * factor(gain_db)
        own = gate is None
        gate = gate or Gate()
        position = None
        if self.positions is not None:
            self.positions.mkdir(parents=True, exist_ok=True)
            position = self.positions / position_name(programme_id or Path(str(path)).stem, self.zone)
        config = {"ffmpeg": None if direct else ffmpeg_exe(), "source": str(path), "offset_s": offset_s,
                  "limit_s": limit_s, "pcm": direct is not None,
                  "rate": rate, "channels": channels, "sinks": sinks, "gate_fd": gate.read_fd,
                  "pace": self.realtime if all(s["kind"] == "null" for s in sinks) else self.pace_files,
                  "position": str(position) if position else None, "programme_id": programme_id, "zone": self.zone,
                  "levels": str(levels_path(position)) if position and self.levels else None,
                  "volume": None if volume == 1.0 else volume, "realtime": self.priority, "lock": self.lock,
                  "at": at.timestamp() if at is not None and isinstance(self.clock, SystemClock) else None}
        gate.members += 1
        record = self.file_dir / "playout.txt" if any(s["kind"] == "file" for s in sinks) else None
        return GatedPlayback(config, Path(str(path)), self.clock, gate=gate, own_gate=own, pids=self.pids,
                             secrets=secrets, labels=[s["label"] for s in sinks], position=position,
                             record=(record, title) if record else None, gain_note=gain_note, spare=spare)

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None, programme_id: str | None = None, slot: str | None = None,
              peak_db: float | None = None, live: bool = False, spare: SparePlayer | None = None,
              pcm: bool = False) -> Playback:
        """Prepare and release at once (no slot to wait for: the spawn is paid now, unless a `spare` plays it)."""
        return self.prepare(path, title=title, duration_s=duration_s, offset_s=offset_s, limit_s=limit_s,
                            timeout_s=timeout_s, programme_id=programme_id, slot=slot,
                            peak_db=peak_db, live=live, spare=spare, pcm=pcm).start(on_end)


def levels_path(position: Path) -> Path:
    """The per-second levels file beside a position file ('….muc.jsonl')."""
    return position.with_name(position.stem + ".muc.jsonl")


def position_name(programme_id: str, zone: str | None) -> str:
    """'2026-12-01-sang@thon-dong.json': the position file of one programme in one zone."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{programme_id}@{zone or ''}")
    return f"{safe}.json"


class GatedPlayback(Playback):
    """One gated play: its player process runs from `prepare`; `start()` releases it (see the module docstring)."""

    def __init__(self, config: dict[str, Any], path: Path, clock: Clock, *, gate: Gate, own_gate: bool,
                 pids: PidFiles | None, secrets: tuple[str, ...], labels: list[str], position: Path | None,
                 record: tuple[Path, str] | None = None, gain_note: str | None = None,
                 spare: SparePlayer | None = None) -> None:
        super().__init__(path, clock, None)
        self.gain_note = gain_note       # the gain applied, for the as-run row ('mức -6 dB')
        self.realtime_note: str | None = None     # what scheduling the player obtained (its 'ready' line)
        self._record = record            # the file output's playout.txt and the title: one line per play
        self._gate, self._own_gate = gate, own_gate
        self._pids, self._secrets, self.labels, self.position = pids, secrets, labels, position
        self.failures: list[tuple[str, str]] = []
        self.ready = threading.Event()
        self._started = threading.Event()
        self._started_unix: float | None = None
        self._done_line: tuple[str, str] | None = None
        self._spare = spare
        self._play_no = 0                # its number in the spare (a stop names it)
        self._err = spare.err if spare is not None else tempfile.TemporaryFile()
        try:
            if spare is not None:
                self._proc = spare.proc
                self._play_no = spare.hand(config, gate.read_fd)
            else:
                self._proc = popen([sys.executable, "-m", "broadcast.play.gate", json.dumps(config)],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._err,
                                   pass_fds=(gate.read_fd,))
        except OSError as exc:
            self._proc = None
            self._settle("failed", f"không chạy được trình phát: {exc}")
            return
        if pids is not None:
            pids.add(self._proc.pid)
        threading.Thread(target=self._read, daemon=True, name=f"gated-{path.name}").start()

    @property
    def usable(self) -> bool:
        """Still waiting on its gate with its outputs open (a player that died while waiting is not)."""
        return self._proc is not None and self._proc.poll() is None and not self.done

    def start(self, on_end: EndCallback | None = None) -> GatedPlayback:
        """Release this play (its own gate; a shared one the caller has opened) and return once audio started."""
        if self._own_gate:
            self._gate.open()
        deadline = time.monotonic() + START_WAIT_S
        while not self._started.wait(0.05) and not self.done and time.monotonic() < deadline:
            pass
        with self._lock:
            self.started_at = self._start_time()
            self._on_end = on_end
            settled = self._result
        if settled is not None and on_end is not None:      # it ended already (a short file): say so from a thread
            threading.Thread(target=on_end, args=(settled,), daemon=True).start()
        return self

    def _start_time(self) -> datetime:
        if self._started_unix is not None and isinstance(self.clock, SystemClock):
            return datetime.fromtimestamp(self._started_unix, self.clock.tz)     # the first write to the outputs
        return self.clock.now()          # a virtual clock (tests, rehearsal): the release is its start

    def cancel(self) -> None:
        """Never to be released: end the player (its outputs close, nothing aired)."""
        if self._own_gate:
            self._gate.discard()
        self.stop()

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._proc is not None and self._proc.poll() is None:
            try:
                if self._spare is not None:
                    self._spare.stop(self._play_no)     # this play ends; the process waits for the next
                else:
                    self._proc.terminate()
            except OSError:
                pass
            timer = threading.Timer(5.0, self._kill)
            timer.daemon = True
            timer.start()

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None and not self.done:
            self._proc.kill()

    def _read(self) -> None:
        for raw in self._proc.stdout:
            word, _, rest = raw.decode("utf-8", "replace").strip().partition(" ")
            if word == "ready":
                self.realtime_note = rest or None
                self.ready.set()
            elif word == "started":
                self._started_unix = float(rest)
                self._started.set()
            elif word == "sink-failed":
                index, _, why = rest.partition(" ")
                label = self.labels[int(index)] if index.isdigit() and int(index) < len(self.labels) else index
                self.failures.append((label, redact(why, self._secrets)))
            elif word == "done":
                status, _, why = rest.partition(" ")
                self._done_line = (status, redact(why, self._secrets))
                if self._spare is not None:
                    break                # a spare lives on, waiting for its next play
        code = 0 if self._spare is not None and self._done_line else self._proc.wait()
        if self._spare is not None and self._done_line:
            self._spare.done()           # waiting for its next play (a stopped one too)
        if self._pids is not None:
            self._pids.remove(self._proc.pid)
        if self.position is not None:
            self.position.unlink(missing_ok=True)
        status, error = self._judge(code)
        self._settle_gated(status, error)

    def _write_record(self, result: PlayResult) -> None:
        """`start end status file title` in the file output's playout.txt, like the rehearsal's."""
        path, title = self._record
        line = (f"{result.started_at.isoformat(timespec='milliseconds')} {result.ended_at.isoformat(timespec='milliseconds')} "
                f"{result.status} {self.path.name} {' '.join(title.split())}\n")
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError:
            pass             # the WAV itself is the record; a line that cannot be added is no reason to fail

    def _judge(self, code: int) -> tuple[str, str | None]:
        done = self._done_line
        if self._stopping.is_set() or (done and done[0] in ("interrupted", "cancelled")):
            return "interrupted", None
        if done is None:
            self._err.seek(0)
            tail = self._err.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
            return "failed", redact(f"trình phát dừng đột ngột (mã {code})" + (f": {tail[-1]}" if tail else ""),
                                    self._secrets)
        if done[0] == "failed":
            return "failed", done[1] or "; ".join(f"{label}: {why}" for label, why in self.failures)
        return "played", None

    def _settle_gated(self, status: str, error: str | None) -> None:
        if self._spare is None:
            self._err.close()            # a spare's is its own, for its next plays
        with self._lock:
            if self._result is not None:
                return
            if self._started.is_set() and self._on_end is None:      # ended before `start()` returned
                self.started_at = self._start_time()
            self._result = GatedResult(status, self.started_at, self.clock.now(), error, tuple(self.failures))
            on_end = self._on_end
        if self._record is not None and self._started.is_set():
            self._write_record(self._result)
        self._done.set()
        if on_end is not None:
            on_end(self._result)
