"""The monitor input: a microphone by the horns or a line from the amplifier's output, listened to during programmes.

The decoded PCM the receiver sends to the card can be fine while the village hears nothing (an
amplifier off, a cut cable, a blown horn). Where a monitor input is configured, its level is taken
every second; a programme during which it stays below `silent_db` for `after_s` seconds in a row
has the fault "im lặng trên loa" (source: the monitor input, distinct from silence in the decoded
PCM), said at once in the heartbeat and on the programme's as-run row.

    receiver.json  "monitor": {"source": "alsa:hw:1", "silent_db": -50, "after_s": 10}

Sources: `alsa:DEVICE` (arecord), `pulse:SOURCE` (parec; `pulse:` the default source), `file:PATH`
(a WAV, or raw s16le mono at `rate`; a FIFO works too), read in real time as a card delivers it.
Time is counted in seconds of input read, not on a clock.
"""

from __future__ import annotations

import array
import math
import shutil
import subprocess
import threading
import time
import wave
from dataclasses import dataclass
from typing import Any, BinaryIO

from broadcast.errors import ConfigError

FAULT_SILENT = "im lặng trên loa"
SOURCE = "dau-vao-giam-sat"          # the fault's source on a row: the monitor input, not the decoded PCM
RATE = 8000


@dataclass(frozen=True)
class MonitorSpec:
    source: str
    silent_db: float = -50.0          # a second whose peak stays below this is silence at the horns
    after_s: float = 10.0             # this many silent seconds in a row during a programme: the fault
    rate: int = RATE

    @classmethod
    def from_config(cls, data: Any) -> MonitorSpec | None:
        """The spec in receiver.json's "monitor" (None when there is none); ConfigError in Vietnamese when wrong."""
        if not data:
            return None
        if isinstance(data, str):
            data = {"source": data}
        try:
            spec = cls(str(data["source"]), float(data.get("silent_db", -50.0)), float(data.get("after_s", 10.0)),
                       int(data.get("rate", RATE)))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ConfigError("mục \"monitor\" của receiver.json sai",
                              hint='viết {"source": "alsa:hw:1", "silent_db": -50, "after_s": 10}') from None
        kind = spec.source.partition(":")[0]
        if kind not in ("alsa", "pulse", "file") or (kind != "pulse" and not spec.source.partition(":")[2]):
            raise ConfigError(f"đầu vào giám sát '{spec.source}' không hợp lệ",
                              hint="dùng alsa:hw:1, pulse:TÊN-NGUỒN hoặc file:/đường/dẫn")
        if not (-120 < spec.silent_db < 0 and spec.after_s > 0 and 1000 <= spec.rate <= 48000):
            raise ConfigError("ngưỡng của đầu vào giám sát không hợp lệ",
                              hint="silent_db trong (-120, 0) dB, after_s > 0 giây, rate 1000-48000")
        return spec


def capture_command(spec: MonitorSpec) -> list[str]:
    """The command that writes the source's PCM (s16le mono at `rate`) on stdout."""
    kind, _, name = spec.source.partition(":")
    if kind == "alsa" and shutil.which("arecord"):
        return ["arecord", "-q", "-t", "raw", "-f", "S16_LE", "-r", str(spec.rate), "-c", "1", "-D", name]
    if kind == "pulse" and shutil.which("parec"):
        return ["parec", "--raw", "--format=s16le", f"--rate={spec.rate}", "--channels=1",
                *([f"--device={name}"] if name else [])]
    from broadcast.play.process import ffmpeg_exe

    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "pulse" if kind == "pulse" else "alsa",
            "-i", name or "default", "-ac", "1", "-ar", str(spec.rate), "-f", "s16le", "pipe:1"]


def level_db(samples: array.array) -> tuple[float, float]:
    """(RMS, peak) of one second of s16 samples, in dBFS (-120 for digital silence)."""
    if not samples:
        return -120.0, -120.0
    peak = max(abs(min(samples)), abs(max(samples)))
    power = sum(s * s for s in samples) / len(samples)
    rms = math.sqrt(power)
    return (round(20 * math.log10(rms / 32768), 1) if rms > 0 else -120.0,
            round(20 * math.log10(peak / 32768), 1) if peak > 0 else -120.0)


