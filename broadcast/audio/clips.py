"""Clips ready to join: decoded once to the programme's working format and levelled on their own.

What is derived from a clip is kept for the next build in the speech cache's folder (`store`):

- its level (the gain that brings it through the limiter to the target, `audio.limiter`) per
  target, in `<clip>.level.json` beside a speech-cache entry (or under
  `_levels/<sha256 of the file>.json` for a file kept elsewhere, like the tune);
- a file that is not already 16-bit mono WAV at the working rate (the tune at another rate,
  an MP3 from gTTS, a phone recording) decoded once to `_decoded/<sha256>-<rate>[-trim].wav`.

A cold build analyses each new clip once, in numpy, as it is read on its way to the encoder; a
warm one reads headers, small JSON files and each clip's cell peaks (`.peaks.npy`).
"""

from __future__ import annotations

import io
import json
import threading
import wave
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from broadcast.atomic import write_bytes_atomic, write_text_atomic
from broadcast.audio import limiter, loudness
from broadcast.audio.wavfiles import decoded, duration_s, file_digest, wav_frames  # noqa: F401 (callers' names)

_SCHEMA = 2                 # 2: the level (gain through the limiter) per target, no limiter trials
_MMAP_THRESHOLD = 128 * 1024


def _return_freed_arrays() -> None:
    """Give each large array its own mapping, handed back to the system when it is freed (glibc).

    glibc raises its mmap threshold after the first large block is freed (up to 32 MB), so the
    next arrays of a clip's analysis and rendering come from the heaps of the encoder threads
    and stay there once freed: the sample day's build peaked at 110–120 MB for 30 MB in use.
    A fixed threshold turns that adjustment off (measured: 81 MB). Elsewhere, nothing to do.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "mallopt"):
            libc.mallopt(-3, _MMAP_THRESHOLD)          # M_MMAP_THRESHOLD
            libc.mallopt(-1, _MMAP_THRESHOLD)          # M_TRIM_THRESHOLD
            libc.mallopt(-8, 2)                        # M_ARENA_MAX
    except OSError:
        pass


_return_freed_arrays()


# --- levels -----------------------------------------------------------------------------------

_MEMO: dict[tuple, dict] = {}
_CHUNK_CELLS = 4096         # a clip is read in chunks of this many cells (about 6.5 s at 22050 Hz)
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _sidecar(path: Path, store: Path | None) -> Path | None:
    if store is None:
        return None
    try:
        path.resolve().relative_to(store.resolve())
        return path.with_name(path.name + ".level.json")
    except ValueError:
        return store / "_levels" / f"{file_digest(path)}.json"


def _key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


def _record(path: Path, store: Path | None) -> dict:
    key = _key(path)
    if key in _MEMO:
        return _MEMO[key]
    record: dict = {"schema": _SCHEMA, "levels": {}}
    side = _sidecar(path, store)
    if side is not None and side.is_file():
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
            if data.get("schema") == _SCHEMA and isinstance(data.get("levels"), dict):
                record = data
        except (OSError, ValueError):
            pass
    _MEMO[key] = record
    return record


def _save(path: Path, store: Path | None, record: dict) -> None:
    _MEMO[_key(path)] = record
    side = _sidecar(path, store)
    if side is not None:
        write_text_atomic(side, json.dumps(record, sort_keys=True))


def _level_key(aim: float, ceiling_db: float) -> str:
    return f"{aim:.2f}/{ceiling_db:.2f}/{limiter.ATTACK_S:g}/{limiter.RELEASE_S:g}"


def _lock(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path), threading.Lock())


def read_samples(path: Path, chunk: int) -> Iterator[np.ndarray]:
    """A 16-bit mono WAV's samples as float32 (full scale 1.0), `chunk` samples at a time."""
    with wave.open(str(path), "rb") as w:
        while True:
            frames = w.readframes(chunk)
            if not frames:
                return
            yield np.frombuffer(frames, "<i2").astype(np.float32) / 32768.0


def _analyse(path: Path, rate: int) -> loudness.Analysis:
    return loudness.analyse(read_samples(path, loudness.cell_size(rate) * _CHUNK_CELLS), rate)


@dataclass
class Levelled:
    """A clip as it will be encoded: its level, its loudness per 100 ms and its true peak."""

    path: Path
    rate: int
    level: limiter.Level | None          # None: nothing loud enough to level, passed through as it is
    mean_square: np.ndarray              # the levelled clip's K-weighted mean square per 100 ms
    peak: np.ndarray | None              # each cell's peak, true peak where it nears the ceiling
    true_peak: float                     # the levelled clip's (linear)

    def pcm(self) -> Iterator[bytes]:
        """The levelled clip as 16-bit PCM, a chunk at a time."""
        chunk = loudness.cell_size(self.rate) * _CHUNK_CELLS
        if self.level is None or self.peak is None:
            with wave.open(str(self.path), "rb") as w:
                while frames := w.readframes(chunk):
                    yield frames
            return
        cells = loudness.Analysis(self.rate, 0, np.zeros(0), self.peak)
        edges = limiter.edge_gains(limiter.cell_gains(cells, self.level))
        yield from limiter.render(read_samples(self.path, chunk), edges, cells.cell)


