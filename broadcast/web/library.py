"""The recordings library: the files of `[web] recordings` and the signature tune, where each is used, checked by content.

An upload is kept only when `broadcast check` would accept it: audio by its first bytes (not a
ZIP or an image renamed .mp3), decodable, not silence and at least a second long
(`broadcast.build.checks.audio_problem`). A recording made in the browser (MediaRecorder's
WebM or Ogg Opus) is converted by ffmpeg to the station's programme format first. A file an
announcement or a relay uses cannot be deleted; the page says where it is used.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from broadcast import audio
from broadcast.atomic import write_bytes_atomic
from broadcast.build.checks import audio_problem
from broadcast.errors import AudioError, BroadcastError, InputError
from broadcast.station.paths import OutsideStationError, confined
from broadcast.web.uploads import MAX_SECONDS, Recording, copy_capped, store_upload

_STAMP = re.compile(r"^(\d{8}-\d{6})-")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(?:m4a|mp3|wav|ogg)$")
BROWSER_PREFIX = "ghi-am-trinh-duyet"       # recorder.js names MediaRecorder's WebM or Ogg Opus so
AUDIO_SUFFIXES = (".m4a", ".mp3", ".wav", ".ogg")
CONVERT_TIMEOUT_S = 300


@dataclass(frozen=True)
class LibraryItem:
    name: str
    path: Path
    seconds: float | None
    used_by: tuple[str, ...]
    modified: datetime


def folder(console: Any) -> Path:
    try:
        return confined(console.station.root, console.station.web.recordings)
    except OutsideStationError as exc:
        raise InputError(f"thư mục ghi âm nằm ngoài thư mục của đài: {exc.message}") from None


def tune_path(console: Any) -> Path:
    return console.station.path(console.station.audio.signature_tune)


def uses(console: Any) -> dict[Path, list[str]]:
    """Each audio file the schedules air -> where, as the officer reads it."""
    out: dict[Path, list[str]] = {}
    try:
        schedule = console.store.schedule()
    except BroadcastError:
        return out
    for spec in schedule.announcements:
        if spec.file is not None:
            out.setdefault(Path(spec.file).resolve(), []).append(f"thông báo “{spec.title or 'không tên'}”")
    for slot in schedule.slots:
        relay = slot.relay
        for file in (relay.file, relay.fallback) if relay is not None else ():
            if file is not None:
                out.setdefault(Path(file).resolve(), []).append(f"tiếp âm của {slot.title.lower()}")
    return out


def items(console: Any) -> list[LibraryItem]:
    where = uses(console)
    base = folder(console)
    found = []
    for path in sorted(base.glob("*"), key=lambda p: p.name, reverse=True) if base.is_dir() else ():
        if not path.is_file() or not NAME.fullmatch(path.name):
            continue
        try:
            seconds: float | None = audio.probe(path).duration_s
        except AudioError:
            seconds = None
        found.append(LibraryItem(path.name, path, seconds, tuple(where.get(path.resolve(), ())),
                                 recorded_at(console, path)))
    return found


def recorded_at(console: Any, path: Path) -> datetime:
    """When a recording was kept: the console's clock in its generated name, else the file's time."""
    stamp = _STAMP.match(path.name)
    if stamp:
        try:
            return datetime.strptime(stamp.group(1), "%Y%m%d-%H%M%S")
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, tz=console.station.tz)


def _checked(console: Any, path: Path, *, trim: bool) -> None:
    """Remove `path` and raise when `broadcast check` would refuse it."""
    problem = audio_problem(console.toolkit, path, trim=trim)
    if problem is not None:
        path.unlink(missing_ok=True)
        raise InputError(f"Bản ghi {problem}", hint="ghi âm lại gần micrô hơn, hoặc chọn tệp khác")


def _copy_capped(stream: BinaryIO, target: Path, max_bytes: int) -> int:
    """A browser take or an upload copied within the library's bound, in the library's words."""
    return copy_capped(stream, target, max_bytes,
                       too_big=InputError(f"bản ghi lớn quá {max_bytes // (1 << 20)} MB",
                                          hint="ghi ngắn hơn (tối đa khoảng 30 phút), hoặc chia làm nhiều bản"),
                       empty=InputError("tệp ghi âm rỗng, chưa có tiếng",
                                        hint="ghi lại (cho phép trình duyệt dùng micrô) hoặc chọn tệp khác"))


def convert(console: Any, src: Path, dst: Path) -> None:
    """`src` (any audio ffmpeg decodes) to the station's programme format, mono, its sample rate."""
    fmt, rate = console.station.audio.format, console.station.audio.sample_rate
    codec = ["-c:a", "libmp3lame", "-q:a", "4"] if fmt == "mp3" else ["-c:a", "pcm_s16le"]
    args = [audio.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src),
            "-vn", "-ac", "1", "-ar", str(rate), "-t", str(MAX_SECONDS), *codec, "-f", fmt, str(dst)]
    try:
        done = subprocess.run(args, capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InputError("đổi định dạng bản ghi quá lâu", hint="ghi ngắn hơn rồi thử lại") from None
    if done.returncode != 0 or not dst.is_file() or dst.stat().st_size == 0:
        dst.unlink(missing_ok=True)
        raise InputError("bản ghi từ trình duyệt không đọc được (không phải âm thanh)",
                         hint="ghi lại, hoặc tải lên tệp .m4a/.mp3 ghi bằng điện thoại")


def save(console: Any, stream: BinaryIO, filename: str, *, now: datetime, slug: str = "ghi-am") -> Recording:
    """An upload or a browser recording kept in the library, or InputError with the reason (nothing kept)."""
    web = console.station.web
    max_bytes = int(web.upload_max_mb * (1 << 20))
    base = folder(console)
    suffix = Path(filename or "").suffix.lower()
    from_browser = suffix in (".webm", ".weba") or Path(filename or "").name.startswith(BROWSER_PREFIX)
    base.mkdir(parents=True, exist_ok=True)
    stem = f"{now:%Y%m%d-%H%M%S}-{slug}-{secrets.token_hex(3)}"
    if not from_browser:
        if suffix not in AUDIO_SUFFIXES:       # refused by its name, with the accepted kinds
            return store_upload(stream, filename, station_root=console.station.root, folder=web.recordings,
                                max_bytes=max_bytes, now=now, slug=slug)
        scratch = base / f".{stem}{suffix}"
        try:
            _copy_capped(stream, scratch, max_bytes)
            _checked(console, scratch, trim=True)       # by content first: a ZIP or image says so
            with open(scratch, "rb") as checked:
                return store_upload(checked, filename, station_root=console.station.root, folder=web.recordings,
                                    max_bytes=max_bytes, now=now, slug=slug)
        finally:
            scratch.unlink(missing_ok=True)
    scratch = base / f".{stem}.upload"
    final = base / f"{stem}.{console.station.audio.format}"
    try:
        _copy_capped(stream, scratch, max_bytes)
        convert(console, scratch, final)
    finally:
        scratch.unlink(missing_ok=True)
    _checked(console, final, trim=True)
    seconds = audio.probe(final).duration_s
    return Recording(final, final.relative_to(console.station.root).as_posix(), seconds,
                     console.station.audio.format)


def remove(console: Any, name: str) -> None:
    """Delete one unused recording; InputError saying where it is used otherwise."""
    path = folder(console) / name
    if not NAME.fullmatch(name or "") or not path.is_file():
        raise InputError("không có bản ghi này (có thể vừa bị xóa)")
    used = uses(console).get(path.resolve())
    if used:
        raise InputError("bản ghi đang được dùng ở " + ", ".join(used) + "; chưa xóa",
                         hint="xóa hoặc đổi tệp của thông báo đó trước")
    path.unlink()


def replace_tune(console: Any, stream: BinaryIO, filename: str, *, now: datetime) -> float:
    """The signature tune replaced by an upload or recording, in the tune file's own format; its length."""
    target = tune_path(console)
    kept = save(console, stream, filename, now=now, slug="nhac-hieu")
    try:
        problem = audio_problem(console.toolkit, kept.path, trim=False)
        if problem is not None:
            raise InputError(f"Nhạc hiệu {problem}", hint="chọn tệp nhạc hiệu khác")
        fmt = "wav" if target.suffix.lower() == ".wav" else "mp3"
        staged = target.with_name(f".{target.name}.{secrets.token_hex(3)}.{fmt}")
        station = console.station
        codec = ["-c:a", "pcm_s16le"] if fmt == "wav" else ["-c:a", "libmp3lame", "-q:a", "2"]
        subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(kept.path),
                        "-ac", "1", "-ar", str(station.audio.sample_rate), *codec, "-f", fmt, str(staged)],
                       check=True, capture_output=True, timeout=CONVERT_TIMEOUT_S, stdin=subprocess.DEVNULL)
        if target.is_file():
            write_bytes_atomic(target.with_name(target.name + ".truoc"), target.read_bytes())
        os.replace(staged, target)
        return audio.probe(target).duration_s
    except subprocess.SubprocessError:
        raise InputError("không đổi được định dạng nhạc hiệu", hint="chọn tệp .mp3 hoặc .wav khác") from None
    finally:
        kept.path.unlink(missing_ok=True)
        for stray in target.parent.glob(f".{target.name}.*"):
            stray.unlink(missing_ok=True)
