"""Levelling a clip: a gain and a look-ahead peak limiter, solved so the clip lands on its target.

The limiter works on the clip's cells (`loudness.Analysis`, ~1.6 ms each). Each cell's needed
gain (the ceiling over its peak) is spread as a minimum over the attack and release windows and
then smoothed by a moving average over the same windows, so every cell's gain stays at or under
what its own peak allows: no sample ever passes the ceiling, and the gain moves smoothly. Per
sample, the gain runs in straight lines between cell edges, each edge taking the lower of its two
cells, so it never rises above either.

Because the limiter is computed, not run, the solver knows exactly what each trial gain will
sound like: the levelled clip's loudness is its cells' energy times the square of their gain.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from broadcast.audio.loudness import Analysis, CellMeter, integrated_lufs

# Look-ahead before a peak and recovery after it. Short windows keep the gain changes at the
# syllable rate (a longer release holds the gain down between syllables and costs loudness);
# of the settings tried, 3 ms / 10 ms left the MP3 encoder the least overshoot.
ATTACK_S, RELEASE_S = 0.003, 0.010
_MAX_BOOST_DB = 24.0        # the most gain a quiet clip gets on top of what its loudness asks for
_TOLERANCE_LU = 0.05
_ATTEMPTS = 8
_BLOCK_CELLS = 1 << 16      # a long clip's gains are found this many cells at a time (~100 s at 22050 Hz)


@dataclass(frozen=True)
class Level:
    """How a clip is levelled: its gain and the limiter's ceiling (both dB)."""

    gain_db: float
    ceiling_db: float


def _windows(rate: int, cell: int) -> tuple[int, int]:
    """The attack and release in cells (read when used: the voice benchmark tries others)."""
    return (max(1, round(ATTACK_S * rate / cell)), max(1, round(RELEASE_S * rate / cell)))


