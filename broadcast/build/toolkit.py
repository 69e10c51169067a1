"""The station's pipeline parts for a build (templates, reading options, engines, cache), made once."""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from broadcast import audio
from broadcast.model import Item
from broadcast.normalize import Normalized, NormalizeOptions, normalize_report, options_for
from broadcast.plan.estimate import (  # noqa: F401 (re-exported by broadcast.build)
    DEFAULT_JOINER,
    DEFAULT_URGENT_PREROLL,
    JOINER_TEMPLATE,
    URGENT_PREROLL_TEMPLATE,
    calibrated_speed,
    make_estimator,
)
from broadcast.publish.freshness import chosen_engines
from broadcast.speak import EngineOptions, SpeechCache, create_engine
from broadcast.speak.fallback import SpokenSet, speak_all
from broadcast.station import files as station_files
from broadcast.station.config import Station

if TYPE_CHECKING:
    from broadcast.render import Rendered, TemplateLibrary

MAX_PARALLEL_ENCODES = 2               # programmes encoded at once (one ffmpeg each)
PREPARED_KEPT = 4096                   # rendered texts a toolkit keeps (least recently used go first)


@dataclass(frozen=True)
class PreparedText:
    """One template filled in and turned into what the engine will read."""

    rendered: Rendered
    spoken: str
    warnings: tuple[str, ...]


def normalize_options_for(station: Station) -> NormalizeOptions:
    """The station's reading preferences and its own pronunciation file."""
    return options_for(station)


def engine_options_for(station: Station) -> EngineOptions:
    """The [speech] settings as the engines take them."""
    s = station.speech
    return EngineOptions(voice=s.voice, rate=s.rate, pitch=s.pitch, pitch_range=s.pitch_range,
                         word_gap=s.word_gap, edge_voice=s.edge_voice, edge_rate=s.edge_rate,
                         piper_voice=s.piper_voice, voices_dir=str(station.path(s.voices_dir)),
                         slow=s.gtts_slow, tld=s.gtts_tld,
                         timeout_s=s.timeout_s, retries=s.retries, fake_delay_s=s.fake_delay_s)


class LazyLibrary:
    """The station's `TemplateLibrary`, made (and Jinja2 imported) when first asked for anything:
    a `plan` whose texts and template headers are kept (`broadcast.plan.readings`) never needs it."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._real is None:
            self._real = self._make()
        return getattr(self._real, name)


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
    _prepared: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _estimator: Any = field(default=None, repr=False)
    _speed: Any = field(default=None, repr=False)
    _plans: Any = field(default=None, repr=False)

    @classmethod
    def from_station(cls, station: Station, *, engines: Sequence[str] | None = None,
                     dry_run: bool = False) -> Toolkit:
        names = chosen_engines(station, engines, dry_run)
        shared = (station.province_dir / "scripts_vi",) if station.province_dir else ()

        def library() -> TemplateLibrary:
            from broadcast.render import TemplateLibrary

            return TemplateLibrary(station.path(station.paths.scripts), station.template_globals,
                                   display_root=station.root, include=shared,
                                   max_output_chars=station.limits.text_max_chars,
                                   max_steps=station.limits.render_max_steps,
                                   compiled=station.path(station.paths.state) / "templates")

        return cls(station, LazyLibrary(library), normalize_options_for(station), names, engine_options_for(station),
                   SpeechCache(station.path(station.speech.cache_dir)))

    @property
    def speed(self):
        """The reading speed the planner times texts at, calibrated once per command (every day of a run alike)."""
        if self._speed is None:
            self._speed = calibrated_speed(self)
        return self._speed

    @property
    def estimator(self) -> Callable[[Item], float]:
        """The planner's item lengths at `speed`."""
        if self._estimator is None:
            self._estimator = make_estimator(self, speed=self.speed)
        return self._estimator

    @property
    def plan_cache(self):
        """Day plans kept while their inputs' digest holds (`broadcast.build.plans`), for a long-lived toolkit."""
        if self._plans is None:
            from broadcast.build.plans import PlanCache
            self._plans = PlanCache()
        return self._plans

    @property
    def engines(self) -> list:
        if self._engines is None:
            self._engines = [create_engine(name, self.engine_options) for name in self.engine_names]
        return self._engines

    def speech_rate(self) -> int | None:
        """The rate the first engine speaks at, when it is fixed and the engine is there to speak.

        A programme's encoder then starts before its first text is spoken. If that engine falls
        back midway, the stream is superseded anyway (`build.programme.SpeechStream`).
        """
        first = self.engines[0] if self.engines else None
        if first is None or not first.sample_rate or not first.availability()[0]:
            return None
        return first.sample_rate

    def spoken(self, text: str) -> Normalized:
        return normalize_report(text, self.options)

    def prepare(self, template: str, values: Mapping[str, Any]) -> PreparedText:
        """Render and normalize; the planner's estimate and the build ask for the same item twice.

        The texts are kept for the `PREPARED_KEPT` most recently asked (a console or daemon lives
        long, and a notice edited a hundred times must not be kept a hundred times).
        """
        key = (template, json.dumps(values, sort_keys=True, default=repr, ensure_ascii=False))
        found = self._prepared.get(key)
        if found is not None:
            self._prepared.move_to_end(key)
            return found
        rendered = self.library.render(template, values)
        result = self.spoken(rendered.text)
        found = self._prepared[key] = PreparedText(rendered, result.text, result.warnings)
        while len(self._prepared) > PREPARED_KEPT:
            self._prepared.popitem(last=False)
        return found

    def optional_text(self, template: str, values: Mapping[str, Any], fallback: str) -> str:
        """Spoken furniture from the station's template when it has one, else a fixed phrase."""
        if template in self.library.names():
            return self.prepare(template, values).spoken
        return self.spoken(fallback).text

    def speak(self, texts: Sequence[str], on_file: Callable[[int, Path], None] | None = None) -> SpokenSet:
        return speak_all(texts, self.engines, self.cache, on_file)

    @property
    def audio_format(self) -> audio.AudioFormat:
        a = self.station.audio
        return audio.AudioFormat(codec=a.format, sample_rate=a.sample_rate, bitrate=a.bitrate,
                                 target_lufs=a.target_lufs, true_peak_dbtp=a.true_peak_dbtp)

    def signature_tune(self) -> Path:
        """The station's tune; generated the first time when the configured file is missing."""
        path = self.station.path(self.station.audio.signature_tune)
        if os.path.lexists(path):       # a FIFO, a link to /dev/zero or out of the station: refused, exit 2
            return station_files.check(path, inside=(self.station.root,), max_bytes=station_files.AUDIO_MAX_BYTES,
                               shown=self.station.audio.signature_tune)
        path.parent.mkdir(parents=True, exist_ok=True)
        audio.generate_signature_tune(path, sample_rate=self.station.audio.sample_rate)
        return path


def load_schedule_for(toolkit: Toolkit):
    """The station's schedules, validated against its templates (kept while their inputs stay the
    same: `broadcast.schedule.kept`)."""
    from broadcast.schedule import kept

    station = toolkit.station

    def load():
        from broadcast.schedule.load import load_schedule

        shared = (station.province_dir / "schedules",) if station.province_dir else ()
        return load_schedule(station.path(station.paths.schedules), library=toolkit.library,
                             station_root=station.root, require_approval=station.programme.require_approval,
                             include=shared, limits=station.yaml_limits)

    return kept.loaded(station, load)
