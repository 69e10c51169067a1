"""First-audio lateness for 1, 2 and 4 outputs: gated players against a bare ffmpeg spawn at the slot, in one run.

`python benchmarks/bench_first_audio.py [--trials 30] [--spacing 5] [--hogs 2]` (part of `make bench`).

`--hogs N` starts N `yes > /dev/null` for the whole run (ended afterwards): the machine under load.

Each output is a PulseAudio null sink (`module-null-sink`, 48 kHz); its monitor is recorded
with `parec` from before the first slot to after the last. A recording's sample n is heard at
t0 + n/48000, t0 estimated as the smallest (read time − samples read so far / rate) over every
read, so the first non-silent sample of a tone gives the time the audio reached the sink: that
minus the slot time is the lateness.

- gated: the real daemon (APScheduler, SQLite log, `StationCore`) with one zone per sink, each
  a `GatedOutput` on `device:pulse:<sink>` (pacat); players armed `arm_s` before the slot, all
  released by one gate `release_s` before the slot, each player waiting to the slot itself with
  the real-time scheduling it could obtain (its line is printed). The log's start minus the
  heard start is reported too.
- bare: at the slot, `ffmpeg -i tone.wav -f pulse -device <sink>` spawned for each sink.

PulseAudio: a reachable server is used as it is; else one is started for the run (as root,
`pulseaudio --system` with an anonymous socket in a temporary folder) and ended afterwards.
Without pulseaudio/pactl/parec the bench says so and exits 0 (skipped, with the reason).
Run it `nice -n 10` on a shared machine; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATE = 48000
THRESHOLD = 300            # |sample| above this is sound (the tone peaks near 16000)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- PulseAudio -----------------------------------------------------------------------------------

def pulse_up() -> bool:
    return subprocess.run(["pactl", "info"], capture_output=True).returncode == 0


def start_pulse(folder: Path) -> subprocess.Popen | None:
    """A PulseAudio server for this run (None: one is already reachable)."""
    if pulse_up():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o777)            # system mode drops to the 'pulse' user, who must create the socket
    socket = folder / "native"
    mode = ["--system", "--disallow-exit"] if os.geteuid() == 0 else []
    proc = subprocess.Popen(["pulseaudio", *mode, "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes", "-n",
                             f"--load=module-native-protocol-unix auth-anonymous=1 auth-cookie-enabled=0 socket={socket}",
                             "--load=module-null-sink sink_name=bench_idle", f"--log-target=file:{folder / 'log'}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if socket.exists() and pulse_up():
            realtime_server(proc.pid)
            return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"skipped: PulseAudio did not start (see {folder / 'log'})")


def realtime_server(pid: int) -> None:
    """Every thread of the server SCHED_RR 9, what rtkit gives PulseAudio on a desktop (system mode cannot ask)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            os.sched_setscheduler(int(tid), os.SCHED_RR, os.sched_param(9))
        except OSError as exc:
            print(f"PulseAudio stays at normal priority: {exc}")
            return
    print("PulseAudio server: SCHED_RR 9 (as rtkit would give it)")


def null_sinks(n: int) -> tuple[list[str], list[str]]:
    """(sink names, module ids) of n new null sinks at 48 kHz."""
    names, modules = [], []
    for i in range(n):
        name = f"bench_out{i}"
        out = subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={name}", f"rate={RATE}"],
                             capture_output=True, text=True, check=True)
        names.append(name)
        modules.append(out.stdout.strip())
    return names, modules


