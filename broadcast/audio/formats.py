"""The output format and the segments a programme is made of: plain values, checked up front."""

from __future__ import annotations

import math
import re
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from broadcast.audio.measure import Loudness
from broadcast.errors import ConfigError

CODECS = ("mp3", "wav")
SAMPLE_RATES = (16000, 22050, 24000, 32000, 44100, 48000)

# --- formats and segments ---------------------------------------------------------------------

@dataclass(frozen=True)
class AudioFormat:
    codec: str = "mp3"
    sample_rate: int = 44100
    bitrate: str = "64k"
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0

    def __post_init__(self) -> None:
        problems = []
        if self.codec not in CODECS:
            problems.append(f"codec '{self.codec}' không hỗ trợ (chọn: {', '.join(CODECS)})")
        if self.sample_rate not in SAMPLE_RATES:
            problems.append(f"sample_rate {self.sample_rate} không hỗ trợ "
                            f"(chọn: {', '.join(map(str, SAMPLE_RATES))})")
        if not re.fullmatch(r"[1-9]\d{0,2}k", self.bitrate):
            problems.append(f"bitrate '{self.bitrate}' phải có dạng như 64k")
        if not -40.0 <= self.target_lufs <= -5.0:
            problems.append(f"target_lufs {self.target_lufs} phải trong khoảng -40 đến -5")
        if not -9.0 <= self.true_peak_dbtp <= 0.0:
            problems.append(f"true_peak_dbtp {self.true_peak_dbtp} phải trong khoảng -9 đến 0")
        if problems:
            raise ConfigError("Định dạng âm thanh sai: " + "; ".join(problems))

    @property
    def suffix(self) -> str:
        return "." + self.codec


@dataclass(frozen=True)
class Silence:
    seconds: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"silence must be a finite, non-negative length, got {self.seconds}")


@dataclass(frozen=True)
class Clip:
    path: Path
    label: str = ""
    trim: bool = False      # a recording: silence at both ends is cut (the tune keeps its fade)


@dataclass(frozen=True)
class Pending:
    """A clip still being spoken: `future.result()` is its file (a WAV in the engine's format)."""

    future: Future
    label: str = ""
    rate: int | None = None     # the rate it will be spoken at, when known before it is spoken


Segment = Clip | Silence | Pending


@dataclass(frozen=True)
class Assembled:
    path: Path
    duration_s: float
    offsets_s: tuple[float, ...]
    durations_s: tuple[float, ...]
    loudness: Loudness


