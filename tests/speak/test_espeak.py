"""The offline espeak-ng engine: Vietnamese voices, rate, pitch, errors, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from speak_helpers import wav_info

from broadcast.errors import InputError
from broadcast.speak import EngineOptions
from broadcast.speak.espeak import VOICES, EspeakEngine

HELLO = "Xin chào bà con"


def speak(text=HELLO, **options) -> bytes:
    return EspeakEngine(EngineOptions(**options)).synthesize(text).data


def test_hello_is_one_to_two_seconds_of_22050_hz_mono():
    channels, width, rate, seconds = wav_info(speak())
    assert (channels, width, rate) == (1, 2, 22050)
    assert 1.0 <= seconds <= 2.0


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_each_vietnamese_voice_speaks(voice):
    assert 1.0 <= wav_info(speak(voice=voice))[3] <= 2.0


def test_the_three_voices_sound_different():
    assert len({speak(voice=voice) for voice in VOICES}) == 3


def test_voice_name_is_case_insensitive():
    assert speak(voice="vi-VN-x-south") == speak(voice="vi-vn-x-south")


@pytest.mark.parametrize("slow, fast", [(80, 150), (150, 300), (300, 450)])
def test_higher_rate_is_shorter(slow, fast):
    assert wav_info(speak(rate=fast))[3] < wav_info(speak(rate=slow))[3] * 0.85


def test_pitch_changes_the_sound_and_the_cache_key():
    low, high = EspeakEngine(EngineOptions(pitch=20)), EspeakEngine(EngineOptions(pitch=80))
    assert low.synthesize(HELLO).data != high.synthesize(HELLO).data
    assert low.cache_key_parts() != high.cache_key_parts()


def test_unknown_voice_lists_the_valid_ones():
    with pytest.raises(InputError) as err:
        EspeakEngine(EngineOptions(voice="vi-hue"))
    assert "vi-hue" in str(err.value)
    assert all(voice in str(err.value) for voice in VOICES)


@pytest.mark.parametrize("options", [{"rate": 79}, {"rate": 451}, {"pitch": -1}, {"pitch": 100}])
def test_rate_and_pitch_out_of_range_are_refused(options):
    with pytest.raises(InputError, match="phải từ"):
        EspeakEngine(EngineOptions(**options))


def test_concurrent_threads_get_the_same_audio_as_one_thread():
    texts = [HELLO, "Sáng mai họp thôn", "Trạm y tế xã thông báo"] * 4
    serial = [speak(text) for text in texts]
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(speak, texts)) == serial


def test_pitch_range_changes_the_sound_and_the_cache_key():
    flat, lively = EspeakEngine(EngineOptions(pitch_range=10)), EspeakEngine(EngineOptions(pitch_range=90))
    assert flat.synthesize(HELLO).data != lively.synthesize(HELLO).data
    assert flat.cache_key_parts() != lively.cache_key_parts()


def test_word_gap_lengthens_the_speech_and_changes_the_cache_key():
    assert wav_info(speak(word_gap=10))[3] > wav_info(speak(word_gap=0))[3] + 0.15   # three gaps of 100 ms
    assert (EspeakEngine(EngineOptions(word_gap=3)).cache_key_parts()
            != EspeakEngine(EngineOptions()).cache_key_parts())


@pytest.mark.parametrize("options", [{"pitch_range": -1}, {"pitch_range": 100}, {"word_gap": -1},
                                     {"word_gap": 51}])
def test_range_and_word_gap_out_of_bounds_are_refused(options):
    with pytest.raises(InputError, match="phải từ"):
        EspeakEngine(EngineOptions(**options))


def test_phonemize_gives_ipa_per_clause():
    from broadcast.speak.espeak import phonemize

    first, second = phonemize(["Xin chào", "bà con"], "vi")
    assert first and second and first != second
    assert "ʃ" in first                # "ch" in IPA
    assert phonemize(["Xin chào"], "vi") == [first]      # the library's state does not leak between calls


def test_a_long_text_is_held_once_while_spoken():
    """The samples go into the WAV as they come: before, chunks + their join + the WAV made
    around them held a long clip three times (a column episode is megabytes)."""
    import io
    import tracemalloc
    import wave

    from broadcast.speak.base import wav_bytes

    tracemalloc.start()
    try:
        data = speak("Xin chào bà con, đây là bản tin của xã. " * 60)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    with wave.open(io.BytesIO(data)) as w:
        frames = w.readframes(w.getnframes())
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (22050, 1, 2)
    assert len(frames) > 2_000_000                          # over 45 s of speech
    assert data == wav_bytes(frames, 22050)                  # the same file as before, byte for byte
    assert peak < 1.6 * len(data)
