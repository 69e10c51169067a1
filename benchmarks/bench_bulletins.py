"""The province link at scale: a khẩn cấp bulletin from `bulletin add` to every commune, and reports' cost.

    .venv/bin/python benchmarks/bench_bulletins.py                   # 100 communes, 3 bulletins
    .venv/bin/python benchmarks/bench_bulletins.py --communes 1000 --bulletins 1 --report-seconds 0
    .venv/bin/python benchmarks/bench_bulletins.py --transport sse --report-seconds 0

The province is the real server process (`broadcast province serve --db`, a subprocess on a
free loopback port). The communes are the real commune code (`Listener` + `Commune`: long-poll
HTTP, signature check, replay/order check, SQLite inbox) as threads of this process, each with
its own inbox; what they do not do is speak: their `air` records the moment it is called (the
"null output": on 2 shared cores, speaking 100 bulletins at once would measure espeak, not the
link). Each bulletin is signed by `broadcast province bulletin add` (a process, as the officer
runs it); latency = from just before that command starts to each commune's `air` call, so it
includes the command's start-up (about 1 s of Python imports), the signing, the server's watcher
tick (100 ms) and the long-poll answer.

Reports: each commune then sends one signed report a minute (spread over the minute) for
`--report-seconds`; the province process's CPU time and peak memory (from /proc) over that
window are printed. 1,000 communes run the same way (1,000 open requests, 1,000 threads on the
server): cheaper only in that the commune side shares one process.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadcast.province.bulletins.actions import Commune  # noqa: E402
from broadcast.province.bulletins.inbox import Inbox  # noqa: E402
from broadcast.province.bulletins.listener import Listener  # noqa: E402
from broadcast.province.bulletins.reports import Reporter  # noqa: E402
from broadcast.province.signing import generate_key, load_public_key  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--bulletins", type=int, default=3)
    parser.add_argument("--report-seconds", type=float, default=60.0)
    parser.add_argument("--transport", choices=("long-poll", "sse"), default="long-poll",
                        help="how the communes listen: long poll or Server-Sent Events")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-bulletins-"))
    public = generate_key(work / "tinh.key")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    names = [f"xa-{n:04d}" for n in range(args.communes)]
    for name in names:                                   # the served communes (reports are taken from them only)
        (work / name).mkdir()
        (work / name / "broadcast.toml").write_text("[station]\nname = \"Thử\"\n", encoding="utf-8")
    (work / "danh-sach.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "broadcast", "province", "serve", "--stations-from",
                               str(work / "danh-sach.txt"),
                               "--db", str(work / "tinh.sqlite"), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{base}/api/status", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    aired: dict[str, list[float]] = {}
    lock = threading.Lock()

    def recorder(document, sentence) -> bool:
        with lock:
            aired.setdefault(document["id"], []).append(time.monotonic())
        return True

    listeners = []
    key = load_public_key(public)
    for name in names:
        root = work / name
        commune = Commune(inbox=Inbox(root / "var" / "inbox.sqlite"), public_key=key, name=root.name, root=root,
                          now=lambda: datetime.now(TZ), air=recorder)
        listeners.append(Listener(commune, base, wait_s=25, timeout_s=30, tick_s=3600,
                                  transport=args.transport).start())
    time.sleep(2.0)                                      # every commune's request is open
    load_before = os.getloadavg()[0]
    rows = []
    for b in range(args.bulletins):
        ident = f"bench-{b}"
        file = work / f"{ident}.yaml"
        expires = (datetime.now(TZ) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
        file.write_text(f"id: {ident}\nlevel: khẩn cấp\ntitle: Thử độ trễ\ntext: Bản tin thử.\n"
                        f"expires: {expires}\ntargets: all\n", encoding="utf-8")
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "broadcast", "province", "bulletin", "add", str(file), "--db",
                        str(work / "tinh.sqlite"), "--key", str(work / "tinh.key")], check=True,
                       stdout=subprocess.DEVNULL)
        signed = time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                if len(aired.get(ident, [])) >= args.communes:
                    break
            time.sleep(0.02)
        with lock:
            delays = sorted(t - started for t in aired.get(ident, []))
        got = len(delays)
        p99 = delays[min(got - 1, int(round(0.99 * (got - 1))))] if got else float("nan")
        rows.append((ident, got, signed - started, statistics.median(delays) if got else float("nan"), p99,
                     delays[-1] if got else float("nan")))
    print(f"{args.communes} communes, load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print("| bulletin | communes aired | add command (s) | p50 (s) | p99 (s) | max (s) |")
    print("|---|---|---|---|---|---|")
    for ident, got, add_s, p50, p99, worst in rows:
        print(f"| {ident} | {got}/{args.communes} | {add_s:.2f} | {p50:.2f} | {p99:.2f} | {worst:.2f} |")
    if args.report_seconds > 0:
        reporters = [Reporter(name=listener.commune.name, base_url=base, state_dir=listener.commune.root / "var",
                              inbox=listener.commune.inbox, asrun=listener.commune.root / "var" / "asrun.sqlite",
                              audio_out=listener.commune.root / "audio_out", now=lambda: datetime.now(TZ),
                              engines=["espeak"], timeout_s=30) for listener in listeners]
        cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
        sent = 0
        gap = 60.0 / len(reporters)
        while time.monotonic() - t0 < args.report_seconds:
            for reporter in reporters:
                reporter.make()
                sent += reporter.send_queued()
                time.sleep(max(0.0, gap - 0.001))
                if time.monotonic() - t0 >= args.report_seconds:
                    break
        wall = time.monotonic() - t0
        cpu = cpu_seconds(server.pid) - cpu0
        print(f"reports: {sent} in {wall:.0f} s ({sent / wall * 60:.0f}/min); province process CPU "
              f"{cpu:.2f} s = {100 * cpu / wall:.1f}% of one core; peak RSS {peak_rss_mb(server.pid):.0f} MB; "
              f"load average {os.getloadavg()[0]:.2f}")
    for listener in listeners:
        listener.stopped.set()
    server.terminate()
    server.wait(10)


if __name__ == "__main__":
    main()
