"""The edge engine (Microsoft's neural voices) against a scripted transport: no network in these tests."""

from __future__ import annotations

import asyncio
import os

import pytest
from edge_helpers import ScriptedTransport, handshake_error, offline_error
from speak_helpers import mp3_frames, mp3_seconds

from broadcast.errors import EngineError, InputError
from broadcast.speak import EngineOptions
from broadcast.speak.edge import VOICES, EdgeEngine


def engine(transport, sleeps=None, **options) -> EdgeEngine:
    sleep = sleeps.append if sleeps is not None else (lambda _s: None)
    return EdgeEngine(EngineOptions(**options), transport=transport, sleep=sleep)


def test_one_turn_per_sentence_and_audio_joined_in_order():
    transport = ScriptedTransport(mp3_frames(2, fill=1), mp3_frames(3, fill=2))
    speech = engine(transport).synthesize("Xin chào bà con. Sáng mai họp thôn!")
    assert speech.format == "mp3"
    assert speech.data == mp3_frames(2, fill=1) + mp3_frames(3, fill=2)
    assert [c[0] for c in transport.calls] == ["Xin chào bà con.", "Sáng mai họp thôn!"]


def test_voice_rate_and_timeout_reach_the_transport():
    transport = ScriptedTransport()
    engine(transport, edge_voice="vi-VN-NamMinhNeural", edge_rate=-10, timeout_s=7).synthesize("Xin chào.")
    assert transport.calls == [("Xin chào.", "vi-VN-NamMinhNeural", "-10%", 7)]


@pytest.mark.parametrize("status", [429, 503])
def test_busy_service_is_retried_with_backoff(status):
    transport = ScriptedTransport(handshake_error(status), handshake_error(status), "speak")
    sleeps: list = []
    assert mp3_seconds(engine(transport, sleeps).synthesize("Xin chào.").data) > 0
    assert sleeps == [1.0, 2.0]


def test_gives_up_after_the_retries_with_the_reason():
    transport = ScriptedTransport(handshake_error(503))
    sleeps: list = []
    with pytest.raises(EngineError, match="HTTP 503"):
        engine(transport, sleeps, retries=2).synthesize("Xin chào.")
    assert len(transport.calls) == 3 and sleeps == [1.0, 2.0]


def test_forbidden_is_not_retried():
    transport = ScriptedTransport(handshake_error(403))
    with pytest.raises(EngineError, match="từ chối yêu cầu \\(HTTP 403\\)"):
        engine(transport).synthesize("Xin chào.")
    assert len(transport.calls) == 1


def test_offline_fails_fast_without_retries():
    transport = ScriptedTransport(offline_error())
    sleeps: list = []
    with pytest.raises(EngineError, match="không có mạng"):
        engine(transport, sleeps).synthesize("Câu một. Câu hai. Câu ba.")
    assert len(transport.calls) == 1 and sleeps == []


def test_connection_lost_after_the_service_answered_is_retried():
    transport = ScriptedTransport("speak", offline_error(), "speak")
    sleeps: list = []
    engine(transport, sleeps).synthesize("Câu một. Câu hai.")
    assert len(transport.calls) == 3 and sleeps == [1.0]


def test_a_stalled_stream_is_cut_by_the_timeout_and_retried():
    transport = ScriptedTransport("stall", "speak")
    sleeps: list = []
    assert engine(transport, sleeps, timeout_s=0.01).synthesize("Xin chào.").data
    assert len(transport.calls) == 2 and sleeps == [1.0]


def test_stalling_every_time_ends_in_a_clear_error():
    transport = ScriptedTransport("stall")
    with pytest.raises(EngineError, match="không trả lời sau"):
        engine(transport, retries=1, timeout_s=0.01).synthesize("Xin chào.")


@pytest.mark.parametrize("answer, message", [
    (b"<html>captcha</html>", "không phải âm thanh MP3"),
])
def test_answers_that_are_not_audio_are_refused_without_retry(answer, message):
    transport = ScriptedTransport(answer)
    sleeps: list = []
    with pytest.raises(EngineError, match=message):
        engine(transport, sleeps).synthesize("Xin chào.")
    assert sleeps == []


def test_no_audio_received_is_not_retried():
    from edge_tts.exceptions import NoAudioReceived

    transport = ScriptedTransport(NoAudioReceived("none"))
    with pytest.raises(EngineError, match="không có âm thanh"):
        engine(transport).synthesize("Xin chào.")
    assert len(transport.calls) == 1


def test_works_from_inside_a_running_event_loop():
    transport = ScriptedTransport()

    async def caller():
        return engine(transport).synthesize("Xin chào bà con.")

    assert asyncio.run(caller()).format == "mp3"


@pytest.mark.parametrize("text", ["", "...", " ?! "])
def test_nothing_to_say_never_reaches_the_service(text):
    transport = ScriptedTransport()
    with pytest.raises(EngineError):
        engine(transport).synthesize(text)
    assert transport.calls == []


@pytest.mark.parametrize("options, word", [({"edge_voice": "vi-VN-Nobody"}, "vi-VN-Nobody"),
                                           ({"edge_rate": 80}, "edge_rate"),
                                           ({"timeout_s": 0}, "timeout_s")])
def test_bad_options_are_input_errors(options, word):
    with pytest.raises(InputError, match=word) as err:
        EdgeEngine(EngineOptions(**options))
    if "edge_voice" in options:
        assert all(v in str(err.value) for v in VOICES)


def test_cache_key_has_what_changes_the_sound():
    base = engine(None).cache_key_parts()
    assert base == {"engine": "edge", "voice": "vi-VN-HoaiMyNeural", "rate": 0}
    assert engine(None, edge_voice="vi-VN-NamMinhNeural").cache_key_parts() != base
    assert engine(None, edge_rate=5).cache_key_parts() != base
    assert engine(None, voice="vi-vn-x-south", rate=120).cache_key_parts() == base


def test_offline_availability_names_the_host():
    ok, why = EdgeEngine(EngineOptions(timeout_s=1)).availability()
    assert not ok and "speech.platform.bing.com" in why


@pytest.mark.net
@pytest.mark.skipif(not os.environ.get("BROADCAST_NET_TESTS"), reason="BROADCAST_NET_TESTS=1 calls Microsoft")
def test_real_service_speaks_vietnamese():
    speech = EdgeEngine(EngineOptions()).synthesize("Xin chào bà con. Đây là đài truyền thanh xã.")
    assert speech.data[:3] == b"ID3" or speech.data[0] == 0xFF
    assert len(speech.data) > 5000
