"""Playing through ffmpeg: its command lines, password redaction, `ProcessPlayback`, and `check_playable`.

`Playback.stop()` on a `ProcessPlayback` ends a play at once (the ffmpeg process is terminated);
failure is judged from every process's exit code and stderr. A `PreparedPlay` is a play made
ready before its slot (command lines built, ffmpeg found, the spawner thread running): at the
slot its `start()` only spawns the player.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from broadcast.errors import PlayoutError
from broadcast.play import Clock
from broadcast.play.child import PidFiles, popen, warm
from broadcast.play.playback import EndCallback, Playback

_STOP_TIMEOUT_S = 5.0
_STDERR_TAIL = 4000


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


@dataclass(frozen=True)
class PreparedPlay:
    """A ffmpeg play made ready ahead of its time; `start()` only spawns the player (see the module docstring)."""

    commands: tuple[tuple[str, ...], ...]
    path: Path | str
    clock: Clock
    secrets: tuple[str, ...] = ()
    duration_s: float | None = None
    min_fraction: float | None = None
    pids: PidFiles | None = None

    def __post_init__(self) -> None:
        warm()          # the spawner thread is up before the slot, not started by the first play

    def start(self, on_end: EndCallback | None = None) -> ProcessPlayback:
        return ProcessPlayback(self.commands, self.path, self.clock, on_end, secrets=self.secrets,
                               duration_s=self.duration_s, min_fraction=self.min_fraction, pids=self.pids)


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