class Monitor:
    """Per-second levels of the monitor input; `begin()`/`end()` around each programme give its summary."""

    def __init__(self, spec: MonitorSpec, on_fault: Any = None) -> None:
        self.spec, self.on_fault = spec, on_fault
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._play: list[tuple[float, float]] | None = None     # (rms, peak) of each second during a programme
        self._run = 0                     # silent seconds in a row during the programme
        self._said = False
        self.last: tuple[float, float] | None = None
        self.seconds = 0
        self.problem: str | None = None   # the source could not be read (said in the heartbeat)
        self._stop = threading.Event()
        self._proc: subprocess.Popen | None = None

    # -- what the input says

    def feed(self, data: bytes) -> None:
        """Take PCM (s16le mono at `rate`); every whole second is measured."""
        per_s = self.spec.rate * 2
        self._pending += data
        while len(self._pending) >= per_s:
            second = array.array("h", bytes(self._pending[:per_s]))
            del self._pending[:per_s]
            self._second(*level_db(second))

    def _second(self, rms: float, peak: float) -> None:
        fire = None
        with self._lock:
            self.last, self.seconds = (rms, peak), self.seconds + 1
            if self._play is None:
                return
            self._play.append((rms, peak))
            self._run = self._run + 1 if peak < self.spec.silent_db else 0
            if self._run >= self.spec.after_s and not self._said:
                self._said = True
                fire = self._run
        if fire is not None and self.on_fault is not None:
            self.on_fault(f"{FAULT_SILENT} (đầu vào giám sát: {fire} giây liền dưới {self.spec.silent_db:g} dB)")

    # -- around a programme

    def begin(self) -> None:
        with self._lock:
            self._play, self._run, self._said = [], 0, False

    def end(self) -> dict[str, Any] | None:
        """The programme's summary: seconds heard, RMS/peak, silent seconds, longest silent run, and whether it is
        the fault; None when the input gave nothing during it."""
        with self._lock:
            seconds, self._play = self._play or [], None
        if not seconds:
            return None
        longest = run = 0
        for _rms, peak in seconds:
            run = run + 1 if peak < self.spec.silent_db else 0
            longest = max(longest, run)
        power = sum(10 ** (r / 10) for r, _ in seconds) / len(seconds)
        return {"seconds": len(seconds), "rms_db": round(10 * math.log10(power), 1) if power > 1e-12 else -120.0,
                "peak_db": max(p for _, p in seconds), "silent_s": sum(1 for _, p in seconds if p < self.spec.silent_db),
                "longest_silent_s": longest, "silent": longest >= self.spec.after_s}

    def state(self) -> dict[str, Any]:
        """For the heartbeat: the last second's level, the silent run now, a problem reading the source."""
        with self._lock:
            return {"source": self.spec.source, "rms_db": self.last[0] if self.last else None,
                    "peak_db": self.last[1] if self.last else None, "silent_run_s": self._run,
                    "problem": self.problem}

    # -- reading the source

    def start(self) -> Monitor:
        threading.Thread(target=self._read, daemon=True, name="receiver-monitor").start()
        return self

    def _read(self) -> None:
        kind, _, name = self.spec.source.partition(":")
        try:
            if kind == "file":
                with open(name, "rb") as handle:            # noqa: PTH123 - a FIFO opens the same way
                    self._read_file(handle)
            else:
                self._proc = subprocess.Popen(capture_command(self.spec), stdin=subprocess.DEVNULL,
                                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                while not self._stop.is_set() and (data := self._proc.stdout.read(self.spec.rate // 5)):
                    self.feed(data)
                if not self._stop.is_set():
                    self.problem = f"đầu vào giám sát '{self.spec.source}' ngừng (mã {self._proc.wait()})"
        except OSError as exc:
            self.problem = f"không đọc được đầu vào giám sát '{self.spec.source}': {exc}"

    def _read_file(self, handle: BinaryIO) -> None:
        """A WAV (s16, any channels, mixed to mono by its first channel) or raw PCM, paced to real time."""
        per_chunk = self.spec.rate // 5 * 2
        head = handle.read(4)
        frames: Any
        step = 1
        if head == b"RIFF":
            handle.seek(0)
            wav = wave.open(handle, "rb")                    # noqa: SIM115 - read while the file is open
            if wav.getsampwidth() != 2 or wav.getframerate() != self.spec.rate:
                self.problem = f"tệp giám sát phải là WAV 16 bit {self.spec.rate} Hz"
                return
            step = wav.getnchannels()
            frames = lambda: wav.readframes(per_chunk // 2)     # noqa: E731
        else:
            pending = [head]
            frames = lambda: (pending.pop() if pending else b"") + handle.read(per_chunk)  # noqa: E731
        begin, fed = time.monotonic(), 0
        while not self._stop.is_set() and (data := frames()):
            if step > 1:
                data = array.array("h", data)[::step].tobytes()
            self.feed(data)
            fed += len(data)
            ahead = fed / (self.spec.rate * 2) - (time.monotonic() - begin)
            if ahead > 0:
                self._stop.wait(ahead)

    def close(self) -> None:
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
