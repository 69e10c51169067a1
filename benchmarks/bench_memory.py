"""`make bench` (memory): peak resident memory of a cold `broadcast build`, the sample day and long programmes.

Each build runs in a fresh child process (`broadcast build` in-process, so the figure is the
builder's own: `VmHWM`, the most it held at once; the ffmpeg children are not counted, and
`RUSAGE_CHILDREN` would count each fork's copy of the builder, not ffmpeg).
Rows: the sample day (three rounds, each cold), then the sample day with an evening slot that
relays a recording of 15, 60 and 120 minutes (an MP3 of voiced noise, decoded and levelled
like any relay file), so the longest programme grows eightfold while the builder's memory
should not. Also the builder's peak per stage (planned, spoken, encoded) for the longest.

    nice -n 10 .venv/bin/python benchmarks/bench_memory.py            # targets: ≤ 80 MB, flat
    nice -n 10 .venv/bin/python benchmarks/bench_memory.py --quick    # the sample day and 15/120 min
    ... bench_memory.py --quick --against ../main    # and the same builds by another checkout, side by side

`--against DIR`: each build is also run by DIR's `.venv/bin/python DIR/benchmarks/bench_memory.py
--child` on its own copy of the station (before/after in one run, same load).
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

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-12-07"
RELAY_SLOT = """slots:
  - name: toi
    title: Tiếp âm buổi tối
    session: chieu
    start: "19:00"
    days: [hang-ngay]
    max_minutes: 180
    on_holiday: normal
    structure: [nhac-hieu, mo-dau, tiep-am, loi-ket, nhac-hieu]
    relay: {{file: audio/tiep_am.mp3, title: Tiếp âm Đài Tiếng nói Việt Nam, source: vov}}
"""


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(station: str) -> None:
    """Child side: one cold build in this process; its peak, its ffmpeg children's, per stage."""
    import broadcast.build.day as day_module
    from broadcast.cli import cli

    stages = {}
    real_plan, real_finish = day_module.plan_day, day_module.finish_day
    real_speak = day_module._speak_programme

    def plan_day(*args, **kwargs):
        result = real_plan(*args, **kwargs)
        stages["planned"] = vm_hwm_mb()
        return result

    def speak(*args, **kwargs):
        result = real_speak(*args, **kwargs)
        stages["spoken"] = vm_hwm_mb()
        return result

    def finish_day(*args, **kwargs):
        stages["encoded"] = vm_hwm_mb()
        return real_finish(*args, **kwargs)

    day_module.plan_day, day_module.finish_day, day_module._speak_programme = plan_day, finish_day, speak
    start = time.perf_counter()
    try:
        code = cli.main(["--station", station, "build", "--date", DAY], standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    if code:
        raise SystemExit(f"broadcast build: exit {code}")
    wall = time.perf_counter() - start
    manifest = json.loads((Path(station) / "audio_out" / DAY / "manifest.json").read_text(encoding="utf-8"))
    print(json.dumps({"rss_mb": vm_hwm_mb(), "wall": wall, "stages": stages,
                      "longest_min": max(p["duration_s"] for p in manifest["programmes"]) / 60}))


def station_copy(work: Path, name: str) -> Path:
    station = work / name
    station.mkdir(parents=True)
    for entry in ("broadcast.toml", "pronunciations.tsv"):
        shutil.copy2(ROOT / entry, station / entry)
    for entry in ("scripts_vi", "schedules", "assets"):
        if (ROOT / entry).exists():
            shutil.copytree(ROOT / entry, station / entry)
    return station


def relay_file(path: Path, minutes: int) -> None:
    """Voiced pink noise at speech level, MP3 like a relay recording."""
    from broadcast import audio

    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "anoisesrc=color=pink:amplitude=0.25:sample_rate=22050", "-af", "tremolo=f=4:d=0.8,lowpass=f=3500",
                    "-t", str(minutes * 60), "-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k", str(path)], check=True)


