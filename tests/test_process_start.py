"""What every process of the station sets up as it starts: numpy's BLAS runs one thread (its spare
threads only burnt CPU), and the objects made at start-up are left out of the cyclic collector's walks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NAMES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

PROBE = """
import json, os, sys
{first}
import numpy
tasks = os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else None
print(json.dumps({{"env": {{n: os.environ.get(n) for n in {names!r}}},
                  "threads": None if tasks is None else len(tasks)}}))
"""


def _probe(first: str, env_extra: dict[str, str] | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in NAMES and k not in ("OMP_NUM_THREADS", "GOTO_NUM_THREADS")}
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", PROBE.format(first=first, names=NAMES)],
                         capture_output=True, text=True, env=env, cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("first", [
    "import broadcast",
    "import broadcast.cli",                 # the `broadcast` console script (and `broadcast run`)
    "import runpy, broadcast.__main__",     # `python -m broadcast`
    "import broadcast.audio.clips",         # the levelling, straight (numpy's first importer in a build)
])
def test_every_entry_point_asks_numpy_for_one_blas_thread(first):
    found = _probe(first)
    assert found["env"] == {n: "1" for n in NAMES}
    if found["threads"] is not None:        # Linux: numpy started no BLAS thread of its own
        assert found["threads"] == 1


def test_a_thread_count_the_user_set_wins():
    found = _probe("import broadcast", {"OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "3"})
    assert found["env"] == {"OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "3"}


def test_the_command_line_freezes_what_start_up_made_for_the_collector():
    code = ("import gc, sys\nfrom broadcast.cli import main\nsys.argv = ['broadcast', '--version']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint(gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip().splitlines()[-1]) > 10_000       # the modules' objects, not a handful
