"""Province build at scale: N commune copies built by `province build` against N separate `broadcast build` runs.

    .venv/bin/python benchmarks/bench_province.py                 # N = 10, 50, 100
    .venv/bin/python benchmarks/bench_province.py --n 10 --max-n 10
    .venv/bin/python benchmarks/bench_province.py --n 2 --quick   # a smoke run

For each N and each engine (espeak, then the fake engine with a per-call delay standing for an
online or neural voice), in one run and from cold caches: N separate `broadcast build`
processes one after another (each station its own cache: nothing shared), then `province
build` as `--modes` says (one shared cache): by default in this process with communes side by
side (what `province build` does without --scheduler/--workers) and on 2 embedded Dask workers;
`inline1` is the in-process build one commune at a time (the previous default); `unpinned` the
default without pinning each commune to a core (`broadcast.province.cores`).
`--rounds 2` runs the rows again in reverse order. It prints one Markdown table: wall
time, CPU seconds (user and system, of the bench process and its finished children: the
separate builds, the in-process build with its ffmpeg; not the Dask rows' workers), speech items against distinct syntheses, the peak memory of client, scheduler and
worker processes, and whether every province day equals the
separate build's day (same programmes, same lengths, same bytes). The embedded cluster's
scheduler runs inside the client process (LocalCluster), so their peak is one figure. Each row
also shows the 1-minute load average at its start and end: the machine may be shared.
With `--no-separate`, the separate builds are not run for N above `--separate-max` and the
table says so (no row is extrapolated by the script).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 12, 7)                      # a Monday: both slots, the CCHC and provincial columns
BIN = Path(sys.executable).parent


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _peaks() -> tuple[float, float]:
    """(this process, its finished children) peak resident memory in MB; runs on workers too.

    The children's figure is no ffmpeg peak: a child forked from a large process counts that
    process's pages until it execs, so it is kept in the JSON only, not in the table.
    """
    return peak_mb(resource.RUSAGE_SELF), peak_mb(resource.RUSAGE_CHILDREN)


def comparable(station: Path) -> list:
    manifest = json.loads((station / "audio_out" / DAY.isoformat() / "manifest.json").read_text(encoding="utf-8"))
    return [(p["id"], p["file"], p["duration_s"], p["sha256"]) for p in manifest["programmes"]]


def load() -> float:
    return os.getloadavg()[0]


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children so far."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def separate(stations: tuple[Path, ...]) -> dict:
    """N `broadcast build` processes, one after another, as N communes each building alone."""
    load_start, cpu_start = load(), cpu_s()
    started = time.perf_counter()
    calls, peak = 0, 0.0
    for station in stations:
        # wait4: this build's own peak (with its ffmpeg children), not the bench's earlier children.
        proc = subprocess.Popen([str(BIN / "broadcast"), "--station", str(station), "build", "--date", DAY.isoformat()],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise SystemExit(f"broadcast build failed in {station}:\n{out}")
        peak = max(peak, usage.ru_maxrss / 1024)
        calls += sum(int(part.split()[0]) for part in out.split("đọc mới ")[1:])
    return {"seconds": time.perf_counter() - started, "synthesized": calls, "cpu_s": cpu_s() - cpu_start,
            "children_mb": peak, "load": (load_start, load())}


def province(stations: tuple[Path, ...], workers: int, cache: Path, width: int | None = None,
             pin: bool = True) -> dict:
    shutil.rmtree(cache, ignore_errors=True)             # cold shared cache for every row
    load_start, cpu_start = load(), cpu_s()
    started = time.perf_counter()
    if workers == 0:                                     # no cluster: communes' build_day side by side, one shared cache
        from broadcast.province.inline import build_in_process

        result = build_in_process(stations, [DAY], force=True, width=width, pin=pin)
        assert not result.failures, result.failures
        return {"seconds": time.perf_counter() - started, "cluster_s": 0.0, **result.summary(),
                "cpu_s": cpu_s() - cpu_start,
                "client_mb": peak_mb(), "scheduler_mb": 0.0, "worker_mb": peak_mb(),
                "worker_children_mb": peak_mb(resource.RUSAGE_CHILDREN), "load": (load_start, load())}
    from broadcast.province.graph import build_province, connect

    with connect(workers=workers) as client:
        ready = time.perf_counter()
        result = build_province(stations, [DAY], client=client, force=True)
        worker_peaks = client.run(_peaks)
        scheduler_peak = client.run_on_scheduler(_peaks)
    assert not result.failures, result.failures
    return {"seconds": time.perf_counter() - started, "cluster_s": ready - started, **result.summary(),
            "client_mb": peak_mb(), "scheduler_mb": scheduler_peak[0],
            "worker_mb": max(p[0] for p in worker_peaks.values()),
            "worker_children_mb": max(p[1] for p in worker_peaks.values()), "load": (load_start, load())}


SMALL_DAY = ("slots.yaml", "calendar.yaml")   # --small: the communes' slots, the province's column and notice


def pin_speech(config: Path, speech: dict[str, str]) -> None:
    """Set [speech] keys in a copy's broadcast.toml (rows of runs made on other defaults stay comparable)."""
    text = config.read_text(encoding="utf-8")
    for key, value in speech.items():
        line = f"{key} = {value}"
        text, found = re.subn(rf"(?m)^{re.escape(key)} = .*$", line, text, count=1)
        if not found:
            text = text.replace("[speech]\n", f"[speech]\n{line}\n", 1)
    config.write_text(text, encoding="utf-8")


