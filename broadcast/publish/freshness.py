"""Whether a published day is still what a build would make of it, told without planning it again.

A `broadcast build` of a day nothing touched should cost the interpreter and little more. Every
build that publishes (or finds unchanged) a day leaves a stamp, `<[paths] state>/build/<day>.json`:

- the digest of everything that decides the day: the station's settings as loaded, the engines
  chosen, the schedule and template folders (and the province's), every other file the schedule
  loader read, the pronunciation file, the speech calibration (the planner's lengths), the audio
  files the programmes use, this package's files and the installed distributions;
- the SHA-256 of the manifest it published, and the warnings its plan gave.

`fresh_day` hashes the same files again (no YAML, no templates, no ffmpeg, no heavy import) and,
when everything matches and every programme file is there, answers with the published day as
the slow path would (an unchanged `BuildResult`). Anything missing or different: None, and the
command builds as usual, which decides reuse programme by programme and writes a new stamp.
A stamp is written only when a plan made from the stamped inputs gives the published day (see
`build.day`), so trusting it never skips a rebuild the slow path would have made.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from broadcast import __version__
from broadcast.atomic import write_text_atomic
from broadcast.station import files as station_files

SCHEMA = 1
STAMPS = "build"                      # folder under [paths] state
CALIBRATION_FILE = "calibration.json"  # in the speech cache (broadcast.plan.estimate writes it)
MANIFEST = "manifest.json"
_PACKAGE = Path(__file__).resolve().parent
HASH_MAX_BYTES = 2 << 30              # no input is read past this to hash it (a relay file is the largest)
_SETTLED_NS = 2_000_000_000           # a file changed this long before hashing keeps its digest (`_file_sha`)
_SEEN_MAX = 50_000
_SEEN: dict[tuple, str] = {}          # this process's digests by file status


@dataclass(frozen=True)
class BuildResult:
    day: date
    directory: Path
    programmes: tuple[dict, ...]         # manifest entries
    encoded: int                         # programmes encoded this time
    reused: int                          # programmes whose file was reused unchanged
    engine_calls: int                    # texts synthesized this time (0 on a warm rebuild)
    warnings: tuple[str, ...]
    unchanged: bool                      # nothing changed: the published day was left as it was


def chosen_engines(station: Any, engines: Sequence[str] | None = None, dry_run: bool = False) -> tuple[str, ...]:
    """The engines a command speaks with: the fake one for --dry-run, else --engine, else [speech]."""
    return ("fake",) if dry_run else tuple(engines or station.speech.engines)


# --- digests ----------------------------------------------------------------------------------

def _file_sha(path: Path, inside: Sequence[Path] = ()) -> str | None:
    """sha256 of a regular file (inside `inside`), None when it is gone, '!reason' when it may not be read.

    Through `broadcast.station.files`: a FIFO, a device (/dev/zero) or a folder is never opened
    or hashed, and no file past HASH_MAX_BYTES is read. A '!' entry never equals a digest, so the
    build takes the slow path, whose loader says what is wrong with the file.

    A command takes the same digests three or four times (before and after its work, the kept
    schedules'): within one process a regular file's digest is reused while its status (where it
    leads, device, inode, size, modification and change times) is the same. Only a file changed
    more than `_SETTLED_NS` before it was hashed is remembered, so a second write within the
    file system's clock tick (same size, same times) cannot hide behind the first (as git's index
    treats "racily clean" files)."""
    try:
        st = os.stat(path)
        key = (os.path.realpath(path), tuple(map(str, inside)), st.st_dev, st.st_ino, st.st_size,
               st.st_mtime_ns, st.st_ctime_ns) if stat.S_ISREG(st.st_mode) else None
    except (OSError, ValueError):
        key = None
    if key is not None and key in _SEEN:
        return _SEEN[key]
    started = time.time_ns()
    try:
        found = station_files.sha256(path, max_bytes=HASH_MAX_BYTES, inside=inside)
    except station_files.StationFileError as exc:
        return f"!{exc.reason}"
    except OSError:
        return None
    if key is not None and started - key[-1] > _SETTLED_NS:
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[key] = found
    return found


def _tree(root: Path, inside: Sequence[Path]) -> list[list[str | None]]:
    """(relative path, sha256) of every file under `root`, in a fixed order; [] when it is absent.

    Links to folders are listed, not followed (`os.walk`): a link loop cannot make it endless."""
    found: list[list[str | None]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(folder) / name
            found.append([path.relative_to(root).as_posix(), _file_sha(path, inside)])
    return found


def code_digest() -> str:
    """This package as installed: every file's name, size and modification time (no reading)."""
    h = hashlib.sha256(f"{__version__} {sys.version}".encode())
    for folder, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            st = os.stat(os.path.join(folder, name))
            h.update(f"{os.path.relpath(os.path.join(folder, name), _PACKAGE)} {st.st_size} {st.st_mtime_ns}\n"
                     .encode())
    return h.hexdigest()


