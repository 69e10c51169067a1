"""Composition: a planned programme as an ordered list of segments, and the hash of its inputs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broadcast.audio import wavfiles
from broadcast.build.toolkit import (
    DEFAULT_JOINER,
    DEFAULT_URGENT_PREROLL,
    JOINER_TEMPLATE,
    URGENT_PREROLL_TEMPLATE,
    Toolkit,
)
from broadcast.errors import AudioError
from broadcast.model import Item, ItemKind, Priority, Programme

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
                digest.update(f"{kind}:{wavfiles.file_digest(Path(value))}".encode())
            else:
                digest.update(repr((kind, value)).encode())
    return digest.hexdigest()
