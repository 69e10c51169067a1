"""Fetch a built day from the province (`broadcast fetch`): signature checked, files hashed, swapped in whole.

For each day: the manifest and its signature are downloaded and checked against the province's
public key ([province] public_key); every programme file is downloaded into
`audio_out/.fetch-<day>/` (resumed with an HTTP Range request when an earlier attempt was cut,
linked from the current day when its hash is unchanged) and checked against the SHA-256 and size
the manifest gives; only then is the folder swapped in for `audio_out/<day>/` (the same swap as a
build). A bad signature, a wrong hash or a cut download raises `DeliveryError` and leaves the day
in place as it was.

No rollback: the signed manifest's `generated_at` orders two builds of one day. A day built before
the one already here (an old build still on a server, or replayed by someone in between) raises
`RollbackError` (exit 2) and changes nothing, unless the officer asks for it (`allow_older`,
`broadcast fetch --allow-older`). A manifest without a readable `generated_at` counts as older
than any day that has one.

Every day taken (or found already here) is noted in `var/tinh-ngay-da-tai.json` (date -> the
build's `generated_at` and when it was swapped in; the last 62 days): the commune's report to the
province carries it, so the province dashboard shows which build each commune has and since when.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING, Any

from broadcast.atomic import write_bytes_atomic, write_text_atomic
from broadcast.errors import ConfigError, DeliveryError, InputError
from broadcast.publish.day import (
    MANIFEST,
    PLAYLIST,
    SIGNATURE,
    day_dir,
    manifest_problems,
    playlist_text,
    reuse_file,
    swap_in,
)
from broadcast.publish.staging import publishable

if TYPE_CHECKING:                       # a receiver fetches its days without the station's config
    from broadcast.station.config import Station

PARTIAL_PREFIX = ".fetch-"
MAX_MANIFEST_BYTES = 8 << 20
MAX_FILE_BYTES = 2 << 30
CHUNK = 1 << 16
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")


class RollbackError(DeliveryError):
    """The province's day was built before the day already here: it would undo a newer build."""

    exit_code = InputError.exit_code


@dataclass(frozen=True)
class FetchResult:
    day: date
    directory: Path
    files: int                   # programme files in the day
    downloaded: int              # files downloaded (in whole or resumed) this time
    linked: int                  # files taken unchanged from the day already here
    bytes: int                   # bytes received this time
    unchanged: bool              # the day here already was this day
    built_at: str | None = None  # the signed manifest's generated_at


@dataclass(frozen=True)
class SignedSource:
    """Where signed days come from: a base URL (the day is appended), whose key signs them, for whom.

    `headers(url)` adds headers to every request (a loudspeaker cluster's receiver signs its own).
    """

    base: str
    key: Any                                            # an Ed25519 public key
    station_name: str
    timeout: float
    headers: Callable[[str], Mapping[str, str]] | None = None


def fetch_day(station: Station, day: date, *, source: str | None = None, public_key: str | None = None,
              timeout_s: float | None = None, allow_older: bool = False,
              now: Callable[[], datetime] | None = None) -> FetchResult:
    """Bring the province's `day` for this station into `audio_out/<day>/`, or refuse it whole,
    and note it in `var/` for the report up (`fetched_days`).

    `allow_older` installs a day built before the one here (a deliberate rollback)."""
    from broadcast.province.signing import load_public_key

    base = (source or station.province.source).rstrip("/")
    if not re.match(r"https?://", base):
        raise ConfigError(f"địa chỉ tải chương trình '{base}' không hợp lệ" if base else
                          "chưa có địa chỉ máy chủ tỉnh để tải chương trình",
                          hint="dùng --from http://MÁY-CHỦ:8790/TÊN-XÃ hoặc điền [province] source")
    key_text = public_key or station.province.public_key
    if not key_text:
        raise ConfigError("chưa có khóa công khai của tỉnh: không thể kiểm tra chương trình tải về",
                          hint="điền [province] public_key trong broadcast.toml (tỉnh cấp)")
    src = SignedSource(base, load_public_key(key_text), station.station.name,
                       timeout_s or station.province.timeout_s)
    result = fetch_signed_day(src, day, station.path(station.paths.audio_out), title=station.station_title,
                              allow_older=allow_older)
    note_fetched(station.path(station.paths.state), result, (now or (lambda: datetime.now(station.tz)))())
    return result


FETCHED_NAME = "tinh-ngay-da-tai.json"
FETCHED_KEEP = 62


def fetched_days(state_dir: Path) -> list[dict[str, Any]]:
    """The days noted by `note_fetched`, oldest first: {date, built_at, fetched_at}."""
    try:
        noted = json.loads((Path(state_dir) / FETCHED_NAME).read_text(encoding="utf-8"))
        return [{"date": d, **{k: v.get(k) for k in ("built_at", "fetched_at")}} for d, v in sorted(noted.items())
                if isinstance(v, dict)]
    except (OSError, ValueError, AttributeError):
        return []


