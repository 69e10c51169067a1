"""`make bench` (scale): `plan`, `check`, a cold `build` and the week page with 1,000 and 10,000 notices.

"After an edit": a comment added to `schedules/slots.yaml` before each round (the kept schedules no
longer hold; each notice file is parsed again, or served from `broadcast.schedule.notices_kept`).

Every figure is a ratio against the sample station measured in the same run, in CPU seconds
(user + system of the command and its children, from `getrusage`), so a shared machine's load
moves both sides alike. Each command runs in its own small wrapper process, so its peak
resident memory is its own. The stations are the sample plus N generated notices
(`benchmarks/many_notices.py`).

    nice -n 10 .venv/bin/python benchmarks/bench_scale.py                      # after (this tree)
    nice -n 10 .venv/bin/python benchmarks/bench_scale.py --before /work/main/.venv/bin/python
    nice -n 10 .venv/bin/python benchmarks/bench_scale.py --quick              # no cold builds
    (--no-after: the --before column alone; --json: the raw figures too)

`--before PYTHON` measures the same commands with another installation beside this one
(a checkout of the code before the change, with its own virtualenv): two columns.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from installed import as_installed  # noqa: E402
from many_notices import SAMPLE_DAY, make_station  # noqa: E402

TIMEOUT_S = 120.0           # a "before" command past this is stopped and shown as "> 120 s"
DAY = SAMPLE_DAY.isoformat()


def rusage_main(timeout: float, command: list[str]) -> None:
    """Child side: run `command`, print its CPU seconds, peak RSS and wall time as JSON."""
    start = time.perf_counter()
    try:
        rc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        rc = None
    wall = time.perf_counter() - start
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"cpu": use.ru_utime + use.ru_stime, "rss_mb": use.ru_maxrss / 1024, "wall": wall, "rc": rc}))


def forget_plans(station: Path) -> None:
    """Drop what `broadcast plan` remembered (`broadcast.plan.remembered`): the next one plans."""
    shutil.rmtree(station / "var" / "plan", ignore_errors=True)


def edit_schedule(station: Path) -> None:
    """An officer's edit that changes no notice: a comment added to `schedules/slots.yaml`."""
    path = station / "schedules" / "slots.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"# sửa lúc {time.time_ns()}\n", encoding="utf-8")


def run(python: str, station: Path, *args: str, timeout: float = TIMEOUT_S, rounds: int = 1,
        fresh: bool = True, edit: bool = False) -> dict:
    """The command's figures; with `rounds`, the round of least CPU (a busy moment must not decide).

    `fresh`: every round plans (nothing remembered from the round before); `edit`: each round
    after an edit of the schedules (`edit_schedule`)."""
    command = [python, "-m", "broadcast", "--station", str(station), *args]
    best = None
    for _ in range(rounds):
        if fresh:
            forget_plans(station)
        if edit:
            edit_schedule(station)
        # started in the station's folder: `-m broadcast` from a checkout would import that checkout
        out = subprocess.run([sys.executable, __file__, "--rusage", str(timeout), *command],
                             capture_output=True, text=True, check=True, cwd=station)
        found = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or found["rc"] is None or found["cpu"] < best["cpu"]:
            best = found
        if found["rc"] is None:
            break
    return best


