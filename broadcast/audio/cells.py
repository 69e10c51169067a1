"""A clip's per-cell arrays on disk, read and written a block at a time.

A clip's analysis (`loudness.Analysis`: K-weighted energy and peak of each ~1.6 ms cell) is
12 bytes a cell, 54 MB for a two-hour relay. Held in memory, it made a build's peak grow with
its longest clip. A `Column` keeps such an array in a file (a scratch file, or the `.peaks.npy`
kept beside a clip) and is sliced like one: `column[a:b]` reads those cells with an ordinary
read, so they pass through the page cache, not the builder's memory. The levelling code slices
its inputs a block at a time and works the same on a numpy array (tests, short clips).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from broadcast.atomic import open_atomic

BLOCK_CELLS = 1 << 16       # cells a pass reads at a time (~100 s at 22050 Hz)


class Column:
    """A 1-D array of `dtype` in `path` from byte `offset` on (raw, or the data of a `.npy`)."""

    def __init__(self, path: Path, dtype: str, length: int, offset: int = 0) -> None:
        self.path, self.dtype, self.length, self.offset = Path(path), np.dtype(dtype), length, offset

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, where: slice) -> np.ndarray:
        if not isinstance(where, slice) or where.step not in (None, 1):
            raise TypeError("a Column is read by plain slices")
        start, stop, _ = where.indices(self.length)
        count = max(0, stop - start)
        if not count:
            return np.zeros(0, self.dtype)
        return np.fromfile(self.path, self.dtype, count, offset=self.offset + start * self.dtype.itemsize)


def blocks_of(values, size: int = BLOCK_CELLS) -> Iterable[np.ndarray]:
    """An array's or a Column's values, a block at a time."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def write_npy(path: Path, dtype: str, length: int, blocks: Iterable[np.ndarray]) -> Column:
    """`blocks` (`length` values in all) as a `.npy` file, written atomically; a Column over its data."""
    with open_atomic(path) as out:
        np.lib.format.write_array_header_1_0(out, {"descr": np.dtype(dtype).str, "fortran_order": False,
                                                   "shape": (length,)})
        offset = out.tell()
        written = 0
        for block in blocks:
            block = np.ascontiguousarray(block, dtype)
            out.write(block.tobytes())
            written += len(block)
        if written != length:
            raise ValueError(f"{path}: {written} values written, {length} announced")
    return Column(path, dtype, length, offset)


def read_npy(path: Path, dtype: str) -> Column | None:
    """A Column over a 1-D `.npy` file of `dtype`; None if it is anything else."""
    try:
        with open(path, "rb") as source:
            version = np.lib.format.read_magic(source)
            if version == (1, 0):
                shape, fortran, found = np.lib.format.read_array_header_1_0(source)
            elif version == (2, 0):
                shape, fortran, found = np.lib.format.read_array_header_2_0(source)
            else:
                return None
            offset = source.tell()
        size = path.stat().st_size
    except (OSError, ValueError):
        return None
    if len(shape) != 1 or found != np.dtype(dtype) or size - offset != shape[0] * found.itemsize:
        return None
    return Column(path, dtype, shape[0], offset)
