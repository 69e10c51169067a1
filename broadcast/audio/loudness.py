"""Loudness of PCM in numpy (ITU-R BS.1770-4): K-weighting, 100 ms blocks, gated integration.

Used to level each clip before it is encoded (the programme itself is measured by ffmpeg's
`ebur128` as it is encoded). A clip is analysed once, in chunks, into two short arrays at a
resolution of about 1.6 ms ("cells"): the K-weighted energy of each cell and its sample peak.
The limiter works on the peaks, the level solver on both, so trying a gain costs a pass over
1/35th of the samples and never touches the audio again.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from broadcast.audio import cells

_FFT = 16384            # overlap-add filtering: FFT length ...
_TAIL = 2048            # ... and the part kept for the filter's tail (loudness the same to 0.0001 LU
                        # as with 4096 on the sample station's clips)
_STEP = _FFT - _TAIL
_ABSOLUTE_GATE = -70.0  # LUFS
_RELATIVE_GATE = 10.0   # LU under the ungated mean
_SILENT = -math.inf


def sub_block(rate: int) -> int:
    """Samples in 100 ms, the step of the 400 ms gating blocks."""
    return max(1, round(rate / 10))


@functools.cache
def cell_size(rate: int) -> int:
    """Samples per cell: the divisor of a 100 ms sub-block nearest 1/640 s (35 at 22050 Hz)."""
    sub = sub_block(rate)
    want = rate / 640
    return min((d for d in range(1, sub + 1) if sub % d == 0), key=lambda d: (abs(d - want), d))


@functools.cache
def _k_weighting(rate: int) -> np.ndarray:
    """The K-weighting's response on the rfft grid (libebur128's design at any sample rate)."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0)
    shelf_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    d = 1 + k / q + k * k
    high_b = (1.0, -2.0, 1.0)
    high_a = (1.0, 2 * (k * k - 1) / d, (1 - k / q + k * k) / d)
    z = np.exp(-1j * np.pi * np.arange(_FFT // 2 + 1) / (_FFT // 2))

    def response(b, a):
        return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)

    return response(shelf_b, shelf_a) * response(high_b, high_a)


@dataclass(frozen=True)
class Analysis:
    """One clip in cells: K-weighted energy (sum of squares) and sample peak of each."""

    rate: int
    samples: int
    energy: np.ndarray      # float64, one per cell (the last cell may be partial); or a cells.Column
    peak: np.ndarray        # float32, |sample| max per cell, full scale 1.0; or a cells.Column

    @property
    def cell(self) -> int:
        return cell_size(self.rate)


def analyse(chunks: Iterable[np.ndarray], rate: int, folder: Path | None = None) -> Analysis:
    """Analyse float32 samples (full scale 1.0) arriving in chunks of any length.

    With `folder`, the cells are written there as they come (`cells.Column`s) and never held
    whole: the analysis of a two-hour relay takes a block's memory, not 54 MB.
    """
    counted = [0]
    groups = _cells(chunks, rate, counted)
    if folder is not None:
        written = 0
        with open(folder / "energy.f64", "wb") as energy_out, open(folder / "peak.f32", "wb") as peak_out:
            for energy, peak in groups:
                energy_out.write(energy.astype("<f8").tobytes())
                peak_out.write(peak.astype("<f4").tobytes())
                written += len(peak)
        return Analysis(rate, counted[0], cells.Column(folder / "energy.f64", "<f8", written),
                        cells.Column(folder / "peak.f32", "<f4", written))
    energy_parts: list[np.ndarray] = []
    peak_parts: list[np.ndarray] = []
    for energy, peak in groups:
        energy_parts.append(energy)
        peak_parts.append(peak)
    return Analysis(rate, counted[0], np.concatenate(energy_parts) if energy_parts else np.zeros(0),
                    np.concatenate(peak_parts) if peak_parts else np.zeros(0, np.float32))


def _cells(chunks: Iterable[np.ndarray], rate: int, counted: list[int]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(energy, peak) of the next whole cells as the samples arrive; `counted[0]`: samples read."""
    cell = cell_size(rate)
    response = _k_weighting(rate)
    pending = np.zeros(0, np.float32)        # input not yet filtered (less than one step)
    tail = np.zeros(_TAIL, np.float32)       # the previous steps' filter output spilling forward
    weighted = np.zeros(0, np.float32)       # filtered output not yet grouped into cells
    raw = np.zeros(0, np.float32)            # input not yet grouped into cells (for the peaks)

    # The forward transform in float64 and the inverse in float32: numpy 2.x's pocketfft is
    # faster that way round (a float32 rfft casts to double inside; 0.74 against 0.57 ms for 10
    # rows of 16384 here, and the irfft 0.40 against 0.58 ms), about 10% of the filtering.
    frame = np.zeros((0, _FFT))               # the steps, each followed by zeros for the tail
    spectrum = np.zeros((0, _FFT // 2 + 1), np.complex64)

    def filtered(block: np.ndarray) -> np.ndarray:
        nonlocal tail, frame, spectrum
        steps = block.reshape(-1, _STEP)
        if len(frame) != len(steps):
            frame = np.zeros((len(steps), _FFT))
            spectrum = np.zeros((len(steps), _FFT // 2 + 1), np.complex64)
        frame[:, :_STEP] = steps             # rfft(steps, _FFT) without a padded copy per call
        np.multiply(np.fft.rfft(frame, axis=1), response, out=spectrum)
        out = np.fft.irfft(spectrum, _FFT, axis=1)
        out[1:, :_TAIL] += out[:-1, _STEP:]  # each step's tail onto the next step's head
        out[0, :_TAIL] += tail
        tail = out[-1, _STEP:].copy()
        return out[:, :_STEP].reshape(-1)

    def group(samples: np.ndarray, weighted_now: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        nonlocal raw, weighted
        if len(raw) or len(weighted):        # whole chunks (the usual case) need no joining
            samples = np.concatenate([raw, samples])
            weighted_now = np.concatenate([weighted, weighted_now])
        whole = min(len(samples), len(weighted_now)) // cell
        if whole:
            n = whole * cell
            yield (np.square(weighted_now[:n].reshape(whole, cell), dtype=np.float64).sum(axis=1),
                   cell_max(np.abs(samples[:n]), cell))
        else:
            n = 0
        raw, weighted = samples[n:], weighted_now[n:]

    for chunk in chunks:
        chunk = np.asarray(chunk, np.float32)
        counted[0] += len(chunk)
        pending = np.concatenate([pending, chunk]) if len(pending) else chunk
        whole = len(pending) // _STEP * _STEP
        if whole:
            yield from group(pending[:whole], filtered(pending[:whole]))
            pending = pending[whole:]
    if len(pending) or counted[0] == 0:
        padded = np.zeros(_STEP, np.float32)
        padded[:len(pending)] = pending
        yield from group(pending, filtered(padded)[:len(pending)])
    if len(raw):                              # the last, partial cell
        yield (np.array([float(np.square(weighted[:len(raw)], dtype=np.float64).sum())]),
               np.array([np.abs(raw).max()], np.float32))


def cell_max(values: np.ndarray, cell: int) -> np.ndarray:
    """The largest of each `cell` values (whole cells): `values.reshape(-1, cell).max(axis=1)`,
    in a third of the time (numpy reduces rows of 35 one by one, `reduceat` in one loop)."""
    return np.maximum.reduceat(values, np.arange(0, len(values), cell)) if len(values) else values[:0]


def sub_energies(cell_energy: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of each whole 100 ms sub-block, from cell energies (a partial last one dropped)."""
    per_sub = sub_block(rate) // cell_size(rate)
    subs = len(cell_energy) // per_sub
    return cell_energy[:subs * per_sub].reshape(subs, per_sub).sum(axis=1) / sub_block(rate)


def gated_lufs(mean_square: np.ndarray) -> float:
    """Gated integrated loudness of 100 ms mean squares (BS.1770-4: 400 ms blocks, 75% overlap)."""
    if len(mean_square) < 4:
        return _SILENT
    running = np.concatenate(([0.0], np.cumsum(mean_square)))
    blocks = (running[4:] - running[:-4]) / 4
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(blocks)
    blocks = blocks[loud > _ABSOLUTE_GATE]
    if not len(blocks):
        return _SILENT
    relative = -0.691 + 10 * math.log10(blocks.mean()) - _RELATIVE_GATE
    with np.errstate(divide="ignore"):
        kept = blocks[-0.691 + 10 * np.log10(blocks) > relative]
    return -0.691 + 10 * math.log10(kept.mean())


class CellMeter:
    """Integrated loudness of cell energies fed a block at a time, as `sub_energies` and
    `gated_lufs` find it on the whole: only the 100 ms sums are kept (8 bytes per 100 ms)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._per_sub = sub_block(rate) // cell_size(rate)
        self._subs: list[np.ndarray] = []
        self._carry = np.zeros(0)             # cells of a sub-block not yet complete
        self._cells = 0
        self._total = 0.0                     # all the energy (a clip under 400 ms is one block)

    def add(self, energy: np.ndarray) -> None:
        self._cells += len(energy)
        self._total += float(energy.sum())
        if len(self._carry):
            energy = np.concatenate((self._carry, energy))
        whole = len(energy) // self._per_sub * self._per_sub
        if whole:
            self._subs.append(sub_energies(energy[:whole], self.rate))
        self._carry = energy[whole:].copy()

    def mean_squares(self) -> np.ndarray:
        """Mean square of each whole 100 ms sub-block so far (a partial last one dropped)."""
        if len(self._subs) > 1:
            self._subs = [np.concatenate(self._subs)]
        return self._subs[0] if self._subs else np.zeros(0)

    def lufs(self) -> float:
        subs = self.mean_squares()
        if len(subs) >= 4:
            return gated_lufs(subs)
        if self._total <= 0:
            return _SILENT
        loud = -0.691 + 10 * math.log10(self._total / (self._cells * cell_size(self.rate)))
        return loud if loud > _ABSOLUTE_GATE else _SILENT


def integrated_lufs(energy, rate: int) -> float:
    """Integrated loudness of a clip's cell energies (an array or a `cells.Column`), read a block
    at a time; a clip under 400 ms is one block."""
    meter = CellMeter(rate)
    for block in cells.blocks_of(energy):
        meter.add(block)
    return meter.lufs()


class Programme:
    """A programme's loudness from its clips' 100 ms mean squares, each placed at its offset."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._parts: list[tuple[int, np.ndarray]] = []
        self._end = 0

    def add(self, start_sample: int, mean_square: np.ndarray) -> None:
        at = round(start_sample / sub_block(self.rate))
        self._parts.append((at, mean_square))
        self._end = max(self._end, at + len(mean_square))

    def _whole(self) -> np.ndarray:
        whole = np.zeros(self._end)
        for at, part in self._parts:
            whole[at:at + len(part)] += part
        return whole

    def integrated_lufs(self) -> float:
        return gated_lufs(self._whole())

    def loudness_range(self) -> float:
        """LRA (EBU Tech 3342): the spread of 3 s loudness, 10th to 95th percentile, gated."""
        whole = self._whole()
        if len(whole) < 30:
            return 0.0
        running = np.concatenate(([0.0], np.cumsum(whole)))
        short = (running[30:] - running[:-30]) / 30
        short = short[short > 10 ** ((_ABSOLUTE_GATE + 0.691) / 10)]
        if not len(short):
            return 0.0
        loud = -0.691 + 10 * np.log10(short)
        loud = loud[loud > -0.691 + 10 * math.log10(short.mean()) - 20.0]
        low, high = percentiles(loud, (10, 95))
        return float(high - low)


def percentiles(values: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """`np.percentile(values, qs)` (its default linear method, the same values to the bit) from one
    `np.partition`: `np.percentile` imports `numpy.ma` on first use, 13 ms of a build."""
    n = len(values)
    where = []
    for q in qs:
        virtual = (n - 1) * (q / 100)
        below = math.floor(virtual)
        where.append((virtual, below, min(below + 1, n - 1)))
    part = np.partition(values, sorted({i for _, below, above in where for i in (below, above)}))
    found = []
    for virtual, below, above in where:
        a, b, t = float(part[below]), float(part[above]), virtual - below
        # numpy's _lerp: from the nearer end
        found.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
    return found
