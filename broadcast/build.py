"""Build a day: render, normalize, speak and assemble each planned programme, then publish it."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from broadcast import audio, clips, estimate
from broadcast.config import Station
from broadcast.errors import AudioError, InputError, ScheduleError
from broadcast.model import Item, ItemKind, Priority, Programme
from broadcast.normalize import Normalized, NormalizeOptions, load_overrides, normalize_report
from broadcast.progress import ENCODING, READING, BuildProgress
from broadcast.publish import (
    MANIFEST,
    SCHEMA_VERSION,
    day_dir,
    manifest_problems,
    reuse_file,
    staged_day,
    write_manifest,
)
from broadcast.render import Rendered, TemplateLibrary
from broadcast.speak import EngineOptions, SpeechCache, create_engine
from broadcast.speak.fallback import SpokenSet, speak_all

JOINER_TEMPLATE = "nhac_lai"           # "Xin nhắc lại:" between two readings of a notice
URGENT_PREROLL_TEMPLATE = "khan_cap_mo_dau"
DEFAULT_JOINER = "Xin nhắc lại."
DEFAULT_URGENT_PREROLL = "Thông báo khẩn! Thông báo khẩn!"
MAX_PARALLEL_ENCODES = 2               # programmes encoded at once (one ffmpeg each)


@dataclass(frozen=True)
class PreparedText:
    """One template filled in and turned into what the engine will read."""

    rendered: Rendered
    spoken: str
    warnings: tuple[str, ...]


def normalize_options_for(station: Station) -> NormalizeOptions:
    """The station's reading preferences and its own pronunciation file."""
    n = station.normalize
    pron = station.path(n.pronunciations)
    overrides = load_overrides(pron) if pron.is_file() else {}
    return NormalizeOptions(zero_tens=n.zero_tens, thousand=n.thousand, four_after_tens=n.four_after_tens,
                            mung=n.mung, overrides=overrides, join_lines=True)   # text to be spoken


def engine_options_for(station: Station) -> EngineOptions:
    """The [speech] settings as the engines take them."""
    s = station.speech
    return EngineOptions(voice=s.voice, rate=s.rate, pitch=s.pitch, pitch_range=s.pitch_range,
                         word_gap=s.word_gap, edge_voice=s.edge_voice, edge_rate=s.edge_rate,
                         piper_voice=s.piper_voice, voices_dir=str(station.path(s.voices_dir)),
                         slow=s.gtts_slow, tld=s.gtts_tld,
                         timeout_s=s.timeout_s, retries=s.retries, fake_delay_s=s.fake_delay_s)


