"""Templates kept compiled on disk, keyed by their source: a command renders without parsing them again.

Loading a template parses it, walks its syntax tree for what the sandbox forbids (an undeclared
variable, a private attribute, another template pulled in) and compiles it to Python: about a
third of what `broadcast plan` spends on a day's texts. `TemplateLibrary` keeps the code of each
template that passed every check in `<[paths] state>/templates/<key>.code` (`marshal`, as
Jinja's own `FileSystemBytecodeCache`), where the key is the SHA-256 of everything the checks
and the code depend on: the source text itself, the file name compiled in, the station's global
names, the sandbox's globals and limits, Jinja's and Python's versions and this package's files
(`broadcast.publish.freshness.code_digest`). An edited template is another key; a template that
fails a check is never kept, so its error is found again at every load. The metadata header is
read from the source every time (it is small). At most `KEPT` files are kept, the oldest go first.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from broadcast.atomic import write_bytes_atomic

KEPT = 512
SUFFIX = ".code"


class CompiledStore:
    """A folder of compiled templates (Python code objects), one file per source key."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._code: str | None = None

    def key(self, source: str, filename: str, *parts: Any) -> str:
        if self._code is None:                 # the code running is fixed for this process
            import jinja2

            from broadcast.publish.freshness import code_digest

            self._code = f"{code_digest()} {jinja2.__version__} {sys.version}"
        text = json.dumps([self._code, source, filename, *parts], ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Any | None:
        """The code kept under `key`, or None (absent, unreadable, or not a code object)."""
        try:
            code = marshal.loads((self.folder / f"{key}{SUFFIX}").read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        return code if hasattr(code, "co_code") else None

    def put(self, key: str, code: Any) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(self.folder / f"{key}{SUFFIX}", marshal.dumps(code))
            kept = sorted(self.folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns)
            for old in kept[:-KEPT]:
                os.unlink(old)
        except (OSError, ValueError):          # a read-only state folder: compiled all the same
            return