def cold_build(station: Path, against: Path | None = None) -> dict:
    python, script = (sys.executable, __file__) if against is None else (
        str(against / ".venv" / "bin" / "python"), str(against / "benchmarks" / "bench_memory.py"))
    out = subprocess.run([python, script, "--child", str(station)], capture_output=True, text=True,
                         cwd=station)
    if out.returncode != 0:
        raise SystemExit(f"build failed in {station}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def copy_tune(tune: Path, tune_source: Path, station: Path) -> None:
    target = station / tune.relative_to(tune_source)
    target.parent.mkdir(parents=True, exist_ok=True)        # a checkout without assets/ (it is generated)
    shutil.copy2(tune, target)


def builds(work: Path, name: str, tune: Path, tune_source: Path, against: Path | None,
           minutes: int | None = None) -> tuple[dict, dict | None]:
    """One cold build of a fresh station copy by this checkout, and one by `against`'s."""
    found = []
    for who in (None, against) if against is not None else (None,):
        station = station_copy(work, name + ("" if who is None else "-against"))
        copy_tune(tune, tune_source, station)
        if minutes is not None:
            relay_file(station / "audio" / "tiep_am.mp3", minutes)
            (station / "schedules" / "tiep-am-toi.yaml").write_text(RELAY_SLOT.format(), encoding="utf-8")
        found.append(cold_build(station, who))
    return found[0], found[1] if against is not None else None


def main() -> None:
    quick = "--quick" in sys.argv
    against = next((Path(sys.argv[i + 1]).resolve() for i, a in enumerate(sys.argv) if a == "--against"), None)
    load = [Path("/proc/loadavg").read_text().split()[0]]
    rows = []
    with tempfile.TemporaryDirectory(prefix="broadcast-memory-") as tmp:
        work = Path(tmp)
        tune_source = station_copy(work, "tune")         # the tune is the station's set-up, not a build's
        from broadcast.build import Toolkit
        from broadcast.station.config import load_station

        tune = Toolkit.from_station(load_station(tune_source)).signature_tune()
        print("Sample day, three cold builds…", flush=True)
        sample, before = [], []
        for i in range(3):
            ours, theirs = builds(work, f"sample{i}", tune, tune_source, against)
            sample.append(ours)
            before += [theirs] if theirs else []
        rows.append("Cold `broadcast build` peak resident memory (the builder's VmHWM, ffmpeg not counted)")
        peaks = ", ".join(f"{r['rss_mb']:.1f}" for r in sample)
        rows.append(f"  sample day, 3 rounds: {peaks} MB "
                    f"(max {max(r['rss_mb'] for r in sample):.1f}, target ≤ 80); stages of round 1: "
                    + ", ".join(f"{k} {v:.1f}" for k, v in sample[0]["stages"].items()))
        if before:
            rows.append(f"    {against}: " + ", ".join(f"{r['rss_mb']:.1f}" for r in before) + " MB")
        long, long_before = {}, {}
        for minutes in ((15, 120) if quick else (15, 60, 120)):
            print(f"Sample day with a {minutes}-minute relay programme…", flush=True)
            long[minutes], theirs = builds(work, f"relay{minutes}", tune, tune_source, against, minutes)
            if theirs:
                long_before[minutes] = theirs
        for minutes, r in long.items():
            rows.append(f"  with a {minutes:3d}-minute relay (longest programme {r['longest_min']:6.1f} min): "
                        f"{r['rss_mb']:6.1f} MB, {r['wall']:6.1f} s; stages "
                        + ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items()))
            if minutes in long_before:
                rows.append(f"    {against}: {long_before[minutes]['rss_mb']:6.1f} MB, "
                            f"{long_before[minutes]['wall']:6.1f} s")
        first, last = long[min(long)], long[max(long)]
        rows.append(f"  {max(long)} min / {min(long)} min: {last['rss_mb'] / first['rss_mb']:.2f}× "
                    f"(target: flat, ≤ 1.1×); largest {max(r['rss_mb'] for r in long.values()):.1f} MB")
        if long_before:
            rows.append(f"    {against}: {long_before[max(long)]['rss_mb'] / long_before[min(long)]['rss_mb']:.2f}×")
    load.append(Path("/proc/loadavg").read_text().split()[0])
    rows.append(f"  load average {' → '.join(load)}")
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_main(sys.argv[2])
    else:
        main()
