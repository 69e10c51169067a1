"""Atomic file writes: a temporary file in the same folder, then a rename, so no reader sees half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def open_atomic(path: Path, *, durable: bool = True) -> Iterator[BinaryIO]:
    """A binary file to write that becomes `path` (fsynced unless not `durable`, renamed over it) when
    the block ends without an error; on an error, nothing changes. For content written a part at a time."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` through a temporary sibling, fsync it (unless not `durable`: a file checked
    by its hash before use, fetched again when a power cut lost it), then rename over `path`."""
    with open_atomic(path, durable=durable) as handle:
        handle.write(data)


def write_text_atomic(path: Path, text: str) -> None:
    """UTF-8 text with '\\n' line ends, written atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))
