"""How long an item will last on air, calibrated on the station's own engine and voice.

Every build notes, for each text the engine spoke, its syllables and the seconds of its clip
(`<speech cache>/calibration.json`, per engine and voice settings). The planner then reads a
text as `per_clip_s + syllables × per_syllable_s`, a line fitted to those clips; before any
build (or for an engine whose clips are not WAV) it falls back to `chars_per_second`.

    >>> ReadingSpeed(0.25, 0.5, 40).seconds("Xin nhắc lại.")
    1.5
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from broadcast.atomic import write_text_atomic
from broadcast.audio import wavfiles
from broadcast.errors import AudioError, TemplateError
from broadcast.model import Item, ItemKind, Priority
from broadcast.plan.readings import Readings, TemplateHeaders, text_key

# The spoken furniture between items: their templates, and the words read when a station has none.
JOINER_TEMPLATE = "nhac_lai"           # "Xin nhắc lại:" between two readings of a notice
URGENT_PREROLL_TEMPLATE = "khan_cap_mo_dau"
DEFAULT_JOINER = "Xin nhắc lại."
DEFAULT_URGENT_PREROLL = "Thông báo khẩn! Thông báo khẩn!"

if TYPE_CHECKING:
    from broadcast.build import Toolkit

CALIBRATION_FILE = "calibration.json"
_MIN_CLIPS = 8              # fewer clips than this: not enough to fit a line, use the setting
_MAX_CLIPS = 400            # the most recent clips kept per voice
_WORD = re.compile(r"\w+")
UNKNOWN_TEMPLATE_S = 45.0   # a notice whose template does not render (check reports it)
UNKNOWN_FILE_S = 12.0       # an audio file that is missing (check reports it)
JOINER_PAUSE_S = 0.4        # between "Xin nhắc lại" and the second reading (build.composed)


def syllables(text: str) -> int:
    """Spoken Vietnamese is written one syllable per word: 'Xin nhắc lại.' has 3."""
    return len(_WORD.findall(text))


@dataclass(frozen=True)
class ReadingSpeed:
    per_syllable_s: float
    per_clip_s: float
    clips: int = 0                  # how many clips it was fitted on (0: from the setting)
    per_char_s: float = 0.0         # the fallback: seconds per character

    def seconds(self, text: str) -> float:
        if self.clips == 0:
            return len(text) * self.per_char_s
        return self.per_clip_s + syllables(text) * self.per_syllable_s


def voice_key(engine: str, options: object) -> str:
    """Which voice a calibration belongs to: the engine and every option that changes the sound."""
    return f"{engine} {options!r}"


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def fit(samples: Iterable[tuple[int, float]], chars_per_second: float) -> ReadingSpeed:
    """Least-squares line seconds = per_clip + syllables × per_syllable over (syllables, seconds)."""
    points = [(float(x), float(y)) for x, y in samples if x > 0 and y > 0]
    fallback = ReadingSpeed(0.0, 0.0, 0, 1.0 / chars_per_second)
    if len(points) < _MIN_CLIPS:
        return fallback
    n = len(points)
    sx, sy = sum(x for x, _ in points), sum(y for _, y in points)
    sxx, sxy = sum(x * x for x, _ in points), sum(x * y for x, y in points)
    spread = n * sxx - sx * sx
    if spread <= 0:
        return ReadingSpeed(sy / sx, 0.0, n)
    slope = (n * sxy - sx * sy) / spread
    intercept = (sy - slope * sx) / n
    if slope <= 0 or intercept < 0:     # a poor fit (clips all alike): a plain ratio instead
        return ReadingSpeed(sy / sx, 0.0, n)
    return ReadingSpeed(slope, intercept, n)


def load_speed(cache_root: Path, key: str, chars_per_second: float) -> ReadingSpeed:
    """The reading speed fitted on this voice's clips so far (or the setting's, before any)."""
    entries = _read(Path(cache_root) / CALIBRATION_FILE).get(key, {})
    return fit(entries.values() if isinstance(entries, dict) else (), chars_per_second)


def record(cache_root: Path, key: str, spoken: Iterable[tuple[str, Path]]) -> None:
    """Note the syllables and seconds of each clip (16-bit WAV only); writes only when something is new."""
    path = Path(cache_root) / CALIBRATION_FILE
    data = _read(path)
    entries = dict(data.get(key) or {})
    added = False
    for text, clip in spoken:
        if clip.name in entries:
            continue
        found = wavfiles.wav_frames(clip)
        if found is None or not syllables(text):
            continue
        entries[clip.name] = [syllables(text), round(found[1] / found[0], 4)]
        added = True
    if added:
        data[key] = dict(list(entries.items())[-_MAX_CLIPS:])
        write_text_atomic(path, json.dumps(data, ensure_ascii=False, sort_keys=True))


def calibrated_speed(toolkit: Toolkit) -> ReadingSpeed:
    """The reading speed of the toolkit's first voice as calibrated so far (or the setting's)."""
    return load_speed(toolkit.cache.root, voice_key(toolkit.engine_names[0], toolkit.engine_options),
                      toolkit.station.programme.chars_per_second)


def make_estimator(toolkit: Toolkit, readings: Readings | None = None, *,
                   speed: ReadingSpeed | None = None) -> Callable[[Item], float]:
    """Seconds an item will take: its spoken text at the calibrated speed, files at their length.

    With `readings` (`broadcast.plan.readings`) the spoken texts are looked up there first; with
    `speed`, that reading speed rather than the calibration as it is now (`calibrated_speed`)."""
    station = toolkit.station
    prog = station.programme
    if speed is None:
        speed = calibrated_speed(toolkit)
    durations: dict[tuple[Path, bool], float] = {}
    joiner: list[float] = []

    def spoken(template: str, values: Any) -> str:
        if readings is None:
            return toolkit.prepare(template, values).spoken
        return readings.spoken(text_key(template, values), lambda: toolkit.prepare(template, values).spoken)

    def optional(template: str, fallback: str) -> str:
        if readings is None:
            return toolkit.optional_text(template, {}, fallback)
        return readings.spoken(text_key(template, {"": fallback}), lambda: toolkit.optional_text(template, {}, fallback))

    def file_seconds(path: Path, trim: bool) -> float:
        if (path, trim) not in durations:
            try:
                durations[path, trim] = wavfiles.duration_s(path, trim=trim, rate=station.audio.sample_rate,
                                                         store=toolkit.cache.root, scratch=toolkit.cache.root)
            except AudioError:
                durations[path, trim] = UNKNOWN_FILE_S
        return durations[path, trim]

    def repeats(item: Item, reading: float) -> float:
        repeat = max(1, item.repeat)
        if repeat > 1 and not joiner:
            joiner.append(speed.seconds(optional(JOINER_TEMPLATE, DEFAULT_JOINER)))
        between = (prog.repeat_gap_s + (joiner[0] if joiner else 0.0) + JOINER_PAUSE_S) * (repeat - 1)
        return reading * repeat + between + prog.gap_s

    def estimate(item: Item) -> float:
        if item.kind in (ItemKind.TUNE, ItemKind.RELAY):
            path = Path(item.audio_file) if item.audio_file else toolkit.signature_tune()
            return (file_seconds(path, False) if path.is_file() else UNKNOWN_FILE_S) + prog.gap_s
        if item.audio_file is not None:                 # a recorded notice, trimmed as it will air
            return repeats(item, file_seconds(Path(item.audio_file), True))
        try:
            text = spoken(item.template, item.values)
        except TemplateError:
            return UNKNOWN_TEMPLATE_S * max(1, item.repeat)
        if item.kind == ItemKind.URGENT or item.priority == Priority.KHAN_CAP:
            text = f"{optional(URGENT_PREROLL_TEMPLATE, DEFAULT_URGENT_PREROLL)} {text}"
        return repeats(item, speed.seconds(text))

    return estimate


class KeptReadings(NamedTuple):
    """What a planner over the kept texts takes: item lengths and the template library to ask."""

    estimate: Callable[[Item], float]
    library: TemplateHeaders


@contextmanager
def kept_readings(toolkit: Toolkit, *, speed: ReadingSpeed) -> Iterator[KeptReadings]:
    """Plan inside the block with the texts timed before (`broadcast.plan.readings`), timed at `speed`.

    The texts are read when the block starts and saved when it ends without an exception (and
    only if something is new and nothing they depend on moved). A block that raises saves
    nothing: the readings file stays as the last plan that finished left it."""
    readings = Readings(toolkit.station)
    yield KeptReadings(make_estimator(toolkit, readings, speed=speed), readings.library(toolkit.library))
    readings.save()
