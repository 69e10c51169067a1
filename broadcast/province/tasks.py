"""The work a Dask worker does for a province build: each function is one task of the graph.

Each task calls the same stages `broadcast build` runs (`plan_day`, `speak_all`,
`assemble_programme`, `finish_day`, `staged_day`), so a commune's day built here is the day its
own build would publish. Nothing here imports Dask: the graph (`broadcast.province.graph`)
submits these functions by name, and they run in worker processes.

What must be shared between the machines running them: every station folder (read by every
task, written by assembly and publication), the speech cache (`[province] cache`), and the
signing key file. What stays local: the toolkit (templates compiled, engines loaded) each
worker builds for itself, ffmpeg's scratch files (beside the output, inside the station).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from broadcast.build import (
    DayPlan,
    Toolkit,
    assemble_programme,
    finish_day,
    plan_day,
)
from broadcast.errors import BroadcastError, EngineError
from broadcast.publish.day import reuse_file, staged_day
from broadcast.speak import EngineOptions, SpeechCache, create_engine, speak_all
from broadcast.station.config import load_station

WORK_PREFIX = ".province-"          # audio_out/.province-<day>/: programmes waiting for publication


class StationFailed(Exception):
    """One station's day could not be built: its message and exit code (picklable across workers)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message, exit_code)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Speech:
    """One distinct text to synthesize: the graph key and what the task needs to speak it."""

    key: str
    engine: str
    options: EngineOptions
    cache_root: str
    text: str


@dataclass(frozen=True)
class PreparedDay:
    """Stage 1's answer for one station and day: the plan, and the texts its programmes need."""

    root: str
    plan: DayPlan
    speech: dict[str, tuple[str, ...]]   # programme id -> speech keys it waits for
    texts: tuple[Speech, ...]            # the distinct texts of this station's day
    speech_items: int                    # texts over every programme to build (what separate builds speak)


# -- worker-local state: one toolkit per station and build ------------------------------------

_TOOLKITS: dict[tuple[str, str], Toolkit] = {}
_ENGINES: dict[tuple[str, EngineOptions], object] = {}


def toolkit_for(root: str, token: str) -> Toolkit:
    """The station's toolkit in this worker for build `token`, made once and kept for that build.

    A new build (another token) starts afresh, so edited templates and settings are read again
    on a long-lived cluster.
    """
    key = (root, token)
    if key not in _TOOLKITS:
        for old in [k for k in _TOOLKITS if k[1] != token]:
            del _TOOLKITS[old]
        station = load_station(root)
        toolkit = Toolkit.from_station(station)
        if station.province.cache:
            toolkit.cache = SpeechCache(station.path(station.province.cache))
        _TOOLKITS[key] = toolkit
    return _TOOLKITS[key]


def _failed(exc: BroadcastError) -> StationFailed:
    return StationFailed(str(exc), exc.exit_code)


def work_dir(plan: DayPlan) -> Path:
    return plan.audio_out / f"{WORK_PREFIX}{plan.day.isoformat()}"


def speech_key(cache: SpeechCache, engine, text: str) -> str:
    """The graph key of one synthesis: the speech cache's content hash (and which cache holds it)."""
    where = hashlib.sha256(str(cache.root.resolve()).encode()).hexdigest()[:8]
    return f"speak-{cache.key(engine, text)}-{where}"


# -- the tasks -----------------------------------------------------------------------------------

def prepare(root: str, day: str, token: str, force: bool = False) -> PreparedDay:
    """Render and normalize one station's day and list the speech it needs."""
    try:
        toolkit = toolkit_for(root, token)
        plan = plan_day(toolkit, date.fromisoformat(day), force=force)
        engine = toolkit.engines[0]            # the graph speaks with the station's first engine
        cache_root = str(toolkit.cache.root)
        speech: dict[str, tuple[str, ...]] = {}
        texts: dict[str, Speech] = {}
        items = 0
        for composed, _ in plan.todo:
            keys = []
            for text in composed.texts():
                key = speech_key(toolkit.cache, engine, text)
                texts.setdefault(key, Speech(key, engine.name, toolkit.engine_options, cache_root, text))
                keys.append(key)
            speech[composed.programme.id] = tuple(keys)
            items += len(keys)
        return PreparedDay(root, plan, speech, tuple(texts.values()), items)
    except BroadcastError as exc:
        raise _failed(exc) from None


def speak(item: Speech) -> int:
    """Synthesize one text into the shared cache; 1 when it was made now, 0 when already cached,
    -1 when the engine could not (the programme's assembly then falls back as `build` would)."""
    engine_key = (item.engine, item.options)
    if engine_key not in _ENGINES:
        _ENGINES[engine_key] = create_engine(item.engine, item.options)
    try:
        return speak_all([item.text], [_ENGINES[engine_key]], SpeechCache(Path(item.cache_root))).engine_calls
    except (EngineError, BroadcastError):
        return -1


def assemble(prepared: PreparedDay, token: str, programme_id: str, *_speech: int) -> tuple[dict, int]:
    """Encode one programme into the station's work folder; (manifest entry, texts synthesized here).

    `_speech` are the results of the synthesis tasks it waits for; the texts are in the cache.
    """
    try:
        toolkit = toolkit_for(prepared.root, token)
        plan = prepared.plan
        composed, digest = next((c, h) for c, h in plan.todo if c.programme.id == programme_id)
        spoken = toolkit.speak(composed.texts())        # from the cache (or the fallback engine)
        entry = assemble_programme(toolkit, composed, digest, work_dir(plan), spoken)
        return entry, spoken.engine_calls
    except BroadcastError as exc:
        raise _failed(exc) from None


def publish(prepared: PreparedDay, token: str, signing_key: str | None,
            *built: tuple[dict, int]) -> dict:
    """Swap the station's day in (the same atomic publication as `build`), signed when a key is given."""
    try:
        toolkit = toolkit_for(prepared.root, token)
        plan = prepared.plan
        work = work_dir(plan)
        entries = {entry["id"]: entry for entry, _ in built}
        with staged_day(plan.audio_out, plan.day) as staging:
            for entry in entries.values():
                # A link, not a move: if this worker dies here, the task reruns from the same files.
                reuse_file(work / entry["file"], staging / entry["file"])
            final = finish_day(toolkit, plan, entries, staging)
            if signing_key:
                from broadcast.province.signing import sign_day

                sign_day(staging, Path(signing_key))
        # The work folder stays: if this worker dies before answering, the rerun links the same
        # files again. The client removes it once the answer has arrived.
        return {"programmes": len(final), "encoded": len(entries), "reused": len(final) - len(entries),
                "fallback_calls": sum(calls for _, calls in built)}
    except BroadcastError as exc:
        raise _failed(exc) from None


def sign_unchanged(prepared: PreparedDay, signing_key: str) -> None:
    """An unchanged day built before it was signed (or with another key) gets its signature."""
    from broadcast.province.signing import ensure_signed

    try:
        ensure_signed(prepared.plan.target, Path(signing_key))
    except BroadcastError as exc:
        raise _failed(exc) from None
