"""`make bench`: build speed and memory against the ffmpeg floor and a naive pydub build.

`--day`: the sample day alone; `--hogs N`: with N busy loops (`yes > /dev/null`) running meanwhile;
`--against DIR`: each round also builds the sample day cold with another checkout (DIR's
`.venv/bin/python -m broadcast`, e.g. main's) on its own copy of the station, against the same
floor: before and after in one run, under the same load.

Each measured case runs in a fresh child process so its peak resident memory is its own;
ffmpeg children are counted too (RUSAGE_CHILDREN of the case process). Prints one table.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
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

from installed import as_installed  # noqa: E402

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


def scratch_station(workdir: Path, folders: tuple[str, ...], name: str = "station") -> Path:
    """A copy of the sample station's config, pronunciations and `folders` (no cache, no output)."""
    station_dir = workdir / name
    station_dir.mkdir(parents=True)
    for name in ("broadcast.toml", "pronunciations.tsv"):
        shutil.copy2(ROOT / name, station_dir / name)
    for name in folders:
        shutil.copytree(ROOT / name, station_dir / name)
    return station_dir


CPU: dict[str, float] = {}   # CPU seconds (user + system) of the last `_timed` group, its children included


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _timed(commands: list[list[str]], cwd: Path | None = None) -> float:
    """Wall time of processes started together and waited for (one per programme: both cores busy);
    their CPU seconds go to `CPU["last"]`."""
    cpu = _children_cpu()
    start = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in commands]
    for proc, command in zip(procs, commands):
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"{command[:4]} failed: {err.decode(errors='replace')[-2000:]}")
    wall = time.perf_counter() - start
    CPU["last"] = _children_cpu() - cpu
    return wall


def case_sample_day(workdir: Path, minutes: float) -> dict:
    """The sample day from outside, as whole processes: a cold `broadcast build` (empty cache), a warm
    one, and side by side the floors for the same audio: (a) encoding the finished audio alone and
    (b) the least work from the same clips (an ffconcat of the cached clips and silences encoded),
    one ffmpeg per programme, all at once. Then what `--help` and `plan` import."""
    from broadcast import audio
    from broadcast.build import Toolkit, compose, load_plan
    from broadcast.station.config import load_station

    station_dir = scratch_station(workdir, ("scripts_vi", "schedules", "assets"))
    command = [sys.executable, "-m", "broadcast", "--station", str(station_dir)]
    build = [*command, "build", "--date", SAMPLE_DAY.isoformat()]
    against = {}
    if os.environ.get("BENCH_AGAINST"):      # the other checkout's cold build first, on its own copy
        other = Path(os.environ["BENCH_AGAINST"])
        other_dir = scratch_station(workdir, ("scripts_vi", "schedules", "assets"), "against")
        against["against_wall"] = _timed([[str(other / ".venv" / "bin" / "python"), "-m", "broadcast", "--station",
                                           str(other_dir), "build", "--date", SAMPLE_DAY.isoformat()]], cwd=other_dir)
        against["against_cpu"] = CPU["last"]
    cold = _timed([build])
    cold_cpu = CPU["last"]
    warm = _timed([build])
    station = load_station(station_dir)
    fmt = Toolkit.from_station(station).audio_format
    day = station.path(station.paths.audio_out) / SAMPLE_DAY.isoformat()
    manifest = json.loads((day / "manifest.json").read_text(encoding="utf-8"))
    programmes = manifest["programmes"]
    encode = [*audio._codec_args(fmt)]
    # (a) the finished audio, decoded beforehand (untimed) at the clips' rate, encoded alone
    finished = []
    for p in programmes:
        wav = workdir / f"finished-{p['slot']}.wav"
        audio.decode_to_wav(day / p["file"], wav, CLIP_RATE)
        # read as the build's encoder reads its PCM (`audio.pcm_input_args`): the same file, least work
        finished.append([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", *audio.pcm_input_args(str(wav)),
                         "-ar", str(fmt.sample_rate), "-ac", "1", *encode, str(workdir / f"a-{p['slot']}.mp3")])
    alone = _timed(finished)
    alone_cpu = CPU["last"]
    # (b) the same cached clips and silences joined by the concat demuxer and encoded
    toolkit = Toolkit.from_station(station)
    joined = []
    spoken: set[str] = set()
    for programme in load_plan(toolkit, SAMPLE_DAY):
        c = compose(toolkit, programme)
        clip_for = dict(zip(c.texts(), toolkit.speak(c.texts()).files))
        spoken.update(c.texts())
        segments = []
        for index, ci in enumerate(c.items):
            if index:
                segments.append(audio.Silence(station.programme.gap_s))
            for kind, value in ci.parts:
                segments.append(audio.Clip(clip_for[value]) if kind == "speak" else audio.Clip(Path(value))
                                if kind in ("file", "recording") else audio.Silence(float(value)))
        scratch = workdir / f"least-{programme.slot}"
        scratch.mkdir()
        ready = audio.baseline.ready_clips(segments, fmt.sample_rate, store=toolkit.cache.root, scratch=scratch)
        listing = scratch / "list.ffconcat"
        listing.write_text("ffconcat version 1.0\n" + "".join(f"file '{r.path}'\n" for r in ready if r.samples))
        joined.append([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0",
                       "-i", str(listing), "-ar", str(fmt.sample_rate), "-ac", "1", *encode,
                       str(workdir / f"b-{programme.slot}.mp3")])
    least = _timed(joined)
    # what no build can do without, in fresh processes as the build runs: the interpreter with numpy,
    # and speaking the day's texts with the same engine and settings (no levelling, no encoding)
    texts = workdir / "texts.json"
    texts.write_text(json.dumps({"options": dataclasses.asdict(toolkit.engine_options), "texts": sorted(spoken)},
                                ensure_ascii=False), encoding="utf-8")
    _timed([[sys.executable, "-c", "import numpy"]])
    numpy_cpu = CPU["last"]
    _timed([[sys.executable, "-c", _SPEAK_ONLY, str(texts)]])
    speech_cpu = CPU["last"]
    plan = [*command, "plan", "--date", SAMPLE_DAY.isoformat()]
    plan_s = _timed([plan])                  # planned (no plan remembered yet) from what the build kept
    plan_cpu = CPU["last"]
    again_s = _timed([plan])                 # the same days again: reprinted (broadcast.plan.remembered)
    again_cpu = CPU["last"]
    help_s = _timed([[*command, "--help"]])
    help_cpu = CPU["last"]
    return {**against, "wall": cold, "warm": warm, "alone": alone, "least": least, "plan": plan_s, "help": help_s,
            "cold_cpu": cold_cpu, "alone_cpu": alone_cpu, "plan_again": again_s, "plan_cpu": plan_cpu,
            "again_cpu": again_cpu, "help_cpu": help_cpu, "numpy_cpu": numpy_cpu, "speech_cpu": speech_cpu,
            "texts": len(spoken),
            "audio_s": sum(p["duration_s"] for p in programmes), "programmes": len(programmes),
            "lufs": [p["loudness_lufs"] for p in programmes], "peak": [p["true_peak_dbtp"] for p in programmes],
            "imports_help": _imports([*command, "--help"]),
            "imports_plan": _imports([*command, "plan", "--date", SAMPLE_DAY.isoformat(), "--days", "2"]),
            "imports_again": _imports(plan)}


