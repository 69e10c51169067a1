"""Text to speech: engines (a registry; adding an engine is one module and one line in `registry.ENGINES`), the cache, the fallback."""

from __future__ import annotations

from broadcast.speak.base import Engine, EngineOptions, Speech
from broadcast.speak.cache import SpeechCache
from broadcast.speak.fallback import SpokenSet, engine_report, speak_all
from broadcast.speak.registry import ENGINES, create_engine, engine_class


def __getattr__(name: str) -> type[Engine]:
    return engine_class(name)


__all__ = ["ENGINES", "Engine", "EngineOptions", "Speech", "SpeechCache", "SpokenSet",
           "create_engine", "engine_report", "speak_all"]
