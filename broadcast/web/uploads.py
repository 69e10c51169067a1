"""Recorded notices uploaded from the console: checked by content, stored under a generated name.

The browser's file name and type are not trusted: ffmpeg must find and decode an audio stream
(`broadcast.audio.probe`), and the stored name and extension come from that probe and the clock,
inside `[web] recordings` of the station.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from broadcast import audio
from broadcast.build.checks import _what_it_is as what_it_is
from broadcast.errors import AudioError, InputError
from broadcast.station.paths import OutsideStationError, confined

ALLOWED_SUFFIXES = (".m4a", ".mp3", ".wav", ".ogg")
# Codec found by ffmpeg -> extension of the stored file.
CODEC_SUFFIX = {"aac": ".m4a", "alac": ".m4a", "mp3": ".mp3", "vorbis": ".ogg", "opus": ".ogg",
                "flac": ".ogg"}
MAX_SECONDS = 30 * 60
CHUNK = 1 << 16


@dataclass(frozen=True)
class Recording:
    path: Path               # the stored file
    relative: str            # as written in the schedule: recordings/NAME.m4a
    duration_s: float
    codec: str


def upload_body_cap(console) -> int:
    """Request body cap of an upload form: `[web] upload_max_mb` plus room for the other fields."""
    return int((console.station.web.upload_max_mb + 1) * (1 << 20))


def _suffix_for(codec: str) -> str | None:
    if codec.startswith("pcm_"):
        return ".wav"
    return CODEC_SUFFIX.get(codec)


def copy_capped(stream: BinaryIO, target: Path, max_bytes: int, *, too_big: InputError,
                empty: InputError) -> int:
    """Copy `stream` into `target` in chunks; `too_big` past `max_bytes` (nothing more is read),
    `empty` when there was nothing. Returns the size."""
    size = 0
    with open(target, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise too_big
            out.write(chunk)
    if size == 0:
        raise empty
    return size


def store_upload(stream: BinaryIO, filename: str, *, station_root: Path, folder: str, max_bytes: int,
                 now: datetime, slug: str = "ghi-am") -> Recording:
    """Copy at most `max_bytes` from `stream`, probe it, and keep it only when it is audio."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise InputError(f"tệp '{Path(filename or '?').name[:80]}' không phải tệp ghi âm được nhận",
                         hint="chọn tệp .m4a, .mp3, .wav hoặc .ogg")
    try:
        target_dir = confined(station_root, folder)
    except OutsideStationError as exc:
        raise InputError(f"[web] recordings = '{folder}': {exc.message}", hint=exc.hint) from None
    target_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{now:%Y%m%d-%H%M%S}-{slug}-{secrets.token_hex(3)}"
    scratch = target_dir / f".{stem}.upload"
    try:
        copy_capped(stream, scratch, max_bytes,
                    too_big=InputError(f"tệp lớn quá {max_bytes // (1 << 20)} MB",
                                       hint="cắt ngắn hoặc nén lại (ví dụ MP3 64 kbit/s), rồi tải lên lại"),
                    empty=InputError("tệp tải lên rỗng"))
        kind = what_it_is(scratch)                # a ZIP, an image or text renamed: say which, as `check` does
        if kind is not None:
            raise InputError(f"tệp '{Path(filename).name[:80]}' là {kind}, không phải âm thanh (có lẽ bị đổi tên "
                             f"thành {suffix})", hint="chọn đúng tệp ghi âm .m4a, .mp3, .wav hoặc .ogg")
        try:
            info = audio.probe(scratch)
        except AudioError:
            raise InputError("tệp này không phải âm thanh đọc được (ffmpeg không giải mã được)",
                             hint="ghi âm lại bằng điện thoại rồi chọn tệp .m4a hoặc .mp3") from None
        real = _suffix_for(info.codec)
        if real is None or info.duration_s <= 0.2:
            raise InputError(f"tệp không chứa tiếng nói dùng được (mã hóa {info.codec}, "
                             f"{info.duration_s:.1f} giây)", hint="chọn tệp .m4a, .mp3, .wav hoặc .ogg")
        if info.duration_s > MAX_SECONDS:
            raise InputError(f"bản ghi dài {info.duration_s / 60:.0f} phút, quá {MAX_SECONDS // 60} phút")
        final = target_dir / f"{stem}{real}"
        os.replace(scratch, final)
    finally:
        if scratch.exists():
            scratch.unlink()
    return Recording(final, final.relative_to(station_root).as_posix(), info.duration_s, info.codec)