_SPEAK_ONLY = """
import json, sys
from broadcast.speak.base import EngineOptions
from broadcast.speak.espeak import EspeakEngine
job = json.loads(open(sys.argv[1], encoding="utf-8").read())
engine = EspeakEngine(EngineOptions(**job["options"]))
for text in job["texts"]:
    engine.synthesize(text)
"""

HEAVY = ("broadcast.daemon", "apscheduler", "icalendar", "docx", "broadcast.report", "gtts", "holidays",
         "jinja2", "yaml")


def _imports(command: list[str]) -> list[str]:
    """Which of the heavy modules a command imports (python -X importtime)."""
    out = subprocess.run([command[0], "-X", "importtime", *command[1:]], capture_output=True, text=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
    return [h for h in HEAVY if h in names]


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
    from broadcast.render import load_values_file
    from broadcast.station.config import load_station

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
    from broadcast.station.config import load_station

    Toolkit.from_station(load_station(ROOT)).signature_tune()


def start_hogs() -> list[subprocess.Popen]:
    """`--hogs N`: N busy loops (`yes > /dev/null`) for the whole sample-day measurement, a loaded machine."""
    count = next((int(sys.argv[i + 1]) for i, a in enumerate(sys.argv) if a == "--hogs"), 0)
    return [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(count)]


def main() -> None:
    prepare_station()
    against = next((str(Path(sys.argv[i + 1]).resolve()) for i, a in enumerate(sys.argv) if a == "--against"), "")
    if against:
        os.environ["BENCH_AGAINST"] = against        # read by the sample-day case (a child process)
    as_installed(sys.executable, *([str(Path(against) / ".venv" / "bin" / "python")] if against else []))
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as tmp:
        work = Path(tmp)
        day_only = "--day" in sys.argv     # `python benchmarks/bench.py --day`: the sample day alone
        print("Sample station day: cold and warm builds as whole commands, floors side by side (3 rounds)…",
              flush=True)
        # three rounds, each cold build beside its floors; each figure is its best round (the machine
        # is shared: a slow moment in one round must not decide a ratio)
        hogs = start_hogs()
        load = [Path("/proc/loadavg").read_text().split()[0]]
        try:
            rounds = [run_case("sample_day", work / f"day{i}") for i in range(3)]
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
        load.append(Path("/proc/loadavg").read_text().split()[0])
        keys = ("wall", "warm", "alone", "least", "plan", "help", "plan_again", "cold_cpu", "alone_cpu",
                "plan_cpu", "again_cpu", "help_cpu", "numpy_cpu", "speech_cpu",
                *(("against_wall", "against_cpu") if against else ()))
        day = {**rounds[0], **{k: min(r[k] for r in rounds) for k in keys}}
        spread = {k: (min(r[k] for r in rounds), max(r[k] for r in rounds)) for k in ("wall", "alone")}
        rows.append(f"sample day {SAMPLE_DAY}: {day['programmes']} programmes, {day['audio_s'] / 60:.1f} min of audio, "
                    f"{', '.join(f'{v:.1f}' for v in day['lufs'])} LUFS, peaks {', '.join(f'{v:.1f}' for v in day['peak'])} dBTP")
        rows.append(f"  cold `broadcast build`          {day['wall']:7.2f} s  (rounds {spread['wall'][0]:.2f}-{spread['wall'][1]:.2f})")
        rows.append(f"  encoding the finished audio     {day['alone']:7.2f} s  → cold / encoding = "
                    f"{day['wall'] / day['alone']:.2f}× (target ≤ 1.3×; rounds {spread['alone'][0]:.2f}-"
                    f"{spread['alone'][1]:.2f} s)")
        rows.append(f"  CPU: cold build {day['cold_cpu']:.2f} s, encoding alone {day['alone_cpu']:.2f} s → "
                    f"{day['cold_cpu'] / day['alone_cpu']:.2f}× (target ≤ 1.15×); {len(hogs)} CPU hogs "
                    f"(`yes`) running, load average {' → '.join(load)}")
        budget = 0.15 * day["alone_cpu"]
        rows.append(f"    what no cold build can skip: speaking the day's {day['texts']} texts alone (espeak, a fresh "
                    f"process, no levelling or encoding) {day['speech_cpu']:.2f} CPU-s; the interpreter with numpy "
                    f"{day['numpy_cpu']:.2f} CPU-s; the target leaves the build {budget:.2f} CPU-s beyond encoding, "
                    f"{budget - day['speech_cpu']:.2f} of it after speaking")
        if "against_wall" in day:
            rows.append(f"  {os.environ['BENCH_AGAINST']}: cold {day['against_wall']:.2f} s = "
                        f"{day['against_wall'] / day['alone']:.2f}× encoding, CPU {day['against_cpu']:.2f} s = "
                        f"{day['against_cpu'] / day['alone_cpu']:.2f}× (same rounds, same floor)")
        rows.append(f"  same clips: concat + encode     {day['least']:7.2f} s  → cold / least work = "
                    f"{day['wall'] / day['least']:.2f}×")
        rows.append(f"  warm `broadcast build`          {day['warm']:7.2f} s  = {100 * day['warm'] / day['wall']:.1f}% of cold "
                    "(target ≤ 3%)")
        rows.append(f"  `broadcast plan`, planned       {day['plan']:7.2f} s  {day['plan_cpu']:.2f} CPU-s = "
                    f"{day['plan_cpu'] / day['help_cpu']:.1f}× --help (target ≤ 2×: the first plan after the "
                    f"build, which kept the schedules, templates and texts it read)")
        rows.append(f"  `broadcast plan`, again         {day['plan_again']:7.2f} s  {day['again_cpu']:.2f} CPU-s = "
                    f"{day['again_cpu'] / day['help_cpu']:.1f}× --help (target ≤ 2×: the same days, inputs unchanged)")
        rows.append(f"  `broadcast --help`              {day['help']:7.2f} s  {day['help_cpu']:.2f} CPU-s")
        rows.append(f"  modules: plan imports {', '.join(day['imports_plan']) or '–'}; the reprint "
                    f"{', '.join(day['imports_again']) or '–'}; --help {', '.join(day['imports_help']) or '–'}")
        if not day_only:
            print("Ten announcements rendered with espeak…", flush=True)
            ten = run_case("render10", work / "render10")
            rows.append(f"10-item render (espeak → levelled MP3): {ten['wall']:.2f} s, "
                        f"peak RSS {ten['rss_mb']:.1f} MB (ffmpeg {ten['child_rss_mb']:.1f} MB), "
                        f"{ten['audio_s'] / 60:.1f} min of audio, measured {ten['lufs']:.1f} LUFS / "
                        f"{ten['true_peak']:.1f} dBTP")
            rows.append("")
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