def _running_min(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """min of values[k - before .. k + after] for every k (outside = 1).

    By doubling: the minimum over 2w values is the minimum of two overlapping w-minima, so a
    window of 9 cells takes four `np.minimum` passes (van Herk's row-wise `accumulate` over rows
    of 9 took four times as long). Minima are exact: the same values either way.
    """
    width = before + after + 1
    n = len(values)
    span = np.ones(n + width - 1, values.dtype)
    span[before:before + n] = values          # span[i]: min of padded[i .. i + have - 1]
    have = 1
    while have * 2 <= width:
        span = np.minimum(span[:-have], span[have:])
        have *= 2
    if have < width:
        span = np.minimum(span[:len(span) - (width - have)], span[width - have:])
    return span[:n]


def _moving_mean(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """mean of values[n - before .. n + after] for every n (outside = 1)."""
    width = before + after + 1
    padded = np.concatenate((np.ones(before), values, np.ones(after)))
    running = np.empty(len(padded) + 1)
    running[0] = 0.0
    np.cumsum(padded, out=running[1:])
    return (running[width:] - running[:-width]) / width


def _gains(peak: np.ndarray, gain: float, ceiling: float, attack: int, release: int) -> np.ndarray:
    with np.errstate(divide="ignore"):
        allowed = np.minimum(1.0, ceiling / (peak.astype(np.float64) * gain))
    # a cell's gain averages the spread minimum over [n - release, n + attack]; the minimum at k
    # covers [k - attack, k + release], so every term of that average already respects cell n
    spread = _running_min(allowed, attack, release)
    return gain * np.minimum(_moving_mean(spread, release, attack), allowed)


def _blocks(n: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, _BLOCK_CELLS):
        yield start, min(n, start + _BLOCK_CELLS)


def gain_blocks(analysis: Analysis, level: Level) -> Iterator[tuple[int, np.ndarray]]:
    """(first cell, gains) of each block of cells: the gain (linear, gain and limiter together).

    A cell's gain depends only on the peaks within attack + release of it, so each block is
    computed with that many cells on either side: the working arrays stay the size of a block,
    however long the clip (a two-hour relay), and the peaks may be a `cells.Column` on disk.
    """
    gain = 10 ** (level.gain_db / 20)
    ceiling = 10 ** (level.ceiling_db / 20)
    attack, release = _windows(analysis.rate, analysis.cell)
    peak = analysis.peak
    n = len(peak)
    if n <= _BLOCK_CELLS:
        yield 0, _gains(peak[0:n], gain, ceiling, attack, release)
        return
    reach = attack + release
    for start, end in _blocks(n):
        low = max(0, start - reach)
        part = _gains(peak[low:min(n, end + reach)], gain, ceiling, attack, release)
        yield start, part[start - low:end - low]


def cell_gains(analysis: Analysis, level: Level) -> np.ndarray:
    """The gain of every cell at once (`gain_blocks` joined: for short clips and tests)."""
    parts = [part for _, part in gain_blocks(analysis, level)]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def levelled_lufs(analysis: Analysis, level: Level) -> float:
    """The clip's loudness through `level`: its cells' energy times their gain squared, a block at a time."""
    meter = CellMeter(analysis.rate)
    for start, gains in gain_blocks(analysis, level):
        gains *= gains
        gains *= analysis.energy[start:start + len(gains)]
        meter.add(gains)
    return meter.lufs()


def solve(analysis: Analysis, aim_lufs: float, ceiling_db: float, near_db: float | None = None) -> Level | None:
    """The gain that brings the clip, through the limiter, to `aim_lufs`; None if it is silent.

    The search starts from `near_db` when a gain close to the answer is known (the same clip
    solved on its sample peaks), else from the gain its loudness alone asks for.
    """
    source = integrated_lufs(analysis.energy, analysis.rate)
    if not math.isfinite(source):
        return None
    first = aim_lufs - source
    start = first if near_db is None else near_db
    tried = [(start, levelled_lufs(analysis, Level(start, ceiling_db)))]
    slope = 0.5                               # espeak through this limiter: about 0.4-0.6 LU per dB
    while abs(tried[-1][1] - aim_lufs) > _TOLERANCE_LU and len(tried) < _ATTEMPTS:
        if len(tried) > 1:
            (g0, h0), (g1, h1) = tried[-2], tried[-1]
            slope = min(1.0, max(0.1, (h1 - h0) / (g1 - g0))) if g1 != g0 else slope
        gain = tried[-1][0] + (aim_lufs - tried[-1][1]) / slope
        gain = min(first + _MAX_BOOST_DB, max(first - _MAX_BOOST_DB, gain))
        if gain == tried[-1][0]:
            break
        tried.append((gain, levelled_lufs(analysis, Level(gain, ceiling_db))))
    best = min(tried, key=lambda t: abs(t[1] - aim_lufs))
    return Level(best[0], ceiling_db)


def edge_gains(gains: np.ndarray) -> np.ndarray:
    """Gain at each cell edge (len + 1): the lower of the two cells it joins."""
    return np.concatenate(list(edge_blocks([(0, gains)])))


def edge_blocks(blocks: Iterable[tuple[int, np.ndarray]]) -> Iterator[np.ndarray]:
    """`edge_gains` of the cells' gains given a block at a time (`gain_blocks`), a block at a time."""
    last = None
    for _, gains in blocks:
        if not len(gains):
            continue
        first = gains[0] if last is None else min(last, gains[0])
        yield np.concatenate(([first], np.minimum(gains[:-1], gains[1:])))
        last = gains[-1]
    yield np.ones(1) if last is None else np.array([last])


def render(chunks: Iterator[np.ndarray], edges: np.ndarray | Iterable[np.ndarray], cell: int) -> Iterator[bytes]:
    """The clip's samples times the gain, as 16-bit little-endian PCM.

    `chunks`: float32 (full scale 1.0) or the file's int16 samples as they are, which gives the
    same PCM in fewer passes (scaling by 32768 is exact both ways). `edges`: the gain at each
    cell edge (`edge_gains`), or those arrays a block at a time (`edge_blocks`). Each chunk must
    hold whole cells, except the last. The limiter keeps every sample under the ceiling (under
    full scale), so nothing is clipped.
    """
    ramp = np.arange(cell, dtype=np.float32) / cell
    coming = iter([edges] if isinstance(edges, np.ndarray) else edges)
    ahead = np.zeros(0, np.float32)           # the edges from the chunk's first cell on
    for chunk in chunks:
        cells = -(-len(chunk) // cell)
        while len(ahead) < cells + 1 and (more := next(coming, None)) is not None:
            ahead = np.concatenate((ahead, more.astype(np.float32)))
        start, end = ahead[:cells], ahead[1:cells + 1]
        gain = np.multiply((end - start)[:, None], ramp[None, :])
        gain += start[:, None]
        out = gain.reshape(-1)[:len(chunk)]
        if chunk.dtype == np.int16:
            np.multiply(chunk, out, out=out)
        else:
            out *= chunk
            out *= 32768.0
        yield np.rint(out, out=out).astype("<i2").tobytes()
        ahead = ahead[cells:]


# --- true peaks ---------------------------------------------------------------------------------
#
# Speech from a synthesizer can carry energy close to half the sample rate, where the waveform
# between two samples rises far above both (a dB or more). The limiter therefore works on each
# cell's true peak (4x oversampled, as BS.1770-4 measures it) wherever the gain brings the cell
# within _NEAR_DB of the ceiling; further under it, the sample peak stands in (no real signal
# overshoots its samples by that much: a sine sampled at its worst phase reads 3 dB under its peak).

_REACH, _OVERSAMPLE, _NEAR_DB = 6, 4, 4.0


@functools.cache
def _interpolator() -> np.ndarray:
    """(12, 3): windowed-sinc taps over samples i-5 .. i+6 for the points i+1/4, i+1/2, i+3/4."""
    offsets = np.arange(-_REACH + 1, _REACH + 1)
    points = np.arange(1, _OVERSAMPLE) / _OVERSAMPLE
    t = points[None, :] - offsets[:, None]
    window = np.cos(np.pi * t / (2 * _REACH)) ** 2                     # Hann over +-6 samples
    return (np.sinc(t) * window).astype(np.float32)


def candidate_floor(level: Level) -> float:
    """Source amplitude above which a cell's true peak must be known at this level."""
    return 10 ** ((level.ceiling_db - level.gain_db - _NEAR_DB) / 20)


def true_cell_peaks(chunks: Iterator[np.ndarray], peak: np.ndarray, cell: int, floor: float) -> np.ndarray:
    """`peak` with every cell at or above `floor` raised to its true peak (chunks: the samples)."""
    return np.concatenate([peak[0:0].astype(np.float32), *true_peak_blocks(chunks, peak, cell, floor)])


def true_peak_blocks(chunks: Iterator[np.ndarray], peak, cell: int, floor: float) -> Iterator[np.ndarray]:
    """`true_cell_peaks` a chunk's cells at a time (`peak` an array or a `cells.Column`)."""
    taps = _interpolator()
    before = np.zeros(_REACH - 1, np.float32)
    pending: np.ndarray | None = None
    at = 0

    def settle(chunk: np.ndarray, after: np.ndarray) -> np.ndarray:
        nonlocal before, at
        cells = -(-len(chunk) // cell)
        out = np.array(peak[at:at + cells], np.float32)
        mine = np.flatnonzero(out >= floor)
        if len(mine):
            padded = np.concatenate([before, chunk, after, np.zeros(cells * cell - len(chunk) + _REACH, np.float32)])
            # around[k, i]: sample k of the i-th chosen cell's window (from _REACH - 1 before it to
            # _REACH after it). Laid out this way, each tap's term over all the chosen cells is one
            # contiguous slice (rows of 35 were 35-sample loops, one per cell: 20% slower)
            step = padded.itemsize
            columns = np.lib.stride_tricks.as_strided(padded, (cell + 2 * _REACH - 1, cells), (step, cell * step),
                                                      writeable=False)
            around = np.take(columns, mine, axis=1)
            value = np.empty((cell, len(mine)), np.float32)
            term = np.empty_like(value)
            between = np.zeros(len(mine), np.float32)
            for phase in range(_OVERSAMPLE - 1):        # each point between samples, 12 taps each
                np.multiply(taps[0, phase], around[:cell], out=value)
                for j in range(1, 2 * _REACH):
                    value += np.multiply(taps[j, phase], around[j:j + cell], out=term)
                np.maximum(between, np.abs(value, out=value).max(axis=0), out=between)
            out[mine] = np.maximum(out[mine], between)
        before = np.concatenate([before, chunk])[-(_REACH - 1):]
        at += cells
        return out

    for chunk in chunks:
        if pending is not None:
            yield settle(pending, chunk[:_REACH])
        pending = np.asarray(chunk, np.float32)
    if pending is not None:
        yield settle(pending, np.zeros(0, np.float32))
    if at < len(peak):
        yield np.array(peak[at:len(peak)], np.float32)


def levelled_true_peak(peak: np.ndarray, gains: np.ndarray) -> float:
    """The levelled clip's true peak (linear): no sample of a cell gets more than the cell's gain."""
    return float((peak * gains).max()) if len(peak) else 0.0
