"""The station under its clusters' traffic, and what one receiver costs the 4G link per day.

`python benchmarks/bench_cluster_load.py [--receivers 50 200] [--seconds 90] [--day DIR]` (not a test).

A copy of the sample station serves its clusters (`broadcast clusters serve`, one process on
loopback). The receivers are cheap clients in this one asyncio process that speak the real
protocol: each is paired with a real one-time code and its own Ed25519 key, signs every request
(`protocol.signed_headers`: time, nonce, body hash), keeps one long poll open on `GET /day-kenh`
(`wait=25`, what `receiver run` does), sends a heartbeat every 30 s (the state a real receiver
sends) and its as-run rows. Their heartbeats are spread over the 30 s, as real receivers drift.
Measured over `--seconds`: the station process's CPU (utime + stime from /proc, % of one core)
and RSS (now and peak), and each request kind's bytes (request line, headers, body; answer).

The bytes per day for one receiver add up: heartbeats (2880), long polls (86400 / 25), the day's
sync (every `sync_s` = 600 s: the day listing with each day's manifest hash; a day held already is
not asked for again), its as-run rows, and the day's programmes (the files of one built day, `--day`, by default the
programmes' sizes the sample day's manifest states). TCP/IP overhead is estimated, not captured:
a new connection per request (urllib), about 10 packets of 52 bytes of headers each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from broadcast.clusters import protocol  # noqa: E402
from broadcast.clusters.registry import ClusterRegistry  # noqa: E402

WAIT_S, HEARTBEAT_S, SYNC_S = 25, 30, 600
TCP_OVERHEAD = 10 * 52          # bytes per request: handshake, ACKs, FIN (estimated)
HEARTBEAT = {"version": "0.1.0", "online": True, "zone": "toan-xa", "playing": None, "clock_offset_s": 0.012,
             "disk_free_mb": 5210, "ntp": "synced", "last_fault": None, "notes": [], "level": None,
             "control": {"volume": 80}, "monitor": None, "orders_done": [],
             "days": ["2026-12-06", "2026-12-07", "2026-12-08"]}
ROW = {"uid": "2026-12-07/2026-12-07-sang/toan-xa", "date": "2026-12-07", "programme_id": "2026-12-07-sang",
       "title": "Chương trình phát thanh buổi sáng", "zone": "toan-xa", "cluster": "cum-001",
       "scheduled_at": "2026-12-07T05:30:00+07:00", "started_at": "2026-12-07T05:30:00.104+07:00",
       "interrupted_by": [], "ended_at": "2026-12-07T05:50:55.626+07:00", "status": "played", "error": None,
       "levels": {"seconds": 1255, "rms_db": -19.8, "peak_db": -1.2, "silent_s": 3}}


class Client:
    """One receiver's traffic, signed with its own key; counts the bytes of each kind of request."""

    def __init__(self, port: int, name: str, key: Ed25519PrivateKey, counts: dict) -> None:
        self.port, self.name, self.key, self.counts = port, name, key, counts

    async def request(self, kind: str, method: str, path: str, body: bytes = b"", timeout: float = 60) -> bytes:
        headers = {**protocol.signed_headers(self.name, self.key, method, path, body), "Host": "127.0.0.1",
                   "Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close",
                   "User-Agent": "Python-urllib/3.11", "Accept-Encoding": "identity"}
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(head.encode("utf-8") + body)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout)
        finally:
            writer.close()
        sent, got = len(head) + len(body), len(answer)
        total = self.counts.setdefault(kind, [0, 0, 0])
        total[0], total[1], total[2] = total[0] + 1, total[1] + sent, total[2] + got
        if not answer.startswith(b"HTTP/1.") or answer.split(b" ", 2)[1] != b"200":
            raise RuntimeError(f"{kind}: {answer[:200]!r}")
        return answer.split(b"\r\n\r\n", 1)[1]

    async def poll(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.request("long poll", "GET", f"/day-kenh?after=0&wait={WAIT_S}", timeout=WAIT_S + 15)

    async def beat(self, stop: asyncio.Event, first: float) -> None:
        await asyncio.sleep(first)
        while not stop.is_set():
            await self.request("heartbeat", "POST", "/heartbeat", json.dumps(HEARTBEAT).encode("utf-8"))
            await asyncio.sleep(HEARTBEAT_S)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def load(port: int, clients: list[Client], seconds: float) -> dict:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.poll(stop)) for c in clients]
    tasks += [asyncio.create_task(c.beat(stop, random.uniform(0, HEARTBEAT_S))) for c in clients]
    await asyncio.sleep(seconds)
    stop.set()
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return {"errors": [r for r in results if isinstance(r, Exception) and not isinstance(r, asyncio.CancelledError)]}


