"""`make bench`: build speed and memory against the ffmpeg floor and a naive pydub build.

Each measured case runs in a fresh child process so its peak resident memory is its own;
ffmpeg children are counted too (RUSAGE_CHILDREN of the case process). Prints one table.
"""

from __future__ import annotations

import json
import math
import random
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE_DAY = date(2026, 12, 7)      # a Monday in the sample month: column + notices
CLIP_SECONDS = 30.0
CLIP_RATE = 22050


# --------------------------------------------------------------------------- synthetic audio

def speech_like_clip(path: Path, seconds: float, seed: int) -> None:
    """Voiced syllables (harmonic tone bursts with pauses), like TTS output at 22050 Hz."""
    rng = random.Random(seed)
    frames = bytearray()
    t = 0
    total = int(seconds * CLIP_RATE)
    while t < total:
        syllable = int(rng.uniform(0.12, 0.28) * CLIP_RATE)
        pause = int(rng.uniform(0.02, 0.15) * CLIP_RATE)
        f0 = rng.uniform(110, 220)
        for n in range(min(syllable, total - t)):
            env = math.sin(math.pi * n / syllable)
            x = sum(math.sin(2 * math.pi * f0 * k * n / CLIP_RATE) / k for k in (1, 2, 3))
            frames += struct.pack("<h", int(9000 * env * x / 1.8))
        t += syllable
        pad = min(pause, total - t)
        frames += b"\0\0" * pad
        t += pad
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(CLIP_RATE)
        w.writeframes(bytes(frames))


def make_clips(directory: Path, count: int = 12) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(count):
        path = directory / f"clip{i:02d}.wav"
        speech_like_clip(path, CLIP_SECONDS + i, seed=i)
        clips.append(path)
    return clips


def programme_clips(clips: list[Path], minutes: float) -> list[Path]:
    """Clips cycled until the programme lasts `minutes`."""
    chosen, total, i = [], 0.0, 0
    while total < minutes * 60:
        chosen.append(clips[i % len(clips)])
        total += CLIP_SECONDS + (i % len(clips)) + 1.0
        i += 1
    return chosen


# --------------------------------------------------------------------------- cases (child side)

def case_assemble(workdir: Path, minutes: float) -> dict:
    from broadcast import audio
    clips = programme_clips(make_clips(workdir / "clips"), minutes)
    segments = []
    for clip in clips:
        segments += [audio.Clip(clip), audio.Silence(1.0)]
    start = time.perf_counter()
    result = audio.assemble(segments, workdir / f"ours-{minutes}.mp3", audio.AudioFormat())
    return {"wall": time.perf_counter() - start, "duration": result.duration_s,
            "lufs": result.loudness.integrated_lufs}


def case_naive(workdir: Path, minutes: float) -> dict:
    from broadcast import audio
    clips = programme_clips(make_clips(workdir / "clips"), minutes)
    start = time.perf_counter()
    audio.pydub_naive_build(clips, workdir / f"naive-{minutes}.mp3", audio.AudioFormat())
    return {"wall": time.perf_counter() - start}


def case_floor(workdir: Path, minutes: float) -> dict:
    from broadcast import audio
    clips = programme_clips(make_clips(workdir / "clips"), minutes)
    joined = workdir / f"joined-{minutes}.wav"
    _join_wavs(clips, joined, gap_s=1.0)
    start = time.perf_counter()
    audio.ffmpeg_floor_encode(joined, workdir / f"floor-{minutes}.mp3", audio.AudioFormat())
    return {"wall": time.perf_counter() - start}


def scratch_station(workdir: Path, folders: tuple[str, ...]) -> Path:
    """A copy of the sample station's config, pronunciations and `folders` (no cache, no output)."""
    station_dir = workdir / "station"
    station_dir.mkdir(parents=True)
    for name in ("broadcast.toml", "pronunciations.tsv"):
        shutil.copy2(ROOT / name, station_dir / name)
    for name in folders:
        shutil.copytree(ROOT / name, station_dir / name)
    return station_dir


