"""First-audio lateness for 1, 2 and 4 outputs: the gated player (libpulse, and pacat as on main) against a bare ffmpeg spawn, in one run.

`nice -n 10 python benchmarks/bench_first_audio.py [--trials 30] [--spacing 5] [--hogs 2] [--outputs 1,2,4]
[--modes libpulse,pacat,bare]` (part of `make bench`). The last table is the result: for each output
count and way, median/p95/p99/max lateness in ms, the share within 20 ms and n.

`--hogs N` starts N `yes > /dev/null` for the whole run (ended afterwards): the machine under load.
They inherit the bench's nice, as the daemon and its players do (the daemon's scheduling and the
players' start-up are ordinary work: hogs at nice 0 under a bench at nice 10 starve them for
seconds, which measures the nice, not the start).

The sound server is set up as `deploy/pulseaudio/` documents for a station: the bench starts its
own PulseAudio (system mode as root, an anonymous socket in a temporary folder, no pid file, so it
never meets another server) with `PULSE_CONFIG=deploy/pulseaudio/daemon.conf` (high-priority,
nice -11, realtime-scheduling at priority 9). Where the server could not make its threads real-time
itself (its 'pulse' user has no RLIMIT_RTPRIO in a container without CAP_SYS_RESOURCE), the bench
gives them SCHED_RR 9 from outside, as rtkit or the unit's `LimitRTPRIO=9` would; the threads'
scheduling is printed after the sinks are loaded. A reachable server (PULSE_SERVER) is used as it is.

Each output is a null sink (`module-null-sink`, 48 kHz); its monitor is recorded by `parec
--latency-msec=5` from before the first slot to after the last. When the audio arrived is taken
from the recording's sample positions, not from when parec handed them over: a null sink consumes
its inputs on the server's clock, so the monitor's sample n was produced at t0 + n/48000. t0 is
estimated as the smallest (read time − samples read so far / 48000) over every read: each read's
value is t0 plus how late that read came, so the smallest is t0 plus the recorder's best latency
(≥ 0: the estimate can only make the audio look later, never earlier, except by what the null sink
renders ahead of its clock, at most its latency, 5 ms here). The onset of a tone (first sample above
300 after ≥ 0.3 s of silence) minus the slot is the lateness. The recorder's own delay (the read
that brought the onset minus the onset) is printed beside it, counted in neither.

Ways, each with `--trials` slots `--spacing` seconds apart, in one run, one after the other on the
same sinks:
- libpulse: the real daemon (APScheduler, SQLite log, `StationCore`) with one zone per sink, each a
  `GatedOutput` on `device:pulse:<sink>`: the player writes to the server itself (`broadcast.play.pulse`),
  its stream pre-filled corked and uncorked at the slot. Players armed `arm_s` before the slot, all
  released by one gate `release_s` before it, each waiting to the slot itself with the real-time
  scheduling it could obtain (its line is printed). Besides heard − slot, "heard − logged start" is
  each output's first audio minus the as-run start of that play (the player's first write): the audio
  path alone, apart from a start the daemon made late; the logged start − slot is printed per way.
- pacat: the same daemon with the output piped to `pacat --latency-msec=20` (main's code path, and
  the fall-back where libpulse is missing).
- bare: at the slot, `ffmpeg -i tone.wav -f pulse -device <sink>` spawned for each sink.

Without pulseaudio/pactl/parec the bench says so and exits 0 (skipped, with the reason).
Run it `nice -n 10` on a shared machine; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATE = 48000
RESET_ON_FORK = 0x40000000  # SCHED_RESET_ON_FORK, or-ed into the policy PulseAudio gives its threads
THRESHOLD = 300            # |sample| above this is sound (the tone peaks near 16000)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- PulseAudio -----------------------------------------------------------------------------------

def pulse_up() -> bool:
    return subprocess.run(["pactl", "info"], capture_output=True).returncode == 0


def start_pulse(folder: Path) -> subprocess.Popen | None:
    """A PulseAudio server for this run, set up as deploy/pulseaudio/ says (None: one is already reachable)."""
    if pulse_up():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o777)            # system mode drops to the 'pulse' user, who must create the socket
    socket = folder / "native"
    mode = ["--system", "--disallow-exit"] if os.geteuid() == 0 else []
    env = {**os.environ, "PULSE_CONFIG": str(ROOT / "deploy" / "pulseaudio" / "daemon.conf")}
    proc = subprocess.Popen(["pulseaudio", *mode, "--daemonize=no", "--use-pid-file=no", "--disable-shm=yes", "-n",
                             f"--load=module-native-protocol-unix auth-anonymous=1 auth-cookie-enabled=0 socket={socket}",
                             "--load=module-null-sink sink_name=bench_idle", f"--log-target=file:{folder / 'log'}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if socket.exists() and pulse_up():
            return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"skipped: PulseAudio did not start (see {folder / 'log'})")


def realtime_server(pid: int) -> str:
    """Every thread of the server real-time (SCHED_RR 9, daemon.conf's realtime-priority) when it could not do it
    itself; what its threads have, as one line."""
    given = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            if os.sched_getscheduler(int(tid)) & ~RESET_ON_FORK == os.SCHED_OTHER:
                os.sched_setscheduler(int(tid), os.SCHED_RR, os.sched_param(9))
                given += 1
        except OSError:
            pass
    threads = []
    for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            policy = {os.SCHED_OTHER: "TS", os.SCHED_RR: "RR", os.SCHED_FIFO: "FIFO"}.get(
                os.sched_getscheduler(int(tid)) & ~RESET_ON_FORK, "?")
            threads.append(f"{name} {policy} {os.sched_getparam(int(tid)).sched_priority} nice "
                           f"{os.getpriority(os.PRIO_PROCESS, int(tid))}")
        except OSError:
            pass
    note = f" ({given} given SCHED_RR 9 by the bench, as rtkit would)" if given else ""
    return "PulseAudio threads: " + "; ".join(threads) + note


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

    def onsets(self) -> list[tuple[float, float]]:
        """(unix time, recorder delay s) of every sound that starts after at least 0.3 s of silence: the time from the
        sample's position (see the module docstring), the delay from the read that brought it."""
        t0 = min(t - n / RATE for t, n in self.reads[len(self.reads) // 20:])   # skip the start-up reads
        loud = np.flatnonzero(np.abs(np.frombuffer(bytes(self.data), dtype="<i2").astype(np.int32)) > THRESHOLD)
        gaps = np.diff(loud, prepend=-RATE)          # samples since the previous loud one (the first: after silence)
        found = loud[gaps > 0.3 * RATE].tolist()
        out, reads = [], iter(self.reads)
        read = next(reads, None)
        for i in found:
            while read is not None and read[1] <= i:
                read = next(reads, None)
            out.append((t0 + i / RATE, (read[0] - (t0 + i / RATE)) if read else float("nan")))
        return out


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


def gated(sinks: list[str], trials: int, spacing: float, work: Path, *,
          libpulse: bool) -> tuple[list[float], list[tuple[float, float]]]:
    """The daemon on the real clock, one zone per sink; (slot unix times, (slot, logged start) unix times per row)."""
    from broadcast.daemon import Daemon, PlayoutSettings, StationCore, fake_entry
    from broadcast.log.asrun import AsRunLog, iso
    from broadcast.play import SystemClock
    from broadcast.play.gated import GatedOutput

    clock = SystemClock()
    zones = [f"vung-{i}" for i in range(len(sinks))]
    first = clock.now().replace(microsecond=0) + timedelta(seconds=12)     # the daemon up and warm first
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
    outputs = {zone: GatedOutput([f"device:pulse:{sink}"], zone=zone, clock=clock, libpulse=libpulse)
               for zone, sink in zip(zones, sinks)}
    log = AsRunLog(work / "asrun.sqlite", synchronous="NORMAL")
    core = StationCore(log=log, outputs=outputs, clock=clock, audio_out=work / "audio_out", settings=settings)
    daemon = Daemon(core, settings=settings)
    daemon.start()
    end = first + timedelta(seconds=trials * spacing + 8)
    while clock.now() < end:
        time.sleep(0.2)
    daemon.stop("đo xong")
    logged = [(datetime.fromisoformat(r["scheduled_at"]).timestamp(), datetime.fromisoformat(r["started_at"]).timestamp())
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


MODES = ("libpulse", "pacat", "bare")
WAYS = {"libpulse": "gated, libpulse (this branch)", "pacat": "gated, pacat (main)", "bare": "bare ffmpeg spawn"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--hogs", type=int, default=0, help="CPU hogs (`yes > /dev/null`) running the whole time")
    parser.add_argument("--spacing", type=float, default=5.0, help="seconds between slots")
    parser.add_argument("--outputs", default="1,2,4")
    parser.add_argument("--modes", default=",".join(MODES), help="ways to compare: libpulse, pacat, bare")
    args = parser.parse_args()
    args.modes = [m for m in args.modes.split(",") if m in MODES]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))     # `kill` ends the hogs and the server too
    missing = [tool for tool in ("pulseaudio", "pactl", "parec", "pacat") if not shutil.which(tool)]
    if missing:
        print(f"first-audio bench skipped: {', '.join(missing)} not installed "
              "(apt-get install pulseaudio pulseaudio-utils)")
        return
    print(f"load average before: {load()}; bench nice {os.getpriority(os.PRIO_PROCESS, 0)}", flush=True)
    print(realtime_line(), flush=True)
    hogs = start_hogs(args.hogs)
    if hogs:
        print(f"{len(hogs)} CPU hog(s) started (yes > /dev/null, nice {os.getpriority(os.PRIO_PROCESS, hogs[0].pid)})",
              flush=True)
    rows: list[tuple] = []
    try:
        run_all(args, rows)
    finally:
        for hog in hogs:
            hog.terminate()
            hog.wait(10)
    print()
    print(f"first audio after the slot, heard on the null sinks' monitors, {args.hogs} CPU hog(s), "
          f"{args.trials} slots {args.spacing:g} s apart (every output and slot; ms)")
    print("outputs  way                             median      p95      p99      max  ≤20ms    n | "
          "spread between outputs: median p95 p99 max ≤20ms | heard − logged start: median p95 p99 max ≤20ms | "
          "recorder delay (median, max; not counted)")
    for row in rows:
        print("  {}      {:<30} {} {:4d} | {} | {} | {}".format(*row))
    print("target: gated first audio within 20 ms of the slot on every output, p99")
    print(f"load average after: {load()}")


def run_all(args: argparse.Namespace, rows: list) -> None:
    """Every configuration, in one PulseAudio server, appending a row per output count and way."""
    with tempfile.TemporaryDirectory(prefix="broadcast-first-audio-") as tmp:
        work = Path(tmp)
        pulse_dir = Path(tempfile.mkdtemp(prefix="broadcast-pulse-"))     # not under the 0700 folder: 'pulse' enters it
        server = start_pulse(pulse_dir)
        try:
            for n in (int(x) for x in args.outputs.split(",")):
                sinks, modules = null_sinks(n)
                if server is not None:
                    print(realtime_server(server.pid), flush=True)
                recorders = [Recorder(s) for s in sinks]
                time.sleep(1.0)
                windows, logs = {}, {}
                try:
                    for mode in args.modes:
                        print(f"{n} output(s): {WAYS[mode]}, {args.trials} slots…", flush=True)
                        (work / f"{mode}{n}").mkdir()
                        if mode == "bare":
                            windows[mode] = bare(sinks, args.trials, args.spacing, work / f"{mode}{n}")
                        else:
                            windows[mode], logs[mode] = gated(sinks, args.trials, args.spacing, work / f"{mode}{n}",
                                                              libpulse=mode == "libpulse")
                            print(f"{n} output(s), {mode}: logged start − slot (median p95 p99 max ≤20ms): "
                                  f"{stats([b - a for a, b in logs[mode]])}", flush=True)
                finally:
                    for r in recorders:
                        r.stop()
                    for module in modules:
                        subprocess.run(["pactl", "unload-module", module], capture_output=True)
                found = [r.onsets() for r in recorders]
                for mode, slots in windows.items():
                    rows.append((n, WAYS[mode], *summary(found, slots, logs.get(mode))))
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)
            shutil.rmtree(pulse_dir, ignore_errors=True)


def summary(found: list[list[tuple[float, float]]], slots: list[float],
            logged: list[tuple[float, float]] | None) -> tuple:
    """(stats, n, spread between outputs, heard − logged start, recorder delay) of one way's slots on every sink."""
    inside = [[o for o in per if slots[0] - 1 <= o[0] <= slots[-1] + 2] for per in found]
    onsets = [[t for t, _ in per] for per in inside]
    heard = [x for o in onsets for x in lateness(o, slots)]
    delays = sorted(d * 1000 for per in inside for _, d in per if d == d)
    spread = []          # per slot: last output heard − first output heard
    for slot in slots:
        per = [lateness(o, [slot]) for o in onsets]
        if all(per):
            spread.append(max(p[0] for p in per) - min(p[0] for p in per))
    # the audio path alone: each output's first audio after the play's logged start (the first write), whatever
    # made that start late (the daemon's own scheduling, a player armed late)
    after_write = [x for _, start in logged or [] for o in onsets for x in lateness(o, [start])]
    recorder = f"{statistics.median(delays):.1f}, {delays[-1]:.1f} ms" if delays else "–"
    return stats(heard), len(heard), stats(spread), stats(after_write) if logged else "–", recorder

if __name__ == "__main__":
    main()
