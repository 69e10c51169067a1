"""The RIFF/WAVE header of integer PCM, written in one place, and a WAV's exact frame count read back.

Every WAV the station writes itself starts with the same 44 bytes, the ones Python's `wave`
module writes: "RIFF", the length that follows, "WAVE", a 16-byte "fmt " chunk (PCM, channels,
rate, bytes a second, bytes a frame, bits a sample), then "data" and its length. Two forms:

- `wav_header`: the lengths known (a file finished, or rewritten once its samples are in: the
  speech cache's espeak clips, the gated player's file sink, the benchmark baseline);
- `streamed_wav_header`: both lengths 0xFFFFFFFF, "unknown", for PCM that follows until the end
  of a pipe (the encoder's standard input: ffmpeg reads it to the end).

>>> wav_header(rate=22050, channels=1, sample_width=2, data_bytes=0)[:16]
b'RIFF$\\x00\\x00\\x00WAVEfmt '

Standard library only, and nothing of the audio stack: the gated player process
(`broadcast.play.gate`) and the receiver import it while they wait for a slot.
"""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

from broadcast.errors import AudioError

HEADER_BYTES = 44                 # what both forms take, before the first sample
_LAYOUT = struct.Struct("<4sI4s4sIHHIIHH4sI")
_UNKNOWN = 0xFFFFFFFF             # a RIFF length that says "until the end"
_LARGEST_DATA = 0xFFFFFFFF - 36   # the RIFF length (36 + data) must fit in 32 bits


def _header(rate: int, channels: int, sample_width: int, riff_bytes: int, data_bytes: int) -> bytes:
    frame = channels * sample_width
    return _LAYOUT.pack(b"RIFF", riff_bytes, b"WAVE", b"fmt ", 16, 1, channels, rate, rate * frame, frame,
                        8 * sample_width, b"data", data_bytes)


def wav_header(*, rate: int, channels: int, sample_width: int, data_bytes: int) -> bytes:
    """The 44-byte header of a PCM WAV holding `data_bytes` bytes of samples, as `wave` writes it.

    More than a WAV can say (4 GB: about 6 hours of 16-bit mono at 48 kHz) is refused.
    """
    if not 0 <= data_bytes <= _LARGEST_DATA:
        raise AudioError("Chương trình quá dài để ghi thành một tệp WAV (tối đa khoảng 6 giờ)")
    return _header(rate, channels, sample_width, 36 + data_bytes, data_bytes)


def streamed_wav_header(*, rate: int, channels: int, sample_width: int) -> bytes:
    """A PCM WAV header whose lengths say "unknown": the samples follow until the end of the stream."""
    return _header(rate, channels, sample_width, _UNKNOWN, _UNKNOWN)


def wav_frames(path: Path | str) -> tuple[int, int] | None:
    """(rate, frames) when `path` is a complete 16-bit mono PCM WAV, else None (decode it).

    The frame count is the header's own ("data" chunk), whatever other chunks (LIST, fact) the
    file holds; a header that promises more samples than the file holds is not complete.
    """
    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getcomptype() != "NONE":
                return None
            rate, frames = w.getframerate(), w.getnframes()
        if os.path.getsize(path) < HEADER_BYTES + 2 * frames:
            return None
    except (wave.Error, EOFError, OSError):
        return None
    return rate, frames
