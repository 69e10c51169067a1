"""Code run in a fresh interpreter, for what only a new process shows (its imports, threads, children)."""

from __future__ import annotations

import subprocess
import sys


def last_line(code: str) -> str:
    """The last line `python -c code` printed (it must exit 0)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1]
