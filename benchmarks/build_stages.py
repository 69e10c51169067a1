"""Where a cold build's own CPU goes, stage by stage, in process (issue 20's build CPU).

    .venv/bin/python benchmarks/build_stages.py [--code DIR] [--rounds N]

Builds the sample day cold N times (default 3) on a scratch copy of the sample station, each in a
fresh interpreter, with each stage's CPU taken by the thread that runs it (`time.thread_time`):
start-up and imports, planning, espeak, levelling (K-weighting, true peaks and solving), rendering;
then the builder process's user + system CPU and its page faults, and its ffmpeg children's CPU.
`--code DIR` runs another checkout's package (e.g. main's, or an older commit's worktree) on the
same copy, alternating with this one: before and after side by side under the same load.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from installed import as_installed  # noqa: E402

DAY = "2026-12-07"

# Runs in the child: wraps the stages' functions, then the `broadcast build` command itself.
_CHILD = r'''
import atexit, collections, functools, resource, sys, threading, time
T0 = time.process_time()
ACC = collections.Counter()
LOCK = threading.Lock()

def add(key, value):
    with LOCK:
        ACC[key] += value

def timed(owner, name, key):
    f = getattr(owner, name)
    @functools.wraps(f)
    def wrapper(*a, **k):
        t = time.thread_time()
        try:
            return f(*a, **k)
        finally:
            add(key, time.thread_time() - t)
    setattr(owner, name, wrapper)

def timed_gen(owner, name, key):
    f = getattr(owner, name)
    @functools.wraps(f)
    def wrapper(*a, **k):
        g = f(*a, **k)
        while True:
            t = time.thread_time()
            try:
                x = next(g)
            except StopIteration:
                add(key, time.thread_time() - t)
                return
            add(key, time.thread_time() - t)
            yield x
    setattr(owner, name, wrapper)

def report():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("STAGES", {**ACC, "builder": s.ru_utime + s.ru_stime, "faults": s.ru_minflt,
                     "ffmpeg": c.ru_utime + c.ru_stime}, file=sys.stderr)

atexit.register(report)
sys.argv = ["broadcast", *sys.argv[1:]]
from broadcast.cli import main
import broadcast.audio.clips as clips, broadcast.audio.limiter as limiter
import broadcast.build.day as day, broadcast.speak.espeak as espeak
timed(day, "plan_day", "planning")
timed(espeak, "_synthesize_fresh", "espeak")
timed(clips, "_analyse", "K-weighting")
timed(clips, "_solve_true", "true peaks and solving")
timed(clips, "clip_level", "levelling")
timed_gen(clips.Levelled, "pcm", "rendering")
ACC["start-up and imports"] = time.process_time() - T0
main()
'''

STAGES = ("start-up and imports", "planning", "espeak", "levelling", "K-weighting", "true peaks and solving",
          "rendering", "builder", "ffmpeg", "faults")


def one_build(code: Path, station: Path) -> dict:
    for name in ("audio_out", "var", ".cache"):
        shutil.rmtree(station / name, ignore_errors=True)
    env_code = f"import sys; sys.path.insert(0, {str(code)!r}); exec(compile({_CHILD!r}, 'stages', 'exec'))"
    out = subprocess.run([sys.executable, "-c", env_code, "--station", str(station), "build", "--date", DAY],
                         capture_output=True, text=True, check=True)
    line = next(x for x in out.stderr.splitlines() if x.startswith("STAGES "))
    return eval(line.removeprefix("STAGES "), {})      # noqa: S307 - our own child's dict of numbers


def main() -> None:
    args = sys.argv[1:]
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    codes = [ROOT] + ([Path(args[args.index("--code") + 1]).resolve()] if "--code" in args else [])
    as_installed(sys.executable)
    results: dict[Path, list[dict]] = {code: [] for code in codes}
    with tempfile.TemporaryDirectory(prefix="broadcast-stages-") as tmp:
        station = Path(tmp) / "station"
        station.mkdir()
        for name in ("broadcast.toml", "pronunciations.tsv"):
            shutil.copy2(ROOT / name, station / name)
        for name in ("scripts_vi", "schedules", "assets"):
            shutil.copytree(ROOT / name, station / name)
        for _ in range(rounds):
            for code in codes:
                results[code].append(one_build(code, station))
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"A cold build of the sample day ({DAY}), CPU-s by stage (thread CPU), {rounds} rounds; load {load}")
    for code in codes:
        print(f"\n  {code}")
        for stage in STAGES:
            values = [r.get(stage, 0.0) for r in results[code]]
            shown = ", ".join(f"{v:.0f}" if stage == "faults" else f"{v:.2f}" for v in values)
            print(f"    {stage:24s} {shown}")


if __name__ == "__main__":
    main()
