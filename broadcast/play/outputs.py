"""Outputs by name: the `OUTPUTS` registry and `make_output`, over one small interface (`start(path) -> Playback`).

The ffmpeg outputs (device, null, Icecast) also have `prepare(path, ...) -> PreparedPlay`: the
daemon makes a slot's player ready before its time, and at the slot `PreparedPlay.start()` only
spawns it (an output without `prepare`, the file output, is simply started at the slot).

The interface lives in `playback`, the ffmpeg machinery in `process`, the device, null and
Icecast outputs in `devices`, the file output in `fileout`; this module re-exports their names.

    out = make_output("file", file_dir=Path("var/playout"))
    result = out.start(Path("audio_out/2026-12-01/0530-sang.mp3"), title="Buổi sáng").wait()
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from broadcast.errors import ConfigError
from broadcast.play import Clock
from broadcast.play.child import PidFiles
from broadcast.play.devices import DeviceOutput, IcecastOutput, NullOutput, ffmpeg_devices, resolve_device
from broadcast.play.fileout import PLAYOUT_FILE, FileOutput, FilePlayback
from broadcast.play.playback import EndCallback, Output, Playback, PlayResult
from broadcast.play.process import (
    PreparedPlay,
    ProcessPlayback,
    check_playable,
    ffmpeg_exe,
    is_stream,
    redact,
)

__all__ = [
    "OUTPUTS", "PLAYOUT_FILE", "DeviceOutput", "EndCallback", "FileOutput", "FilePlayback", "IcecastOutput",
    "NullOutput", "Output", "PlayResult", "Playback", "PreparedPlay", "ProcessPlayback", "check_playable", "ffmpeg_devices",
    "ffmpeg_exe", "is_stream", "make_output", "redact", "resolve_device",
]


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
