"""Urgent push latency to loudspeaker clusters: the officer's confirmation to first audio at each receiver.

`python benchmarks/bench_receivers.py [--receivers 5] [--pushes 20] [--spacing 3] [--heartbeat 30]
[--code /work/main]` (not a test). `--code` runs the station and receivers from another checkout
(the code before a change) with this script: before and after in one sitting.

A copy of the sample station serves its clusters (`broadcast clusters serve`, one process on
loopback); each receiver is a real `broadcast receiver run` process on the null output (paced in
real time), long-polling `GET /day-kenh`. Each push is recorded the way `broadcast announce` does
(`Pushes.urgent`: the audio copied, the document signed); its `created_at` is the confirmation.
The receiver's as-run row for the urgent carries `started_at`, the player's first write of the
audio: that minus the confirmation is the latency. p50/p99 over every (push, receiver) pair, with
the station's and receivers' RSS at the end and the load average; and where the time goes, from
the row's `timing` (code that has it): the station's answer, its arrival, the audio fetched and
checked, the player asked, its first write. Pushes start once every receiver sent a heartbeat.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tone(path: Path, seconds: float, rate: int = 22050) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 660 * i / rate)))
                                 for i in range(int(seconds * rate))))


def rss_kb(pid: int, field: str = "VmHWM") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    """CPU seconds of a process and of its children it waited for (its spare players, their decoders)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted `values`."""
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivers", type=int, default=5)
    parser.add_argument("--pushes", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=3.0, help="seconds between pushes")
    parser.add_argument("--heartbeat", type=float, default=30.0, help="each receiver's heartbeat period (s)")
    parser.add_argument("--cold", action="store_true", help="no player started ahead (warm_player false)")
    parser.add_argument("--code", type=Path, help="run station and receivers from this checkout "
                        "(e.g. /work/main, the code before a change) instead of this one")
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or ROOT).resolve()))     # the pushes recorded as that code records them
    from broadcast.clusters.pushes import Pushes
    from broadcast.clusters.registry import ClusterRegistry

    env = {**os.environ, "PYTHONPATH": str(args.code.resolve())} if args.code else None
    work = Path(tempfile.mkdtemp(prefix="bench-receivers-"))
    station = work / "station"
    station.mkdir()
    for name in ("scripts_vi", "schedules"):
        shutil.copytree(ROOT / name, station / name)
    shutil.copy2(ROOT / "broadcast.toml", station / "broadcast.toml")
    cli = [sys.executable, "-m", "broadcast"]
    server = subprocess.Popen([*cli, "--station", str(station), "clusters", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=work)
    url = "http://127.0.0.1:" + re.search(r":(\d+)", server.stdout.readline()).group(1)
    registry = ClusterRegistry(station / "var" / "cum-loa")
    receivers = []
    try:
        for n in range(args.receivers):
            name, folder = f"cum-{n + 1}", work / f"thu-{n + 1}"
            code = registry.add(name, "toan-xa")
            subprocess.run([*cli, "receiver", "pair", url, code, "--dir", str(folder), "--output", "null"],
                           check=True, capture_output=True, env=env, cwd=work)
            config = json.loads((folder / "receiver.json").read_text(encoding="utf-8"))
            config.update(heartbeat_s=args.heartbeat, sync_s=600.0, warm_player=not args.cold)
            (folder / "receiver.json").write_text(json.dumps(config), encoding="utf-8")
            receivers.append(subprocess.Popen([*cli, "receiver", "run", "--dir", str(folder)],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                              cwd=work))
        started = time.monotonic()                    # every receiver up (its first heartbeat came) and polling
        while time.monotonic() - started < 300 and not all(c.last_seen for c in registry.all()):
            time.sleep(0.5)
        print(f"{args.receivers} receivers up in {time.monotonic() - started:.1f} s; "
              f"load average {open('/proc/loadavg').read().strip()}", flush=True)
        time.sleep(3.0)
        idle_from, idle_cpu = time.monotonic(), [cpu_s(p.pid) for p in receivers]
        time.sleep(5.0)                               # the receivers' CPU between pushes, to take off
        push_from, push_cpu = time.monotonic(), [cpu_s(p.pid) for p in receivers]
        audio = work / "khan.wav"
        tone(audio, 1.0)
        pushes = Pushes(registry)
        confirmed: dict[str, datetime] = {}
        for n in range(args.pushes):
            document = pushes.urgent(audio, {"id": f"bench-{n + 1:02d}", "title": f"Khẩn {n + 1}",
                                             "duration_s": 1.0}, now=datetime.now(UTC))
            confirmed[document["id"]] = datetime.fromisoformat(document["created_at"])
            time.sleep(args.spacing)
        want = args.pushes * args.receivers
        deadline = time.monotonic() + 60 + args.heartbeat         # rows come with the heartbeat
        while time.monotonic() < deadline and len([r for r in registry.rows() if r.get("kind") == "khan-cap"]) < want:
            time.sleep(0.5)
        played = [r for r in registry.rows() if r.get("kind") == "khan-cap" and r.get("status") == "played"]
        delays = [(datetime.fromisoformat(r["started_at"]) - confirmed[r["programme_id"]]).total_seconds()
                  for r in played]
        steps = {step: sorted(r["timing"][step] for r in played if step in (r.get("timing") or {}))
                 for step in ("sent", "answer", "audio", "prepare", "started")}
        end_cpu = [cpu_s(p.pid) for p in receivers]
        idle_rate = [(b - a) / (push_from - idle_from) for a, b in zip(idle_cpu, push_cpu, strict=True)]
        per_push = sorted(max(0.0, (e - b) - rate * (time.monotonic() - push_from)) / args.pushes
                          for b, e, rate in zip(push_cpu, end_cpu, idle_rate, strict=True))
        station_rss = rss_kb(server.pid) // 1024
        receiver_rss = [rss_kb(p.pid) // 1024 for p in receivers]
    finally:
        for process in [*receivers, server]:
            process.terminate()
        for process in [*receivers, server]:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:       # a receiver starved on a saturated machine
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)
    delays.sort()
    print(f"code: {args.code or ROOT}; receivers: {args.receivers}, pushes: {args.pushes}, played: {len(delays)}/{want}")
    if delays:
        p99 = percentile(delays, 0.99)
        print(f"confirm -> first audio: p50 {statistics.median(delays):.3f} s, p99 {p99:.3f} s, "
              f"max {delays[-1]:.3f} s")
        print("where the time goes (seconds after the confirmation, p50 / p99):")
        for step, label in (("sent", "station answered the poll"), ("answer", "receiver got the answer"), ("audio", "audio fetched and checked"),
                            ("prepare", "player asked"), ("started", "first write to the output")):
            if steps[step]:
                print(f"  {label:<28} {statistics.median(steps[step]):.3f} / {percentile(steps[step], 0.99):.3f}")
    print(f"receiver CPU per urgent push (process and its players, idle taken off): "
          f"mean {statistics.mean(per_push):.3f} s, max {per_push[-1]:.3f} s; idle {statistics.mean(idle_rate):.4f} s/s")
    print(f"peak RSS: station {station_rss} MB, receivers {min(receiver_rss)}-{max(receiver_rss)} MB")
    print(f"load average: {open('/proc/loadavg').read().strip()}")
    return 0 if len(delays) == want else 1


if __name__ == "__main__":
    sys.exit(main())
