"""Content-addressed store of spoken texts: the same words, engine and options are synthesized once."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from broadcast.speak.base import Engine

_SCHEMA = 1   # bump to invalidate every cached file when the key recipe changes
_WRITE_BUFFER = 1 << 20


class SpeechCache:
    """Files at <root>/<engine>/<ab>/<sha256>.<ext>; written atomically, safe for concurrent builds."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def key(self, engine: Engine, text: str) -> str:
        recipe = {"schema": _SCHEMA, "engine": engine.cache_key_parts(),
                  "text": unicodedata.normalize("NFC", text).strip()}
        blob = json.dumps(recipe, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def path_for(self, engine: Engine, text: str) -> Path:
        digest = self.key(engine, text)
        return self.root / engine.name / digest[:2] / f"{digest}.{engine.audio_format}"

    def has(self, engine: Engine, text: str) -> bool:
        path = self.path_for(engine, text)
        return path.is_file() and path.stat().st_size > 0

    def get_or_make(self, engine: Engine, text: str) -> tuple[Path, bool]:
        """(audio file, was_cached). Synthesizes only on a miss; raises the engine's EngineError."""
        path = self.path_for(engine, text)
        if self.has(engine, text):
            return path, True
        _write_atomic(path, lambda out: engine.synthesize_to(text, out))
        return path, False


def _write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """`write` into a unique temp file in the same folder, then os.replace: readers see nothing or the
    whole file. The file's buffer is large: espeak writes its samples in pieces of 60 ms (2.6 kB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:12]}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb", buffering=_WRITE_BUFFER) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.replace(tmp, path)
        except PermissionError:
            # Windows refuses to replace a file another process has open; that process
            # wrote the same content for the same key, so its file is as good as ours.
            if not path.is_file():
                raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
