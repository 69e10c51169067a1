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

import collections
import contextlib
import json
import os
import tempfile
import threading
import wave
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from broadcast.atomic import write_text_atomic
from broadcast.audio import cells, limiter, loudness
from broadcast.audio.wavfiles import decoded, duration_s, file_digest, wav_frames  # noqa: F401 (callers' names)

_SCHEMA = 2                 # 2: the level (gain through the limiter) per target, no limiter trials
_MMAP_THRESHOLD = 2 << 20      # an array this large or larger gets its own mapping ...
_TRIM_THRESHOLD = 4 << 20      # ... and no more than this is kept free at the top of a heap


_TRIM: list = []            # glibc's malloc_trim, when there is one


def _give_back() -> None:
    """Hand the heaps' free pages back to the system (glibc), once a clip is levelled or sent.

    With the 2 MB threshold below, what one clip freed stayed resident while the next clip was
    worked on in the other encoder's thread: the sample day peaked at 80-82 MB (76 and 74 MB
    with this; a call costs a fraction of a millisecond and a few page faults per clip).
    """
    for trim in _TRIM:
        trim(0)


def _return_freed_arrays() -> None:
    """Give each large array its own mapping, handed back to the system when it is freed (glibc).

    glibc raises its mmap threshold after the first large block is freed (up to 32 MB), so the
    next arrays of a clip's analysis and rendering come from the heaps of the encoder threads
    and stay there once freed: the sample day's build peaked at 110–120 MB for 30 MB in use.
    A fixed threshold turns that adjustment off (measured: 81 MB). Elsewhere, nothing to do.

    The threshold was 128 KB: then every chunk's FFT, filter output and gains (a few hundred KB
    to a few MB, made and freed thousands of times a clip) was a fresh mapping whose pages the
    kernel zeroed on first touch: levelling a ten-minute clip took 0.9 s user and 1.8 s system
    (750,000 page faults); at 2 MB (and 4 MB kept free at most), 0.5 s and 0.03 s (2,000), and
    the sample day peaks at 74-75 MB. The clip's cells are on disk (`audio.cells`), so no array
    grows with the clip.
    """
    try:
        libc = _libc()
        if libc is not None and hasattr(libc, "mallopt"):
            libc.mallopt(-3, _MMAP_THRESHOLD)          # M_MMAP_THRESHOLD
            libc.mallopt(-1, _TRIM_THRESHOLD)          # M_TRIM_THRESHOLD
            libc.mallopt(-8, 2)                        # M_ARENA_MAX
            if hasattr(libc, "malloc_trim"):
                _TRIM.append(libc.malloc_trim)
    except OSError:
        pass


def _libc():
    """The C library already in the process (glibc's `mallopt` is looked up in it), or None on Windows.

    Not `ctypes.util.find_library("c")`: on Linux that runs `ldconfig -p` in a child process at
    every build's start, to find a library that is loaded already.
    """
    import ctypes

    return None if os.name == "nt" else ctypes.CDLL(None)


_return_freed_arrays()


# --- levels -----------------------------------------------------------------------------------

_MEMO: dict[tuple, dict] = {}
# A clip is read in chunks of this many cells (about 3.3 s at 22050 Hz). With 4096, a chunk's
# analysis (FFT frames, filtered output, squares) took about 7 MB that `_give_back` returned
# after each clip and the next clip faulted in again: 2048 halves both (the sample day: 40% fewer
# page faults, 2 MB less at the peak, the same CPU in numpy); 1024 costs more in per-chunk Python.
_CHUNK_CELLS = 2048
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
        write_text_atomic(side, _record_json(record))


def _record_json(record: dict) -> str:
    """`json.dumps(record, sort_keys=True)`, each level's mean squares (an array: a two-hour relay
    has 72,000) written a few thousand at a time, not as one Python float and string apiece."""
    arrays: dict[str, np.ndarray] = {}
    levels = {}
    for key, entry in record["levels"].items():
        if isinstance(entry.get("mean_square"), np.ndarray):
            marker = f"\ufffemean_square {len(arrays)}"
            arrays[json.dumps(marker)] = entry["mean_square"]
            entry = {**entry, "mean_square": marker}
        levels[key] = entry
    text = json.dumps({**record, "levels": levels}, sort_keys=True)
    for marker, values in arrays.items():
        parts = [", ".join(map(repr, values[at:at + 4096].tolist())) for at in range(0, len(values), 4096)]
        text = text.replace(marker, "[" + ", ".join(parts) + "]", 1)
    return text


