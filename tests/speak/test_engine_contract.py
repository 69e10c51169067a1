"""Every registered engine keeps the same promises (gtts against a mocked Google)."""

from __future__ import annotations

import pytest
import responses
from speak_helpers import BATCH_URL, audio_seconds

from broadcast.errors import EngineError
from broadcast.speak import ENGINES, EngineOptions, create_engine
from broadcast.speak.fake import FakeEngine
from broadcast.speak.gtts_engine import GttsEngine

SHORT = "Xin chào bà con."
LONG = ("Xin chào bà con. Ủy ban nhân dân xã thông báo: sáng thứ Hai, ngày mùng năm tháng mười hai, "
        "trạm y tế xã tổ chức tiêm chủng mở rộng cho trẻ em dưới năm tuổi.")


@pytest.fixture(params=sorted(ENGINES))
def engine(request):
    if request.param == "gtts":
        request.getfixturevalue("online_google")
        return GttsEngine(EngineOptions(), sleep=lambda _s: None)
    return create_engine(request.param, EngineOptions())


def test_every_registered_engine_is_covered():
    assert set(ENGINES) == {"espeak", "gtts", "fake"}


def test_availability_is_bool_and_reason(engine):
    ok, why = engine.availability()
    assert ok is True and why == ""


def test_speaks_decodable_audio_of_plausible_length(engine):
    speech = engine.synthesize(SHORT)
    assert speech.format == engine.audio_format
    short = audio_seconds(speech)
    long = audio_seconds(engine.synthesize(LONG))
    assert 0.5 < short < 4.0
    assert 4.0 < long < 20.0
    assert long > 3 * short


@pytest.mark.parametrize("text", ["", "   ", "...", "?!", "\n"])
def test_text_with_nothing_to_say_is_refused(engine, text):
    with pytest.raises(EngineError, match="Không có chữ nào"):
        engine.synthesize(text)


def test_cache_key_parts_name_the_engine(engine):
    parts = engine.cache_key_parts()
    assert parts["engine"] == engine.name
    assert parts == engine.cache_key_parts()


@pytest.mark.parametrize("name", ["fake", "espeak"])
def test_offline_engines_are_deterministic(name):
    engine = create_engine(name, EngineOptions())
    first = engine.synthesize(LONG)
    engine.synthesize("Một câu khác ở giữa.")
    assert engine.synthesize(LONG) == first
    assert create_engine(name, EngineOptions()).synthesize(LONG) == first


def test_failures_are_engine_errors(google):
    google.add(responses.POST, BATCH_URL, status=403)
    failing = [FakeEngine(EngineOptions(), fail_on=("chào",)),
               GttsEngine(EngineOptions(), sleep=lambda _s: None)]
    for engine in failing:
        with pytest.raises(EngineError):
            engine.synthesize(SHORT)
