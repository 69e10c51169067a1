"""The device, null and Icecast outputs: ffmpeg to the sound card, to nowhere, or to an Icecast mount."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from broadcast.errors import ConfigError
from broadcast.play import Clock, SystemClock
from broadcast.play.child import PidFiles
from broadcast.play.playback import EndCallback, Playback
from broadcast.play.process import PreparedPlay, _ffmpeg, _rest, _source, ffmpeg_exe, is_stream, redact

PCM_RATE, PCM_CHANNELS = 48000, 2      # what the gated player hands its outputs: s16le, 48 kHz, stereo


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


def device_sink(name: str | None, title: str, label: str, *, libpulse: bool = True, rate: int = PCM_RATE,
                channels: int = PCM_CHANNELS) -> dict[str, Any]:
    """The player's sink for a sound device ('hw:1', 'pulse:SINK', None): PulseAudio from the player itself
    (`broadcast.play.pulse`) when libpulse loads, else a process reading s16le PCM (`rate`, `channels`) on its stdin."""
    from broadcast.play import pulse

    kind, device = resolve_device(name or "default")
    if kind == "pulse" and libpulse and pulse.available():
        return {"kind": "pulse", "device": device, "stream": title or "broadcast", "label": label}
    cmd, keep = device_command(kind, device, title, rate, channels)
    return {"kind": "pipe", "cmd": cmd, "keepalive": keep, "label": label}


def device_command(kind: str, device: str | None, title: str, rate: int = PCM_RATE,
                   channels: int = PCM_CHANNELS) -> tuple[list[str], bool]:
    """(command reading s16le PCM on stdin, needs keepalive) for a resolved device (`resolve_device`)."""
    raw = ["-f", "s16le", "-ar", str(rate), "-ac", str(channels)]
    if kind == "pulse" and shutil.which("pacat"):
        return ["pacat", "--playback", "--raw", "--format=s16le", f"--rate={rate}", f"--channels={channels}",
                "--latency-msec=20", "--client-name=broadcast", f"--stream-name={title or 'broadcast'}",
                *([f"--device={device}"] if device else [])], False
    if kind in ("alsa", "aplay") and shutil.which("aplay"):
        return ["aplay", "-q", "-t", "raw", "-f", "S16_LE", "-r", str(rate), "-c", str(channels), "-B", "40000",
                *(["-D", device] if device else [])], False
    base = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-probesize", "32",
            "-analyzeduration", "0", *raw, "-i", "pipe:0"]
    if kind == "pulse":
        return [*base, "-f", "pulse", "-buffer_duration", "20", *(["-device", device] if device else []),
                title or "broadcast"], True
    return [*base, "-f", "alsa", device or "default"], True


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

    def prepare(self, path: Path | str, *, title: str = "", duration_s: float | None = None, offset_s: float = 0.0,
                limit_s: float | None = None, timeout_s: float | None = None) -> PreparedPlay:
        return PreparedPlay(_frozen(self.commands(path, title, offset_s, limit_s, timeout_s)), path, self.clock,
                            duration_s=_rest(duration_s, offset_s), pids=self.pids,
                            min_fraction=None if is_stream(path) else 0.5)

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback:
        return self.prepare(path, title=title, duration_s=duration_s, offset_s=offset_s, limit_s=limit_s,
                            timeout_s=timeout_s).start(on_end)


class NullOutput:
    """Decode and discard (`-f null`): checks that a file plays, without sound. `realtime` paces it."""

    name = "null"

    def __init__(self, *, realtime: bool = False, clock: Clock | None = None, pids: PidFiles | None = None) -> None:
        self.realtime = realtime
        self.clock = clock or SystemClock()
        self.pids = pids

    def prepare(self, path: Path | str, *, title: str = "", duration_s: float | None = None, offset_s: float = 0.0,
                limit_s: float | None = None, timeout_s: float | None = None) -> PreparedPlay:
        pace = ["-re"] if self.realtime and not is_stream(path) else []      # a live stream paces itself
        cmd = _ffmpeg(*pace, *_source(path, offset_s, limit_s, timeout_s), "-vn", "-f", "null", "-")
        return PreparedPlay(_frozen([cmd]), path, self.clock, duration_s=_rest(duration_s, offset_s), pids=self.pids)

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback:
        return self.prepare(path, title=title, duration_s=duration_s, offset_s=offset_s, limit_s=limit_s,
                            timeout_s=timeout_s).start(on_end)


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

    def prepare(self, path: Path | str, *, title: str = "", duration_s: float | None = None, offset_s: float = 0.0,
                limit_s: float | None = None, timeout_s: float | None = None) -> PreparedPlay:
        return PreparedPlay(_frozen(self.commands(path, title, offset_s, limit_s, timeout_s)), path, self.clock,
                            secrets=(self._password,), duration_s=_rest(duration_s, offset_s), pids=self.pids)

    def start(self, path: Path | str, *, title: str = "", duration_s: float | None = None,
              on_end: EndCallback | None = None, offset_s: float = 0.0, limit_s: float | None = None,
              timeout_s: float | None = None) -> Playback:
        return self.prepare(path, title=title, duration_s=duration_s, offset_s=offset_s, limit_s=limit_s,
                            timeout_s=timeout_s).start(on_end)


def _frozen(commands: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(cmd) for cmd in commands)