def note_fetched(state_dir: Path, result: FetchResult, at: datetime) -> None:
    """Note the build of `result.day` now here; an unchanged day keeps the time it first came."""
    state_dir = Path(state_dir)
    noted = {d["date"]: {"built_at": d["built_at"], "fetched_at": d["fetched_at"]} for d in fetched_days(state_dir)}
    key = result.day.isoformat()
    if result.unchanged and key in noted and noted[key].get("built_at") == result.built_at:
        return
    noted[key] = {"built_at": result.built_at, "fetched_at": at.isoformat(timespec="seconds")}
    kept = dict(sorted(noted.items())[-FETCHED_KEEP:])
    state_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(state_dir / FETCHED_NAME, json.dumps(kept, ensure_ascii=False, indent=1) + "\n")


def fetch_signed_day(src: SignedSource, day: date, audio_out: Path, *, title: str,
                     allow_older: bool = False) -> FetchResult:
    """Bring `src`'s signed `day` into `audio_out/<day>/`, or refuse it whole (the one implementation
    behind `broadcast fetch` and a cluster receiver's sync)."""
    from broadcast.province.signing import verify

    url = f"{src.base.rstrip('/')}/{day.isoformat()}"
    timeout = src.timeout
    manifest_bytes = _get(f"{url}/{MANIFEST}", timeout, MAX_MANIFEST_BYTES, day, src.headers)
    signature = _get(f"{url}/{SIGNATURE}", timeout, 4096, day, src.headers).decode("ascii", "replace")
    verify(manifest_bytes, signature, src.key, where=f"{url}/{MANIFEST}")
    manifest = _checked_manifest(manifest_bytes, day, src.station_name, url)

    target = day_dir(audio_out, day)
    if _same_day(target, manifest_bytes):
        publishable(target)                             # a day fetched before the modes followed the umask
        return FetchResult(day, target, len(manifest["programmes"]), 0, 0, 0, True, _stamp(manifest))
    if not allow_older:
        _refuse_rollback(manifest, target, day, url)
    partial = audio_out / f"{PARTIAL_PREFIX}{day.isoformat()}"
    partial.mkdir(parents=True, exist_ok=True)
    wanted = {p["file"]: p for p in manifest["programmes"]}
    for leftover in partial.iterdir():                  # an older attempt's files the day no longer has
        if leftover.name not in wanted:
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    here = _current_hashes(target)
    downloaded = linked = received = 0
    for name, entry in wanted.items():
        dst = partial / name
        if dst.is_file() and _matches(dst, entry):
            continue
        if here.get(entry["sha256"]) and not dst.exists():
            reuse_file(here[entry["sha256"]], dst)
            if _matches(dst, entry):
                linked += 1
                continue
            dst.unlink()
        received += _download(f"{url}/{name}", dst, entry, timeout, src.headers)
        downloaded += 1
    write_bytes_atomic(partial / MANIFEST, manifest_bytes)
    write_text_atomic(partial / SIGNATURE, signature.strip() + "\n")
    write_text_atomic(partial / PLAYLIST, playlist_text(manifest, manifest.get("station_title") or title))
    publishable(partial)                                # atomic writes are 0600: a fetched day follows the umask
    swap_in(partial, target)
    return FetchResult(day, target, len(wanted), downloaded, linked, received, False, _stamp(manifest))


def _stamp(manifest: dict[str, Any]) -> str | None:
    value = manifest.get("generated_at")
    return value if isinstance(value, str) else None


def _checked_manifest(data: bytes, day: date, station_name: str, url: str) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeliveryError(f"manifest.json của tỉnh không đọc được: {exc}", path=url) from None
    problems = manifest_problems(manifest)
    if problems:
        raise DeliveryError(f"manifest.json của tỉnh sai cấu trúc: {problems[0]}", path=url)
    if manifest["date"] != day.isoformat():
        raise DeliveryError(f"tỉnh gửi chương trình ngày {manifest['date']}, không phải ngày {day.isoformat()}",
                            path=url, hint="kiểm tra địa chỉ tải ([province] source)")
    if manifest["station"] != station_name:
        raise DeliveryError(f"chương trình này của xã {manifest['station']}, không phải của xã {station_name}",
                            path=url, hint="kiểm tra địa chỉ tải ([province] source): mỗi xã một địa chỉ riêng")
    for programme in manifest["programmes"]:
        name = str(programme.get("file", ""))
        if not _FILE.fullmatch(name) or name in (MANIFEST, SIGNATURE, PLAYLIST):
            raise DeliveryError(f"tên tệp '{name}' trong manifest.json không hợp lệ", path=url)
        if not isinstance(programme.get("sha256"), str) or not isinstance(programme.get("bytes"), int) \
                or not 0 < programme["bytes"] <= MAX_FILE_BYTES:
            raise DeliveryError(f"manifest.json không ghi mã băm và cỡ của tệp {name}", path=url,
                                hint="tỉnh cần dựng lại ngày này bằng phiên bản mới")
    return manifest


