"""Commands in a benchmark run as they do on a station: Python writes and reuses bytecode.

A shell with PYTHONDONTWRITEBYTECODE set (some development containers set it) makes every
command of an editable install compile the package's modules again, and charges that to every
figure: about 0.1 CPU-s of a `plan` that itself takes 0.1 s. A station's install compiles once
(pip does it for a normal install; an editable one writes `__pycache__` on first use), so the
benchmarks drop the variable for their children and compile each measured package first.
"""

from __future__ import annotations

import os
import subprocess


def as_installed(*pythons: str) -> None:
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compile_package = ("import compileall, os, broadcast; "
                       "compileall.compile_dir(os.path.dirname(broadcast.__file__), quiet=1)")
    for python in pythons:
        subprocess.run([python, "-c", compile_package], check=False, stdout=subprocess.DEVNULL)
