"""Contract test of the piper engine with a tiny Piper-shaped ONNX model built here (not a quality test).

It checks what the engine promises any Piper voice: loading a voice pair, espeak IPA mapped
through `phoneme_id_map` in Piper's layout, long sentences cut into chunks, and 16-bit mono WAV
at the voice's rate. The model's audio length says how many ids it was given.
"""

from __future__ import annotations

import json

import pytest
from piper_helpers import HOP, SAMPLE_RATE, phoneme_id_map, write_voice
from speak_helpers import wav_info

from broadcast.errors import EngineError, InputError
from broadcast.speak import EngineOptions
from broadcast.speak.piper import (
    MAX_IDS,
    SENTENCE_SILENCE_S,
    PiperEngine,
    check_voice,
    chunk_ids,
    phoneme_ids,
)
from broadcast.speak.voices import choose, install, read_voice, scan


@pytest.fixture
def voices(tmp_path):
    folder = tmp_path / "voices"
    write_voice(folder)
    return folder


def engine(folder, **options) -> PiperEngine:
    return PiperEngine(EngineOptions(voices_dir=str(folder), **options))


def test_phoneme_ids_follow_pipers_layout():
    id_map = {"_": (0,), "^": (1,), "$": (2,), "a": (5,), "b": (6, 7)}
    assert phoneme_ids("ab", id_map) == ([1, 0, 5, 0, 6, 7, 0, 2], 0)
    assert phoneme_ids("axb", id_map) == ([1, 0, 5, 0, 6, 7, 0, 2], 1)     # unknown phonemes are skipped


def test_phonemes_are_split_after_nfd():
    id_map = {"_": (0,), "^": (1,), "$": (2,), "e": (5,), "\u0303": (9,)}
    assert phoneme_ids("ẽ", id_map)[0] == [1, 0, 5, 0, 9, 0, 2]


def test_text_goes_through_espeak_ipa_and_keeps_the_clause_punctuation(voices):
    voice = read_voice(voices / "vi_VN-kiemthu-x_low.onnx")
    [ids] = chunk_ids("Xin chào, bà con.", voice)
    inverse = {v[0]: k for k, v in voice.phoneme_id_map.items()}
    text = "".join(inverse[i] for i in ids[2:-1:2])
    assert ids[:2] == [1, 0] and ids[-1] == 2
    assert "," in text and text.endswith(".")
    assert "ʃ" in text or "tʃ" in text          # espeak's IPA for "ch"


def test_audio_is_16_bit_mono_wav_at_the_voice_rate_and_as_long_as_the_ids(voices):
    e = engine(voices)
    [ids] = chunk_ids("Xin chào bà con.", e.voice)
    channels, width, rate, seconds = wav_info(e.synthesize("Xin chào bà con.").data)
    assert (channels, width, rate) == (1, 2, SAMPLE_RATE)
    assert seconds == pytest.approx(len(ids) * HOP / SAMPLE_RATE)


def test_sentences_are_spoken_apart_with_a_short_silence(voices):
    e = engine(voices)
    one, two = (sum(len(i) for i in chunk_ids(s, e.voice)) for s in ("Câu một.", "Câu hai."))
    seconds = wav_info(e.synthesize("Câu một. Câu hai.").data)[3]
    assert seconds == pytest.approx((one + two) * HOP / SAMPLE_RATE + SENTENCE_SILENCE_S, abs=1e-3)


def test_a_long_sentence_is_cut_at_commas_into_bounded_chunks(voices):
    voice = read_voice(voices / "vi_VN-kiemthu-x_low.onnx")
    sentence = ", ".join(["bà con thôn Đông đến họp tại nhà văn hóa"] * 12) + "."
    chunks = chunk_ids(sentence, voice)
    assert len(chunks) > 1
    assert all(len(c) <= MAX_IDS for c in chunks)
    assert all(c[:2] == [1, 0] and c[-1] == 2 for c in chunks)


def test_a_voice_with_speaker_ids_is_given_speaker_zero(tmp_path):
    folder = tmp_path / "v"
    write_voice(folder, with_sid=True)
    assert wav_info(engine(folder).synthesize("Xin chào.").data)[2] == SAMPLE_RATE