class Recorder:
    """parec on a sink's monitor: every sample kept, with the (time, samples so far) of each read."""

    def __init__(self, sink: str) -> None:
        self.proc = subprocess.Popen(["parec", "-d", f"{sink}.monitor", "--raw", "--format=s16le", f"--rate={RATE}",
                                      "--channels=1", "--latency-msec=5"], stdout=subprocess.PIPE)
        self.data = bytearray()
        self.reads: list[tuple[float, int]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                return
            now = time.time()
            self.data += chunk
            self.reads.append((now, len(self.data) // 2))

    def stop(self) -> None:
        self.proc.terminate()
        self.thread.join(10)

    def onsets(self) -> list[float]:
        """Unix times at which a sound starts after at least 0.3 s of silence."""
        t0 = min(t - n / RATE for t, n in self.reads[len(self.reads) // 20:])   # skip the start-up reads
        samples = memoryview(bytes(self.data)).cast("h")
        found, quiet = [], RATE
        for i, value in enumerate(samples):
            if abs(value) > THRESHOLD:
                if quiet >= 0.3 * RATE:
                    found.append(t0 + i / RATE)
                quiet = 0
            else:
                quiet += 1
        return found


def lateness(onsets: list[float], slots: list[float]) -> list[float]:
    """Seconds from each slot to the first onset in [slot − 0.5 s, slot + 1.5 s] (a slot with none is left out)."""
    out = []
    for slot in slots:
        near = [o - slot for o in onsets if -0.5 <= o - slot <= 1.5]
        if near:
            out.append(min(near))
    return out


# --- the two ways -------------------------------------------------------------------------------

def tone(path: Path, whole_s: float = 0.4) -> Path:
    """0.4 s of 1 kHz, padded with silence to `whole_s` (ffmpeg -f pulse plays nothing of a file shorter than
    its pre-buffer: the server starts a stream once about 2 s are buffered)."""
    from broadcast.play.process import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=1000:duration=0.4,apad=whole_dur={whole_s}", "-ar", str(RATE), str(path)],
                   check=True)
    return path


def gated(sinks: list[str], trials: int, spacing: float, work: Path) -> tuple[list[float], list[float]]:
    """The daemon on the real clock, one zone per sink; (slot unix times, log start − slot in seconds)."""
    from broadcast.daemon import Daemon, PlayoutSettings, StationCore, fake_entry
    from broadcast.log.asrun import AsRunLog, iso
    from broadcast.play import SystemClock
    from broadcast.play.gated import GatedOutput

    clock = SystemClock()
    zones = [f"vung-{i}" for i in range(len(sinks))]
    first = clock.now().replace(microsecond=0) + timedelta(seconds=8)
    day = first.date()
    folder = work / "audio_out" / day.isoformat()
    folder.mkdir(parents=True)
    tone(folder / "tone.wav")
    programmes, slots = [], []
    for k in range(trials):
        start = first + timedelta(seconds=k * spacing)
        slots.append(start.timestamp())
        for zone in zones:
            entry = fake_entry(f"{day}-b{k:03d}-{zone}", f"b{k:03d}", start, "tone.wav", 0.4)
            programmes.append({**entry, "zones": [zone]})
    (folder / "manifest.json").write_text(json.dumps({"schema": 1, "date": day.isoformat(), "station": "bench",
                                                      "timezone": str(clock.tz), "generated_at": iso(clock.now()),
                                                      "programmes": programmes}), encoding="utf-8")
    settings = PlayoutSettings(prepare_s=min(5.0, spacing - 0.2), arm_s=min(5.0, spacing - 0.5))
    outputs = {zone: GatedOutput([f"device:pulse:{sink}"], zone=zone, clock=clock) for zone, sink in zip(zones, sinks)}
    log = AsRunLog(work / "asrun.sqlite", synchronous="NORMAL")
    core = StationCore(log=log, outputs=outputs, clock=clock, audio_out=work / "audio_out", settings=settings)
    daemon = Daemon(core, settings=settings)
    daemon.start()
    end = first + timedelta(seconds=trials * spacing + 8)
    while clock.now() < end:
        time.sleep(0.2)
    daemon.stop("đo xong")
    logged = [(datetime.fromisoformat(r["started_at"]) - datetime.fromisoformat(r["scheduled_at"])).total_seconds()
              for r in log.rows(day, day) if r["kind"] == "programme" and r["started_at"]]
    log.close()
    return slots, logged


def bare(sinks: list[str], trials: int, spacing: float, work: Path) -> list[float]:
    """At each slot, one `ffmpeg -f pulse` per sink spawned then; the slot unix times."""
    from broadcast.play.process import ffmpeg_exe

    path = tone(work / "tone.wav", whole_s=3.0)
    first = time.time() + 2.0
    slots, procs = [], []
    for k in range(trials):
        slot = first + k * spacing
        slots.append(slot)
        time.sleep(max(0.0, slot - time.time()))
        procs += [subprocess.Popen([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "pulse",
                                    "-device", sink, "bench"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                  for sink in sinks]
    for proc in procs:
        proc.wait()
    time.sleep(1.0)
    return slots


def stats(seconds: list[float]) -> str:
    """'median  p95  p99  max  share within 20 ms' in ms (with n < 100, p99 is the largest but one or two)."""
    if not seconds:
        return "      –        –        –        –      –"
    ms = sorted(s * 1000 for s in seconds)

    def pick(q: float) -> float:
        return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]

    within = sum(1 for x in ms if abs(x) <= 20.0) / len(ms)
    return f"{statistics.median(ms):7.1f} {pick(0.95):8.1f} {pick(0.99):8.1f} {ms[-1]:8.1f}  {within:5.0%}"


def start_hogs(n: int) -> list[subprocess.Popen]:
    """n `yes > /dev/null`: each takes a core for as long as the run lasts."""
    return [subprocess.Popen("exec yes > /dev/null", shell=True) for _ in range(n)]


def realtime_line() -> str:
    """What a gated player obtains here (the line it says when ready)."""
    code = ("from broadcast.play.realtime import Realtime; r = Realtime(); r.probe(); r.lock_memory(); "
            "print(r.describe())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return out.stdout.strip() or out.stderr.strip()[-200:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--hogs", type=int, default=0, help="CPU hogs (`yes > /dev/null`) running the whole time")
    parser.add_argument("--spacing", type=float, default=5.0, help="seconds between slots")
    parser.add_argument("--outputs", default="1,2,4")
    args = parser.parse_args()
    missing = [tool for tool in ("pulseaudio", "pactl", "parec", "pacat") if not shutil.which(tool)]
    if missing:
        print(f"first-audio bench skipped: {', '.join(missing)} not installed "
              "(apt-get install pulseaudio pulseaudio-utils)")
        return
    print(f"load average before: {load()}", flush=True)
    print(realtime_line(), flush=True)
    hogs = start_hogs(args.hogs)
    if hogs:
        print(f"{len(hogs)} CPU hog(s) started (yes > /dev/null)", flush=True)
    rows = []
    try:
        run_all(args, rows)
    finally:
        for hog in hogs:
            hog.terminate()
            hog.wait(10)
    print()
    print(f"first audio after the slot, heard on the null sinks' monitors, {args.hogs} CPU hog(s) "
          "(every output and slot; ms)")
    print("outputs  gated: median      p95      p99      max  ≤20ms    n  | bare ffmpeg: median      p95      p99      "
          "max  ≤20ms    n  | gated spread between outputs: median p95 p99 max | log − heard (median)")
    for n, g, gn, b, bn, sp, lh in rows:
        print(f"  {n}    {g} {gn:4d}  | {b} {bn:4d}  | {sp} | {lh}")
    print("target: gated first audio within 20 ms of the slot on every output")
    print(f"load average after: {load()}")


def run_all(args: argparse.Namespace, rows: list) -> None:
    """Every configuration, in one PulseAudio server, appending a row per output count."""
    with tempfile.TemporaryDirectory(prefix="broadcast-first-audio-") as tmp:
        work = Path(tmp)
        pulse_dir = Path(tempfile.mkdtemp(prefix="broadcast-pulse-"))     # not under the 0700 folder: 'pulse' enters it
        server = start_pulse(pulse_dir)
        try:
            for n in (int(x) for x in args.outputs.split(",")):
                sinks, modules = null_sinks(n)
                recorders = [Recorder(s) for s in sinks]
                time.sleep(1.0)
                try:
                    print(f"{n} output(s): gated daemon, {args.trials} slots…", flush=True)
                    slots, logged = gated(sinks, args.trials, args.spacing, work / f"gated{n}")
                    print(f"{n} output(s): bare ffmpeg spawn at the slot, {args.trials} slots…", flush=True)
                    (work / f"bare{n}").mkdir()
                    bare_slots = bare(sinks, args.trials, args.spacing, work / f"bare{n}")
                finally:
                    for r in recorders:
                        r.stop()
                    for module in modules:
                        subprocess.run(["pactl", "unload-module", module], capture_output=True)
                onsets = [r.onsets() for r in recorders]
                heard = [x for o in onsets for x in lateness([t for t in o if t < bare_slots[0] - 1], slots)]
                floor = [x for o in onsets for x in lateness(o, bare_slots)]
                spread = []          # per slot: last output heard − first output heard
                for slot in slots:
                    per = [lateness(o, [slot]) for o in onsets]
                    if all(per):
                        spread.append(max(p[0] for p in per) - min(p[0] for p in per))
                log_minus_heard = statistics.median(logged) - statistics.median(heard) if heard and logged else None
                rows.append((n, stats(heard), len(heard), stats(floor), len(floor), stats(spread),
                             f"{log_minus_heard * 1000:+.1f} ms" if log_minus_heard is not None else "–"))
                print(f"{n} output(s): logged start − slot (median p95 p99 max ≤20ms): {stats(logged)}", flush=True)
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)
            shutil.rmtree(pulse_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
