"""Deterministic stand-in engine for tests and --dry-run: a tone as long as the text would take to read."""

from __future__ import annotations

import hashlib
import math
import time
from array import array

from broadcast.errors import EngineError
from broadcast.speak.base import Engine, EngineOptions, Speech, require_text, wav_bytes

SAMPLE_RATE = 22050
SECONDS_PER_CHAR = 0.06      # about 5 syllables a second at rate 150, like a calm announcer


class FakeEngine(Engine):
    """Same text, same bytes. `fail_on` (substrings) and `unavailable` (a reason) simulate failures;
    `options.fake_delay_s` makes each call as slow as an online or neural engine (benchmarks)."""

    name = "fake"
    online = False
    audio_format = "wav"
    sample_rate = SAMPLE_RATE

    def __init__(self, options: EngineOptions, *, fail_on: tuple[str, ...] = (),
                 unavailable: str = "") -> None:
        super().__init__(options)
        self.fail_on = tuple(fail_on)
        self.unavailable = unavailable
        self.calls = 0

    def availability(self) -> tuple[bool, str]:
        return (False, self.unavailable) if self.unavailable else (True, "")

    def synthesize(self, text: str) -> Speech:
        text = require_text(text)
        self.calls += 1
        if self.options.fake_delay_s > 0:
            time.sleep(self.options.fake_delay_s)     # a per-call latency, like a network or neural voice
        if self.unavailable:
            raise EngineError(self.unavailable)
        for marker in self.fail_on:
            if marker in text:
                raise EngineError(f"máy đọc giả lập từ chối đoạn có '{marker}'")
        seconds = max(0.2, len(text) * SECONDS_PER_CHAR * 150 / max(self.options.rate, 1))
        return Speech(wav_bytes(_tone(text, round(seconds * SAMPLE_RATE)), SAMPLE_RATE), "wav")

    def waits(self) -> bool:
        return self.options.fake_delay_s > 0       # its delay stands for a server's answer, not for work here

    def cache_key_parts(self) -> dict:
        return {"engine": self.name, "rate": self.options.rate}


def _tone(text: str, n_samples: int) -> bytes:
    """A tone between 200 and 600 Hz chosen by the text's hash, at about -12 dBFS."""
    period = round(SAMPLE_RATE / (200 + hashlib.sha256(text.encode()).digest()[0] * 400 / 255))
    cycle = array("h", (round(8000 * math.sin(2 * math.pi * i / period)) for i in range(period)))
    samples = cycle * (n_samples // period + 1)
    return samples[:n_samples].tobytes()
