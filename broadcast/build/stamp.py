"""The stamp a build leaves for the next one: its inputs, when a plan made from them is the published day.

`broadcast.publish.freshness` reads the stamp back (without importing this package). The rule that keeps
it safe: a stamp is written only if every input read at the start of the build is the same at
its end, and a plan made now (with the speech calibration this build just extended) gives the
very programmes published, hash for hash: known without planning again when every comparison of
lengths the build's plan made comes out the same (`broadcast.plan.trace`), planned again otherwise. Otherwise the old stamp is dropped and the next build
plans the slow way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from broadcast.build.toolkit import Toolkit, normalize_options_for
from broadcast.publish import freshness


def day_warnings(composed: Sequence) -> list[str]:
    """A day's plan warnings as the build prints them: the programmes' own, then each item's."""
    warnings = [w for c in composed for w in c.programme.warnings]
    warnings += [f"{ci.item.id}: {w}" for c in composed for ci in c.items for w in ci.warnings]
    return list(dict.fromkeys(warnings))      # zones' programmes of one slot share most warnings


def begin(toolkit: Toolkit) -> dict:
    """The inputs as a build starts (the files it reads are listed once it has planned)."""
    return freshness.inputs(toolkit.station, toolkit.engine_names, ())


def leave(toolkit: Toolkit, plan, entries: Sequence[dict], before: dict, planned_files: dict) -> None:
    """Stamp the day just published (or found unchanged) if nothing moved under the build."""
    station = toolkit.station
    files = planned_files.keys()
    after = freshness.inputs(station, toolkit.engine_names, files)
    steady = (all(after[k] == before[k] for k in before if k not in ("files", "calibration"))
              and after["files"] == planned_files
              and all(planned_files.get(k) == v for k, v in before["files"].items())
              and toolkit.options == normalize_options_for(station)
              and not any(e.get("fallback") for e in entries))
    warnings = list(plan.warnings)
    if steady and after["calibration"] != before["calibration"]:
        # This build taught the planner its clips' lengths: the next plan may move a notice. When
        # every comparison of lengths the plan made comes out the same, it would not: no second plan.
        from broadcast.plan.estimate import make_estimator

        calibrated = make_estimator(toolkit)
        if plan.trace is not None and plan.trace.holds(calibrated):
            return _stamp(toolkit, plan, after, warnings)
        from broadcast.build.zoning import compose_zones

        composed, hashes = compose_zones(toolkit, plan.schedule, plan.day, estimate=calibrated)
        steady = ([c.programme.id for c in composed] == [e["id"] for e in entries]
                  and hashes == [e["inputs_hash"] for e in entries])
        warnings = [*getattr(plan.schedule, "warnings", ()), *day_warnings(composed)]
    if steady:
        _stamp(toolkit, plan, after, warnings)
    else:
        freshness.forget(station, plan.day)


def _stamp(toolkit: Toolkit, plan, after: dict, warnings: list[str]) -> None:
    freshness.write_stamp(toolkit.station, plan.day, after, warnings)


def planned_files(toolkit: Toolkit, plan, reads: Sequence[Path]) -> dict:
    """sha256 of the files the plan read outside the stamped folders and the audio files it uses."""
    files = {*reads, *(f for c in plan.composed for f in c.files())}
    return freshness.file_digests(toolkit.station, files)
