"""Text to speech: the engine registry. Adding an engine is one module and one line in ENGINES."""

from __future__ import annotations

from broadcast.errors import InputError
from broadcast.speak.base import Engine, EngineOptions, Speech
from broadcast.speak.cache import SpeechCache
from broadcast.speak.edge import EdgeEngine
from broadcast.speak.espeak import EspeakEngine
from broadcast.speak.fake import FakeEngine
from broadcast.speak.fallback import SpokenSet, engine_report, speak_all
from broadcast.speak.gtts_engine import GttsEngine
from broadcast.speak.piper import PiperEngine

ENGINES: dict[str, type[Engine]] = {"espeak": EspeakEngine, "gtts": GttsEngine, "edge": EdgeEngine,
                                    "piper": PiperEngine, "fake": FakeEngine}


def create_engine(name: str, options: EngineOptions) -> Engine:
    """The engine called `name` with `options`; InputError listing the valid names otherwise."""
    try:
        cls = ENGINES[name.strip().lower()]
    except KeyError:
        raise InputError(f"Không có máy đọc '{name}'. Các máy đọc có: {', '.join(ENGINES)}.",
                         hint="Sửa mục engines trong [speech] của broadcast.toml.") from None
    return cls(options)


__all__ = ["ENGINES", "Engine", "EngineOptions", "Speech", "SpeechCache", "SpokenSet",
           "create_engine", "engine_report", "speak_all"]
