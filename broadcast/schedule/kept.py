"""The validated schedules kept by the digest of their inputs: an unchanged station loads no YAML.

Loading the schedules reads every YAML file, checks each notice against its template (compiling
the templates) and builds the calendar: most of what `broadcast plan` costs for a day it has not
planned yet, and grows with the number of notices. After a load that succeeds, the `Schedule`
is kept in `<[paths] state>/schedules/kept.pickle` with:

- `broadcast.publish.freshness.inputs` (the digest the build stamp and the remembered plan use:
  the station's settings, the template and schedule folders and the province's, this package's
  files, the installed distributions) plus the SHA-256 of every file the loader read (data files,
  notice files in linked folders);
- the status (`os.stat` through links, and where the link leads) of every recording and relay
  file the schedules name: the loader only checks they are there, regular, inside the station and
  not too large, and the schedule's own fingerprint takes their size and time;
- the names of the `*.yaml` files in the folders the loader lists;
- the warnings the load gave (said again, as a load says them).

The next load compares all of that and unpickles the schedule when everything matches; anything
else (an edited notice, template, data file or setting, a recording replaced, a new file) loads
again. Kept only if the inputs were the same before and after the load; an error is never kept.
The pickle is the station's own state, as trusted as its code (whoever can write `var/` can
already change the schedules).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from broadcast.atomic import write_bytes_atomic
from broadcast.errors import StationWarning
from broadcast.publish import freshness
from broadcast.schedule import notices_kept
from broadcast.schedule.vocabulary import ANNOUNCEMENT_FOLDER
from broadcast.station.bounded_yaml import note_reads, recording_reads

SCHEMA = 1
FOLDER = "schedules"                 # under [paths] state
FILE = "kept.pickle"
_NOT_DIGEST = ("engines", "calibration")   # a build's speech inputs: they change no schedule


def _path(station: Any) -> Path:
    return station.path(station.paths.state) / FOLDER / FILE


def _inputs(station: Any, files: Iterable[Path | str]) -> dict:
    found = freshness.inputs(station, (), files)
    for key in _NOT_DIGEST:
        found.pop(key)
    return found


def _context(station: Any) -> str:
    """What a notice's check reads besides its file: the settings, templates, code, libraries."""
    return freshness.texts_digest(station)


def _named_files(schedule: Any) -> list[Path]:
    """Every other file the schedules name (recordings, relays, their fallbacks): the loader only
    checked it, so its status, not its bytes, is what a load would see again."""
    read = {*schedule.source_files, *schedule.data_files}
    found: set[Path] = set()
    names: dict[type, tuple[str, ...]] = {}     # each dataclass's field names, looked up once
    todo = [schedule]
    while todo:
        value = todo.pop()
        kind = type(value)
        if kind in _ATOMS:
            continue
        if isinstance(value, Path):
            if value not in read:
                found.add(value)
        elif kind in names or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            if kind not in names:
                names[kind] = tuple(f.name for f in dataclasses.fields(value))
            todo += [getattr(value, name) for name in names[kind]]
        elif isinstance(value, (tuple, list)):
            todo += value
    return sorted(found)


_ATOMS = frozenset({str, int, float, bool, type(None), bytes})   # hold no path: not walked


def _status(path: Path) -> list | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [os.path.realpath(path), st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def _listing(station: Any) -> list[list[str]]:
    """The `*.yaml` names in each folder the loader lists (a linked folder is not in the trees)."""
    folder = station.path(station.paths.schedules)
    folders = [folder, folder / ANNOUNCEMENT_FOLDER]
    if station.province_dir is not None:
        folders.append(station.province_dir / "schedules")
    return [sorted(p.name for p in f.glob("*.yaml")) if f.is_dir() else [] for f in folders]


def _state(station: Any, schedule: Any, files: Iterable[Path]) -> dict:
    return {"inputs": _inputs(station, files),
            "named": {str(p): _status(p) for p in _named_files(schedule)},
            "listing": _listing(station)}


def _recall(station: Any) -> Any | None:
    try:
        with open(_path(station), "rb") as handle:
            record = pickle.load(handle)
        if not isinstance(record, dict) or record.get("schema") != SCHEMA:
            return None
        schedule, files = record["schedule"], [Path(f) for f in record["files"]]
        if _state(station, schedule, files) != record["state"]:
            return None
        return schedule, files
    except Exception:      # noqa: BLE001 - an unreadable, foreign or outdated record: load as usual
        return None


def loaded(station: Any, load: Callable[[], Any]) -> Any:
    """The schedules `load()` gives, or the kept ones when nothing they were loaded from changed.

    Either way the files the loader read are noted in the caller's `recording_reads` and the
    schedules' warnings are raised (`StationWarning`), as a load does."""
    found = _recall(station)
    if found is not None:
        schedule, files = found
        note_reads(files)
        for text in schedule.warnings:
            warnings.warn(StationWarning(text), stacklevel=2)
        return schedule
    before = _inputs(station, ())
    # one edited file: the others' notices come from `notices_kept` (checked before, kept by their bytes)
    with recording_reads() as reads, notices_kept.keeping(_path(station).with_name(notices_kept.FILE),
                                                          lambda: _context(station)):
        schedule = load()
    note_reads(reads)
    _keep(station, schedule, sorted(set(reads)), before)
    return schedule


def _keep(station: Any, schedule: Any, files: list[Path], before: dict) -> None:
    state = _state(station, schedule, files)
    if not freshness.steady(before, state["inputs"]):
        return
    record = {"schema": SCHEMA, "state": state, "files": [str(f) for f in files], "schedule": schedule}
    path = _path(station)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):   # read-only state: loaded all the same
        return
