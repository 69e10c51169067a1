"""The gated player process: decode, open every output, pre-fill, wait on the gate, then feed them all at once.

Run as `python -m broadcast.play.gate CONFIG_JSON` by `broadcast.play.gated` before a slot (or with
`-` as a spare started ahead, `broadcast.play.spare`: its plays come one after another as messages
on stdin, a Unix socket, each with its gate's fd). It:

1. starts ffmpeg decoding the programme to raw PCM (s16le) on a pipe, or, for a PCM WAV already
   in the play's format (`pcm`: a receiver's urgent, decoded once at the station), reads the
   file as it is (`broadcast.play.pcmfile`, nothing spawned); and reads the first `prefill_s`
   of it into memory;
2. opens each sink: a file (a WAV written as the audio is handed over), null (discard), a
   PulseAudio stream of its own (`broadcast.play.pulse`: opened corked, the pre-filled audio
   written into the server's buffer now, uncorked at the slot), or a process reading PCM on its
   stdin (pacat without libpulse, aplay, or ffmpeg to a sound card or an Icecast mount). A sink
   marked `keepalive` (ffmpeg: it opens its device only once data flows) is fed silence, in real
   time, until the gate opens;
3. locks its memory, says `ready <what scheduling it obtained, in Vietnamese>` on stdout and
   waits on the gate fd, its main thread real-time (`broadcast.play.realtime`): `G` releases it
   now, `T` at the slot's time `at` (the daemon releases a slot ahead of it: the player sleeps
   to just before the slot and spins to it), end of file without a byte cancels it (the
   parent discarded this play, or died);
4. hands the pre-filled audio to every sink at once, says `started <unix time>` (the time
   the first buffer was handed over: what the as-run log records), and feeds the rest;
5. every second writes its position (seconds of the programme handed over) to the position
   file, atomically, so a restart after a crash closes the row where the audio really was;
   When the config names a `levels` file, the RMS and peak (dBFS) of each second of PCM handed
   over are appended to it as JSON lines (what was really on air, for a cluster's receiver);
6. says `sink-failed <n> <why>` when one sink fails (the others play on) and finally
   `done played|failed|interrupted [why]`. SIGTERM stops it ('interrupted').
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from broadcast.audio.wavheader import wav_header
from broadcast.play.realtime import SPIN_S, Realtime, prefault, wait_until

CHUNK_S = 0.02            # one write to the sinks: 20 ms of audio
FIRST_BYTES = 16384       # at the gate, this much (85 ms at 48 kHz stereo) goes to a process sink at once
STALL_S = 5.0             # a sink that takes no audio for this long has failed
_stopping = threading.Event()     # this play stops (SIGTERM; a spare's stop message)
_ending = threading.Event()       # the process ends (SIGTERM)
_connections: list[Any] = []      # PulseAudio connections of this play (closed when it ends)


def say(line: str) -> None:
    sys.stdout.write(line.replace("\n", " ") + "\n")
    sys.stdout.flush()


class Sink:
    """One output of this play; `write()` never raises: a failure marks the sink failed."""

    def __init__(self, index: int, spec: dict[str, Any], rate: int, channels: int) -> None:
        self.index, self.spec, self.rate, self.channels = index, spec, rate, channels
        self.kind = spec["kind"]
        self.label = spec.get("label") or self.kind
        self.failed: str | None = None
        self.written = 0                      # bytes of programme audio handed to the output
        self.keepalive = bool(spec.get("keepalive"))
        self.closing = False
        self._file = None
        self._proc: subprocess.Popen | None = None
        self._err = None
        self._queue: queue.Queue = queue.Queue(maxsize=max(4, int(2.0 / CHUNK_S)))
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()        # one writer to the process at a time, in order
        self._pending = 0                    # buffers queued and not yet written

    def open(self) -> None:
        try:
            if self.kind == "file":
                path = Path(self.spec["path"])
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(path, "wb")        # noqa: SIM115 - closed in close()
                self._file.write(wav_header(rate=self.rate, channels=self.channels, sample_width=2, data_bytes=0))
                self._file.flush()
            elif self.kind == "pipe":
                from broadcast.play.child import popen

                self._err = tempfile.TemporaryFile()
                self._proc = popen(self.spec["cmd"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=self._err)
                self._thread = threading.Thread(target=self._feed, daemon=True, name=f"sink-{self.index}")
                self._thread.start()
        except OSError as exc:
            self.fail(f"không mở được: {exc}")

    def fail(self, why: str) -> None:
        if self.closing or _stopping.is_set():
            return                       # a sink ended on purpose (stop, cancel) has not failed
        if self.failed is None:
            self.failed = why
            say(f"sink-failed {self.index} {why}")

    def write(self, data: bytes, *, programme: bool = True) -> None:
        if self.failed is not None:
            return
        if self.kind == "file":
            try:
                self._file.write(data)
                self._file.flush()
            except OSError as exc:
                self.fail(f"không ghi được: {exc}")
                return
        elif self.kind == "pipe":
            with self._lock:
                self._pending += 1
            try:
                self._queue.put((data, programme), timeout=STALL_S)
            except queue.Full:
                with self._lock:
                    self._pending -= 1
                self.fail(f"đầu ra không nhận tiếng trong {STALL_S:.0f} giây")
            return
        if programme:
            self.written += len(data)

    def first(self, data: bytes) -> None:
        """The gate's first buffer: its head written to the process from this thread at once (no hand-over
        to the feeder thread when nothing is queued before it), the rest queued."""
        if self.kind == "pipe" and self.failed is None:
            head = data[:FIRST_BYTES]
            with self._lock:
                if self._pending == 0:
                    try:
                        self._proc.stdin.write(head)
                        self._proc.stdin.flush()
                        self.written += len(head)
                        data = data[len(head):]
                    except OSError:
                        pass             # the feeder finds the failure and says why
        if data:
            self.write(data)

    def _feed(self) -> None:
        while True:
            data, programme = self._queue.get()
            if data is None:
                break
            with self._lock:
                self._pending -= 1
                if self._proc.poll() is not None:
                    failed = True
                else:
                    try:
                        self._proc.stdin.write(data)
                        self._proc.stdin.flush()
                        failed = False
                    except (BrokenPipeError, OSError):
                        failed = True
                    if programme and not failed:
                        self.written += len(data)
            if failed:
                self.fail(self._why())
                break
        while not self._queue.empty():          # unblock a writer after a failure
            self._queue.get_nowait()

    def _why(self) -> str:
        code = None
        try:
            code = self._proc.wait(2)
        except subprocess.TimeoutExpired:
            pass
        self._err.seek(0)
        tail = self._err.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        return f"{Path(self.spec['cmd'][0]).name} thoát với mã {code}" + (f": {tail[-1]}" if tail else "")

    def close(self, *, abort: bool = False) -> None:
        if self.kind == "file" and self._file is not None:
            try:
                self._file.seek(0)
                self._file.write(wav_header(rate=self.rate, channels=self.channels, sample_width=2,
                                             data_bytes=self.written))
                self._file.close()
                if abort and self.written == 0:
                    Path(self.spec["path"]).unlink(missing_ok=True)     # cancelled before the gate: nothing aired
            except OSError as exc:
                self.fail(f"không ghi được: {exc}")
        elif self.kind == "pipe" and self._proc is not None:
            if abort:
                self.closing = True
                self._proc.terminate()
            if self._thread is not None and self.failed is None and not abort:
                try:
                    self._queue.put((None, False), timeout=STALL_S)
                except queue.Full:
                    pass
                self._thread.join(STALL_S + 30.0)
                if self._thread.is_alive():      # the output takes no more audio: end it
                    self.fail(f"đầu ra không nhận tiếng trong {STALL_S:.0f} giây")
                    self._proc.kill()
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                code = self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                code = self._proc.wait()
            if code != 0 and not abort:
                self.fail(self._why())


def run(config: dict[str, Any]) -> int:
    rate, channels = int(config.get("rate", 48000)), int(config.get("channels", 2))
    per_s = rate * channels * 2
    chunk = int(per_s * CHUNK_S) // (channels * 2) * (channels * 2)
    from broadcast.play.airfiles import Levels, Position
    from broadcast.play.child import popen

    derr = tempfile.TemporaryFile()
    if config.get("pcm"):                         # a PCM WAV in this play's format: read as it is, nothing spawned
        from broadcast.play.pcmfile import PcmSource

        decoder: Any = PcmSource(config["source"], offset_s=float(config.get("offset_s") or 0.0),
                                 limit_s=config.get("limit_s"), volume=config.get("volume"))
    else:
        decode = [config["ffmpeg"], "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"]
        if config.get("offset_s"):
            decode += ["-ss", f"{float(config['offset_s']):.3f}"]
        if config.get("limit_s") is not None:
            decode += ["-t", f"{float(config['limit_s']):.3f}"]
        decode += ["-i", config["source"], "-vn"]
        if config.get("volume") is not None:
            decode += ["-af", f"volume={float(config['volume']):.3f}"]
        decode += ["-f", "s16le", "-ar", str(rate), "-ac", str(channels), "pipe:1"]
        decoder = popen(decode, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=derr)
    rt = Realtime()
    rt.probe()                                    # what the final wait may have; nothing changes yet
    threading.stack_size(256 * 1024)              # the feeders' stacks, locked with the rest: keep them small
    prefill = _read(decoder.stdout, int(per_s * float(config.get("prefill_s", 0.5))))
    sinks = make_sinks(config["sinks"], rate, channels)
    for sink in sinks:
        sink.open()
    for sink in sinks:
        if sink.kind == "pulse":
            sink.arm(prefill)                     # into the sound server's buffer, the stream corked
    position = Position(config.get("position"), {"programme_id": config.get("programme_id"),
                                                 "zone": config.get("zone")})
    if config.get("realtime", True):
        rt.lock_memory(touched=config.get("lock") == "touched")
    else:
        rt.policy = "normal"
    prefault(prefill)
    say(f"ready {rt.describe()}")
    # The final wait, this thread only: blocked on the gate, woken at once by it. Not the feeder threads
    # (a real-time thread waiting for the GIL held by the normal decoding loop starves the audio) nor the
    # sinks' processes (pacat above the sound server's own priority made every play seconds late).
    rt.enter([c.tid for c in _connections if c.tid])     # and libpulse's main loop thread (no GIL: C only)
    released = _wait_gate(int(config["gate_fd"]), sinks, chunk, config.get("at"), rt)
    if released is None:
        rt.leave()
        for sink in sinks:
            sink.close(abort=True)
        decoder.kill()
        say("done cancelled")
        return 0
    if _stopping.is_set():
        rt.leave()
        return _finish(sinks, decoder, derr, "interrupted")
    started = time.time()
    for sink in sorted(sinks, key=lambda s: s.kind != "pulse"):     # the pre-filled audio, to every output at once
        sink.first(prefill)
    rt.leave()                                   # the first writes are done: decoding is ordinary work
    say(f"started {started:.6f}")
    levels = Levels(config.get("levels"), per_s)
    levels.add(prefill)
    offset = float(config.get("offset_s") or 0.0)
    handed = len(prefill)
    position.write(0.0, offset, started, force=True)
    pace = bool(config.get("pace")) and not any(s.kind in ("pipe", "pulse") for s in sinks)
    begin = time.monotonic()
    while not _stopping.is_set():
        if pace:
            ahead = handed / per_s - (time.monotonic() - begin)
            if ahead > 0.1:
                _stopping.wait(ahead - 0.1)
                continue
        data = _read(decoder.stdout, chunk)
        if not data:
            break
        for sink in sinks:
            sink.write(data)
        levels.add(data)
        handed += len(data)
        if all(s.failed for s in sinks):
            decoder.kill()               # nothing takes the audio: stop decoding (it would block on a full pipe)
            return _finish(sinks, decoder, derr, "failed")
        live = [s.written for s in sinks if not s.failed] or [handed]
        position.write(min(live) / per_s, offset, started)
    position.write(handed / per_s, offset, started, force=True)
    levels.close()
    return _finish(sinks, decoder, derr, "interrupted" if _stopping.is_set() else "played")


def make_sinks(specs: list[dict[str, Any]], rate: int, channels: int) -> list[Any]:
    """The play's sinks: `Sink`s, and a `PulseSink` per "pulse" spec, all of these on one connection."""
    from broadcast.play.pulse import PulseConnection, PulseSink, library

    connection = None
    if any(spec["kind"] == "pulse" for spec in specs) and library() is not None:
        connection = PulseConnection(library())
        _connections.append(connection)
    return [PulseSink(n, spec, rate, channels, connection, say) if spec["kind"] == "pulse"
            else Sink(n, spec, rate, channels) for n, spec in enumerate(specs)]


