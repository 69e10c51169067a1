"""One-off spoken files: texts spoken into one levelled file, and an announcement ready to air."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast import audio
from broadcast.build.programme import _jsonable
from broadcast.build.toolkit import (
    DEFAULT_JOINER,
    DEFAULT_URGENT_PREROLL,
    JOINER_TEMPLATE,
    URGENT_PREROLL_TEMPLATE,
    Toolkit,
)
from broadcast.errors import InputError
from broadcast.model import Priority


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
