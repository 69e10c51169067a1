"""A 16-bit PCM WAV played as it is: the gated player's source with no decoder to start.

The station decodes an urgent announcement once (`clusters.pushes`: a mono 16-bit WAV) and every
receiver plays that file directly: `PcmSource` stands where the ffmpeg decoder stands in
`broadcast.play.gate` (`stdout.read`, `poll`, `kill`, `terminate`, `wait`), reading the samples
from the WAV (from an offset, up to a limit) and scaling them by the cluster's volume. Nothing is
spawned, nothing decoded: the first audio of an urgent costs a file read.

Standard library only: the receiver's player imports it while it waits.
"""

from __future__ import annotations

import wave
from array import array
from pathlib import Path

SAMPLE_BYTES = 2


def wav_format(path: Path | str) -> tuple[int, int] | None:
    """(rate, channels) of a 16-bit PCM WAV, or None when `path` is anything else (then it is decoded)."""
    try:
        with wave.open(str(path), "rb") as source:
            if source.getsampwidth() != SAMPLE_BYTES or source.getcomptype() != "NONE":
                return None
            return source.getframerate(), source.getnchannels()
    except (OSError, EOFError, wave.Error):
        return None


def scale(data: bytes, factor: float) -> bytes:
    """16-bit samples times `factor`, clipped (a cluster's remote volume)."""
    samples = memoryview(data[:len(data) // SAMPLE_BYTES * SAMPLE_BYTES]).cast("h")
    if factor <= 1.0:
        return array("h", [int(s * factor) for s in samples]).tobytes()
    return array("h", [max(-32768, min(32767, int(s * factor))) for s in samples]).tobytes()


class PcmSource:
    """The samples of a 16-bit PCM WAV as the player reads a decoder's output (see the module docstring)."""

    returncode = 0

    def __init__(self, path: Path | str, *, offset_s: float = 0.0, limit_s: float | None = None,
                 volume: float | None = None) -> None:
        self._wav = wave.open(str(path), "rb")
        rate = self._wav.getframerate()
        self.frame = self._wav.getnchannels() * SAMPLE_BYTES
        total = self._wav.getnframes()
        first = min(total, max(0, int(round(float(offset_s or 0.0) * rate))))
        self._wav.setpos(first)
        self.left = total - first if limit_s is None else min(total - first, int(float(limit_s) * rate))
        self.volume = volume
        self.stdout = self

    def read(self, size: int) -> bytes:
        frames = min(size // self.frame, self.left)
        if frames <= 0 or self._wav is None:
            return b""
        data = self._wav.readframes(frames)
        self.left = 0 if len(data) < frames * self.frame else self.left - frames    # a short file ends here
        return scale(data, self.volume) if self.volume is not None else data

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        self.close()
        return 0

    def kill(self) -> None:
        self.close()

    terminate = kill
