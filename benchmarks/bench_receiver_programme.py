"""One receiver airing a programme: its memory and CPU, and its player processes', against the issue's budget.

`python benchmarks/bench_receiver_programme.py [--seconds 60] [--lead 30] [--output null|file]
[--code /work/main]` (not a test). The budget for a cluster's small computer (issue #22): the receiver
while playing a programme ≤ 60 MB RSS and ≤ 10% of one core.

A copy of the sample station with one zone (`thon-dong`) serves its clusters (`broadcast clusters serve`
on loopback); one receiver is paired (`broadcast receiver pair`, the null output paced in real time by
default) with its shipped settings (heartbeat 30 s, prepared 5 s ahead, a spare player started ahead).
Today's day is published before the receiver starts, with one programme `--lead` seconds later: Vietnamese
speech from espeak-ng (the station's engine and settings), looped to `--seconds` and encoded as the station encodes its days (MP3, 44.1 kHz
mono, 64 kbit/s). The receiver fetches it at start, as on a morning.

Baseline: the receiver idle (up, day fetched, nothing to play) from its first heartbeat until the
programme is prepared. Airing: from the programme's start to its end. Sampled every 0.5 s: VmRSS of the
receiver and of each process below it (the spare/player `broadcast.play.gate` and its decoder), and its
VmHWM at the end. CPU: utime + stime of every process of the tree plus what each reaped (cutime + cstime),
end minus start, over the window's wall time, as % of one core. Then the as-run row the receiver sends
with its next heartbeat must say the programme aired (`played`, started within 2 s of its slot).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TICK = os.sysconf("SC_CLK_TCK")
ZONES_YAML = "zones:\n  - name: thon-dong\n    title: Thôn Đông\n    outputs: [file]\n"
SPEECH = ("Kính thưa bà con nhân dân trong xã. Ban Chỉ huy phòng, chống thiên tai xã thông báo: "
          "mưa lớn kéo dài có thể gây ngập úng tại các thôn ven sông. Đề nghị bà con chủ động gia cố nhà cửa, "
          "di chuyển tài sản lên cao và theo dõi thông tin trên hệ thống truyền thanh của xã.")
BUDGET_MB, BUDGET_CPU = 60, 10.0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (not `pid` itself)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                todo += children
        except OSError:
            continue
    return found


def sample(pid: int) -> tuple[str, float, float, int, int, int, int]:
    """(name, own CPU s, CPU s of its reaped children, VmRSS, VmHWM, RssAnon, Pss in kB); zeros when it is gone.

    RssAnon is its own memory; the rest of VmRSS is mapped files (the interpreter, libraries, a static
    ffmpeg's code), shared with whatever maps them too. Pss shares those out among the processes.
    """
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return "", 0.0, 0.0, 0, 0, 0, 0
    fields = text.rsplit(")", 1)[1].split()
    name = text[text.index("(") + 1:text.rindex(")")]
    if name.startswith("python"):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        name = next((a.decode() for a in cmdline if a.startswith(b"broadcast")), name)
    memory = {line.split(":")[0]: int(line.split()[1]) for line in (status + rollup).splitlines()
              if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "Pss:"))}
    return (name, (int(fields[11]) + int(fields[12])) / TICK, (int(fields[13]) + int(fields[14])) / TICK,
            memory.get("VmRSS", 0), memory.get("VmHWM", 0), memory.get("RssAnon", 0), memory.get("Pss", 0))


class Window:
    """RSS sampled and CPU of the receiver's tree over one stretch of wall time."""

    def __init__(self, pid: int) -> None:
        self.pid, self.began = pid, time.monotonic()
        self.first = self._cpu()
        self.rss_receiver = self.rss_players = self.rss_sum = 0
        self.pss_receiver = self.pss_players = self.pss_sum = 0
        self.peak_players: list[tuple[str, int, int, int]] = []
        self.samples = 0

    def _cpu(self) -> tuple[float, float]:
        """(the receiver's own CPU s, the CPU s of everything below it, live or reaped)."""
        _, own, reaped, *_ = sample(self.pid)
        below = sum(s[1] + s[2] for s in map(sample, descendants(self.pid)))
        return own, reaped + below

    def tick(self) -> None:
        _, _, _, rss, _, _, pss = sample(self.pid)
        players = [(s[0], s[3], s[5], s[6]) for s in map(sample, descendants(self.pid)) if s[0]]
        below, below_pss = sum(p[1] for p in players), sum(p[3] for p in players)
        self.rss_receiver = max(self.rss_receiver, rss)
        if below > self.rss_players:
            self.rss_players, self.peak_players = below, players
        self.rss_sum = max(self.rss_sum, rss + below)
        self.pss_receiver = max(self.pss_receiver, pss)
        self.pss_players = max(self.pss_players, below_pss)
        self.pss_sum = max(self.pss_sum, pss + below_pss)
        self.samples += 1

    def run_until(self, monotonic_end: float) -> None:
        while time.monotonic() < monotonic_end:
            self.tick()
            time.sleep(min(0.5, max(0.0, monotonic_end - time.monotonic())))
        self.tick()
        self.seconds = time.monotonic() - self.began
        own, below = self._cpu()
        self.cpu_receiver = 100 * (own - self.first[0]) / self.seconds
        self.cpu_players = 100 * (below - self.first[1]) / self.seconds


def programme_audio(work: Path, seconds: float) -> Path:
    """Vietnamese speech (espeak-ng) looped to `seconds`, as the station's days are encoded (MP3 44.1 kHz 64k)."""
    from broadcast.audio.ffmpeg import ffmpeg_exe
    from broadcast.speak.base import EngineOptions
    from broadcast.speak.espeak import EspeakEngine

    speech, made = work / "giong.wav", work / "chuong-trinh.mp3"
    speech.write_bytes(EspeakEngine(EngineOptions()).synthesize(SPEECH).data)
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-stream_loop", "-1", "-i", str(speech),
                    "-t", f"{seconds:g}", "-ar", "44100", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k",
                    "-f", "mp3", str(made)], check=True)
    return made