def _wait_gate(gate: int, sinks: list[Sink], chunk: int, at: float | None, rt: Realtime) -> bool | None:
    """Wait on the gate feeding silence to keepalive sinks: True released (at once on 'G', at `at` on 'T',
    the real-time part being only that final wait and the first writes), None cancelled (end of file)."""
    silence = b"\0" * chunk
    keep = [s for s in sinks if s.keepalive]
    ticks, t0 = 0, time.monotonic()
    release_at: float | None = None
    while not _stopping.is_set():
        waits = [1.0]
        if keep:
            waits.append(t0 + ticks * CHUNK_S - time.monotonic())
        if release_at is not None:
            waits.append(release_at - SPIN_S - time.time())
            if waits[-1] <= 0:
                wait_until(release_at, _stopping)
                return True
        readable, _, _ = select.select([] if release_at is not None else [gate], [], [], max(0.0, min(waits)))
        if readable:
            token = os.read(gate, 1)
            if token == b"G":
                return True
            if token != b"T":
                return None
            release_at = float(at) if at else time.time()
            continue
        if keep and time.monotonic() >= t0 + ticks * CHUNK_S:
            for sink in keep:
                sink.write(silence, programme=False)
            ticks += 1
    return True


def _finish(sinks: list[Sink], decoder: subprocess.Popen, derr: Any, status: str) -> int:
    aborted = status == "interrupted"
    if aborted and decoder.poll() is None:
        decoder.terminate()
        decoder.stdout.close()      # nobody reads on: an ffmpeg blocked writing to the pipe would never exit
    for sink in sinks:
        sink.close(abort=aborted)
    code = decoder.wait()
    if status == "failed":
        say("done failed " + "; ".join(f"{s.label}: {s.failed}" for s in sinks))
        return 0
    if status == "played" and code != 0:
        derr.seek(0)
        tail = derr.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        say(f"done failed ffmpeg thoát với mã {code}" + (f": {tail[-1]}" if tail else ""))
        return 0
    if status == "played" and sinks and all(s.failed for s in sinks):
        say("done failed " + "; ".join(f"{s.label}: {s.failed}" for s in sinks))
        return 0
    say(f"done {status}")
    return 0


def _read(stream: Any, size: int) -> bytes:
    """Up to `size` bytes (fewer only at the end of the stream)."""
    parts, got = [], 0
    while got < size:
        data = stream.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: (_ending.set(), _stopping.set()))
    if argv[1] == "-":            # a spare player started ahead: its plays come on stdin, a Unix socket
        from broadcast.play import airfiles, child, pcmfile, pulse  # noqa: F401 - imported while waiting, not after the play came
        from broadcast.play.spare import serve

        return serve(socket.socket(fileno=0), play_once, _stopping, _ending)
    return play_once(json.loads(argv[1]))


def play_once(config: dict[str, Any]) -> int:
    """One play, its PulseAudio connections closed after it."""
    try:
        return run(config)
    finally:
        while _connections:
            _connections.pop().close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