MODE_NAMES = {"inline": "province build (in process, default)",
              "inline1": "province build (in process, one commune at a time)",
              "unpinned": "province build (in process, communes not pinned to cores)"}


def run_case(n: int, engine: str, delay: float, workdir: Path, modes: tuple[str, ...],
             with_separate: bool = True, small: bool = False, speech: dict[str, str] | None = None,
             rounds: int = 1) -> list[dict]:
    """The rows of one N and engine; with `rounds` > 1 the order is reversed every other round
    (separate builds first, then last), so a load that rises or falls during the run weighs on
    both sides alike."""
    from broadcast.province.copies import make_province

    engines = '["fake"]' if engine == "fake" else '["espeak"]'
    scratch = make_province(ROOT, workdir / f"{engine}-{n}", n, engines=engines, fake_delay_s=delay,
                            schedules=SMALL_DAY if small else None)
    for station in scratch.stations:
        pin_speech(station / "broadcast.toml", speech or {})
    label = f"fake {int(delay * 1000)} ms" if engine == "fake" else engine
    rows = []
    expected: dict[Path, list] = {}
    order = (["separate"] if with_separate else []) + list(modes)
    for number in range(rounds):
        for mode in (order if number % 2 == 0 else order[::-1]):
            tag = f" (round {number + 1})" if rounds > 1 else ""
            if mode == "separate":
                for station in scratch.stations:          # cold: nothing published, no cache, no stamp
                    for folder in ("audio_out", ".cache", "var"):
                        shutil.rmtree(station / folder, ignore_errors=True)
                alone = separate(scratch.stations)
                expected = expected or {s: comparable(s) for s in scratch.stations}
                rows.append({"n": n, "engine": label, "mode": f"{n} × broadcast build{tag}", **alone})
                continue
            workers, width = ((0, None) if mode in ("inline", "unpinned") else (0, 1) if mode == "inline1"
                              else (int(mode), None))
            row = province(scratch.stations, workers, scratch.province / ".cache", width, pin=mode != "unpinned")
            row["same"] = all(comparable(s) == expected[s] for s in scratch.stations) if expected else None
            name = MODE_NAMES.get(mode, f"province build, {mode} worker(s)")
            rows.append({"n": n, "engine": label, "mode": name + tag, **row})
    shutil.rmtree(scratch.root, ignore_errors=True)
    return rows