def _peaks_file(path: Path, store: Path | None) -> Path | None:
    side = _sidecar(path, store)
    return None if side is None else side.with_name(side.name.removesuffix(".json") + ".peaks.npy")


def _load_peaks(path: Path, store: Path | None, record: dict, floor: float) -> np.ndarray | None:
    """The cell peaks kept beside the clip, if their true peaks reach down to `floor`."""
    kept = _peaks_file(path, store)
    if kept is None or not kept.is_file() or record.get("true_peaks_from", 1.0) > floor:
        return None
    try:
        peak = np.load(kept, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return peak.astype(np.float32) if peak.ndim == 1 else None


def _save_peaks(path: Path, store: Path | None, peak: np.ndarray) -> None:
    kept = _peaks_file(path, store)
    if kept is not None:
        data = io.BytesIO()
        np.save(data, peak.astype(np.float32), allow_pickle=False)
        write_bytes_atomic(kept, data.getvalue())


_TRUE_PEAK_HEADROOM_DB = 1.5  # true peaks cost espeak's speech 0.3-1 dB of gain at the sample station


def _solve_true(path: Path, analysis: loudness.Analysis, aim: float,
                ceiling_db: float) -> tuple[limiter.Level | None, loudness.Analysis, float]:
    """The level that lands on `aim` with the limiter on true peaks (the cells near the ceiling
    measured between their samples), the analysis with those peaks, and how far down they go."""
    def rounded(level: limiter.Level | None) -> limiter.Level | None:
        # as the next build will read it back: cold and warm give the same file
        return None if level is None else limiter.Level(round(level.gain_db, 4), ceiling_db)

    level = rounded(limiter.solve(analysis, aim, ceiling_db))
    floor = 1.0
    chunk = analysis.cell * _CHUNK_CELLS
    # the true peaks ask for a little more gain, which may bring more cells near the ceiling: measure
    # down to where a little more gain would reach, so that one pass is nearly always enough
    while level is not None and limiter.candidate_floor(level) < floor:
        floor = limiter.candidate_floor(limiter.Level(level.gain_db + _TRUE_PEAK_HEADROOM_DB, ceiling_db))
        peak = limiter.true_cell_peaks(read_samples(path, chunk), analysis.peak, analysis.cell, floor)
        analysis = replace(analysis, peak=peak)
        level = rounded(limiter.solve(analysis, aim, ceiling_db, near_db=level.gain_db))
    return level, analysis, floor


def clip_level(path: Path, rate: int, aim: float, ceiling_db: float, *, store: Path | None) -> Levelled:
    """How `path` (a 16-bit mono WAV at `rate`) is levelled to `aim` LUFS under `ceiling_db`.

    The level, the levelled loudness and the cells' peaks are kept beside the clip (`store`), so
    the next build only reads the file. A clip with nothing loud enough to measure passes through
    unchanged.
    """
    key = _level_key(aim, ceiling_db)
    with _lock(path):
        record = _record(path, store)
        kept = record["levels"].get(key)
        if isinstance(kept, dict) and {"mean_square", "true_peak"} <= set(kept):
            gain = kept.get("gain_db")
            level = None if gain is None else limiter.Level(float(gain), ceiling_db)
            peak = None if level is None else _load_peaks(path, store, record, limiter.candidate_floor(level))
            if level is None or peak is not None:
                return Levelled(path, rate, level, np.asarray(kept["mean_square"], np.float64), peak,
                                float(kept["true_peak"]))
        level, analysis, floor = _solve_true(path, _analyse(path, rate), aim, ceiling_db)
        gains = limiter.cell_gains(analysis, level) if level is not None else np.ones(len(analysis.peak))
        mean_square = [float(f"{v:.5g}") for v in loudness.sub_energies(analysis.energy * gains * gains, rate)]
        true_peak = limiter.levelled_true_peak(analysis.peak, gains)
        entry = {"gain_db": None if level is None else level.gain_db, "mean_square": mean_square,
                 "true_peak": true_peak}
        record = {**record, "schema": _SCHEMA, "levels": {**record["levels"], key: entry}}
        if level is not None:
            _save_peaks(path, store, analysis.peak)
            record["true_peaks_from"] = floor
        _save(path, store, record)
    return Levelled(path, rate, level, np.asarray(mean_square, np.float64),
                    analysis.peak if level is not None else None, true_peak)
