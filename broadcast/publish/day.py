"""The published day: audio_out/D/ with programme files, playlist.m3u8 and manifest.json, swapped in atomically."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from broadcast.atomic import write_text_atomic
from broadcast.errors import AudioError, BroadcastError
from broadcast.publish.plaintext import plain
from broadcast.publish.staging import StagingFolder, publishable, sweep_stale

MANIFEST = "manifest.json"
PLAYLIST = "playlist.m3u8"
SIGNATURE = "manifest.json.sig"     # a province's Ed25519 signature of manifest.json (broadcast.province)
SCHEMA_VERSION = 1

# Keys every manifest programme and item carries; read_manifest checks them.
PROGRAMME_KEYS = ("id", "slot", "title", "start", "file", "duration_s", "loudness_lufs",
                  "true_peak_dbtp", "engine", "engine_notes", "inputs_hash", "items")
ITEM_KEYS = ("id", "kind", "template", "title", "tags", "priority", "repeat", "offset_s",
             "duration_s", "text", "spoken")


def day_dir(audio_out: Path, day: date) -> Path:
    return audio_out / day.isoformat()


def playlist_text(manifest: Mapping[str, Any], station_title: str) -> str:
    """Extended M3U in air order: '#EXTINF:<seconds>,<title>' then the file name.

    A station of several zones names each programme's zones: '... (05:30) [thon-dong, thon-trung]'.
    Titles are one line of plain text: a line break typed in a title cannot add an entry.
    """
    def line(text: Any) -> str:
        return " ".join(plain(text).split())

    lines = ["#EXTM3U", f"#PLAYLIST:{line(station_title)} {manifest['date']}"]
    zoned = len({z for p in manifest["programmes"] for z in p.get("zones") or ()}) > 1
    for programme in manifest["programmes"]:
        start = programme["start"][11:16]
        zones = f" [{', '.join(programme.get('zones') or ())}]" if zoned else ""
        lines.append(f"#EXTINF:{round(programme['duration_s'])},{line(station_title)} - "
                     f"{line(programme['title'])} ({start}){zones}")
        lines.append(programme["file"])
    return "\n".join(lines) + "\n"


def json_text(data: Any, *, indent: int | None = None) -> str:
    """JSON with < > & written as \\u escapes: the same data, and no markup for a page that embeds it."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write_manifest(directory: Path, manifest: Mapping[str, Any], station_title: str) -> None:
    write_text_atomic(directory / MANIFEST, json_text(manifest, indent=2) + "\n")
    write_text_atomic(directory / PLAYLIST, playlist_text(manifest, station_title))


def read_manifest(directory: Path) -> dict[str, Any]:
    """Load and check a published day's manifest; AudioError when it is missing or malformed."""
    path = Path(directory) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AudioError("chưa có chương trình đã dựng cho ngày này", path=str(path),
                         hint="chạy 'broadcast build --date ...' trước") from None
    except (OSError, ValueError) as exc:
        raise AudioError(f"manifest.json hỏng: {exc}", path=str(path),
                         hint="dựng lại ngày này bằng 'broadcast build'") from None
    problems = manifest_problems(data)
    if problems:
        raise AudioError(f"manifest.json sai cấu trúc: {problems[0]}", path=str(path),
                         hint="dựng lại ngày này bằng 'broadcast build'")
    return data


def manifest_problems(data: Any) -> list[str]:
    """Every way `data` departs from the manifest schema (empty when it conforms)."""
    if not isinstance(data, dict):
        return ["not an object"]
    problems = [f"missing '{k}'" for k in ("schema", "date", "station", "programmes") if k not in data]
    if data.get("schema") not in (None, SCHEMA_VERSION):
        problems.append(f"schema {data.get('schema')} is not {SCHEMA_VERSION}")
    heard: dict[tuple[Any, str], int] = {}       # (start, zone) -> the programme airing it
    for i, programme in enumerate(data.get("programmes") or []):
        problems += [f"programme {i}: missing '{k}'" for k in PROGRAMME_KEYS if k not in programme]
        zones = programme.get("zones", [])          # absent (older days): every zone
        if not isinstance(zones, list) or not all(isinstance(z, str) and z for z in zones) or (
                "zones" in programme and not zones):
            problems.append(f"programme {i}: 'zones' must be a non-empty list of zone names")
            zones = []
        for zone in zones:
            twin = heard.setdefault((programme.get("start"), zone), i)
            if twin != i:
                problems.append(f"programme {i}: zone '{zone}' already airs programme {twin} at that time")
        for j, item in enumerate(programme.get("items") or []):
            problems += [f"programme {i} item {j}: missing '{k}'" for k in ITEM_KEYS if k not in item]
    return problems


@contextmanager
def staged_day(audio_out: Path, day: date) -> Iterator[Path]:
    """A private folder to build a day in; swapped in on success, removed on any failure.

    The previous good day stays in place until the new one is complete, so a failed build
    leaves it untouched and a reader never finds a half-written day. The folder is locked while
    the build runs (`broadcast.publish.staging`), so a later build sweeps it only once its build is dead.
    """
    audio_out.mkdir(parents=True, exist_ok=True)
    sweep_stale(audio_out)             # folders of builds killed before they could clean up
    folder = StagingFolder(audio_out, day.isoformat())
    staging = folder.path
    try:
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        publishable(staging)           # readable by a player, web server or share under the umask
        swap_in(staging, day_dir(audio_out, day))
    finally:
        folder.release()


def swap_in(staging: Path, target: Path) -> None:
    """Replace `target` by `staging` with two renames; the old day is removed afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except OSError as exc:
        if old is not None:
            os.replace(old, target)
        raise BroadcastError(f"không công bố được ngày {target.name}: {exc}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def reuse_file(src: Path, dst: Path) -> None:
    """Bring an unchanged programme file into the new day without re-encoding it."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