def _built_at(manifest: Any) -> datetime | None:
    """When a day was built (its manifest's `generated_at`, with its zone); None when unreadable."""
    try:
        built = datetime.fromisoformat(str(manifest["generated_at"]))
    except (KeyError, TypeError, ValueError):
        return None
    return built if built.tzinfo is not None else None


def _refuse_rollback(manifest: dict[str, Any], target: Path, day: date, url: str) -> None:
    """RollbackError when the day here was built after the province's `manifest`."""
    try:
        here = _built_at(json.loads((target / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return                                          # no readable day here: nothing to undo
    if here is None:
        return
    incoming = _built_at(manifest)
    if incoming is not None and incoming >= here:
        return
    def stamp(moment: datetime | None) -> str:
        return f"{moment:%H:%M:%S ngày %d/%m/%Y}" if moment else "không rõ lúc nào"
    raise RollbackError(
        f"bản ngày {day:%d/%m/%Y} trên máy chủ tỉnh dựng lúc {stamp(incoming)}, cũ hơn bản đang có "
        f"(dựng lúc {stamp(here)}): không nhận, "
        "giữ nguyên chương trình đang có", path=url,
        hint=f"nếu cố ý quay về bản cũ này, chạy 'broadcast fetch --date {day.isoformat()} --allow-older'")


def _get(url: str, timeout: float, limit: int, day: date,
         headers: Callable[[str], Mapping[str, str]] | None = None) -> bytes:
    """A small whole file; DeliveryError when the province does not have it or cannot be reached."""
    request = urllib.request.Request(url, headers=dict(headers(url)) if headers else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:   # noqa: S310 - scheme checked
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise DeliveryError(f"máy chủ tỉnh chưa có chương trình ngày {day:%d/%m/%Y}", path=url,
                                hint="chờ tỉnh dựng xong rồi tải lại") from None
        raise DeliveryError(f"máy chủ tỉnh trả lời lỗi {exc.code}", path=url) from None
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"không kết nối được máy chủ tỉnh: {reason}", path=url,
                            hint="kiểm tra mạng và địa chỉ; chương trình đang có vẫn giữ nguyên") from None
    if len(data) > limit:
        raise DeliveryError(f"tệp quá lớn (hơn {limit} byte)", path=url)
    return data


def _download(url: str, dst: Path, entry: dict, timeout: float,
              headers: Callable[[str], Mapping[str, str]] | None = None) -> int:
    """Download (or resume) one programme file and check it; returns the bytes received."""
    expected = entry["bytes"]
    have = dst.stat().st_size if dst.is_file() else 0
    if have >= expected:
        dst.unlink(missing_ok=True)                     # complete but wrong, or too long: start again
        have = 0
    sent = dict(headers(url)) if headers else {}
    if have:
        sent["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=sent)
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:   # noqa: S310
            resumed = response.status == 206 and have > 0
            with dst.open("ab" if resumed else "wb") as out:
                while chunk := response.read(CHUNK):
                    received += len(chunk)
                    out.write(chunk)
                    if (have if resumed else 0) + received > expected:
                        break                           # longer than the manifest says: the hash check refuses it
    except urllib.error.HTTPError as exc:
        if exc.code == 416:
            dst.unlink(missing_ok=True)
        raise DeliveryError(f"máy chủ tỉnh trả lời lỗi {exc.code} cho tệp {dst.name}", path=url,
                            hint="chạy lại lệnh; chương trình đang có vẫn giữ nguyên") from None
    except (urllib.error.URLError, OSError, HTTPException):
        pass                                            # a cut transfer: what arrived is kept for resuming
    size = dst.stat().st_size if dst.is_file() else 0
    if size < expected:
        raise DeliveryError(f"tải tệp {dst.name} chưa xong ({size}/{expected} byte): không thay chương trình "
                            "đang có", path=url, hint="chạy lại lệnh để tải tiếp phần còn lại")
    if not _matches(dst, entry):
        dst.unlink()
        raise DeliveryError(f"tệp {dst.name} sai mã băm so với manifest.json đã ký: không nhận ngày này, "
                            "giữ nguyên chương trình đang có", path=url,
                            hint="báo cho trung tâm của tỉnh; có thể tệp đã bị sửa hoặc hỏng trên đường truyền")
    return received


def _matches(path: Path, entry: dict) -> bool:
    if path.stat().st_size != entry["bytes"]:
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == entry["sha256"]


def _same_day(target: Path, manifest_bytes: bytes) -> bool:
    """The day here is exactly this signed day, every file present and whole."""
    try:
        if (target / MANIFEST).read_bytes() != manifest_bytes:
            return False
        manifest = json.loads(manifest_bytes)
    except (OSError, ValueError):
        return False
    return all((target / p["file"]).is_file() and _matches(target / p["file"], p) for p in manifest["programmes"])


def _current_hashes(target: Path) -> dict[str, Path]:
    """sha256 -> file of the day already here, to link unchanged programmes instead of downloading."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        return {p["sha256"]: target / p["file"] for p in manifest["programmes"]
                if isinstance(p.get("sha256"), str) and _FILE.fullmatch(str(p.get("file", "")))}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