def week(python: str, station: Path, runs: int) -> dict:
    out = subprocess.run([python, str(HERE / "web_week.py"), str(station), "--json", f"--runs={runs}"],
                         capture_output=True, text=True, timeout=1800, cwd=station)
    if out.returncode != 0:
        return {"error": out.stderr[-300:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def audio_minutes(station: Path) -> float:
    manifest = json.loads((station / "audio_out" / DAY / "manifest.json").read_text(encoding="utf-8"))
    return sum(p["duration_s"] for p in manifest["programmes"]) / 60


def measure(python: str, stations: dict[int, Path], work: Path, *, builds: bool, label: str) -> dict:
    """Every figure for one installation."""
    print(f"[{label}] --help, plan, check…", flush=True)
    r: dict = {"help": run(python, stations[0], "--help", rounds=3)}
    for n, station in stations.items():
        r[f"plan{n}"] = run(python, station, "plan", "--date", DAY, rounds=3 if n <= 1000 else 1)
        if n == 0:       # the same plan again: reprinted from what the last one remembered
            r["again0"] = run(python, station, "plan", "--date", DAY, rounds=3, fresh=False)
        if n <= 1000:
            r[f"check{n}"] = run(python, station, "check", rounds=3)
            r[f"edit{n}"] = run(python, station, "plan", "--date", DAY, rounds=3, edit=True)
    if builds:
        for n in (0, 1000):
            print(f"[{label}] cold build, {n} notices…", flush=True)
            copy = work / f"{label}-build{n}"
            shutil.copytree(stations[n], copy)
            r[f"build{n}"] = run(python, copy, "build", "--date", DAY, timeout=900)
            r[f"build{n}"]["minutes"] = audio_minutes(copy) if r[f"build{n}"]["rc"] == 0 else float("nan")
    for n, runs in ((0, 10), (1000, 2)):
        print(f"[{label}] week page, {n} notices…", flush=True)
        r[f"week{n}"] = week(python, stations[n], runs)
    return r


def _cpu(r: dict, key: str) -> str:
    m = r.get(key)
    if m is None:
        return "–"
    if m["rc"] is None:
        return f"> {TIMEOUT_S:.0f} s"
    return f"{m['cpu']:6.2f} s {m['rss_mb']:5.0f} MB"


def report(results: dict[str, dict], load: list[str]) -> list[str]:
    labels = list(results)
    rows = [f"Scale: the sample station and the same with N more notices (CPU s of the command and its children, "
            f"peak RSS); load average {' → '.join(load)}"]
    rows.append(f"{'':34}" + "".join(f"{lab:>24}" for lab in labels))
    names = [("--help", "help"), ("plan, sample", "plan0"), ("plan, sample, again", "again0"), ("plan, 1,000 notices", "plan1000"),
             ("plan, sample, after an edit", "edit0"), ("plan, 1,000, after an edit", "edit1000"),
             ("plan, 10,000 notices", "plan10000"), ("check, sample", "check0"), ("check, 1,000", "check1000"),
             ("cold build, sample", "build0"), ("cold build, 1,000", "build1000")]
    for title, key in names:
        if any(key in r for r in results.values()):
            rows.append(f"  {title:32}" + "".join(f"{_cpu(r, key):>24}" for r in results.values()))
    for title, key in (("week page, sample (per request)", "week0"), ("week page, 1,000", "week1000")):
        cells = []
        for r in results.values():
            w = r.get(key) or {}
            cells.append(f"{w['page_cpu'] * 1000:7.0f} ms (1st {w['first_cpu']:.2f} s)" if "page_cpu" in w else "–")
        rows.append(f"  {title:32}" + "".join(f"{c:>24}" for c in cells))
    rows.append("")
    rows.append("Targets (ratios in the same run)")
    for lab, r in results.items():
        ratios: list[str] = []

        def ratio(a, b, r=r):
            if a not in r or b not in r or r[a]["rc"] != 0 or r[b]["rc"] != 0:
                return None
            return r[a]["cpu"] / r[b]["cpu"]

        def show(text, value, limit, ratios=ratios):
            ratios.append(f"    {text:52} " + ("–" if value is None else f"{value:6.2f}  (target ≤ {limit})"))

        show("plan 1,000 / sample (CPU)", ratio("plan1000", "plan0"), "1.5")
        show("plan 1,000 / sample, after an edit (CPU)", ratio("edit1000", "edit0"), "1.5")
        show("check 1,000 / sample (CPU)", ratio("check1000", "check0"), "1.5")
        if "build1000" in r and r["build1000"]["rc"] == 0 and r["build0"]["rc"] == 0:
            per = (r["build1000"]["cpu"] / r["build1000"]["minutes"]) / (r["build0"]["cpu"] / r["build0"]["minutes"])
            show(f"cold build 1,000 / sample, per minute of audio ({r['build1000']['minutes']:.1f} / "
                 f"{r['build0']['minutes']:.1f} min)", per, "1.5")
        p10 = r.get("plan10000")
        ratios.append("    plan 10,000: " + ("stopped" if not p10 or p10["rc"] is None else
                                            f"{p10['wall']:.1f} s wall, {p10['cpu']:.1f} s CPU, "
                                            f"{p10['rss_mb']:.0f} MB") + "  (target ≤ 10 s, ≤ 300 MB)")
        w0, w1 = r.get("week0") or {}, r.get("week1000") or {}
        show("week page 1,000 / sample (CPU per request)",
             w1["page_cpu"] / w0["page_cpu"] if "page_cpu" in w0 and "page_cpu" in w1 else None, "2")
        show("plan (sample, planned) / --help (CPU)", ratio("plan0", "help"), "2")
        show("plan (sample, again: reprinted) / --help (CPU)", ratio("again0", "help"), "2")
        rows.append(f"  {lab}:")
        rows += ratios
    return rows


def main() -> None:
    before = next((sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--before"), None)
    builds = "--quick" not in sys.argv
    installs = {"after": sys.executable} if before is None else {"before": before, "after": sys.executable}
    if "--no-after" in sys.argv:
        installs.pop("after")
    as_installed(*installs.values())
    load = [Path("/proc/loadavg").read_text().split()[0]] if Path("/proc/loadavg").exists() else ["?"]
    with tempfile.TemporaryDirectory(prefix="broadcast-scale-") as tmp:
        work = Path(tmp)
        stations = {n: make_station(work / f"s{n}", n) for n in (0, 1000, 10000)}
        for station in stations.values():      # the tune is the station's set-up, not part of a build
            run(sys.executable, station, "plan", "--date", DAY)
        results = {label: measure(python, stations, work, builds=builds, label=label)
                   for label, python in installs.items()}
    load.append(Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?")
    print()
    print("\n".join(report(results, load)))
    if "--json" in sys.argv:
        print(json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--rusage":
        rusage_main(float(sys.argv[2]), sys.argv[3:])
    else:
        main()
