"""`broadcast plan` remembered: the text it printed, kept with the digest of its inputs, reprinted without planning.

Planning a day means importing the schedule loader and Jinja, reading every schedule, compiling
the templates the notices use and rendering each text the planner times; most `plan` commands
ask again about days nothing has touched since. After printing, the command keeps its text per
day under `<[paths] state>/plan/<key>.json` (the key: first day, number of days, zone) with
`broadcast.publish.freshness.inputs`: the station's settings, the schedule and template folders
(and the province's), every other file the schedule loader read, the pronunciation file, the
speech calibration, every audio file whose length the planner measured, this package's files and
the installed distributions. The next `plan` with the same key hashes those again (no YAML, no
template, no heavy import) and reprints the text when all match. An edited template, schedule,
recording or setting changes the digest: the day is planned again (and its new text kept).

The schedules' warnings (an empty schedule file) are kept with the text and said again. What
depends on the clock is not kept: the lines about the published day's fallback voice
(`broadcast.publish.readiness`) are made anew each time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from broadcast.atomic import write_text_atomic
from broadcast.publish import freshness

SCHEMA = 1
FOLDER = "plan"               # under [paths] state
KEPT = 32                     # remembered plans kept; the oldest go first


def _key(first: date, days: int, zone: str | None) -> list:
    return [first.isoformat(), days, zone]


def _path(station: Any, key: list) -> Path:
    name = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]
    return station.path(station.paths.state) / FOLDER / f"{name}.json"


def begin(station: Any) -> dict:
    """The inputs as the command starts planning (the files it reads are added once it has planned)."""
    return freshness.inputs(station, freshness.chosen_engines(station), ())


def recall(station: Any, first: date, days: int, zone: str | None) -> tuple[list[str], list[str]] | None:
    """The text printed last time for each day and the schedules' warnings, when every input is as
    it was then; else None."""
    key = _key(first, days, zone)
    try:
        record = json.loads(_path(station, key).read_text(encoding="utf-8"))
        if record.get("schema") != SCHEMA or record.get("key") != key:
            return None
        stamped = record["inputs"]
        if freshness.inputs(station, freshness.chosen_engines(station), stamped.get("files", {})) != stamped:
            return None
        blocks, said = record["blocks"], record["warnings"]
        if not (isinstance(blocks, list) and len(blocks) == days and isinstance(said, list)
                and all(isinstance(t, str) for t in [*blocks, *said])):
            return None
        return blocks, said
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remember(station: Any, first: date, days: int, zone: str | None, blocks: Sequence[str],
             before: dict, files: Iterable[Path], said: Sequence[str] = ()) -> None:
    """Keep the printed text, if nothing the plan depends on moved while it was made."""
    after = freshness.inputs(station, freshness.chosen_engines(station), files)
    path = _path(station, _key(first, days, zone))
    if not freshness.steady(before, after):
        path.unlink(missing_ok=True)
        return
    record = {"schema": SCHEMA, "key": _key(first, days, zone), "inputs": after, "blocks": list(blocks),
              "warnings": list(said)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(record, ensure_ascii=False, sort_keys=True))
        _prune(path.parent)
    except OSError:             # a read-only state folder: the plan is printed all the same
        return


def _prune(folder: Path) -> None:
    found = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for old in found[:-KEPT]:
        try:
            os.unlink(old)
        except OSError:
            pass