def publish(station: Path, audio: Path, start: datetime, seconds: float) -> None:
    """Today's day with the one programme for `thon-dong`, as `broadcast today` writes it."""
    day = station / "audio_out" / start.date().isoformat()
    day.mkdir(parents=True, exist_ok=True)
    target = day / "0530-sang-thon-dong.mp3"
    shutil.copy2(audio, target)
    entry = {"id": "0530-sang-thon-dong", "slot": "sang", "title": "Chương trình buổi sáng", "start": start.isoformat(),
             "file": target.name, "duration_s": seconds, "loudness_lufs": -16.0, "true_peak_dbtp": -1.0,
             "engine": "espeak", "engine_notes": [], "inputs_hash": "bench", "items": [], "zones": ["thon-dong"],
             "sha256": hashlib.sha256(target.read_bytes()).hexdigest(), "bytes": target.stat().st_size}
    manifest = {"schema": 1, "date": day.name, "station": "Hòa An", "station_title": "Đài Truyền thanh xã Hòa An",
                "generated_at": datetime.now(TZ).isoformat(), "programmes": [entry]}
    (day / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the programme's length")
    parser.add_argument("--lead", type=float, default=30.0, help="its start, seconds after the day is published")
    parser.add_argument("--output", choices=("null", "file"), default="null", help="the receiver's output")
    parser.add_argument("--code", type=Path, help="run station and receiver from this checkout (e.g. /work/main)")
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or ROOT).resolve()))
    from broadcast.clusters.registry import ClusterRegistry

    env = {**os.environ, "PYTHONPATH": str(args.code.resolve())} if args.code else None
    work = Path(tempfile.mkdtemp(prefix="bench-programme-"))
    station = work / "station"
    station.mkdir()
    for name in ("scripts_vi", "schedules"):
        shutil.copytree(ROOT / name, station / name)
    shutil.copy2(ROOT / "broadcast.toml", station / "broadcast.toml")
    (station / "schedules" / "vung.yaml").write_text(ZONES_YAML, encoding="utf-8")
    audio = programme_audio(work, args.seconds)
    cli = [sys.executable, "-m", "broadcast"]
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    server = subprocess.Popen([*cli, "--station", str(station), "clusters", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=work)
    url = "http://127.0.0.1:" + re.search(r":(\d+)", server.stdout.readline()).group(1)
    registry = ClusterRegistry(station / "var" / "cum-loa")
    folder, receiver = work / "thu", None
    try:
        code = registry.add("dong-1", "thon-dong")
        subprocess.run([*cli, "receiver", "pair", url, code, "--dir", str(folder), "--output", args.output],
                       check=True, capture_output=True, env=env, cwd=work)
        config = json.loads((folder / "receiver.json").read_text(encoding="utf-8"))
        start = (datetime.now(TZ) + timedelta(seconds=args.lead)).replace(microsecond=0)
        publish(station, audio, start, args.seconds)
        receiver = subprocess.Popen([*cli, "receiver", "run", "--dir", str(folder)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env, cwd=work)
        while not registry.get("dong-1").last_seen and receiver.poll() is None:
            time.sleep(0.2)
        to_start = (start - datetime.now(TZ)).total_seconds()
        prepare_s = float(config.get("prepare_s", 5.0))
        if to_start < prepare_s + 3:
            print(f"the receiver came up too late for the slot ({to_start:.1f} s left): raise --lead")
            return 1
        time.sleep(1.0)                               # its first sync done, its spare player started
        idle = Window(receiver.pid)
        idle.run_until(time.monotonic() + to_start - prepare_s - 1.5)
        time.sleep(max(0.0, (start - datetime.now(TZ)).total_seconds()))
        airing = Window(receiver.pid)
        airing.run_until(time.monotonic() + args.seconds)
        hwm = sample(receiver.pid)[4]
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        deadline = time.monotonic() + float(config.get("heartbeat_s", 30.0)) + 30
        while time.monotonic() < deadline and not registry.rows("dong-1"):
            time.sleep(0.5)
        rows = registry.rows("dong-1")
    finally:
        for process in (receiver, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    aired = [r for r in rows if r.get("status") == "played"
             and abs((datetime.fromisoformat(r["started_at"]) - start).total_seconds()) < 2.0]
    mb = 1024
    print(f"code: {args.code or ROOT}; programme {args.seconds:g} s, espeak-ng speech as MP3 44.1 kHz mono "
          f"64 kbit/s ({audio.name}); output {args.output}; receiver settings as shipped")
    print(f"load average before {' '.join(load_before)}, after {' '.join(load_after)} (2 cores)")
    print(f"{'':26}{'receiver':>10}{'player':>10}{'sum':>10}{'target':>10}")
    print(f"{'RSS MB, airing (max)':26}{airing.rss_receiver / mb:10.1f}{airing.rss_players / mb:10.1f}"
          f"{airing.rss_sum / mb:10.1f}{'≤ ' + str(BUDGET_MB):>10}")
    print(f"{'RSS MB, idle (baseline)':26}{idle.rss_receiver / mb:10.1f}{idle.rss_players / mb:10.1f}"
          f"{idle.rss_sum / mb:10.1f}")
    print(f"{'PSS MB, airing (max)':26}{airing.pss_receiver / mb:10.1f}{airing.pss_players / mb:10.1f}"
          f"{airing.pss_sum / mb:10.1f}")
    print(f"{'VmHWM MB, receiver':26}{hwm / mb:10.1f}")
    print(f"{'CPU % of one core, airing':26}{airing.cpu_receiver:10.1f}{airing.cpu_players:10.1f}"
          f"{airing.cpu_receiver + airing.cpu_players:10.1f}{'≤ ' + str(BUDGET_CPU):>10}")
    print(f"{'CPU %, idle (baseline)':26}{idle.cpu_receiver:10.1f}{idle.cpu_players:10.1f}"
          f"{idle.cpu_receiver + idle.cpu_players:10.1f}")
    print(f"airing {airing.seconds:.0f} s ({airing.samples} samples), idle {idle.seconds:.0f} s; players at the peak: "
          + ", ".join(f"{name} RSS {rss / mb:.1f} MB (own {anon / mb:.1f}, PSS {pss / mb:.1f})"
                   for name, rss, anon, pss in airing.peak_players))
    print(f"as-run rows: {[(r['programme_id'], r['status'], r['started_at']) for r in rows]}")
    if not aired:
        print("the programme did NOT air as published: the figures above are not a programme's")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
