"""speak_all: one engine speaks the whole programme, or the next one does."""

from __future__ import annotations

import pytest

from broadcast.errors import EngineError, InputError
from broadcast.speak import EngineOptions, SpeechCache, speak_all
from broadcast.speak.espeak import EspeakEngine
from broadcast.speak.fake import FakeEngine

TEXTS = ["Xin chào bà con.", "Sáng mai họp thôn.", "Trạm y tế xã thông báo.", "Xin cảm ơn."]


class SecondFake(FakeEngine):
    name = "fake2"

    def cache_key_parts(self) -> dict:
        return {**super().cache_key_parts(), "engine": self.name}


def fake(**kw) -> FakeEngine:
    return FakeEngine(EngineOptions(), **kw)


def test_first_engine_speaks_everything(tmp_path):
    cache = SpeechCache(tmp_path)
    spoken = speak_all(TEXTS, [fake(), EspeakEngine(EngineOptions())], cache)
    assert spoken.engine == "fake"
    assert spoken.files == tuple(cache.path_for(fake(), t) for t in TEXTS)
    assert (spoken.notes, spoken.engine_calls) == ((), 4)


def test_failure_on_third_text_hands_the_whole_programme_to_the_next_engine(tmp_path):
    cache = SpeechCache(tmp_path)
    first = fake(fail_on=("y tế",))
    espeak = EspeakEngine(EngineOptions())
    spoken = speak_all(TEXTS, [first, espeak], cache)
    assert first.calls == 3
    assert spoken.engine == "espeak"
    assert spoken.files == tuple(cache.path_for(espeak, t) for t in TEXTS)
    assert all(path.is_file() for path in spoken.files)
    assert spoken.engine_calls == 4
    assert len(spoken.notes) == 1
    assert spoken.notes[0].startswith("fake: máy đọc giả lập từ chối")
    assert "đoạn 3: 'Trạm y tế xã thông báo.'" in spoken.notes[0]


def test_unavailable_engine_is_skipped_without_calls(tmp_path):
    offline = fake(unavailable="không có mạng (thử nghiệm)")
    spoken = speak_all(TEXTS, [offline, SecondFake(EngineOptions())], SpeechCache(tmp_path))
    assert (spoken.engine, offline.calls) == ("fake2", 0)
    assert spoken.notes == ("fake: không có mạng (thử nghiệm)",)


def test_warm_rebuild_makes_no_engine_call_even_when_the_engine_is_now_offline(tmp_path):
    cache = SpeechCache(tmp_path)
    cold = speak_all(TEXTS, [fake()], cache)
    offline = fake(unavailable="không có mạng")
    warm = speak_all(TEXTS, [offline, SecondFake(EngineOptions())], cache)
    assert (warm.engine, warm.files, warm.notes, warm.engine_calls) == ("fake", cold.files, (), 0)
    assert offline.calls == 0


def test_every_engine_failing_lists_every_reason(tmp_path):
    engines = [fake(unavailable="không có mạng"), SecondFake(EngineOptions(), fail_on=("họp",))]
    with pytest.raises(EngineError) as err:
        speak_all(TEXTS, engines, SpeechCache(tmp_path))
    message = str(err.value)
    assert "Không máy đọc nào" in message
    assert "- fake: không có mạng" in message
    assert "- fake2: máy đọc giả lập từ chối đoạn có 'họp' (đoạn 2:" in message


def test_progress_counts_ready_texts_and_restarts_after_fallback(tmp_path):
    seen: list[int] = []
    speak_all(TEXTS, [fake(fail_on=("y tế",)), SecondFake(EngineOptions())], SpeechCache(tmp_path),
              on_file=lambda index, path: seen.append(index + 1))
    assert seen == [1, 2, 1, 2, 3, 4]


@pytest.mark.parametrize("texts", [["Xin chào.", ""], ["...", "Xin chào."]])
def test_text_with_nothing_to_say_is_an_input_error_before_any_engine(tmp_path, texts):
    engine = fake()
    with pytest.raises(InputError, match="không có chữ nào"):
        speak_all(texts, [engine], SpeechCache(tmp_path))
    assert engine.calls == 0


def test_no_engines_configured(tmp_path):
    with pytest.raises(EngineError, match="Chưa chọn máy đọc"):
        speak_all(TEXTS, [], SpeechCache(tmp_path))


def test_nothing_to_speak_is_an_empty_set(tmp_path):
    spoken = speak_all([], [fake()], SpeechCache(tmp_path))
    assert (spoken.engine, spoken.files, spoken.engine_calls) == ("fake", (), 0)