@dataclass
class Toolkit:
    """The station's pipeline parts, made once per command or daemon cycle."""

    station: Station
    library: TemplateLibrary
    options: NormalizeOptions
    engine_names: tuple[str, ...]
    engine_options: EngineOptions
    cache: SpeechCache
    _engines: list | None = field(default=None, repr=False)
    _prepared: dict = field(default_factory=dict, repr=False)
    _estimator: Any = field(default=None, repr=False)

    @classmethod
    def from_station(cls, station: Station, *, engines: Sequence[str] | None = None,
                     dry_run: bool = False) -> Toolkit:
        names = ("fake",) if dry_run else tuple(engines or station.speech.engines)
        shared = (station.province_dir / "scripts_vi",) if station.province_dir else ()
        library = TemplateLibrary(station.path(station.paths.scripts), station.template_globals,
                                  display_root=station.root, include=shared,
                                  max_output_chars=station.limits.text_max_chars,
                                  max_steps=station.limits.render_max_steps)
        return cls(station, library, normalize_options_for(station), names, engine_options_for(station),
                   SpeechCache(station.path(station.speech.cache_dir)))

    @property
    def estimator(self) -> Callable[[Item], float]:
        """The planner's item lengths, calibrated once per command (every day of a run alike)."""
        if self._estimator is None:
            from broadcast.estimate import make_estimator

            self._estimator = make_estimator(self)
        return self._estimator

    @property
    def engines(self) -> list:
        if self._engines is None:
            self._engines = [create_engine(name, self.engine_options) for name in self.engine_names]
        return self._engines

    def spoken(self, text: str) -> Normalized:
        return normalize_report(text, self.options)

    def prepare(self, template: str, values: Mapping[str, Any]) -> PreparedText:
        """Render and normalize; the planner's estimate and the build ask for the same item twice."""
        key = (template, json.dumps(values, sort_keys=True, default=repr, ensure_ascii=False))
        if key not in self._prepared:
            rendered = self.library.render(template, values)
            result = self.spoken(rendered.text)
            self._prepared[key] = PreparedText(rendered, result.text, result.warnings)
        return self._prepared[key]

    def optional_text(self, template: str, values: Mapping[str, Any], fallback: str) -> str:
        """Spoken furniture from the station's template when it has one, else a fixed phrase."""
        if template in self.library.names():
            return self.prepare(template, values).spoken
        return self.spoken(fallback).text

    def speak(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> SpokenSet:
        return speak_all(texts, self.engines, self.cache, progress)

    @property
    def audio_format(self) -> audio.AudioFormat:
        a = self.station.audio
        return audio.AudioFormat(codec=a.format, sample_rate=a.sample_rate, bitrate=a.bitrate,
                                 target_lufs=a.target_lufs, true_peak_dbtp=a.true_peak_dbtp)

    def signature_tune(self) -> Path:
        """The station's tune; generated the first time when the configured file is missing."""
        path = self.station.path(self.station.audio.signature_tune)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            audio.generate_signature_tune(path, sample_rate=self.station.audio.sample_rate)
        return path


# ---------------------------------------------------------------------------------------------
# Composition: a planned programme becomes an ordered list of segments (pure, given the toolkit).


@dataclass(frozen=True)
class ComposedItem:
    item: Item
    text: str                    # written text (what the officer reads), "" for audio files
    spoken: str                  # what the engine reads
    warnings: tuple[str, ...]
    parts: tuple[Any, ...]       # ("speak", text) | ("file" | "recording", Path) | ("silence", seconds)


@dataclass(frozen=True)
class ComposedProgramme:
    programme: Programme
    items: tuple[ComposedItem, ...]

    def texts(self) -> list[str]:
        seen: dict[str, None] = {}
        for ci in self.items:
            for kind, value in ci.parts:
                if kind == "speak":
                    seen.setdefault(value, None)
        return list(seen)

    def files(self) -> list[Path]:
        return [value for ci in self.items for kind, value in ci.parts if kind in ("file", "recording")]


def compose(toolkit: Toolkit, programme: Programme) -> ComposedProgramme:
    """Render and normalize every item; a notice read twice gets 'Xin nhắc lại' in between."""
    st = toolkit.station.programme
    composed = []
    joiner = None
    for item in programme.items:
        if item.kind in (ItemKind.TUNE, ItemKind.RELAY):
            path = item.audio_file or toolkit.signature_tune()
            if not Path(path).is_file():
                raise AudioError("không tìm thấy tệp âm thanh", path=str(path),
                                 hint="kiểm tra đường dẫn 'file' trong lịch phát")
            composed.append(ComposedItem(item, "", "", (), (("file", Path(path)),)))
            continue
        urgent = item.kind == ItemKind.URGENT or item.priority == Priority.KHAN_CAP
        preroll = toolkit.optional_text(URGENT_PREROLL_TEMPLATE, {}, DEFAULT_URGENT_PREROLL) if urgent else ""
        if item.audio_file is not None:     # a recorded notice: the pre-roll is spoken, then the recording
            reading: tuple[tuple[str, Any], ...] = (("recording", Path(item.audio_file)),)
            first = ((("speak", preroll), ("silence", 0.4)) if urgent else ()) + reading
            text, spoken, warnings = "", "", ()
        else:
            prepared = toolkit.prepare(item.template, item.values)
            spoken = f"{preroll} {prepared.spoken}" if urgent else prepared.spoken
            reading = first = (("speak", spoken),)
            text, warnings = prepared.rendered.text, prepared.warnings
        parts: list[tuple[str, Any]] = list(first)
        for _ in range(max(1, item.repeat) - 1):
            if joiner is None:
                joiner = toolkit.optional_text(JOINER_TEMPLATE, {}, DEFAULT_JOINER)
            parts += [("silence", st.repeat_gap_s), ("speak", joiner), ("silence", 0.4), *reading]
        composed.append(ComposedItem(item, text, spoken, warnings, tuple(parts)))
    return ComposedProgramme(programme, tuple(composed))


def inputs_hash(toolkit: Toolkit, composed: ComposedProgramme) -> str:
    """Everything that changes the programme's sound; equal hashes mean the old file can be reused."""
    a = toolkit.station.audio
    digest = hashlib.sha256()
    header = {"engines": toolkit.engine_names, "engine_options": repr(toolkit.engine_options),
              "format": repr(toolkit.audio_format), "gap": toolkit.station.programme.gap_s,
              "rate": a.sample_rate, "title": composed.programme.title, "start": composed.programme.start.isoformat()}
    if composed.programme.live is not None:      # a new stream address re-publishes the entry
        header["live"] = composed.programme.live.as_manifest(composed.programme.start)
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    for ci in composed.items:
        digest.update(repr((ci.item.id, ci.item.kind.value, ci.item.title)).encode())
        for kind, value in ci.parts:
            if kind in ("file", "recording"):
                digest.update(f"{kind}:{clips.file_digest(Path(value))}".encode())
            else:
                digest.update(repr((kind, value)).encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Building a day


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


def load_plan(toolkit: Toolkit, day: date, *, schedule=None) -> list[Programme]:
    """Load and validate the schedules, then plan one day with calibrated duration estimates."""
    from broadcast.plan import plan

    station = toolkit.station
    if schedule is None:
        schedule = load_schedule_for(toolkit)
    return plan(schedule, day, tz=station.tz, library=toolkit.library, estimate=toolkit.estimator)


def load_schedule_for(toolkit: Toolkit):
    """The station's schedules, validated against its templates."""
    from broadcast.schedule import load_schedule

    station = toolkit.station
    shared = (station.province_dir / "schedules",) if station.province_dir else ()
    return load_schedule(station.path(station.paths.schedules), library=toolkit.library,
                         station_root=station.root, require_approval=station.programme.require_approval,
                         include=shared, limits=station.yaml_limits)


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

    @property
    def todo(self) -> list[tuple[ComposedProgramme, str]]:
        """Programmes to speak and encode (with their inputs hash), in air order."""
        return [(c, h) for c, h in zip(self.composed, self.hashes) if c.programme.id not in self.reusable]


def plan_day(toolkit: Toolkit, day: date, *, force: bool = False) -> DayPlan:
    """Stage 1 (render + normalize): plan the day, compose every programme, find what can be reused."""
    station = toolkit.station
    composed = [compose(toolkit, p) for p in load_plan(toolkit, day)]
    audio_out = station.path(station.paths.audio_out)
    target = day_dir(audio_out, day)
    published = None if force else _previous_entries(target)   # None: no valid day published yet
    previous = published or {}
    hashes = [inputs_hash(toolkit, c) for c in composed]
    warnings = [w for c in composed for w in c.programme.warnings]
    warnings += [f"{ci.item.id}: {w}" for c in composed for ci in c.items for w in ci.warnings]
    reusable = {}
    for c, digest in zip(composed, hashes):
        old = previous.get(c.programme.id)
        # A programme in the fallback voice is never reused: each build tries the preferred engine again.
        if (old and old["inputs_hash"] == digest and old["engine"] == toolkit.engine_names[0]
                and not old.get("fallback") and (target / old["file"]).is_file()):
            reusable[c.programme.id] = old
    unchanged = (published is not None and list(published) == [c.programme.id for c in composed]
                 and len(reusable) == len(composed))
    return DayPlan(day, audio_out, target, tuple(composed), tuple(hashes), reusable, tuple(warnings), unchanged)


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
    province build runs as Dask tasks, so both produce the same day.
    """
    toolkit = toolkit or Toolkit.from_station(station)
    plan = plan_day(toolkit, day, force=force)
    share = {c.programme.id: c.programme.est_duration_s for c in plan.composed}
    if progress is not None:
        progress.advance(sum(2 * share[pid] for pid in plan.reusable))
    if plan.unchanged:
        return unchanged_result(plan)
    todo = plan.todo
    # Speech first, one programme at a time (the engines are not thread-safe) ...
    spoken = {c.programme.id: _speak_programme(toolkit, c, share[c.programme.id], progress) for c, _ in todo}
    engine_calls = sum(s.engine_calls for s in spoken.values())
    for c, _ in todo:   # the clips' real lengths calibrate the planner's next estimates
        said = spoken[c.programme.id]
        estimate.record(toolkit.cache.root, estimate.voice_key(said.engine, toolkit.engine_options),
                        zip(c.texts(), said.files))

    def assemble_one(job: tuple[ComposedProgramme, str]) -> dict:
        c, digest = job
        if progress is not None:
            progress.begin(_programme_label(c.programme), ENCODING)
        entry = assemble_programme(toolkit, c, digest, staging, spoken[c.programme.id])
        if progress is not None:
            progress.advance(share[c.programme.id])
        return entry

    with staged_day(plan.audio_out, day) as staging:
        # ... then the encodes side by side: each is an ffmpeg process, one per core.
        workers = max(1, min(len(todo), os.cpu_count() or 1, MAX_PARALLEL_ENCODES))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            built = dict(zip((c.programme.id for c, _ in todo), pool.map(assemble_one, todo)))
        entries = finish_day(toolkit, plan, built, staging, now=now)
    return BuildResult(day, plan.target, entries, len(built), len(entries) - len(built), engine_calls,
                       plan.warnings, False)


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


def file_fingerprint(path: Path) -> dict:
    """What a commune checks a delivered programme file against: its SHA-256 and size."""
    return {"sha256": clips.file_digest(path), "bytes": path.stat().st_size}


def _programme_label(p: Programme) -> str:
    return f"{p.start:%H:%M} {p.title}"


def _speak_programme(toolkit: Toolkit, c: ComposedProgramme, share_s: float,
                     progress: BuildProgress | None) -> SpokenSet:
    """Speak one programme's texts, telling `progress` a fair part of its length after each one."""
    texts = c.texts()
    if progress is None:
        return toolkit.speak(texts)
    progress.begin(_programme_label(c.programme), READING)
    step = share_s / max(1, len(texts))
    seen = [0]

    def spoken(count: int) -> None:   # counts start again at 1 after a fallback: only new ground moves
        if count > seen[0]:
            progress.advance(step * (count - seen[0]))
            seen[0] = count

    result = toolkit.speak(texts, spoken)
    progress.advance(step * (len(texts) - seen[0]))
    return result


def assemble_programme(toolkit: Toolkit, c: ComposedProgramme, digest: str, staging: Path,
                        spoken: SpokenSet) -> dict:
    """One programme's audio file and its manifest entry, from already spoken texts."""
    clip_for = dict(zip(c.texts(), spoken.files))
    gap = toolkit.station.programme.gap_s
    segments: list[Any] = []
    owner: list[int] = []           # segment index -> item index (-1 for gaps between items)
    for index, ci in enumerate(c.items):
        if index and gap > 0:
            segments.append(audio.Silence(gap))
            owner.append(-1)
        for kind, value in ci.parts:
            if kind == "speak":
                segments.append(audio.Clip(clip_for[value], label=ci.item.id))
            elif kind in ("file", "recording"):
                segments.append(audio.Clip(Path(value), label=ci.item.id, trim=kind == "recording"))
            else:
                segments.append(audio.Silence(float(value)))
            owner.append(index)
    fmt = toolkit.audio_format
    p = c.programme
    filename = f"{p.file_stem}.{fmt.codec}"
    tags = {"title": f"{p.title} - {p.date:%d/%m/%Y}", "artist": toolkit.station.station_title,
            "album": toolkit.station.station_title, "date": p.date.isoformat(),
            "comment": f"broadcast {p.id}"}
    result = audio.assemble(segments, staging / filename, fmt, tags, store=toolkit.cache.root)
    items = []
    for index, ci in enumerate(c.items):
        mine = [i for i, o in enumerate(owner) if o == index]
        start = result.offsets_s[mine[0]]
        end = result.offsets_s[mine[-1]] + result.durations_s[mine[-1]]
        items.append({
            "id": ci.item.id, "kind": ci.item.kind.value, "template": ci.item.template,
            "title": ci.item.title, "tags": list(ci.item.tags), "priority": ci.item.priority.value,
            "repeat": ci.item.repeat, "episode": ci.item.episode, "source": ci.item.source,
            "values": _jsonable(ci.item.values),
            "offset_s": round(start, 3), "duration_s": round(end - start, 3),
            "text": ci.text, "spoken": ci.spoken, "warnings": list(ci.warnings),
            **({"recording": _station_relative(toolkit, ci.item.audio_file)}
               if ci.item.kind == ItemKind.NOTICE and ci.item.audio_file else {}),
        })
    entry = {
        "id": p.id, "slot": p.slot, "session": p.session, "title": p.title, "start": p.start.isoformat(), "file": filename,
        "duration_s": round(result.duration_s, 3),
        "loudness_lufs": round(result.loudness.integrated_lufs, 2),
        "true_peak_dbtp": round(result.loudness.true_peak_dbtp, 2),
        "engine": spoken.engine, "engine_notes": list(spoken.notes), "inputs_hash": digest,
        "fallback": spoken.engine != toolkit.engine_names[0], "preferred_engine": toolkit.engine_names[0],
        "festive": p.festive, "warnings": list(p.warnings), "items": items,
        **file_fingerprint(result.path),
    }
    if p.live is not None:
        entry["live"] = p.live.as_manifest(p.start)      # played after the file: play/relay.py
    return entry


def _station_relative(toolkit: Toolkit, path: Path) -> str:
    """A file inside the station folder as the schedule names it: 'recordings/hop.m4a'."""
    for root in (toolkit.station.root, toolkit.station.root.resolve()):
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            continue
    return str(path)


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """Item values as JSON (typed values by their written form) for the log and the report."""
    def convert(value: Any) -> Any:
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        if isinstance(value, Mapping):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        if isinstance(value, date):
            return value.isoformat()
        return str(value)
    return {str(k): convert(v) for k, v in values.items()}


def _previous_entries(target: Path) -> dict[str, dict] | None:
    """The published day's programmes by id, in air order; None when no valid day is there."""
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest_problems(data):
        return None
    return {p["id"]: p for p in data["programmes"]}


def check_station(toolkit: Toolkit) -> list[str]:
    """Validate config, every template and every schedule file; return a list of problems."""
    from broadcast.station_check import check_station as full_check

    return full_check(toolkit).problems


def recording_problems(toolkit: Toolkit, schedule) -> list[str]:
    """Every recorded notice decoded by content (not by its extension), as `check` and the build will."""
    problems = []
    root = toolkit.cache.root
    for spec in schedule.announcements:
        if spec.file is None:
            continue
        try:
            clips.duration_s(spec.file, trim=True, rate=toolkit.station.audio.sample_rate, store=root,
                             scratch=root)
        except AudioError as exc:
            shown = _station_relative(toolkit, spec.file)
            problems.append(str(ScheduleError(
                f"Tệp ghi âm '{shown}' của thông báo '{spec.id}' không dùng được: {exc.message}",
                path=spec.path, line=spec.line,
                hint="Sửa: ghi âm lại, hoặc lưu tệp thành m4a, mp3, wav, ogg hay amr rồi chép đè lên tệp này")))
    return problems


@dataclass(frozen=True)
class SpokenFile:
    path: Path
    duration_s: float
    loudness: Any
    engine: str
    notes: tuple[str, ...]


def speak_to_file(toolkit: Toolkit, texts: Sequence[str], out: Path, *, title: str = "",
                  prefix: Sequence[Path] = ()) -> SpokenFile:
    """Speak texts (one engine for all) into one levelled file; the extension picks MP3 or WAV."""
    spoken = toolkit.speak(list(texts))
    gap = toolkit.station.programme.gap_s
    segments: list[Any] = [audio.Clip(Path(p)) for p in prefix]
    for path in spoken.files:
        if segments:
            segments.append(audio.Silence(gap))
        segments.append(audio.Clip(path))
    codec = "wav" if out.suffix.lower() == ".wav" else "mp3"
    fmt = audio.AudioFormat(**{**toolkit.audio_format.__dict__, "codec": codec})
    tags = {"title": title, "artist": toolkit.station.station_title}
    result = audio.assemble(segments, out, fmt, tags, store=toolkit.cache.root)
    return SpokenFile(out, result.duration_s, result.loudness, spoken.engine, spoken.notes)


@dataclass(frozen=True)
class Announcement:
    """An announcement ready to air: its audio and the meta the player and the log need."""

    audio: Path
    meta: dict[str, Any]


def build_announcement(toolkit: Toolkit, out_dir: Path, *, template: str | None = None,
                       values: Mapping[str, Any] | None = None, text: str | None = None,
                       priority: Priority | None = None, repeat: int | None = None,
                       now: datetime) -> Announcement:
    """Render (or take free text), add the urgent pre-roll for khẩn cấp, read it `repeat` times."""
    values = dict(values or {})
    if template:
        info = toolkit.library.get(template)
        prepared = toolkit.prepare(template, values)
        written, spoken, title = prepared.rendered.text, prepared.spoken, info.title
        tags, priority = info.tags, priority or info.priority
        repeat = repeat or info.repeat
    else:
        if not text or not text.strip():
            raise InputError("cần tên mẫu hoặc nội dung thông báo (--text)",
                             hint="ví dụ: broadcast announce --text \"Mất điện đột xuất...\"")
        normalized = toolkit.spoken(text)
        written, spoken, tags = text.strip(), normalized.text, ()
        title = textwrap.shorten(written, width=60, placeholder="…")
        priority = priority or Priority.KHAN_CAP
    if priority == Priority.KHAN_CAP:
        repeat = repeat or toolkit.station.playout.urgent_repeat
        spoken = f"{toolkit.optional_text(URGENT_PREROLL_TEMPLATE, {}, DEFAULT_URGENT_PREROLL)} {spoken}"
    repeat = max(1, repeat or 1)
    joiner = toolkit.optional_text(JOINER_TEMPLATE, {}, DEFAULT_JOINER) if repeat > 1 else ""
    texts = [spoken] + [t for _ in range(repeat - 1) for t in (joiner, spoken)]
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = (template or "tu-do").replace("_", "-")
    path = out_dir / f"{now:%Y%m%d-%H%M%S}-{slug}.{toolkit.audio_format.codec}"
    spoken_file = speak_to_file(toolkit, texts, path, title=title)
    meta = {"title": title, "priority": priority.value, "template": template, "values": _jsonable(values),
            "tags": list(tags), "repeat": repeat, "duration_s": round(spoken_file.duration_s, 3),
            "text": written, "spoken": spoken, "engine": spoken_file.engine}
    return Announcement(path, meta)