def case_sample_day(workdir: Path, minutes: float) -> dict:
    """Cold build of the sample station's day in a scratch copy, then a warm rebuild."""
    from broadcast import audio
    from broadcast.build import build_day
    from broadcast.config import load_station

    station_dir = scratch_station(workdir, ("scripts_vi", "schedules", "assets"))
    station = load_station(station_dir)
    start = time.perf_counter()
    cold = build_day(station, SAMPLE_DAY)
    cold_wall = time.perf_counter() - start
    start = time.perf_counter()
    warm = build_day(station, SAMPLE_DAY)
    warm_wall = time.perf_counter() - start
    total = sum(p["duration_s"] for p in cold.programmes)
    # The floor for the same audio: ffmpeg alone encoding that much sound to the same format.
    joined = workdir / "day.wav"
    _join_wavs([_decode(audio, cold.directory / p["file"], workdir) for p in cold.programmes], joined, 0.0)
    start = time.perf_counter()
    audio.ffmpeg_floor_encode(joined, workdir / "day-floor.mp3", audio.AudioFormat())
    floor_wall = time.perf_counter() - start
    return {"wall": cold_wall, "warm": warm_wall, "floor": floor_wall, "audio_s": total,
            "engine_calls": cold.engine_calls, "warm_calls": warm.engine_calls,
            "warm_encoded": warm.encoded, "programmes": len(cold.programmes)}


def _decode(audio, src: Path, workdir: Path) -> Path:
    dst = workdir / (src.stem + ".wav")
    audio.decode_to_wav(src, dst, CLIP_RATE)
    return dst