async def one_sync(client: Client, days: list[str]) -> None:
    """A first sync (listing, manifest, signature) and one of a day held already (the listing only)."""
    await client.request("sync: day list", "GET", "/ngay/")
    for day in days:
        await client.request("sync: manifest", "GET", f"/ngay/{day}/manifest.json")
        await client.request("sync: signature", "GET", f"/ngay/{day}/manifest.json.sig")
    await client.request("as-run", "POST", "/asrun", json.dumps({"rows": [ROW]}).encode("utf-8"))


def station_copy(work: Path, day: Path | None) -> Path:
    station = work / "station"
    station.mkdir()
    for name in ("scripts_vi", "schedules"):
        shutil.copytree(ROOT / name, station / name)
    shutil.copy2(ROOT / "broadcast.toml", station / "broadcast.toml")
    if day is not None:                 # the manifest only: what a sync moves besides the programmes
        target = station / "audio_out" / day.name
        target.mkdir(parents=True)
        shutil.copy2(day / "manifest.json", target / "manifest.json")
    return station


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivers", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--seconds", type=float, default=90.0, help="how long each load is measured")
    parser.add_argument("--day", type=Path, help="a built day folder (audio_out/DAY) for the programmes' bytes")
    args = parser.parse_args()
    day = args.day
    for n in args.receivers:
        work = Path(tempfile.mkdtemp(prefix="bench-cluster-load-"))
        station = station_copy(work, day)
        server = subprocess.Popen([sys.executable, "-m", "broadcast", "--station", str(station), "clusters", "serve",
                                   "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=work)
        try:
            port = int(re.search(r":(\d+)", server.stdout.readline()).group(1))
            registry = ClusterRegistry(station / "var" / "cum-loa")
            counts: dict = {}
            clients = []
            for i in range(n):
                name, key = f"cum-{i + 1:03d}", Ed25519PrivateKey.generate()
                registry.pair(registry.add(name, "toan-xa"), protocol.public_text(key.public_key()))
                clients.append(Client(port, name, key, counts))
            if day is not None:
                asyncio.run(one_sync(clients[0], [day.name]))
            idle_rss = memory_mb(server.pid, "VmRSS")
            before, started = cpu_seconds(server.pid), time.monotonic()
            outcome = asyncio.run(load(port, clients, args.seconds))
            used, spent = cpu_seconds(server.pid) - before, time.monotonic() - started
            print(f"{n} receivers, heartbeat every {HEARTBEAT_S} s, long poll {WAIT_S} s, {spent:.0f} s measured: "
                  f"station CPU {100 * used / spent:.1f} % of one core, RSS {idle_rss:.0f} MB idle -> "
                  f"{memory_mb(server.pid, 'VmRSS'):.0f} MB (peak {memory_mb(server.pid, 'VmHWM'):.0f} MB), "
                  f"threads {len(os.listdir(f'/proc/{server.pid}/task'))}, errors {len(outcome['errors'])}"
                  + (f" (first: {outcome['errors'][0]!r})" if outcome["errors"] else ""))
            print(f"  load average: {open('/proc/loadavg').read().strip()}")
            if n == args.receivers[-1]:
                per_day(counts, day)
            registry.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(work, ignore_errors=True)
    return 0


def per_day(counts: dict, day: Path | None) -> None:
    """One receiver's bytes on the 4G link per day, from the sizes measured."""
    def mean(kind: str) -> float:
        number, sent, got = counts.get(kind, (0, 0, 0))
        return (sent + got) / number + TCP_OVERHEAD if number else 0.0

    per = {"heartbeats": (86400 / HEARTBEAT_S, mean("heartbeat")),
           "long polls (nothing pushed)": (86400 / WAIT_S, mean("long poll"))}
    if day is not None:
        manifest = json.loads((day / "manifest.json").read_text(encoding="utf-8"))
        syncs = 86400 / SYNC_S
        per["day sync: listing with the days' hashes"] = (syncs, mean("sync: day list"))
        per["day sync: the next day's manifest + signature"] = (1, mean("sync: manifest") + mean("sync: signature"))
        per["  (before: manifests + signatures every sync)"] = (
            0, 2 * syncs * (mean("sync: manifest") + mean("sync: signature")))
        programmes = manifest.get("programmes", [])
        per["as-run posts (one per programme)"] = (len(programmes), mean("as-run"))
        per[f"programmes ({len(programmes)} files, once)"] = (1, sum(int(p.get("bytes") or 0) for p in programmes))
    print("one receiver, bytes per day on the 4G link:")
    total = 0.0
    for what, (number, size) in per.items():
        if not number:                  # a comparison line, not counted
            print(f"  {what:<46} {'':>22} {size / 1e6:8.2f} MB a day")
            continue
        total += number * size
        print(f"  {what:<46} {number:>7.0f} x {size:>10.0f} B = {number * size / 1e6:8.2f} MB")
    print(f"  {'total':<46} {'':>22} {total / 1e6:8.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