def test_length_scale_from_the_config_reaches_the_model(tmp_path):
    slow, normal = tmp_path / "slow", tmp_path / "normal"
    write_voice(slow, config={"inference": {"noise_scale": 0.5, "length_scale": 1.5, "noise_w": 0.8}})
    write_voice(normal)
    assert engine(slow).synthesize("Xin chào.").data != engine(normal).synthesize("Xin chào.").data


def test_a_voice_of_another_language_is_refused(tmp_path):
    folder = tmp_path / "v"
    write_voice(folder, config={"phoneme_id_map": {"_": [0], "^": [1], "$": [2], "a": [3]}})
    with pytest.raises(EngineError, match="không phải giọng tiếng Việt"):
        engine(folder).synthesize("Xin chào bà con.")


def test_choosing_a_voice(tmp_path):
    folder = tmp_path / "v"
    with pytest.raises(EngineError, match="chưa cài giọng Piper nào"):
        choose(folder, "")
    write_voice(folder, "mot")
    write_voice(folder, "hai")
    with pytest.raises(EngineError, match="piper_voice"):
        choose(folder, "")
    assert choose(folder, "hai").name == "hai"
    with pytest.raises(EngineError, match="'ba'"):
        choose(folder, "ba")
    assert engine(folder).availability()[0] is False
    assert engine(folder, piper_voice="mot").availability() == (True, "")


def test_cache_key_changes_with_the_voice_files(tmp_path):
    folder = tmp_path / "v"
    write_voice(folder)
    before = engine(folder).cache_key_parts()
    write_voice(folder, config={"inference": {"noise_scale": 0.1, "length_scale": 1.0, "noise_w": 0.8}})
    after = engine(folder).cache_key_parts()
    assert before["engine"] == "piper" and before["voice"] == after["voice"]
    assert before != after


@pytest.mark.parametrize("breakage, message", [
    (lambda m: m.with_name(m.name + ".json").unlink(), "thiếu tệp cấu hình"),
    (lambda m: m.with_name(m.name + ".json").write_text("{oops", encoding="utf-8"), "không đọc được JSON"),
    (lambda m: _edit(m, phoneme_id_map={"a": [3]}), "thiếu ký hiệu"),
    (lambda m: _edit(m, audio={"sample_rate": 5}), "sample_rate"),
    (lambda m: _edit(m, phoneme_type="text"), "phoneme_type"),
    (lambda m: m.write_bytes(b"not a model"), "onnxruntime không nạp được"),
])
def test_check_refuses_broken_voices_saying_why(tmp_path, breakage, message):
    model = write_voice(tmp_path / "v")
    breakage(model)
    with pytest.raises(InputError, match=message):
        check_voice(model)


def test_check_refuses_a_model_without_pipers_inputs(tmp_path):
    model = write_voice(tmp_path / "v", inputs=("input", "scales", "volume"))
    with pytest.raises(InputError, match="không phải mô hình giọng Piper"):
        check_voice(model)


def test_install_copies_both_files_and_scan_lists_it(tmp_path):
    source = write_voice(tmp_path / "usb")
    target = tmp_path / "station" / "voices"
    installed = install(check_voice(source), target)
    assert installed.model == target / source.name
    assert sorted(p.name for p in target.iterdir()) == [source.name, source.name + ".json"]
    assert [v.name for v, _ in scan(target)] == ["vi_VN-kiemthu-x_low"]


def test_scan_reports_a_broken_pair(tmp_path):
    folder = tmp_path / "v"
    write_voice(folder, "tot")
    (folder / "hong.onnx").write_bytes(b"x")
    rows = scan(folder)
    assert [v.name for v, _ in rows if v] == ["tot"]
    assert any("hong.onnx" in problem and "thiếu tệp cấu hình" in problem for _, problem in rows)


def _edit(model, **changes):
    config = model.with_name(model.name + ".json")
    data = json.loads(config.read_text(encoding="utf-8"))
    data.update(changes)
    config.write_text(json.dumps(data), encoding="utf-8")


def test_helper_map_has_the_special_symbols():
    assert {"_", "^", "$"} <= set(phoneme_id_map())