def table(rows: list[dict]) -> str:
    head = ("| N | engine | run | wall s | CPU s | s per commune | cluster start s | speech items | distinct | synthesized "
            "| peak MB client+scheduler / worker | same days | load 1 min |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        loads = f"{r['load'][0]:.1f} → {r['load'][1]:.1f}" if "load" in r else "–"
        per = f"{r['seconds'] / r['n']:.2f}"
        cpu = f"{r['cpu_s']:.1f}" if "cpu_s" in r else "–"    # the Dask rows: the workers' CPU is not counted
        if "speech_items" in r:
            mem = f"{r['client_mb']:.0f} / {r['worker_mb']:.0f}"
            lines.append(f"| {r['n']} | {r['engine']} | {r['mode']} | {r['seconds']:.1f} | {cpu} | {per} "
                         f"| {r['cluster_s']:.1f} "
                         f"| {r['speech_items']} | {r['distinct_texts']} | {r['synthesized']} | {mem} "
                         f"| {'–' if r['same'] is None else 'yes' if r['same'] else 'NO'} | {loads} |")
        else:
            lines.append(f"| {r['n']} | {r['engine']} | {r['mode']} | {r['seconds']:.1f} | {cpu} | {per} "
                         f"| – | – | – "
                         f"| {r['synthesized']} | one build ≤ {r['children_mb']:.0f} (children) | – | {loads} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10, 50, 100], help="numbers of communes")
    parser.add_argument("--max-n", type=int, default=None, help="skip every N above this (a shorter run)")
    parser.add_argument("--fake-delay", type=float, default=0.3, help="seconds per fake synthesis")
    parser.add_argument("--engines", nargs="+", default=["espeak", "fake"], choices=["espeak", "fake"])
    parser.add_argument("--modes", nargs="+", default=["inline", "2"],
                        help="province rows: inline (the default `province build`: communes side by side in "
                             "this process, each on a core of its own), unpinned (the same, communes not pinned "
                             "to cores), inline1 (in process, one commune at a time), or a number of "
                             "embedded Dask workers")
    parser.add_argument("--no-separate", action="store_true",
                        help="skip the N separate builds for N above --separate-max (large N)")
    parser.add_argument("--separate-max", type=int, default=0,
                        help="with --no-separate: still run the separate builds up to this N")
    parser.add_argument("--quick", action="store_true", help="espeak only, the default province build only")
    parser.add_argument("--small", action="store_true",
                        help="each commune keeps only its slots and calendar (the province's column and "
                             "notice fill the day): about a fifth of the sample day, for a loaded machine")
    parser.add_argument("--speech", default="", metavar="KEY=VALUE,...",
                        help="set these [speech] keys in every copy, e.g. rate=130,word_gap=5")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the rows, every other round in reverse order (fair on a shared machine)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    sizes = [n for n in args.n if args.max_n is None or n <= args.max_n]
    engines = ["espeak"] if args.quick else args.engines
    cases = [(e, args.fake_delay if e == "fake" else 0.0) for e in engines]
    modes = ("inline",) if args.quick else tuple(args.modes)
    speech = dict(part.split("=", 1) for part in args.speech.split(",") if part)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-province-") as tmp:
        for n in sizes:
            for engine, delay in cases:
                with_separate = not args.no_separate or n <= args.separate_max
                case = run_case(n, engine, delay, Path(tmp), modes, with_separate, args.small, speech, args.rounds)
                rows += case
                print(table(case), flush=True)
                if args.json:
                    args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
    print(f"\nbenchmarks/bench_province.py {' '.join(sys.argv[1:])}  (cores: {os.cpu_count()}, day {DAY})")
    print(table(rows))


if __name__ == "__main__":                 # LocalCluster spawns worker processes that import this file
    main()