def _join_wavs(paths: list[Path], dst: Path, gap_s: float) -> None:
    with wave.open(str(dst), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(CLIP_RATE)
        for path in paths:
            with wave.open(str(path), "rb") as src:
                out.writeframes(src.readframes(src.getnframes()))
            out.writeframes(b"\0\0" * int(gap_s * CLIP_RATE))


def case_render10(workdir: Path, minutes: float) -> dict:
    """Ten announcements from the script library, spoken by espeak into one levelled MP3."""
    from broadcast import audio
    from broadcast.build import Toolkit, speak_to_file
    from broadcast.config import load_station
    from broadcast.render import load_values_file

    station_dir = scratch_station(workdir, ("scripts_vi",))
    station = load_station(station_dir)
    start = time.perf_counter()
    toolkit = Toolkit.from_station(station, engines=["espeak"])
    names = [n for n in toolkit.library.names() if toolkit.library.get(n).kind == "thong-bao"][:10]
    texts = [toolkit.prepare(n, load_values_file(station_dir / "scripts_vi" / "examples" / f"{n}.yaml")).spoken
             for n in names]
    out = speak_to_file(toolkit, texts, workdir / "ten.mp3", title="10 thông báo")
    wall = time.perf_counter() - start
    measured = audio.measure_loudness(out.path)
    return {"wall": wall, "items": len(texts), "audio_s": out.duration_s,
            "lufs": measured.integrated_lufs, "true_peak": measured.true_peak_dbtp}


CASES = {"render10": case_render10, "assemble": case_assemble, "naive": case_naive, "floor": case_floor, "sample_day": case_sample_day}


def child_main(case: str, workdir: str, minutes: float) -> None:
    result = CASES[case](Path(workdir), minutes)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result.update({"rss_mb": own, "child_rss_mb": kids})
    print(json.dumps(result))


# --------------------------------------------------------------------------- parent side

def run_case(case: str, workdir: Path, minutes: float = 0.0) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", case, str(workdir), str(minutes)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"case {case} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare_station() -> None:
    """The station's own signature tune is part of its set-up, not of a build: make it once."""
    from broadcast.build import Toolkit
    from broadcast.config import load_station

    Toolkit.from_station(load_station(ROOT)).signature_tune()


def main() -> None:
    prepare_station()
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as tmp:
        work = Path(tmp)
        print("Ten announcements rendered with espeak…", flush=True)
        ten = run_case("render10", work / "render10")
        rows.append(f"10-item render (espeak → levelled MP3): {ten['wall']:.2f} s, "
                    f"peak RSS {ten['rss_mb']:.1f} MB (ffmpeg {ten['child_rss_mb']:.1f} MB), "
                    f"{ten['audio_s'] / 60:.1f} min of audio, measured {ten['lufs']:.1f} LUFS / "
                    f"{ten['true_peak']:.1f} dBTP")
        rows.append("")
        print("Sample station day (cold build with empty cache, then warm rebuild)…", flush=True)
        day = run_case("sample_day", work / "day")
        rows.append(f"sample day {SAMPLE_DAY}: {day['programmes']} programmes, {day['audio_s'] / 60:.1f} min of audio")
        rows.append(f"  cold build           {day['wall']:7.2f} s  ({day['engine_calls']} texts synthesized)")
        rows.append(f"  warm rebuild         {day['warm']:7.2f} s  ({day['warm_calls']} synthesized, "
                    f"{day['warm_encoded']} encoded) = {100 * day['warm'] / day['wall']:.1f}% of cold (target ≤ 5%)")
        rows.append(f"  ffmpeg floor         {day['floor']:7.2f} s  → cold/floor = {day['wall'] / day['floor']:.2f}× (target ≤ 1.5×)")
        table = {}
        for minutes in (15, 30, 60):
            print(f"Synthetic {minutes}-minute programme…", flush=True)
            table[minutes] = {name: run_case(name, work / f"m{minutes}-{name}", minutes)
                              for name in ("assemble", "floor", "naive")}
        rows.append("")
        rows.append("synthetic programme   ours wall  ours RSS (py / ffmpeg)  floor wall  naive wall  naive RSS   ours/floor  naive/ours RSS")
        for minutes, r in table.items():
            ours, floor, naive = r["assemble"], r["floor"], r["naive"]
            ours_rss = max(ours["rss_mb"], ours["child_rss_mb"])
            naive_rss = max(naive["rss_mb"], naive["child_rss_mb"])
            rows.append(f"  {minutes:3d} min            {ours['wall']:7.2f} s  {ours['rss_mb']:6.1f} / {ours['child_rss_mb']:5.1f} MB"
                        f"      {floor['wall']:7.2f} s  {naive['wall']:7.2f} s  {naive_rss:6.1f} MB"
                        f"   {ours['wall'] / floor['wall']:6.2f}×     {naive_rss / ours_rss:6.2f}×")
        peak60 = max(table[60]["assemble"]["rss_mb"], table[60]["assemble"]["child_rss_mb"])
        peak15 = max(table[15]["assemble"]["rss_mb"], table[15]["assemble"]["child_rss_mb"])
        rows.append(f"  peak RSS at 60 min {peak60:.1f} MB (target ≤ 150), ratio 60/15 = {peak60 / peak15:.2f} (target ≤ 1.3)")
        from broadcast.daemon import measure_start_lateness
        from broadcast.play.outputs import NullOutput
        print("Start lateness of 30 plays on the null output (real clock, a real ffmpeg player)…", flush=True)
        # the log's start time is the player's own (after the file check and the spawn), not the admission;
        # 1 s apart so that each play's check and spawn finish before the next slot (no queueing measured)
        late = [x * 1000 for x in measure_start_lateness(n=30, output=NullOutput(), spacing_s=1.0)]
        rows.append("")
        rows.append(f"playout start lateness (when the player starts), 30 plays: median {statistics.median(late):.1f} ms "
                    f"(target ≤ 50), max {max(late):.1f} ms (target ≤ 200)")
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        main()
