"""The station's own signature tune, generated in Python (our own phrase, so no rights to clear)."""

from __future__ import annotations

import array
import math
import sys

from broadcast.audio.ffmpeg import StrPath
from broadcast.audio.pcm import _write_wav
from broadcast.errors import AudioError

# --- the station's own signature tune ---------------------------------------------------------

# A short phrase in the northern Vietnamese pentatonic scale (hò xự xang xê cống: C D F G A),
# as (semitones above C4, beats). Our own tune, so no rights to clear.
_TUNE = [(7, 1), (9, 1), (12, 2), (9, 1), (7, 1), (5, 2),
         (2, 1), (5, 1), (7, 1), (9, 1), (7, 3), (0, 1),
         (2, 1), (5, 1), (7, 2), (5, 1), (2, 1), (0, 4)]
_HARMONICS = (1.0, 0.45, 0.25, 0.12, 0.06)  # a plucked-string colour, like a đàn tranh
_C4_HZ = 261.63


def _wavetable(size: int = 2048) -> list[float]:
    table = [sum(a * math.sin(2 * math.pi * (h + 1) * i / size) for h, a in enumerate(_HARMONICS))
             for i in range(size)]
    peak = max(abs(v) for v in table)
    return [v / peak for v in table]


def _add_voice(buf: array.array, table: list[float], start: int, length: int, hz: float,
               sample_rate: int, level: float, decay_s: float) -> None:
    """Mix one plucked note into `buf`: quick attack, exponential decay, short release (no click)."""
    step = hz * len(table) / sample_rate
    mask = len(table) - 1
    fall = math.exp(-1.0 / (decay_s * sample_rate))
    attack, release = max(1, int(0.008 * sample_rate)), max(1, int(0.05 * sample_rate))
    end = min(start + length, len(buf))
    env, phase = level, 0.0
    for i in range(start, end):
        shape = min(1.0, (i - start) / attack, (end - i) / release)
        buf[i] += table[int(phase) & mask] * env * shape
        phase += step
        env *= fall


def generate_signature_tune(dst: StrPath, seconds: float = 12.0, sample_rate: int = 44100) -> None:
    """Synthesize the station jingle (pentatonic melody over a soft drone) as a mono WAV."""
    if not 2.0 <= seconds <= 120.0:
        raise AudioError(f"Độ dài nhạc hiệu {seconds} s phải trong khoảng 2–120 s", path=str(dst))
    total = int(seconds * sample_rate)
    buf = array.array("f", bytes(4 * total))
    table = _wavetable()
    tail_s = min(2.0, seconds * 0.2)  # the last note rings out under the fade
    beat = int((seconds - tail_s) * sample_rate / sum(b for _, b in _TUNE))
    at = 0
    for semitones, beats in _TUNE:
        hz = _C4_HZ * 2 ** (semitones / 12)
        _add_voice(buf, table, at, beats * beat + int(0.6 * sample_rate), hz, sample_rate, 0.5, 0.45)
        at += beats * beat
    for hz in (_C4_HZ / 2, _C4_HZ * 3 / 4):  # drone on C3 and G3 under the whole phrase
        _add_voice(buf, table, 0, total, hz, sample_rate, 0.18, seconds * 1.5)
    _fade_and_scale(buf, sample_rate, fade_in_s=0.05, fade_out_s=tail_s)
    _write_wav(dst, _to_s16(buf), sample_rate)


def _fade_and_scale(buf: array.array, sample_rate: int, fade_in_s: float, fade_out_s: float) -> None:
    peak = max(max(buf), -min(buf)) or 1.0
    scale = 10 ** (-3 / 20) / peak  # -3 dBFS peak: the programme's normalizer sets the level
    n, fin, fout = len(buf), int(fade_in_s * sample_rate), int(fade_out_s * sample_rate)
    for i in range(n):
        g = scale
        if i < fin:
            g *= i / fin
        if i >= n - fout:
            g *= (n - i) / fout
        buf[i] *= g


def _to_s16(buf: array.array) -> bytes:
    pcm = array.array("h", (int(v * 32767) for v in buf))
    if sys.byteorder == "big":  # WAV is little-endian
        pcm.byteswap()
    return pcm.tobytes()


