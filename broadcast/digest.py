"""The SHA-256 of a file's bytes: one helper for the speech cache, the manifest and the build stamps.

Standard library only, so the warm-rebuild check (`broadcast.publish.freshness`) can use it without
importing the audio code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file at `path`, read in chunks (OSError when it cannot be read)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
