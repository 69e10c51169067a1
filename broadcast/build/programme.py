"""One programme: speak its texts, assemble and encode its file (while it is spoken), its manifest entry."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import Any

from broadcast import audio
from broadcast.audio import wavfiles
from broadcast.build.composed import ComposedProgramme
from broadcast.build.toolkit import Toolkit
from broadcast.errors import AudioError
from broadcast.model import ItemKind, Programme
from broadcast.progress import READING, BuildProgress
from broadcast.speak.fallback import SpokenSet


def file_fingerprint(path: Path) -> dict:
    """What a commune checks a delivered programme file against: its SHA-256 and size."""
    return {"sha256": wavfiles.file_digest(path), "bytes": path.stat().st_size}


def _programme_label(p: Programme) -> str:
    return f"{p.start:%H:%M} {p.title}"


class SpeechStream:
    """Each text's clip as a future, resolved as the engine speaks it, so encoding starts at once.

    After a fallback (the engine starts again from the first text, in another voice) the stream
    is `superseded`: what it fed so far is in the wrong voice, and the programme is assembled
    again from the finished speech.
    """

    def __init__(self, texts: Sequence[str], rate: int | None = None) -> None:
        self.futures = [Future() for _ in texts]
        self.rate = rate                       # the engine's rate, if it speaks at a fixed one
        self._first: dict[str, int] = {}       # a text read twice is one clip: its first future
        for index, text in enumerate(texts):
            self._first.setdefault(text, index)
        self.superseded = False
        self._lock = threading.Lock()

    def clip_for(self, text: str) -> audio.Pending:
        return audio.Pending(self.futures[self._first[text]], rate=self.rate)

    def deliver(self, index: int, path: Path) -> None:
        with self._lock:
            if self.superseded:
                return
            future = self.futures[index]
            if future.done() and future.exception() is None and future.result() == path:
                return                       # the clip another programme's speech offered already
            if future.done():
                self.superseded = True
                self._fail_unresolved(AudioError("Máy đọc đã đổi giữa chương trình: ghép lại từ đầu"))
            else:
                future.set_result(path)

    def offer(self, text: str, path: Path) -> None:
        """A clip of `text` another programme's speech has just made: this programme's encoder may take it now.

        The cache keys a clip by text and voice, so this programme's own speech later delivers the
        same path (nothing happens); a clip in another voice (a fallback) supersedes the stream.
        """
        index = self._first.get(text)
        if index is None:
            return
        with self._lock:
            future = self.futures[index]
            if not self.superseded and not future.done():
                future.set_result(path)

    def close(self, error: BaseException | None = None) -> None:
        """No more clips: fail every future still waiting (with `error`, or as superseded)."""
        with self._lock:
            if error is None and any(not f.done() for f in self.futures):
                self.superseded = True
            self._fail_unresolved(error or AudioError("Chương trình chưa đọc xong"))

    def _fail_unresolved(self, error: BaseException) -> None:
        for future in self.futures:
            if not future.done():
                future.set_exception(error)


def _speak_programme(toolkit: Toolkit, c: ComposedProgramme, share_s: float,
                     progress: BuildProgress | None, stream: SpeechStream | None = None) -> SpokenSet:
    """Speak one programme's texts, telling `progress` a fair part of its length after each one."""
    texts = c.texts()
    if progress is not None:
        progress.begin(_programme_label(c.programme), READING)
    step = share_s / max(1, len(texts))
    seen = [0]

    def ready(index: int, path: Path) -> None:   # from text 0 again after a fallback: only new ground moves
        if stream is not None:
            stream.deliver(index, path)
        if progress is not None and index + 1 > seen[0]:
            progress.advance(step * (index + 1 - seen[0]))
            seen[0] = index + 1

    result = toolkit.speak(texts, ready)
    if progress is not None:
        progress.advance(step * (len(texts) - seen[0]))
    return result


def programme_segments(c: ComposedProgramme, gap_s: float,
                       clip_for: Callable[[str], Any]) -> tuple[list[Any], list[int]]:
    """The programme's segments in air order, and which item each belongs to (-1: a gap)."""
    segments: list[Any] = []
    owner: list[int] = []
    for index, ci in enumerate(c.items):
        if index and gap_s > 0:
            segments.append(audio.Silence(gap_s))
            owner.append(-1)
        for kind, value in ci.parts:
            if kind == "speak":
                segments.append(clip_for(value))
            elif kind in ("file", "recording"):
                segments.append(audio.Clip(Path(value), label=ci.item.id, trim=kind == "recording"))
            else:
                segments.append(audio.Silence(float(value)))
            owner.append(index)
    return segments, owner


def programme_audio(toolkit: Toolkit, c: ComposedProgramme, staging: Path, segments: Sequence[Any],
                    fed: Callable[[float], None] | None = None) -> audio.Assembled:
    """Encode one programme's segments into `staging`, levelled, tagged."""
    fmt = toolkit.audio_format
    p = c.programme
    tags = {"title": f"{p.title} - {p.date:%d/%m/%Y}", "artist": toolkit.station.station_title,
            "album": toolkit.station.station_title, "date": p.date.isoformat(),
            "comment": f"broadcast {p.id}"}
    return audio.assemble(segments, staging / f"{p.file_stem}.{fmt.codec}", fmt, tags,
                          store=toolkit.cache.root, fed=fed)


def assemble_programme(toolkit: Toolkit, c: ComposedProgramme, digest: str, staging: Path,
                       spoken: SpokenSet) -> dict:
    """One programme's audio file and its manifest entry, from already spoken texts."""
    clip_for = dict(zip(c.texts(), spoken.files))
    segments, owner = programme_segments(c, toolkit.station.programme.gap_s,
                                         lambda text: audio.Clip(clip_for[text]))
    return programme_entry(toolkit, c, digest, programme_audio(toolkit, c, staging, segments), owner, spoken)


def programme_entry(toolkit: Toolkit, c: ComposedProgramme, digest: str, result: audio.Assembled,
                    owner: Sequence[int], spoken: SpokenSet) -> dict:
    """The manifest entry of an encoded programme."""
    p = c.programme
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
        "id": p.id, "slot": p.slot, **({"zones": list(p.zones)} if p.zones else {}), "session": p.session,
        "title": p.title, "start": p.start.isoformat(),
        "file": result.path.name,
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
