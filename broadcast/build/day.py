"""Build a day: plan and compose, speak, encode the programmes side by side, publish."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from broadcast import audio
from broadcast.build import stamp as stamps
from broadcast.build.composed import ComposedProgramme
from broadcast.build.programme import (
    SpeechStream,
    _programme_label,
    _speak_programme,
    assemble_programme,
    file_fingerprint,
    programme_audio,
    programme_entry,
    programme_segments,
)
from broadcast.build.toolkit import MAX_PARALLEL_ENCODES, Toolkit, load_schedule_for
from broadcast.build.zoning import compose_zones
from broadcast.errors import AudioError
from broadcast.model import Programme
from broadcast.plan import estimate
from broadcast.plan.trace import EstimateTrace
from broadcast.progress import ENCODING, BuildProgress
from broadcast.publish.day import (
    MANIFEST,
    SCHEMA_VERSION,
    day_dir,
    manifest_problems,
    reuse_file,
    staged_day,
    write_manifest,
)
from broadcast.publish.freshness import BuildResult
from broadcast.speak.fallback import SpokenSet
from broadcast.station.bounded_yaml import recording_reads
from broadcast.station.config import Station

# ---------------------------------------------------------------------------------------------
# Building a day


def load_plan(toolkit: Toolkit, day: date, *, schedule=None) -> list[Programme]:
    """Load and validate the schedules, then plan one day with calibrated duration estimates."""
    from broadcast.plan.planner import plan

    station = toolkit.station
    if schedule is None:
        schedule = load_schedule_for(toolkit)
    return plan(schedule, day, tz=station.tz, library=toolkit.library, estimate=toolkit.estimator)


@dataclass(frozen=True)
class DayPlan:
    """What building one day takes: every programme composed and hashed, and which files can stay."""

    day: date
    audio_out: Path
    target: Path                                  # audio_out/<day>/
    composed: tuple[ComposedProgramme, ...]
    hashes: tuple[str, ...]
    reusable: Mapping[str, dict]                  # programme id -> its unchanged published entry
    warnings: tuple[str, ...]
    unchanged: bool                               # the published day already is this day
    schedule: Any = None                          # the validated schedules it was planned from
    trace: Any = None                             # what the plan's choices rested on (`broadcast.plan.trace`)

    @property
    def todo(self) -> list[tuple[ComposedProgramme, str]]:
        """Programmes to speak and encode (with their inputs hash), in air order."""
        return [(c, h) for c, h in zip(self.composed, self.hashes) if c.programme.id not in self.reusable]


def plan_day(toolkit: Toolkit, day: date, *, force: bool = False) -> DayPlan:
    """Stage 1 (render + normalize): plan the day, compose every programme, find what can be reused."""
    station = toolkit.station
    schedule = load_schedule_for(toolkit)
    # One programme per zone and slot; zones with identical programmes share one (no second encode).
    trace = EstimateTrace()
    # the texts the planner times, kept as `broadcast plan` keeps them: the next plan reads them;
    # at the command's one reading speed, so every day of a run is timed alike
    with estimate.kept_readings(toolkit, speed=toolkit.speed) as (timed, library):
        composed, hashes = compose_zones(toolkit, schedule, day, estimate=timed, library=library, trace=trace)
    audio_out = station.path(station.paths.audio_out)
    target = day_dir(audio_out, day)
    published = None if force else _previous_entries(target)   # None: no valid day published yet
    previous = published or {}
    warnings = [*schedule.warnings, *stamps.day_warnings(composed)]    # an empty schedule file too: stamped
    reusable = {}
    for c, digest in zip(composed, hashes):
        old = previous.get(c.programme.id)
        # A programme in the fallback voice is never reused: each build tries the preferred engine again.
        if (old and old["inputs_hash"] == digest and old["engine"] == toolkit.engine_names[0]
                and not old.get("fallback") and (target / old["file"]).is_file()):
            reusable[c.programme.id] = old
    unchanged = (published is not None and list(published) == [c.programme.id for c in composed]
                 and len(reusable) == len(composed)
                 and all(previous[c.programme.id].get("zones") == list(c.programme.zones) for c in composed))
    return DayPlan(day, audio_out, target, tuple(composed), tuple(hashes), reusable, tuple(warnings), unchanged,
                   schedule, trace)


def unchanged_result(plan: DayPlan) -> BuildResult:
    """The result of a build that found the published day already up to date."""
    entries = tuple(plan.reusable[c.programme.id] for c in plan.composed)
    return BuildResult(plan.day, plan.target, entries, 0, len(entries), 0, plan.warnings, True)


def build_day(station: Station, day: date, *, toolkit: Toolkit | None = None,
              now: datetime | None = None, progress: BuildProgress | None = None,
              force: bool = False) -> BuildResult:
    """Build and publish `audio_out/<day>/`; unchanged programmes are reused, not re-encoded.

    `progress` is told each programme's phase and, in seconds of estimated audio, the work done:
    its length once as its texts are spoken and once as it is encoded (both at once when reused).
    The stages (`plan_day`, `Toolkit.speak`, `assemble_programme`, `finish_day`) are the ones a
    province build runs as Dask tasks, so both produce the same day. The day's stamp
    (`broadcast.publish.freshness`) lets the next `broadcast build` of an untouched day stop early.
    """
    toolkit = toolkit or Toolkit.from_station(station)
    before = stamps.begin(toolkit)
    with recording_reads() as reads:
        plan = plan_day(toolkit, day, force=force)
    planned = stamps.planned_files(toolkit, plan, reads)
    share = {c.programme.id: c.programme.est_duration_s for c in plan.composed}
    if progress is not None:
        progress.advance(sum(2 * share[pid] for pid in plan.reusable))
    if plan.unchanged:
        result = unchanged_result(plan)
        stamps.leave(toolkit, plan, result.programmes, before, planned)
        return result
    todo = plan.todo
    with staged_day(plan.audio_out, day) as staging:
        built, spoken = _speak_and_encode(toolkit, todo, staging, share, progress)
        entries = finish_day(toolkit, plan, built, staging, now=now)
    engine_calls = sum(s.engine_calls for s in spoken.values())
    for c, _ in todo:   # the clips' real lengths calibrate the planner's next estimates
        said = spoken[c.programme.id]
        estimate.record(toolkit.cache.root, estimate.voice_key(said.engine, toolkit.engine_options),
                        zip(c.texts(), said.files))
    stamps.leave(toolkit, plan, entries, before, planned)
    return BuildResult(day, plan.target, entries, len(built), len(entries) - len(built), engine_calls,
                       plan.warnings, False)


def _speak_and_encode(toolkit: Toolkit, todo: list[tuple[ComposedProgramme, str]], staging: Path,
                      share: Mapping[str, float], progress: BuildProgress | None,
                      ) -> tuple[dict[str, dict], dict[str, SpokenSet]]:
    """Speak the programmes one after another (the engines are not thread-safe) while each is
    encoded from the moment its first clip is ready: one encoder per programme, side by side.

    A programme whose engine fell back midway is assembled again from the finished speech.
    """
    workers = max(1, min(len(todo), os.cpu_count() or 1, MAX_PARALLEL_ENCODES))
    gap = toolkit.station.programme.gap_s
    streams: dict[str, SpeechStream] = {}
    jobs: dict[str, Future] = {}
    spoken: dict[str, SpokenSet] = {}

    def encode(c: ComposedProgramme, stream: SpeechStream) -> tuple[audio.Assembled, list[int]]:
        if progress is not None:
            progress.begin(_programme_label(c.programme), ENCODING)
        segments, owner = programme_segments(c, gap, stream.clip_for)
        left = [share[c.programme.id]]

        def fed(seconds: float) -> None:      # the bar follows the encode, within the estimate
            step = min(left[0], seconds)
            left[0] -= step
            if progress is not None:
                progress.advance(step)

        result = programme_audio(toolkit, c, staging, segments, fed)
        if progress is not None:
            progress.advance(left[0])
        return result, owner

    rate = toolkit.speech_rate() if todo else None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for c, _ in todo:
                pid = c.programme.id
                streams[pid] = SpeechStream(c.texts(), rate)
                jobs[pid] = pool.submit(encode, c, streams[pid])
            for c, _ in todo:
                pid = c.programme.id
                others = [stream for other, stream in streams.items() if other != pid]     # spoken ones: all done
                spoken[pid] = _speak_programme(toolkit, c, share[pid], progress, _Shared(streams[pid], c.texts(), others))
                streams[pid].close()
        except BaseException as e:
            for stream in streams.values():
                stream.close(e)
            raise
        built: dict[str, dict] = {}
        for c, digest in todo:
            pid = c.programme.id
            if streams[pid].superseded:
                jobs[pid].exception()          # wait for the stream's encoder to stop
                built[pid] = assemble_programme(toolkit, c, digest, staging, spoken[pid])
                continue
            result, owner = jobs[pid].result()
            built[pid] = programme_entry(toolkit, c, digest, result, owner, spoken[pid])
    return built, spoken


class _Shared:
    """A programme's speech delivered to its own stream and offered to the programmes still waiting.

    Zones' programmes of a slot share most texts: an encoder waiting for a text another programme
    is speaking now takes its clip at once instead of idling until its own programme is spoken.
    """

    def __init__(self, own: SpeechStream, texts: Sequence[str], others: Sequence[SpeechStream]) -> None:
        self.own, self.texts, self.others = own, list(texts), list(others)

    def deliver(self, index: int, path: Path) -> None:
        self.own.deliver(index, path)
        if not self.own.superseded:          # a clip in the preferred voice only (a fallback restarts)
            for other in self.others:
                other.offer(self.texts[index], path)


def finish_day(toolkit: Toolkit, plan: DayPlan, built: Mapping[str, dict], staging: Path, *,
               now: datetime | None = None) -> tuple[dict, ...]:
    """Last stage before the swap: bring reused files into `staging`, write the manifest and playlist.

    `built` maps programme id to the entry of a file already in `staging`.
    """
    station = toolkit.station
    stamp = (now or datetime.now(station.tz)).isoformat(timespec="seconds")
    entries: list[dict] = []
    for c in plan.composed:
        if c.programme.id in built:
            entries.append(built[c.programme.id])
        else:
            entry = dict(plan.reusable[c.programme.id])
            if c.programme.zones:                     # the zones airing it now, not when it was encoded
                entry["zones"] = list(c.programme.zones)
            reuse_file(plan.target / entry["file"], staging / entry["file"])
            if "sha256" not in entry:                 # published before manifests carried file hashes
                entry.update(file_fingerprint(staging / entry["file"]))
            entries.append(entry)
    manifest = {"schema": SCHEMA_VERSION, "date": plan.day.isoformat(), "station": station.station.name,
                "station_title": station.station_title, "timezone": station.station.timezone,
                "generated_at": stamp, "programmes": entries}
    problems = manifest_problems(manifest)
    if problems:
        raise AudioError(f"manifest không hợp lệ: {problems[0]}")
    write_manifest(staging, manifest, station.station_title)
    return tuple(entries)

def _previous_entries(target: Path) -> dict[str, dict] | None:
    """The published day's programmes by id, in air order; None when no valid day is there."""
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest_problems(data):
        return None
    return {p["id"]: p for p in data["programmes"]}
