"""Outputs: one small interface (`start(path) -> Playback`) and the device, file, Icecast and null outputs.

Every output plays one file at a time and reports what really happened as a `PlayResult`
(status 'played' | 'interrupted' | 'failed', actual start and end). `Playback.stop()` ends a
play at once (the ffmpeg process is terminated). The end callback is always called from
another thread than the one calling `start()`, except for a manual (simulated) playback which
is finished by its driver.

    out = make_output("file", directory=Path("var/playout"))
    result = out.start(Path("audio_out/2026-12-01/0530-sang.mp3"), title="Buổi sáng").wait()
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from broadcast.errors import ConfigError, PlayoutError
from broadcast.play import Clock, SystemClock
from broadcast.play.child import PidFiles, popen

PLAYOUT_FILE = "playout.txt"
_STOP_TIMEOUT_S = 5.0
_STDERR_TAIL = 4000


@dataclass(frozen=True)
class PlayResult:
    """What happened to one play: status, the real start and end, and why it failed."""

    status: str                     # played | interrupted | failed
    started_at: datetime
    ended_at: datetime
    error: str | None = None

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


EndCallback = Callable[[PlayResult], None]


class Output(Protocol):
    name: str

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback: ...


class Playback:
    """Handle of one play in progress; `wait()` blocks until it ends, `stop()` ends it now."""

    def __init__(self, path: Path, clock: Clock, on_end: EndCallback | None) -> None:
        self.path = path
        self.clock = clock
        self.started_at = clock.now()
        self._on_end = on_end
        self._done = threading.Event()
        self._stopping = threading.Event()
        self._result: PlayResult | None = None
        self._lock = threading.Lock()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def result(self) -> PlayResult | None:
        return self._result

    def wait(self, timeout: float | None = None) -> PlayResult | None:
        """The result once the play has ended; None if `timeout` passed first."""
        self._done.wait(timeout)
        return self._result

    def stop(self) -> None:
        self._stopping.set()

    def _settle(self, status: str, error: str | None = None, ended_at: datetime | None = None) -> bool:
        """Record the result once (the first caller wins) and call the end callback."""
        with self._lock:
            if self._result is not None:
                return False
            self._result = PlayResult(status, self.started_at, ended_at or self.clock.now(), error)
        self._done.set()
        if self._on_end is not None:
            self._on_end(self._result)
        return True


# --- redaction --------------------------------------------------------------------------------

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@")


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """Hide passwords: 'icecast://source:hackme@host' -> 'icecast://source:***@host', and any secret."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            quoted = quote(secret, safe="")
            if quoted != secret:
                text = text.replace(quoted, "***")
    return text


# --- ffmpeg-driven outputs ----------------------------------------------------------------------

def ffmpeg_exe() -> str:
    from broadcast.audio import ffmpeg_exe as find

    return find()


def _ffmpeg(*args: str) -> list[str]:
    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", *args]


def is_stream(path: Path | str) -> bool:
    """A live stream address (http, https, rtsp) rather than a file."""
    return isinstance(path, str) and path.split("://", 1)[0].lower() in ("http", "https", "rtsp")


def _source(path: Path | str, offset_s: float = 0.0, limit_s: float | None = None,
            timeout_s: float | None = None) -> list[str]:
    """ffmpeg input options: a seek for a resumed play ('-ss' before '-i': fast, exact on WAV/MP3),
    a length limit, and for a live stream a connect/read timeout (a stalled stream ends the play)."""
    args = ["-ss", f"{offset_s:.3f}"] if offset_s > 0 else []
    if is_stream(path) and timeout_s:
        micro = str(int(timeout_s * 1_000_000))
        args += ["-timeout", micro] if str(path).lower().startswith("rtsp") else ["-rw_timeout", micro]
        if str(path).lower().startswith("rtsp"):
            args += ["-rtsp_transport", "tcp"]
        args += ["-probesize", "32768", "-analyzeduration", "500000"]      # start a live relay without delay
    if limit_s is not None:
        args += ["-t", f"{limit_s:.3f}"]
    return [*args, "-i", str(path)]


