"""espeak writes its samples straight into the speech cache's file: the same bytes, not held in memory."""

from __future__ import annotations

import io
import tracemalloc
import wave

import pytest

from broadcast.audio.wavheader import wav_header
from broadcast.speak import EngineOptions, SpeechCache
from broadcast.speak.base import wav_bytes
from broadcast.speak.espeak import EspeakEngine

LONG = "Xin chào bà con, đây là bản tin của xã. " * 40          # 3.7 minutes of speech, 9.8 MB


def test_the_header_is_the_one_the_wave_module_writes():
    for size in (0, 2, 88200, 1_234_566):
        assert wav_header(rate=22050, channels=1, sample_width=2, data_bytes=size) == wav_bytes(bytes(size), 22050)[:44]


def test_the_cached_file_is_the_synthesized_wav_byte_for_byte(tmp_path):
    engine = EspeakEngine(EngineOptions())
    path, cached = SpeechCache(tmp_path).get_or_make(engine, LONG)
    data = path.read_bytes()
    assert not cached and data == engine.synthesize(LONG).data
    with wave.open(io.BytesIO(data)) as w:
        frames = w.readframes(w.getnframes())
    assert len(frames) > 1_500_000 and data == wav_bytes(frames, 22050)


def test_a_clip_going_into_the_cache_is_not_held_in_memory(tmp_path):
    cache, engine = SpeechCache(tmp_path), EspeakEngine(EngineOptions())
    tracemalloc.start()
    try:
        path, _ = cache.get_or_make(engine, LONG)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert size > 1_500_000
    assert peak < size / 2                  # the file's buffer (1 MiB) and the library's, not the clip


class FullDisk(io.BytesIO):
    """A file that takes `room` bytes, then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_write_that_fails_stops_the_library_and_is_raised():
    engine = EspeakEngine(EngineOptions())
    with pytest.raises(OSError, match="No space left"):
        engine.synthesize_to(LONG, FullDisk(room=100_000))
    assert engine.synthesize("Xin chào bà con").data[:4] == b"RIFF"      # the library is usable after it
