"""The gTTS engine through gTTS's real code, against a mocked Google (responses)."""

from __future__ import annotations

import os
import unicodedata

import pytest
import requests
import responses
from speak_helpers import (
    BATCH_URL,
    GOOGLE,
    batchexecute_body,
    garbage_body,
    mp3_frames,
    mp3_seconds,
    request_text,
)

from broadcast.errors import EngineError
from broadcast.speak import EngineOptions
from broadcast.speak.gtts_engine import GttsEngine, split_sentences

ANSWER = batchexecute_body(mp3_frames(3))


def engine(sleeps: list | None = None, **options) -> GttsEngine:
    return GttsEngine(EngineOptions(**options), sleep=sleeps.append if sleeps is not None else lambda _s: None)


def posts(mock) -> list:
    return [call for call in mock.calls if call.request.method == "POST"]


@pytest.mark.parametrize("text, sentences", [
    ("Xin chào bà con.", ["Xin chào bà con."]),
    ("Xin chào bà con. Sáng mai họp thôn!", ["Xin chào bà con.", "Sáng mai họp thôn!"]),
    ("Có ai không? Có… Xin nhắc lại; lúc bảy giờ.", ["Có ai không?", "Có…", "Xin nhắc lại;", "lúc bảy giờ."]),
    ("Dòng một\nDòng hai", ["Dòng một", "Dòng hai"]),
    ("Số 2.5 vẫn nguyên", ["Số 2.5 vẫn nguyên"]),
    ("Thông báo. ... . Hết.", ["Thông báo.", "Hết."]),
])
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_one_request_series_per_sentence_and_mp3_bytes_joined_in_order(google):
    answers = iter([mp3_frames(2, fill=1), mp3_frames(3, fill=2)])
    google.add_callback(responses.POST, BATCH_URL,
                        callback=lambda _request: (200, {}, batchexecute_body(next(answers))))
    speech = engine().synthesize("Xin chào bà con. Sáng mai họp thôn!")
    assert speech.format == "mp3"
    assert speech.data == mp3_frames(2, fill=1) + mp3_frames(3, fill=2)
    assert mp3_seconds(speech.data) == pytest.approx(5 * 0.024)
    assert [request_text(c.request) for c in posts(google)] == ["Xin chào bà con.", "Sáng mai họp thôn!"]


def test_text_is_sent_in_nfc_with_timeouts(google):
    google.add(responses.POST, BATCH_URL, body=ANSWER)
    engine(timeout_s=7).synthesize(unicodedata.normalize("NFD", "Ủy ban nhân dân xã"))
    request = posts(google)[0].request
    assert request_text(request) == unicodedata.normalize("NFC", "Ủy ban nhân dân xã")
    assert request.req_kwargs["timeout"] == (5.0, 7)


def test_429_then_success_backs_off_once(google):
    google.add(responses.POST, BATCH_URL, status=429)
    google.add(responses.POST, BATCH_URL, body=ANSWER)
    sleeps: list = []
    assert engine(sleeps).synthesize("Xin chào.").data == mp3_frames(3)
    assert sleeps == [1.0]


def test_429_retry_after_header_is_honoured(google):
    google.add(responses.POST, BATCH_URL, status=429, headers={"Retry-After": "7"})
    google.add(responses.POST, BATCH_URL, body=ANSWER)
    sleeps: list = []
    engine(sleeps).synthesize("Xin chào.")
    assert sleeps == [7.0]


def test_5xx_retries_with_growing_backoff_then_gives_up(google):
    google.add(responses.POST, BATCH_URL, status=503)
    sleeps: list = []
    with pytest.raises(EngineError, match="HTTP 503"):
        engine(sleeps, retries=2).synthesize("Xin chào.")
    assert sleeps == [1.0, 2.0]
    assert len(posts(google)) == 3


def test_read_timeout_then_success(google):
    google.add(responses.POST, BATCH_URL, body=requests.exceptions.ReadTimeout("slow"))
    google.add(responses.POST, BATCH_URL, body=ANSWER)
    sleeps: list = []
    assert engine(sleeps).synthesize("Xin chào.").data == mp3_frames(3)
    assert sleeps == [1.0]


def test_timeouts_every_time_end_in_a_clear_error(google):
    google.add(responses.POST, BATCH_URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(EngineError, match="không trả lời sau 10 giây"):
        engine(retries=1).synthesize("Xin chào.")


@pytest.mark.parametrize("failure", [requests.exceptions.ConnectionError("no route"),
                                     requests.exceptions.ConnectTimeout("blackhole")])
def test_offline_fails_fast_without_retries(google, failure):
    google.add(responses.POST, BATCH_URL, body=failure)
    sleeps: list = []
    with pytest.raises(EngineError, match="không có mạng"):
        engine(sleeps).synthesize("Xin chào. Câu thứ hai. Câu thứ ba.")
    assert len(posts(google)) == 1
    assert sleeps == []


def test_connection_lost_after_google_answered_is_retried(google):
    google.add(responses.POST, BATCH_URL, body=ANSWER)
    google.add(responses.POST, BATCH_URL, body=requests.exceptions.ConnectionError("reset"))
    google.add(responses.POST, BATCH_URL, body=ANSWER)
    sleeps: list = []
    assert engine(sleeps).synthesize("Câu một. Câu hai.").data == mp3_frames(3) * 2
    assert sleeps == [1.0]


@pytest.mark.parametrize("body, message", [
    (garbage_body(), "không có âm thanh"),
    ("<html>Our systems have detected unusual traffic</html>", "không phải âm thanh MP3"),
    (batchexecute_body(b"<html>not audio</html>"), "không phải âm thanh MP3"),
])
def test_garbage_answers_are_engine_errors_without_retry(google, body, message):
    google.add(responses.POST, BATCH_URL, body=body)
    sleeps: list = []
    with pytest.raises(EngineError, match=message):
        engine(sleeps).synthesize("Xin chào.")
    assert sleeps == []


def test_forbidden_is_not_retried(google):
    google.add(responses.POST, BATCH_URL, status=403)
    with pytest.raises(EngineError, match="HTTP 403"):
        engine().synthesize("Xin chào.")
    assert len(posts(google)) == 1


@pytest.mark.parametrize("text", ["", "...", " ?! "])
def test_nothing_to_say_never_reaches_google(google, text):
    with pytest.raises(EngineError):
        engine().synthesize(text)
    assert len(google.calls) == 0


def test_availability_online_and_offline(google):
    assert engine().availability() == (False, "không có mạng (không kết nối được translate.google.com.vn: "
                                               "ConnectionError)")
    google.add(responses.HEAD, f"{GOOGLE}/", status=200)
    assert engine().availability() == (True, "")


def test_cache_key_has_what_changes_the_sound():
    assert engine().cache_key_parts() == {"engine": "gtts", "lang": "vi", "slow": False, "tld": "com.vn"}
    assert engine(slow=True).cache_key_parts() != engine().cache_key_parts()
    assert engine(voice="vi-vn-x-south").cache_key_parts() == engine().cache_key_parts()


@pytest.mark.net
@pytest.mark.skipif(not os.environ.get("BROADCAST_NET_TESTS"), reason="BROADCAST_NET_TESTS=1 calls Google")
def test_real_google_speaks_vietnamese():
    speech = GttsEngine(EngineOptions()).synthesize("Xin chào bà con. Đây là đài truyền thanh xã.")
    assert speech.data[:3] == b"ID3" or speech.data[0] == 0xFF
    assert len(speech.data) > 5000
