"""Find ffmpeg, run it, and probe a file's codec, rate, channels and exact duration."""

from __future__ import annotations

import errno
import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from broadcast.errors import AudioError
from broadcast.io_errors import describe_os_error, disk_full_in

StrPath = str | os.PathLike[str]

# --- ffmpeg -----------------------------------------------------------------------------------

@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg to use: $BROADCAST_FFMPEG, else `ffmpeg` on PATH, else the wheel's."""
    override = os.environ.get("BROADCAST_FFMPEG")
    if override:
        found = shutil.which(override)
        if not found:
            raise AudioError("BROADCAST_FFMPEG không trỏ tới một chương trình chạy được",
                             path=override, hint="Sửa: đặt đường dẫn đầy đủ tới ffmpeg hoặc bỏ biến này")
        return found
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg  # the wheel ships a static ffmpeg, so a fresh machine needs only pip

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise AudioError(f"Không tìm thấy ffmpeg ({exc})",
                         hint="Sửa: pip install imageio-ffmpeg, hoặc cài ffmpeg") from exc


def _command(args: Sequence[str], loglevel: str) -> list[str]:
    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", loglevel, "-y", *args]


_ERROR_LINE = re.compile(r"error|invalid|fail|cannot|no such|denied|no space", re.I)


def _last_line(stderr: str) -> str:
    """The line of ffmpeg's log that says what went wrong (at level info, stats follow it)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_LINE.search(line) and line != "Conversion failed!"]
    return (errors or lines or ["(ffmpeg không ghi lỗi)"])[-1]


def _read_tail(err: IO[bytes], limit: int = 64 * 1024) -> str:
    # stderr goes to a temp file, not a pipe: a chatty ffmpeg can then never block on a full
    # pipe while we read its stdout, and we keep only the tail in memory.
    size = err.seek(0, os.SEEK_END)
    err.seek(max(0, size - limit))
    return err.read().decode("utf-8", "replace")


def _run(args: Sequence[str], *, doing: str, path: StrPath | None = None,
         stdout: IO[bytes] | int = subprocess.DEVNULL, loglevel: str = "error") -> str:
    """Run ffmpeg to the end and return its stderr; on failure raise AudioError with its last line."""
    with tempfile.TemporaryFile() as err:
        try:
            code = subprocess.run(_command(args, loglevel), stdin=subprocess.DEVNULL,
                                  stdout=stdout, stderr=err, check=False).returncode
        except OSError as exc:
            raise AudioError(f"Không chạy được ffmpeg: {exc}", path=ffmpeg_exe()) from exc
        text = _read_tail(err)
    if code != 0:
        raise _failure(doing, text, path)
    return text


def _failure(doing: str, stderr: str, path: StrPath | None) -> AudioError:
    """The error for a failed ffmpeg run: blame the input file when there is one (not for a full disk)."""
    if disk_full_in(stderr):            # ffmpeg could not write: no input file is to blame
        full = describe_os_error(OSError(errno.ENOSPC, "No space left on device"))
        return AudioError(f"ffmpeg lỗi khi {doing}: {full.message}", hint=full.hint)
    if path is not None:
        return AudioError(f"Tệp âm thanh hỏng hoặc không đọc được: {_last_line(stderr)}", path=str(path),
                          hint="Sửa: tạo lại tệp này hoặc thay bằng tệp khác")
    return AudioError(f"ffmpeg lỗi khi {doing}: {_last_line(stderr)}")


def _existing(path: StrPath) -> Path:
    p = Path(path)
    if not p.is_file():
        raise AudioError("Không tìm thấy tệp âm thanh", path=str(p),
                         hint="Sửa: kiểm tra đường dẫn, hoặc tạo lại tệp")
    return p


def _pcm_output_args(sample_rate: int | None) -> list[str]:
    """Output options for the first audio stream of input 0 as raw s16le mono."""
    rate = ["-ar", str(sample_rate)] if sample_rate else []
    return ["-map", "0:a:0", "-vn", "-ac", "1", *rate, "-c:a", "pcm_s16le", "-f", "s16le"]


def _decode_args(src: Path, sample_rate: int | None) -> list[str]:
    """Arguments that decode the first audio stream of `src` to raw s16le mono."""
    return ["-i", str(src), *_pcm_output_args(sample_rate)]


def _raw_input_args(raw: Path, sample_rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", str(raw)]


# --- probing ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    codec: str


_STREAM_RE = re.compile(r"Stream #0:\d+.*?: Audio: ([^\s,]+)[^\n]*?, (\d+) Hz, ([^,\n]+)")
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "quad": 4, "hexagonal": 6, "octagonal": 8}


def _channel_count(layout: str) -> int:
    layout = layout.strip().split("(")[0]
    if layout in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[layout]
    if m := re.fullmatch(r"(\d+) channels", layout):
        return int(m.group(1))
    if m := re.fullmatch(r"(\d+)\.(\d+)", layout):  # "5.1" means six channels
        return int(m.group(1)) + int(m.group(2))
    return 0


def probe(path: StrPath) -> AudioInfo:
    """Codec, rate and channels from ffmpeg's header; duration exact, by decoding and counting."""
    src = _existing(path)
    # No ffprobe in the wheel: decode at the native rate and count samples (in ffmpeg, not here),
    # which is also the only duration that is exact for MP3 (the header's is an estimate).
    stderr = _run(["-i", str(src), "-map", "0:a:0", "-vn", "-af", _COUNT, "-f", "null", "-"],
                  doing="đọc tệp", path=src, loglevel="info")
    match = _STREAM_RE.search(stderr.split("Output #0")[0])
    samples = _SAMPLES_RE.findall(stderr)
    if not match or not samples:
        raise AudioError("Không nhận ra định dạng âm thanh", path=str(src),
                         hint="Sửa: dùng tệp âm thanh (m4a, mp3, wav, ogg, amr...) hoặc ghi âm lại")
    codec, rate, layout = match.group(1), int(match.group(2)), match.group(3)
    return AudioInfo(duration_s=int(samples[-1]) / rate, sample_rate=rate,
                     channels=_channel_count(layout), codec=codec)


# Samples are counted by ffmpeg itself (astats, one channel), so no PCM is piped back to us.
_COUNT = "aformat=channel_layouts=mono,astats=measure_perchannel=none:measure_overall=Number_of_samples"
_SAMPLES_RE = re.compile(r"Number of samples: (\d+)")