def _rounded(values: np.ndarray) -> np.ndarray:
    """Each value to 5 significant digits, as the sidecar keeps it (cold and warm read the same)."""
    out = np.empty(len(values))
    for at in range(0, len(values), 4096):
        out[at:at + 4096] = [float(f"{value:.5g}") for value in values[at:at + 4096].tolist()]
    return out


def _level_key(aim: float, ceiling_db: float) -> str:
    return f"{aim:.2f}/{ceiling_db:.2f}/{limiter.ATTACK_S:g}/{limiter.RELEASE_S:g}"


def _lock(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path), threading.Lock())


_FULL_SCALE = np.float32(1 / 32768)


def read_samples(path: Path, chunk: int) -> Iterator[np.ndarray]:
    """A 16-bit mono WAV's samples as float32 (full scale 1.0), `chunk` samples at a time."""
    for frames in read_frames(path, chunk):
        # times an exact power of two: the same values as dividing, in one pass
        yield np.multiply(frames, _FULL_SCALE, dtype=np.float32)


def read_frames(path: Path, chunk: int) -> Iterator[np.ndarray]:
    """A 16-bit mono WAV's samples as they are (int16), `chunk` samples at a time."""
    with wave.open(str(path), "rb") as w:
        while True:
            frames = w.readframes(chunk)
            if not frames:
                return
            yield np.frombuffer(frames, "<i2")


def _analyse(path: Path, rate: int, folder: Path | None = None) -> loudness.Analysis:
    """The clip's cells; with `folder`, kept there on disk (`cells.Column`s), not in memory."""
    return loudness.analyse(read_samples(path, loudness.cell_size(rate) * _CHUNK_CELLS), rate, folder)


@dataclass
class Levelled:
    """A clip as it will be encoded: its level, its loudness per 100 ms and its true peak."""

    path: Path
    rate: int
    level: limiter.Level | None          # None: nothing loud enough to level, passed through as it is
    mean_square: np.ndarray              # the levelled clip's K-weighted mean square per 100 ms
    peak: cells.Column | np.ndarray | None   # each cell's peak, true peak where it nears the ceiling
                                             # (on disk; in memory for a short clip levelled cold)
    true_peak: float                     # the levelled clip's (linear)

    def pcm(self) -> Iterator[bytes]:
        """The levelled clip as 16-bit PCM, a chunk at a time."""
        chunk = loudness.cell_size(self.rate) * _CHUNK_CELLS
        if self.level is None or self.peak is None:
            with wave.open(str(self.path), "rb") as w:
                while frames := w.readframes(chunk):
                    yield frames
            return
        peaks = loudness.Analysis(self.rate, 0, np.zeros(0), self.peak)
        edges = limiter.edge_blocks(limiter.gain_blocks(peaks, self.level))
        yield from limiter.render(read_frames(self.path, chunk), edges, peaks.cell)
        _give_back()


def _peaks_file(path: Path, store: Path | None) -> Path | None:
    side = _sidecar(path, store)
    return None if side is None else side.with_name(side.name.removesuffix(".json") + ".peaks.npy")


def _load_peaks(path: Path, store: Path | None, record: dict, floor: float) -> cells.Column | None:
    """The cell peaks kept beside the clip, if their true peaks reach down to `floor`."""
    kept = _peaks_file(path, store)
    if kept is None or not kept.is_file() or record.get("true_peaks_from", 1.0) > floor:
        return None
    return cells.read_npy(kept, "<f4")


def _keep_peaks(path: Path, store: Path | None, length: int, blocks: Iterator[np.ndarray]) -> cells.Column:
    """The final cell peaks written beside the clip (or, with no store, to a temporary file)."""
    kept = _peaks_file(path, store)
    if kept is None:
        fd, name = tempfile.mkstemp(prefix="broadcast-", suffix=".peaks.npy")
        os.close(fd)
        kept = Path(name)
    return cells.write_npy(kept, "<f4", length, blocks)


# A clip up to this long is levelled in memory (its cells: 12 bytes for every 1.6 ms, 4.5 MB for
# ten minutes), a longer one from scratch files a block at a time (memory flat in its length).
# In memory, a clip opens, writes and reads back no scratch files.
_IN_MEMORY_S = 600

_TRUE_PEAK_HEADROOM_DB = 1.5  # true peaks cost espeak's speech 0.3-1 dB of gain at the sample station


