"""The one interface every TTS engine implements, plus the small helpers they share."""

from __future__ import annotations

import io
import unicodedata
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar

from broadcast.errors import EngineError


@dataclass(frozen=True)
class EngineOptions:
    """Settings from [speech]; each engine reads the ones it understands."""

    voice: str = "vi"           # espeak: vi (Bắc), vi-vn-x-central (Trung), vi-vn-x-south (Nam)
    rate: int = 120             # espeak: words per minute, 80-450 (120: fewest words misheard, bench_voice)
    pitch: int = 50             # espeak: 0-99
    pitch_range: int = 50       # espeak: 0 monotone .. 99 lively (espeakRANGE)
    word_gap: int = 6           # espeak: extra pause between words, in units of 10 ms (espeakWORDGAP; 6: bench_voice)
    slow: bool = False          # gtts
    tld: str = "com.vn"         # gtts: translate.google.<tld>
    edge_voice: str = "vi-VN-HoaiMyNeural"   # edge: vi-VN-HoaiMyNeural or vi-VN-NamMinhNeural
    edge_rate: int = 0          # edge: speed change in percent, -50..50
    piper_voice: str = ""       # piper: name of an installed voice ("" = the only one installed)
    # piper: folder of installed voices (absolute, or the station's). Left out of repr, which goes into a
    # programme's inputs hash: where the station folder sits must not change what a build reuses.
    voices_dir: str = field(default="voices", repr=False)
    timeout_s: float = 10.0     # gtts, edge: per request
    retries: int = 3            # gtts, edge: extra attempts after a connection error, 429 or 5xx
    fake_delay_s: float = 0.0   # fake: seconds each synthesis waits (stands for an online or neural engine)


@dataclass(frozen=True)
class Speech:
    """Encoded audio of one text: `format` is "wav" (16-bit mono) or "mp3"."""

    data: bytes
    format: str


class Engine(ABC):
    """A TTS engine: speaks already-normalized Vietnamese text into audio bytes.

    Adding an engine: one module with a subclass, one line in `broadcast.speak.ENGINES`.
    """

    name: ClassVar[str]
    online: ClassVar[bool]
    audio_format: ClassVar[str]     # extension of the files it makes: "wav" or "mp3"
    # a WAV engine that always speaks at one rate says so: a programme's encoder then starts
    # before its first text is spoken (the clips are joined at the first spoken clip's rate)
    sample_rate: ClassVar[int | None] = None

    def __init__(self, options: EngineOptions) -> None:
        self.options = options

    @abstractmethod
    def availability(self) -> tuple[bool, str]:
        """(True, "") when this engine can speak here, else (False, reason in Vietnamese). No synthesis."""

    @abstractmethod
    def synthesize(self, text: str) -> Speech:
        """Speak `text` (normalized spoken Vietnamese); raise EngineError when it cannot."""

    def synthesize_to(self, text: str, out: BinaryIO) -> None:
        """Write the audio of `text` into `out`, an empty binary file (the speech cache's temporary file).

        This one writes what `synthesize` returns; an engine that makes its audio a piece at a time
        (espeak) overrides it to write the pieces as they come, without holding the clip in memory.
        """
        speech = self.synthesize(text)
        if speech.format != self.audio_format or not speech.data:
            raise EngineError(f"{self.name} trả về âm thanh sai định dạng "
                              f"({speech.format}, {len(speech.data)} byte)")
        out.write(speech.data)

    @abstractmethod
    def cache_key_parts(self) -> dict:
        """The engine name and every option that changes the sound (the cache key is built from it)."""

    def waits(self) -> bool:
        """True when a synthesis mostly waits (for a server, a delay) instead of using this machine's
        CPU, so many may run at once: the online engines wait; espeak and piper compute."""
        return self.online

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.cache_key_parts()}>"


def speakable(text: str) -> bool:
    """True when the text holds at least one letter or digit: "..." and "" are not speakable."""
    return any(ch.isalnum() for ch in text)


def require_text(text: str) -> str:
    """Return `text` in NFC, or raise EngineError when there is nothing to read aloud."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not speakable(text):
        raise EngineError(f"Không có chữ nào để đọc trong đoạn văn bản {text!r}.",
                          hint="Kiểm tra lại mẫu văn bản: đoạn này trống hoặc chỉ có dấu câu.")
    return text


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    """A complete 16-bit mono WAV file around raw little-endian samples."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    return out.getvalue()
