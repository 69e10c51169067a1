"""Every registered engine keeps the same promises (gtts against a mocked Google)."""

from __future__ import annotations

import pytest
import responses
from edge_helpers import ScriptedTransport, handshake_error
from piper_helpers import write_voice
from speak_helpers import BATCH_URL, audio_seconds

from broadcast.errors import EngineError
from broadcast.speak import ENGINES, EngineOptions, create_engine
from broadcast.speak.edge import EdgeEngine
from broadcast.speak.fake import FakeEngine
from broadcast.speak.gtts_engine import GttsEngine

SHORT = "Xin chào bà con."
LONG = ("Xin chào bà con. Ủy ban nhân dân xã thông báo: sáng thứ Hai, ngày mùng năm tháng mười hai, "
        "trạm y tế xã tổ chức tiêm chủng mở rộng cho trẻ em dưới năm tuổi.")


@pytest.fixture
def piper_options(tmp_path_factory):
    """The piper engine's contract runs with a tiny Piper-shaped model the test builds (not a real voice)."""
    folder = tmp_path_factory.mktemp("voices")
    write_voice(folder)
    return EngineOptions(voices_dir=str(folder))


@pytest.fixture(params=sorted(ENGINES))
def engine(request):
    if request.param == "gtts":
        request.getfixturevalue("online_google")
        return GttsEngine(EngineOptions(), sleep=lambda _s: None)
    if request.param == "edge":
        return EdgeEngine(EngineOptions(), transport=ScriptedTransport(), sleep=lambda _s: None)
    if request.param == "piper":
        return create_engine("piper", request.getfixturevalue("piper_options"))
    return create_engine(request.param, EngineOptions())


def test_every_registered_engine_is_covered():
    assert set(ENGINES) == {"espeak", "gtts", "edge", "piper", "fake"}


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


@pytest.mark.parametrize("name", ["fake", "espeak", "piper"])
def test_offline_engines_are_deterministic(name, piper_options):
    options = piper_options if name == "piper" else EngineOptions()
    engine = create_engine(name, options)
    first = engine.synthesize(LONG)
    engine.synthesize("Một câu khác ở giữa.")
    assert engine.synthesize(LONG) == first
    assert create_engine(name, options).synthesize(LONG) == first


def test_failures_are_engine_errors(google, tmp_path):
    google.add(responses.POST, BATCH_URL, status=403)
    failing = [FakeEngine(EngineOptions(), fail_on=("chào",)),
               GttsEngine(EngineOptions(), sleep=lambda _s: None),
               EdgeEngine(EngineOptions(), transport=ScriptedTransport(handshake_error(403))),
               create_engine("piper", EngineOptions(voices_dir=str(tmp_path)))]   # no voice installed
    for engine in failing:
        with pytest.raises(EngineError):
            engine.synthesize(SHORT)