def _distributions() -> str:
    """The installed distributions by name and version (the calendar and template libraries among them)."""
    h = hashlib.sha256()
    for entry in sys.path:
        if not entry.endswith(("site-packages", "dist-packages")):
            continue          # the folder a command starts in is no installed library
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        h.update(f"{entry}:{','.join(names)}\n".encode())
    return h.hexdigest()


def _inside(station: Any) -> tuple[Path, ...]:
    """The folders the station's inputs may really lie in: its own, its schedule and template
    folders (wherever a link to the folder leads), and its province's shared one."""
    return (station.root, station.path(station.paths.schedules), station.path(station.paths.scripts),
            *((station.province_dir,) if station.province_dir is not None else ()))


def _trees(station: Any, kinds: Sequence[str] = ("scripts", "schedules")) -> dict[str, list]:
    roots = {"scripts": station.path(station.paths.scripts), "schedules": station.path(station.paths.schedules)}
    if station.province_dir is not None:
        roots["province_scripts"] = station.province_dir / "scripts_vi"
        roots["province_schedules"] = station.province_dir / "schedules"
    return {key: _tree(root, _inside(station)) for key, root in roots.items() if key.split("_")[-1] in kinds}


def texts_digest(station: Any) -> str:
    """The digest of what a template's spoken text depends on besides its values: the settings, the
    template folders, the pronunciation file, this package's files, the installed distributions."""
    return hashlib.sha256(json.dumps([repr(station), _trees(station, ("scripts",)), file_digests(station, ()),
                                      code_digest(), _distributions()]).encode()).hexdigest()


def file_digests(station: Any, files: Iterable[Path | str]) -> dict[str, str | None]:
    """sha256 of each file (None when it is gone), the pronunciation file always among them."""
    listed = sorted({str(Path(f)) for f in files} | {str(station.path(station.normalize.pronunciations))})
    return {f: _file_sha(Path(f), _inside(station)) for f in listed}


def inputs(station: Any, engines: Sequence[str], files: Iterable[Path | str]) -> dict:
    """The digest of everything that decides a day's programmes (see the module docstring)."""
    cache = station.path(station.speech.cache_dir)
    return {
        "station": hashlib.sha256(repr(station).encode()).hexdigest(),
        "engines": list(engines),
        "trees": hashlib.sha256(json.dumps(_trees(station)).encode()).hexdigest(),
        "files": file_digests(station, files),
        "calibration": _file_sha(cache / CALIBRATION_FILE),
        "code": code_digest(),
        "distributions": _distributions(),
    }


def steady(before: dict, after: dict) -> bool:
    """Whether nothing moved between two `inputs` taken around a piece of work: every entry alike,
    and each file `before` listed with the same digest (`after` may list more: the files it read)."""
    return (all(after.get(k) == v for k, v in before.items() if k != "files")
            and all(after["files"].get(k) == v for k, v in before["files"].items()))


# --- stamps -----------------------------------------------------------------------------------

def stamp_path(station: Any, day: date) -> Path:
    return station.path(station.paths.state) / STAMPS / f"{day.isoformat()}.json"


def _day_dir(station: Any, day: date) -> Path:
    return station.path(station.paths.audio_out) / day.isoformat()


def write_stamp(station: Any, day: date, stamped: dict, warnings: Sequence[str]) -> None:
    """Keep the inputs of the day just published (or found unchanged) beside the station's state."""
    manifest = _file_sha(_day_dir(station, day) / MANIFEST)
    if manifest is None:
        return
    record = {"schema": SCHEMA, "day": day.isoformat(), "inputs": stamped, "manifest_sha256": manifest,
              "warnings": list(warnings)}
    path = stamp_path(station, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(record, ensure_ascii=False, sort_keys=True))


def forget(station: Any, day: date) -> None:
    """Drop a day's stamp (its build failed or its inputs moved under it): the next build plans."""
    stamp_path(station, day).unlink(missing_ok=True)


def fresh_day(station: Any, day: date, engines: Sequence[str]) -> BuildResult | None:
    """The published day as an unchanged build would report it, when its stamp still holds; else None."""
    try:
        record = json.loads(stamp_path(station, day).read_text(encoding="utf-8"))
        if record.get("schema") != SCHEMA or record.get("day") != day.isoformat():
            return None
        directory = _day_dir(station, day)
        raw = (directory / MANIFEST).read_bytes()
        if hashlib.sha256(raw).hexdigest() != record["manifest_sha256"]:
            return None
        manifest = json.loads(raw.decode("utf-8"))
        programmes = tuple(manifest["programmes"])
        # the slow path reuses a file only if it is there, and never one in the fallback voice
        if any(p.get("fallback") or p.get("engine") != engines[0] or not (directory / p["file"]).is_file()
               for p in programmes):
            return None
        stamped = record["inputs"]
        if inputs(station, engines, stamped.get("files", {})) != stamped:
            return None
        return BuildResult(day, directory, programmes, 0, len(programmes), 0, tuple(record["warnings"]), True)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