def _solve_true(path: Path, analysis: loudness.Analysis, aim: float, ceiling_db: float,
                folder: Path | None) -> tuple[limiter.Level | None, loudness.Analysis, float]:
    """The level that lands on `aim` with the limiter on true peaks (the cells near the ceiling
    measured between their samples), the analysis with those peaks, and how far down they go.
    The peaks are written to `folder` as they are measured, or kept in memory without one."""
    def rounded(level: limiter.Level | None) -> limiter.Level | None:
        # as the next build will read it back: cold and warm give the same file
        return None if level is None else limiter.Level(round(level.gain_db, 4), ceiling_db)

    level = rounded(limiter.solve(analysis, aim, ceiling_db))
    floor = 1.0
    chunk = analysis.cell * _CHUNK_CELLS
    # the true peaks ask for a little more gain, which may bring more cells near the ceiling: measure
    # down to where a little more gain would reach, so that one pass is nearly always enough
    passes = 0
    while level is not None and limiter.candidate_floor(level) < floor:
        floor = limiter.candidate_floor(limiter.Level(level.gain_db + _TRUE_PEAK_HEADROOM_DB, ceiling_db))
        blocks = limiter.true_peak_blocks(read_samples(path, chunk), analysis.peak, analysis.cell, floor)
        passes += 1
        if folder is None:
            analysis = replace(analysis, peak=np.concatenate([np.zeros(0, np.float32), *blocks]))
        else:
            written = folder / f"peak-{passes}.f32"    # read from the previous pass's file meanwhile
            with open(written, "wb") as out:
                for block in blocks:
                    out.write(block.astype("<f4").tobytes())
            analysis = replace(analysis, peak=cells.Column(written, "<f4", len(analysis.peak)))
        level = rounded(limiter.solve(analysis, aim, ceiling_db, near_db=level.gain_db))
    return level, analysis, floor


def _frames(path: Path) -> float:
    """A clip's samples as its header counts them (other chunks, LIST or fact, are not samples);
    one whose header cannot be trusted counts as endless (levelled from disk, memory flat)."""
    found = wav_frames(path)
    return float("inf") if found is None else found[1]


def clip_level(path: Path, rate: int, aim: float, ceiling_db: float, *, store: Path | None) -> Levelled:
    """How `path` (a 16-bit mono WAV at `rate`) is levelled to `aim` LUFS under `ceiling_db`.

    The level, the levelled loudness and the cells' peaks are kept beside the clip (`store`), so
    the next build only reads the file. A clip with nothing loud enough to measure passes through
    unchanged. A clip of up to `_IN_MEMORY_S` is worked on in memory (a few MB of cells); a longer
    one's cells a block at a time from a scratch folder, so memory stays the size of a block
    however long the clip (a two-hour relay).
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
        in_memory = _frames(path) <= _IN_MEMORY_S * rate
        with contextlib.nullcontext() if in_memory else tempfile.TemporaryDirectory(prefix="broadcast-cells-") \
                as scratch:
            folder = None if scratch is None else Path(scratch)
            level, analysis, floor = _solve_true(path, _analyse(path, rate, folder), aim, ceiling_db, folder)
            meter = loudness.CellMeter(rate)
            true_peak = 0.0

            def levelled_peaks() -> Iterator[np.ndarray]:
                """Each block's peaks, measuring its levelled loudness and true peak on the way."""
                nonlocal true_peak
                if level is None:
                    blocks = ((at, np.ones(len(part))) for at, part in _starts(cells.blocks_of(analysis.peak)))
                else:
                    blocks = limiter.gain_blocks(analysis, level)
                for at, gains in blocks:
                    peak = analysis.peak[at:at + len(gains)]
                    meter.add(analysis.energy[at:at + len(gains)] * gains * gains)
                    if len(peak):
                        true_peak = max(true_peak, limiter.levelled_true_peak(peak, gains))
                    yield peak

            if level is None:
                for _ in levelled_peaks():
                    pass
                peaks = None
            elif in_memory:               # kept for the next build; this one renders from memory
                peaks = analysis.peak
                blocks = levelled_peaks()
                if _peaks_file(path, store) is None:
                    collections.deque(blocks, maxlen=0)
                else:
                    _keep_peaks(path, store, len(peaks), blocks)
            else:
                peaks = _keep_peaks(path, store, len(analysis.peak), levelled_peaks())
        mean_square = _rounded(meter.mean_squares())
        entry = {"gain_db": None if level is None else level.gain_db, "mean_square": mean_square,
                 "true_peak": true_peak}
        record = {**record, "schema": _SCHEMA, "levels": {**record["levels"], key: entry}}
        if level is not None:
            record["true_peaks_from"] = floor
        _save(path, store, record)
    _give_back()
    levelled = Levelled(path, rate, level, mean_square, peaks, true_peak)
    if isinstance(peaks, cells.Column) and store is None:
        weakref.finalize(levelled, peaks.path.unlink, missing_ok=True)
    return levelled


def _starts(blocks: Iterator[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    at = 0
    for block in blocks:
        yield at, block
        at += len(block)