def _rest(duration_s: float | None, offset_s: float) -> float | None:
    return None if duration_s is None else max(0.0, duration_s - offset_s)


class ProcessPlayback(Playback):
    """A play carried by a pipeline of processes (ffmpeg, or ffmpeg | aplay).

    Failure is the exit code and stderr of every process, never a player's word for it;
    with `min_fraction`, a play ending far sooner than the file lasts also counts as failed
    (a device that swallowed the audio).
    """

    def __init__(self, commands: Sequence[Sequence[str]], path: Path, clock: Clock, on_end: EndCallback | None,
                 *, secrets: Sequence[str] = (), duration_s: float | None = None,
                 min_fraction: float | None = None, pids: PidFiles | None = None) -> None:
        super().__init__(path, clock, on_end)
        self._pids = pids
        self._secrets = tuple(secrets)
        self._duration_s = duration_s
        self._min_fraction = min_fraction
        self._procs: list[subprocess.Popen] = []
        self._errs: list = []
        spawn_error = None
        try:
            self._spawn(commands)
            self.started_at = clock.now()      # the player runs: audio starts now, not when the job was taken
        except OSError as exc:
            spawn_error = f"không chạy được {Path(exc.filename or commands[0][0]).name}: {exc}"
            self._kill_all()
        self._thread = threading.Thread(target=self._watch, args=(spawn_error,), daemon=True,
                                        name=f"play-{Path(str(path)).name}")
        self._thread.start()

    def _spawn(self, commands: Sequence[Sequence[str]]) -> None:
        stdin = subprocess.DEVNULL
        for index, cmd in enumerate(commands):
            last = index == len(commands) - 1
            err = tempfile.TemporaryFile()
            self._errs.append(err)
            proc = popen(list(cmd), stdin=stdin, stdout=subprocess.DEVNULL if last else subprocess.PIPE,
                         stderr=err)
            if index:
                self._procs[-1].stdout.close()  # the reader owns the pipe now; SIGPIPE reaches the writer
            self._procs.append(proc)
            if self._pids is not None:
                self._pids.add(proc.pid)
            stdin = proc.stdout

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        for proc in self._procs:
            if proc.poll() is None:
                try:
                    proc.terminate()
                except OSError:
                    pass
        killer = threading.Timer(_STOP_TIMEOUT_S, self._kill_all)
        killer.daemon = True
        killer.start()

    def _kill_all(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()

    def _watch(self, spawn_error: str | None) -> None:
        if spawn_error:
            self._close_errs()
            self._settle("failed", redact(spawn_error, self._secrets))
            return
        codes = [proc.wait() for proc in self._procs]
        if self._pids is not None:
            for proc in self._procs:
                self._pids.remove(proc.pid)
        try:
            status, error = self._judge(codes)
        finally:
            self._close_errs()
        self._settle(status, error)

    def _judge(self, codes: list[int]) -> tuple[str, str | None]:
        if self._stopping.is_set():
            return "interrupted", None
        problems = []
        for proc, code, err in zip(self._procs, codes, self._errs, strict=True):
            if code != 0:
                err.seek(0)
                tail = err.read()[-_STDERR_TAIL:].decode("utf-8", "replace").strip()
                last = tail.splitlines()[-1] if tail else ""
                problems.append(f"{_tool_name(proc.args[0])} thoát với mã {code}" + (f": {last}" if last else ""))
        if problems:
            return "failed", redact("; ".join(problems), self._secrets)
        elapsed = (self.clock.now() - self.started_at).total_seconds()
        if self._min_fraction and self._duration_s and elapsed < self._duration_s * self._min_fraction - 1.0:
            return "failed", (f"phát xong sau {elapsed:.1f} giây, trong khi tệp dài {self._duration_s:.1f} "
                              "giây: thiết bị âm thanh có thể không nhận tiếng")
        return "played", None

    def _close_errs(self) -> None:
        for err in self._errs:
            err.close()


def _tool_name(exe: str) -> str:
    name = Path(exe).name
    return "ffmpeg" if name.startswith("ffmpeg") else name


@functools.cache
def ffmpeg_devices() -> frozenset[str]:
    """Output device formats this ffmpeg was built with ('pulse', 'alsa', ...)."""
    try:
        out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-devices"], capture_output=True, text=True,
                             timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    found = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and set(parts[0]) <= {"D", "E"} and "E" in parts[0]:
            found.update(parts[1].split(","))
    return frozenset(found)


def resolve_device(spec: str) -> tuple[str, str | None]:
    """'pulse', 'pulse:SINK', 'alsa', 'alsa:hw:0', 'aplay', 'aplay:hw:0' or 'default' -> (kind, device).

    'default' picks PulseAudio when a server is reachable, else ALSA through ffmpeg if this
    ffmpeg has it (the imageio-ffmpeg static build may not), else `aplay`.
    """
    spec = (spec or "default").strip()
    kind, _, device = spec.partition(":")
    if kind in ("pulse", "alsa", "aplay"):
        return kind, device or None
    if kind != "default":
        return "alsa", spec      # a bare ALSA device name such as 'hw:0,0'
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if os.environ.get("PULSE_SERVER") or (runtime and Path(runtime, "pulse", "native").exists()):
        return "pulse", None
    if "alsa" in ffmpeg_devices():
        return "alsa", None
    if shutil.which("aplay"):
        return "aplay", None
    return "pulse", None


class DeviceOutput:
    """The machine's sound device through ffmpeg (-f pulse / -f alsa) or ffmpeg | aplay."""

    name = "device"

    def __init__(self, device: str = "default", *, clock: Clock | None = None, pids: PidFiles | None = None) -> None:
        self.kind, self.device = resolve_device(device)
        self.clock = clock or SystemClock()
        self.pids = pids

    def commands(self, path: Path | str, title: str = "", offset_s: float = 0.0, limit_s: float | None = None,
                 timeout_s: float | None = None) -> list[list[str]]:
        src = [*_source(path, offset_s, limit_s, timeout_s), "-vn"]
        if self.kind == "pulse":
            dev = ["-device", self.device] if self.device else []
            return [_ffmpeg(*src, "-f", "pulse", *dev, title or "broadcast")]
        if self.kind == "alsa":
            return [_ffmpeg(*src, "-f", "alsa", self.device or "default")]
        dev = ["-D", self.device] if self.device else []
        return [_ffmpeg(*src, "-f", "wav", "-"), ["aplay", "-q", *dev, "-"]]

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback:
        return ProcessPlayback(self.commands(path, title, offset_s, limit_s, timeout_s), path, self.clock, on_end,
                               duration_s=_rest(duration_s, offset_s), pids=self.pids,
                               min_fraction=None if is_stream(path) else 0.5)


class NullOutput:
    """Decode and discard (`-f null`): checks that a file plays, without sound. `realtime` paces it."""

    name = "null"

    def __init__(self, *, realtime: bool = False, clock: Clock | None = None, pids: PidFiles | None = None) -> None:
        self.realtime = realtime
        self.clock = clock or SystemClock()
        self.pids = pids

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback:
        pace = ["-re"] if self.realtime and not is_stream(path) else []      # a live stream paces itself
        cmd = _ffmpeg(*pace, *_source(path, offset_s, limit_s, timeout_s), "-vn", "-f", "null", "-")
        return ProcessPlayback([cmd], path, self.clock, on_end, duration_s=_rest(duration_s, offset_s),
                               pids=self.pids)


class IcecastOutput:
    """A source for an Icecast mount (MP3, paced with -re) that IP loudspeaker clusters listen to.

    The password is kept out of every message: errors pass through `redact()`. It does appear
    on ffmpeg's command line for the time of a play (ffmpeg has no other way to take it), so
    run the daemon under its own user.
    """

    name = "icecast"

    def __init__(self, url: str, *, user: str = "source", password: str = "", mount: str | None = None,
                 bitrate: str = "128k", stream_name: str = "", clock: Clock | None = None,
                 pids: PidFiles | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("icecast", "http"):
            raise ConfigError(f"địa chỉ Icecast phải bắt đầu bằng icecast://, nhận được '{redact(url)}'",
                              hint="Sửa [icecast] url, ví dụ icecast://127.0.0.1:8000/dai-xa.mp3")
        if parts.username or parts.password:
            raise ConfigError("không ghi tài khoản hay mật khẩu trong [icecast] url",
                              hint="dùng [icecast] user và biến môi trường mật khẩu")
        if not password:
            raise ConfigError("chưa có mật khẩu nguồn Icecast",
                              hint="đặt biến môi trường BROADCAST_ICECAST_PASSWORD (hoặc [icecast] password_env)")
        if password == "hackme":
            raise ConfigError("mật khẩu nguồn Icecast đang là mật khẩu mặc định 'hackme'",
                              hint="đổi <source-password> trong icecast.xml và biến môi trường mật khẩu")
        path = parts.path if not mount else "/" + mount.lstrip("/")
        if not path or path == "/":
            raise ConfigError("địa chỉ Icecast thiếu điểm gắn (mount), ví dụ /dai-xa.mp3")
        self._password = password
        self.public_url = urlunsplit(("icecast", parts.netloc, path, "", ""))
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc}"
        self._source_url = urlunsplit(("icecast", netloc, path, "", ""))
        self.bitrate = bitrate
        self.stream_name = stream_name
        self.clock = clock or SystemClock()
        self.pids = pids

    def __repr__(self) -> str:
        return f"IcecastOutput({self.public_url!r})"

    def commands(self, path: Path | str, title: str = "", offset_s: float = 0.0, limit_s: float | None = None,
                 timeout_s: float | None = None) -> list[list[str]]:
        meta = ["-ice_name", self.stream_name] if self.stream_name else []
        pace = [] if is_stream(path) else ["-re"]
        return [_ffmpeg(*pace, *_source(path, offset_s, limit_s, timeout_s), "-vn", "-c:a", "libmp3lame",
                        "-b:a", self.bitrate, "-content_type", "audio/mpeg", *meta, "-f", "mp3", self._source_url)]

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback:
        return ProcessPlayback(self.commands(path, title, offset_s, limit_s, timeout_s), path, self.clock, on_end,
                               secrets=(self._password,), duration_s=_rest(duration_s, offset_s), pids=self.pids)


# --- file output -------------------------------------------------------------------------------

class FilePlayback(Playback):
    """A play recorded in the file output's directory; see `FileOutput`."""

    def __init__(self, output: FileOutput, path: Path, title: str, duration_s: float | None,
                 on_end: EndCallback | None) -> None:
        super().__init__(path, output.clock, on_end)
        self.output = output
        self.title = title
        self.duration_s = duration_s
        self._ending = False
        self._copy_error = output._copy_in(path, self.started_at)
        if not output.manual:
            threading.Thread(target=self._run, daemon=True, name=f"file-{path.name}").start()

    def _run(self) -> None:
        if self._copy_error is None and self.output.pace > 0 and self.duration_s:
            self._stopping.wait(self.duration_s * self.output.pace)
        if self._stopping.is_set():
            self._end("interrupted")
        else:
            self._end("failed" if self._copy_error else "played", self._copy_error)

    def finish(self) -> None:
        """Manual mode: the driver says the file has played to its end (virtual time)."""
        self._end("failed" if self._copy_error else "played", self._copy_error)

    def stop(self) -> None:
        super().stop()
        if self.output.manual:
            self._end("interrupted")

    def _end(self, status: str, error: str | None = None) -> None:
        with self._lock:
            if self._ending:
                return
            self._ending = True
        ended = self.clock.now()
        self.output._record(self.started_at, ended, status, self.path, self.title)
        self._settle(status, error, ended)


class FileOutput:
    """Writes what would have played: the file itself (linked or copied) and a line in playout.txt.

    Each line reads `start_iso end_iso status file title`. With `pace=1.0` a play lasts as long
    as the file (interruptible, like a real device); with `pace=0` it ends at once. In `manual`
    mode a play ends only when its driver calls `FilePlayback.finish()` - the simulation does so
    at the virtual end time taken from the manifest.
    """

    name = "file"

    def __init__(self, directory: Path, *, clock: Clock | None = None, pace: float = 0.0,
                 manual: bool = False, copy_files: bool = True) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.clock = clock or SystemClock()
        self.pace = pace
        self.manual = manual
        self.copy_files = copy_files
        self._lock = threading.Lock()

    @property
    def playout_path(self) -> Path:
        return self.directory / PLAYOUT_FILE

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> FilePlayback:
        if offset_s > 0:     # a resumed play: playout.txt says from where
            title = f"{title} [từ {offset_s:.1f} giây]"
        length = _rest(duration_s, offset_s)
        if limit_s is not None:
            length = limit_s if length is None else min(length, limit_s)
        return FilePlayback(self, Path(path), title, length, on_end)

    def lines(self) -> list[list[str]]:
        """playout.txt split into [start, end, status, file, title]."""
        if not self.playout_path.exists():
            return []
        return [line.split(" ", 4) for line in self.playout_path.read_text(encoding="utf-8").splitlines() if line]

    def _copy_in(self, path: Path, started: datetime) -> str | None:
        if not path.is_file():
            return f"không có tệp {path}"
        if not self.copy_files:
            return None
        target = self.directory / f"{started:%Y%m%dT%H%M%S%f}-{path.name}"
        try:
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
        except OSError as exc:
            return f"không chép được {path.name}: {exc}"
        return None

    def _record(self, started: datetime, ended: datetime, status: str, path: Path, title: str) -> None:
        line = (f"{started.isoformat(timespec='milliseconds')} {ended.isoformat(timespec='milliseconds')} "
                f"{status} {path.name} {' '.join(title.split())}\n")
        with self._lock, open(self.playout_path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()


# --- registry ----------------------------------------------------------------------------------

def _make_device(*, device: str = "default", clock: Clock | None = None, pids: PidFiles | None = None,
                 **_: object) -> Output:
    return DeviceOutput(device, clock=clock, pids=pids)


def _make_file(*, file_dir: Path | str | None = None, clock: Clock | None = None, pace: float = 0.0,
               **_: object) -> Output:
    if not file_dir:
        raise ConfigError("đầu ra 'file' cần thư mục", hint="đặt [playout] file_dir")
    return FileOutput(Path(file_dir), clock=clock, pace=pace)


def _make_icecast(*, icecast_url: str = "", icecast_user: str = "source", icecast_password: str = "",
                  icecast_mount: str | None = None, stream_name: str = "", clock: Clock | None = None,
                  pids: PidFiles | None = None, **_: object) -> Output:
    return IcecastOutput(icecast_url, user=icecast_user, password=icecast_password, mount=icecast_mount,
                         stream_name=stream_name, clock=clock, pids=pids)


def _make_null(*, clock: Clock | None = None, realtime: bool = True, pids: PidFiles | None = None,
               **_: object) -> Output:
    return NullOutput(realtime=realtime, clock=clock, pids=pids)


OUTPUTS: dict[str, Callable[..., Output]] = {
    "device": _make_device, "file": _make_file, "icecast": _make_icecast, "null": _make_null,
}


def make_output(name: str, **options: object) -> Output:
    """An output by its [playout] output name; options: device, file_dir, icecast_url,
    icecast_user, icecast_password, icecast_mount, stream_name, clock, pace, realtime (null), pids."""
    try:
        factory = OUTPUTS[name]
    except KeyError:
        raise ConfigError(f"không có đầu ra '{name}'", hint=f"chọn một trong: {', '.join(OUTPUTS)}") from None
    return factory(**options)


def check_playable(path: Path) -> str | None:
    """Why `path` cannot go on air (missing, empty, undecodable start), or None if it can.

    Decodes the first 2 seconds with ffmpeg: enough to catch a missing, empty, truncated-header
    or non-audio file before air time; a file that breaks later shows in the output's exit code.
    """
    path = Path(path)
    if not path.is_file():
        return f"không có tệp {path.name}"
    if path.stat().st_size == 0:
        return f"tệp {path.name} rỗng"
    try:
        proc = subprocess.run(_ffmpeg("-t", "2", "-i", str(path), "-vn", "-f", "null", "-"),
                              capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PlayoutError(f"không chạy được ffmpeg để kiểm tra tệp: {exc}") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"tệp {path.name} hỏng, không đọc được" + (f" ({tail[-1]})" if tail else "")
    return None
