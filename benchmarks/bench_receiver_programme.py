"""One receiver playing a programme: its memory and CPU, the whole process tree (receiver, players, decoder).

`python benchmarks/bench_receiver_programme.py [--seconds 60] [--code /work/main]` (not a test). The
issue's budget for a cluster's small computer: ≤ 60 MB RSS and ≤ 10% of one core while playing.

A copy of the sample station publishes today with one MP3 programme (a tone, 64 kbit/s, as a day's
programmes are) for the zone, starting 20 s after the receiver's first heartbeat; one real `broadcast receiver
run` process (null output, paced in real time, its spare player started ahead for urgent pushes)
fetches it and plays it at its slot. Sampled every 0.5 s during the programme: the RSS of every
process of the receiver's tree (summed; each one's own too, at the peak), and the tree's CPU over the
programme (utime + stime of every live process, plus what the receiver reaped) as % of one core.
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


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def stat(pid: int) -> tuple[str, float, int]:
    """(command name, CPU seconds of the process and its reaped children, RSS in kB) of one process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "", 0.0, 0
    name, fields = text[text.index("(") + 1:text.rindex(")")], text.rsplit(")", 1)[1].split()
    rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return name, sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK"), rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the programme's length")
    parser.add_argument("--code", type=Path, help="run station and receiver from this checkout (e.g. /work/main)")
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or ROOT).resolve()))
    from broadcast.audio.ffmpeg import ffmpeg_exe
    from broadcast.clusters.registry import ClusterRegistry

    env = {**os.environ, "PYTHONPATH": str(args.code.resolve())} if args.code else None
    work = Path(tempfile.mkdtemp(prefix="bench-programme-"))
    station = work / "station"
    station.mkdir()
    for name in ("scripts_vi", "schedules"):
        shutil.copytree(ROOT / name, station / name)
    shutil.copy2(ROOT / "broadcast.toml", station / "broadcast.toml")
    made = work / "bench-chuong-trinh.mp3"           # encoded first: on a loaded machine this takes a while
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={args.seconds}", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k",
                    str(made)], check=True)
    cli = [sys.executable, "-m", "broadcast"]
    server = subprocess.Popen([*cli, "--station", str(station), "clusters", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=work)
    url = "http://127.0.0.1:" + re.search(r":(\d+)", server.stdout.readline()).group(1)
    registry = ClusterRegistry(station / "var" / "cum-loa")
    folder = work / "thu"
    receiver = None
    try:
        code = registry.add("cum-1", "toan-xa")
        subprocess.run([*cli, "receiver", "pair", url, code, "--dir", str(folder), "--output", "null"],
                       check=True, capture_output=True, env=env, cwd=work)
        config = json.loads((folder / "receiver.json").read_text(encoding="utf-8"))
        config.update(sync_s=5.0)                    # it looks for the day every 5 s
        (folder / "receiver.json").write_text(json.dumps(config), encoding="utf-8")
        receiver = subprocess.Popen([*cli, "receiver", "run", "--dir", str(folder)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env, cwd=work)
        while not registry.get("cum-1").last_seen:  # up: its first heartbeat came
            time.sleep(0.5)
        start = (datetime.now(TZ) + timedelta(seconds=20)).replace(microsecond=0)
        day = station / "audio_out" / start.date().isoformat()
        day.mkdir(parents=True)
        audio = day / "bench-chuong-trinh.mp3"
        shutil.move(made, audio)
        entry = {"id": "bench-chuong-trinh", "slot": "sang", "title": "Chương trình đo", "start": start.isoformat(),
                 "file": audio.name, "duration_s": args.seconds, "zones": ["toan-xa"],
                 "sha256": hashlib.sha256(audio.read_bytes()).hexdigest(), "bytes": audio.stat().st_size}
        (day / "manifest.json").write_text(json.dumps({"schema": 1, "date": day.name, "station": "Hòa An",
                                                       "generated_at": datetime.now(TZ).isoformat(),
                                                       "programmes": [entry]}, ensure_ascii=False), encoding="utf-8")
        lead = (start - datetime.now(TZ)).total_seconds()
        if lead < 3:
            print(f"the receiver came up too late for the slot ({lead:.1f} s left)")
            return 1
        time.sleep(lead + 2.0)                       # two seconds into the programme
        first = {pid: stat(pid) for pid in tree(receiver.pid)}
        began = time.monotonic()
        peak_total, peak_each = 0, {}
        while time.monotonic() - began < args.seconds - 4.0:
            now = {pid: stat(pid) for pid in tree(receiver.pid)}
            total = sum(rss for _, _, rss in now.values())
            if total > peak_total:
                peak_total, peak_each = total, {pid: (name, rss) for pid, (name, _, rss) in now.items()}
            time.sleep(0.5)
        last = {pid: stat(pid) for pid in tree(receiver.pid)}
        seconds = time.monotonic() - began
        cpu = sum(c for _, c, _ in last.values()) - sum(c for pid, (_, c, _) in first.items() if pid in last)
        rows = registry.rows()
    finally:
        for process in (receiver, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    print(f"code: {args.code or ROOT}; programme {args.seconds:g} s (MP3 64 kbit/s), measured over {seconds:.0f} s")
    print(f"receiver tree while playing: peak RSS {peak_total // 1024} MB "
          f"({', '.join(f'{name} {rss // 1024}' for name, rss in peak_each.values())} MB); "
          f"CPU {100 * cpu / seconds:.1f}% of one core")
    print(f"as-run rows so far: {len(rows)}; load average: {open('/proc/loadavg').read().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
