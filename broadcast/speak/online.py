"""What the online engines share: sentence splitting, retries with backoff, and the MP3 sanity check."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from broadcast.errors import EngineError
from broadcast.speak.base import speakable

_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+")
MAX_BACKOFF_S = 30.0
T = TypeVar("T")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, each still ending with its punctuation; pieces with nothing to say dropped.

    "Xin chào bà con. Sáng mai họp thôn!" → ["Xin chào bà con.", "Sáng mai họp thôn!"]
    """
    return [s.strip() for s in _SENTENCE_END.split(text) if speakable(s)]


def looks_like_mp3(data: bytes) -> bool:
    """An ID3 tag or an MPEG audio frame sync at the start."""
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


@dataclass(frozen=True)
class Verdict:
    """What one failed attempt means: try again (after `wait_s`, or the usual backoff), and why."""

    retry: bool
    reason: str                 # for the officer, in Vietnamese
    wait_s: float | None = None


def with_retries(attempt: Callable[[], T], judge: Callable[[Exception], Verdict | None], *,
                 retries: int, sleep: Callable[[float], None]) -> T:
    """`attempt()` until it succeeds; `judge` turns each expected failure into a Verdict.

    Waits 1, 2, 4 ... seconds (at most MAX_BACKOFF_S, or what the server asked for) between
    attempts, `retries` times at most, then raises EngineError with the last reason. An error
    `judge` returns None for is not expected and propagates unchanged.
    """
    tries = 0
    while True:
        try:
            return attempt()
        except Exception as error:
            verdict = judge(error)
            if verdict is None:
                raise
            if not verdict.retry or tries >= retries:
                raise EngineError(verdict.reason) from error
            wait = verdict.wait_s if verdict.wait_s is not None else 2.0 ** tries
            sleep(min(wait, MAX_BACKOFF_S))
            tries += 1
