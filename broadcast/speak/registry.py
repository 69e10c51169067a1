"""The engine registry: engines by name, each imported only when it is asked for."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from broadcast.errors import InputError
from broadcast.speak.base import Engine, EngineOptions

# name -> (module, class): an engine's module (and its libraries: edge-tts pulls in asyncio and
# aiohttp, piper onnxruntime) is imported only when that engine is asked for.
_WHERE = {"espeak": ("broadcast.speak.espeak", "EspeakEngine"),
          "gtts": ("broadcast.speak.gtts_engine", "GttsEngine"),
          "edge": ("broadcast.speak.edge", "EdgeEngine"),
          "piper": ("broadcast.speak.piper", "PiperEngine"),
          "fake": ("broadcast.speak.fake", "FakeEngine")}


class _Registry(Mapping):
    """The engines by name; iterating gives the names without importing any engine."""

    def __getitem__(self, name: str) -> type[Engine]:
        module, cls = _WHERE[name]
        return getattr(importlib.import_module(module), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __contains__(self, name: object) -> bool:    # a name check imports no engine (the station check)
        return name in _WHERE

    def __len__(self) -> int:
        return len(_WHERE)


ENGINES: Mapping[str, type[Engine]] = _Registry()


def engine_class(name: str) -> type[Engine]:
    """An engine's class by its class name (`EspeakEngine`), imported now."""
    for module, cls in _WHERE.values():
        if cls == name:
            return getattr(importlib.import_module(module), cls)
    raise AttributeError(name)


def create_engine(name: str, options: EngineOptions) -> Engine:
    """The engine called `name` with `options`; InputError listing the valid names otherwise."""
    try:
        cls = ENGINES[name.strip().lower()]
    except KeyError:
        raise InputError(f"Không có máy đọc '{name}'. Các máy đọc có: {', '.join(ENGINES)}.",
                         hint="Sửa mục engines trong [speech] của broadcast.toml.") from None
    return cls(options)
