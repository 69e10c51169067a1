"""Speak a whole programme with one engine, falling back to the next engine for all of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from broadcast.errors import BroadcastError, EngineError, InputError
from broadcast.speak.base import Engine, EngineOptions, speakable
from broadcast.speak.cache import SpeechCache
from broadcast.speak.registry import ENGINES, create_engine


@dataclass(frozen=True)
class SpokenSet:
    """The audio of every text of one programme, all in the same voice."""

    engine: str                     # which engine spoke everything
    files: tuple[Path, ...]         # one audio file per input text, same order
    notes: tuple[str, ...]          # why earlier engines did not speak: "gtts: không có mạng (...)"
    engine_calls: int               # texts synthesized by `engine` now (0 on a warm rebuild)


def speak_all(texts: Sequence[str], engines: Sequence[Engine], cache: SpeechCache,
              on_file: Callable[[int, Path], None] | None = None) -> SpokenSet:
    """All texts by the first engine that can speak every one of them; a programme never mixes voices.

    An engine is skipped when it is unavailable (unless every text is already in its cache, so
    a warm rebuild needs no network) or when any text fails; its reason goes into `notes`.
    `on_file(i, path)` is called as the file of text `i` is ready (from 0 again after a fallback).
    EngineError, listing each engine's reason, when no engine can do it.
    """
    texts = list(texts)
    empty = [str(i) for i, text in enumerate(texts, 1) if not speakable(text)]
    if empty:
        raise InputError(f"Đoạn văn bản thứ {', '.join(empty)} không có chữ nào để đọc.",
                         hint="Kiểm tra mẫu văn bản và số liệu đã điền.")
    if not engines:
        raise EngineError("Chưa chọn máy đọc nào.", hint="Điền engines trong [speech] của broadcast.toml.")
    notes: list[str] = []
    for engine in engines:
        try:
            files, calls = _speak_with(engine, texts, cache, on_file)
        except EngineError as e:
            notes.append(f"{engine.name}: {e}")
            continue
        return SpokenSet(engine.name, tuple(files), tuple(notes), calls)
    raise EngineError("Không máy đọc nào đọc được chương trình:\n" + "\n".join(f"  - {n}" for n in notes),
                      hint="Kiểm tra kết nối mạng, hoặc thêm 'espeak' vào cuối danh sách engines.")


def _speak_with(engine: Engine, texts: list[str], cache: SpeechCache,
                on_file: Callable[[int, Path], None] | None) -> tuple[list[Path], int]:
    if not all(cache.has(engine, text) for text in texts):
        ok, why = engine.availability()
        if not ok:
            raise EngineError(why)
    files: list[Path] = []
    calls = 0
    for done, text in enumerate(texts, 1):
        try:
            path, cached = cache.get_or_make(engine, text)
        except EngineError as e:
            raise EngineError(f"{e} (đoạn {done}: {_excerpt(text)})") from e
        files.append(path)
        calls += not cached
        if on_file is not None:
            on_file(done - 1, path)
    return files, calls


def engine_report(names: Iterable[str] | None, options: EngineOptions) -> list[tuple[str, bool, str]]:
    """(name, available here, why not) for `broadcast engines`: `names` first in their order, then
    every other registered engine. Unknown names and invalid options become rows, not errors."""
    order = list(dict.fromkeys([*(names or []), *ENGINES]))
    rows = []
    for name in order:
        try:
            rows.append((name, *create_engine(name, options).availability()))
        except BroadcastError as e:
            rows.append((name, False, e.message))
    return rows


def _excerpt(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "…")
