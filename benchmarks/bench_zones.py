"""`make bench` (zones): a four-zone sample day against encoding its distinct programmes alone; identical zones encode once.

The sample station with four zones (`tests/zoned.py`), three of them with one targeted meeting
notice each: every slot has four distinct programmes. A cold `broadcast build` (empty speech
cache, espeak, MP3) runs as a whole process; beside it, the floor: the finished programmes,
decoded beforehand (untimed), encoded alone, one ffmpeg each, as many at once as the build
encodes (one per core). Target: cold ≤ 1.3×
the floor. Then the same station with four identical zones: how many files it encodes (one per
slot) and its cold build against the zone-less sample station's. Best of three rounds (the
machine is shared); prints the load average with the figures, and the zone-less sample day's
own ratio measured in the same rounds, so a loaded machine's figures can still be compared.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench import CLIP_RATE, SAMPLE_DAY, _timed, prepare_station, scratch_station  # noqa: E402
from zoned import add_zones  # noqa: E402

from broadcast.build.toolkit import MAX_PARALLEL_ENCODES  # noqa: E402


def _station(workdir: Path, *, zones: bool, targeted: bool) -> Path:
    workdir.mkdir(parents=True)
    station = scratch_station(workdir, ("scripts_vi", "schedules", "assets"))
    return add_zones(station, targeted=targeted) if zones else station


def _cold(station: Path) -> tuple[float, dict]:
    command = [sys.executable, "-m", "broadcast", "--station", str(station), "build", "--date",
               SAMPLE_DAY.isoformat()]
    wall = _timed([command])
    day = station / "audio_out" / SAMPLE_DAY.isoformat()
    return wall, json.loads((day / "manifest.json").read_text(encoding="utf-8"))


def _alone(station: Path, manifest: dict, workdir: Path) -> float:
    """The finished programmes encoded alone (decoded beforehand, untimed), as many at once as the build
    encodes: one per core. (Eight ffmpegs at once would take eight shares of a loaded machine where the
    build's two encoders get two, and the ratio would measure the machine's load, not the build.)"""
    from broadcast import audio
    from broadcast.build import Toolkit
    from broadcast.station.config import load_station

    fmt = Toolkit.from_station(load_station(station)).audio_format
    day = station / "audio_out" / SAMPLE_DAY.isoformat()
    commands = []
    for p in manifest["programmes"]:
        wav = workdir / f"finished-{p['id']}.wav"
        audio.decode_to_wav(day / p["file"], wav, CLIP_RATE)
        commands.append([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(wav),
                         "-ar", str(fmt.sample_rate), "-ac", "1", *audio._codec_args(fmt),
                         str(workdir / f"alone-{p['id']}.mp3")])
    return _timed_pool(commands, max(1, min(os.cpu_count() or 1, MAX_PARALLEL_ENCODES)))


def _timed_pool(commands: list[list[str]], width: int) -> float:
    """Wall time of `commands` run `width` at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=width) as pool:
        list(pool.map(lambda c: _timed([c]), commands))
    return time.perf_counter() - start


def one_round(work: Path) -> dict:
    four = _station(work / "four", zones=True, targeted=True)
    cold, manifest = _cold(four)
    alone = _alone(four, manifest, work / "four")
    same = _station(work / "same", zones=True, targeted=False)
    same_cold, same_manifest = _cold(same)
    plain = _station(work / "plain", zones=False, targeted=False)
    plain_cold, plain_manifest = _cold(plain)
    plain_alone = _alone(plain, plain_manifest, work / "plain")
    return {"plain_ratio": plain_cold / plain_alone, "cold": cold, "alone": alone, "programmes": len(manifest["programmes"]),
            "audio_s": sum(p["duration_s"] for p in manifest["programmes"]),
            "same_cold": same_cold, "same_files": len({p["file"] for p in same_manifest["programmes"]}),
            "same_zones": sorted({len(p["zones"]) for p in same_manifest["programmes"]}),
            "plain_cold": plain_cold, "plain_files": len(plain_manifest["programmes"])}


def main() -> None:
    prepare_station()
    rounds = 2 if "--quick" in sys.argv else 3
    print(f"Zones: a four-zone sample day, cold builds and the encoding floor ({rounds} rounds)…", flush=True)
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-zones-") as tmp:
        results = [one_round(Path(tmp) / f"r{i}") for i in range(rounds)]
        for i in range(rounds):
            shutil.rmtree(Path(tmp) / f"r{i}", ignore_errors=True)
    best = {k: min(r[k] for r in results) for k in ("cold", "alone", "same_cold", "plain_cold")}
    first = results[0]
    ratios = [r["cold"] / r["alone"] for r in results]
    load = Path("/proc/loadavg").read_text().split()[:3]
    print()
    print(f"four zones, three with their own notice, {SAMPLE_DAY}: {first['programmes']} distinct programmes "
          f"(4 per slot), {first['audio_s'] / 60:.1f} min of audio")
    print(f"  cold `broadcast build`                {best['cold']:7.2f} s")
    print(f"  encoding the distinct programmes alone {best['alone']:6.2f} s  → cold / encoding = "
          f"{best['cold'] / best['alone']:.2f}× best of each (target ≤ 1.3×); within each round "
          f"{', '.join(f'{x:.2f}×' for x in ratios)}")
    print(f"four identical zones: {first['same_files']} files for {first['same_files']} slots "
          f"(each entry airs in {first['same_zones']} zones), cold build {best['same_cold']:.2f} s; "
          f"zone-less sample station {best['plain_cold']:.2f} s ({first['plain_files']} files) → "
          f"{best['same_cold'] / best['plain_cold']:.2f}×")
    print("  for reference, in the same rounds: the zone-less sample day's cold / encoding = "
          + ", ".join(f"{r['plain_ratio']:.2f}×" for r in results))
    print(f"load average {' '.join(load)} (2 cores, shared)")


if __name__ == "__main__":
    main()
