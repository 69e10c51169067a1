"""The intelligibility benchmark's scoring (fast) and, marked slow, one real pass through the recognizer."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_voice", ROOT / "benchmarks" / "bench_voice.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_voice"] = module      # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.mark.parametrize("text, expected", [
    ("Xin chào, bà con!", ["xin", "chào", "bà", "con"]),
    (unicodedata.normalize("NFD", "Ủy ban nhân dân"), ["ủy", "ban", "nhân", "dân"]),
    ("SÁNG MAI — họp thôn…", ["sáng", "mai", "họp", "thôn"]),
    ("“Thông báo” (khẩn)", ["thông", "báo", "khẩn"]),
    ("", []),
])
def test_words_are_nfc_lowercase_without_punctuation(text, expected):
    assert bench.words(text) == expected


@pytest.mark.parametrize("ref, hyp, edits", [
    ("a b c", "a b c", 0), ("a b c", "a x c", 1), ("a b c", "a c", 1), ("a b", "a b c d", 2), ("", "a", 1),
    ("họp thôn", "hop thôn", 1),          # a missing tone mark is a different word
])
def test_edit_distance(ref, hyp, edits):
    assert bench.edit_distance(ref.split(), hyp.split()) == edits


def test_corpus_wer_sums_edits_over_reference_words():
    rate, edits, total = bench.wer(["xin chào bà con", "họp thôn"], ["xin chào", "họp thôn"])
    assert (edits, total) == (2, 6) and rate == pytest.approx(2 / 6)


def test_sentence_set_is_large_and_clean():
    sentences = bench.load_sentences()
    assert len(sentences) >= 30
    assert len(set(sentences)) == len(sentences)
    assert all(unicodedata.is_normalized("NFC", s) for s in sentences)


def test_settings_parse_and_label():
    setting = bench.parse_setting("voice=vi-vn-x-south,rate=130,chain=raw")
    assert (setting.voice, setting.rate, setting.chain, setting.pitch) == ("vi-vn-x-south", 130, "raw", 50)
    assert setting.label().startswith("espeak vi-vn-x-south r130")


def test_a_levelling_chain_reaches_the_encode_and_is_undone(tmp_path):
    """The chain under test must change what audio encodes (the level solved and the render)."""
    from broadcast import audio
    from broadcast.audio import limiter

    tone = tmp_path / "t.wav"
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                    "aevalsrc='0.1*sin(2*PI*150*t)*pow(abs(sin(2*PI*3*t)),2)+0.95*lt(mod(t,0.9),0.0002)':s=22050:d=3", str(tone)], check=True)
    fmt = audio.AudioFormat(codec="wav", sample_rate=22050)
    before = (limiter.ATTACK_S, limiter.RELEASE_S)
    plain = audio.assemble([audio.Clip(tone)], tmp_path / "a.wav", fmt).path.read_bytes()
    with bench._chain_swapped(bench.CHAINS["slow"]):
        assert (limiter.ATTACK_S, limiter.RELEASE_S) == bench.CHAINS["slow"]
        slow = audio.assemble([audio.Clip(tone)], tmp_path / "b.wav", fmt).path.read_bytes()
    assert slow != plain
    assert (limiter.ATTACK_S, limiter.RELEASE_S) == before
    with bench._chain_swapped(bench.CHAINS["programme"]):   # the product's chain: nothing swapped
        assert (limiter.ATTACK_S, limiter.RELEASE_S) == before


@pytest.mark.slow
def test_processed_default_is_as_intelligible_as_the_raw_engine():
    """Through viet-asr (the `bench` extra): levelling and encoding must not cost words."""
    pytest.importorskip("vietasr")
    asr = bench.Recognizer()
    sentences = bench.load_sentences()[:4]
    raw = bench.evaluate(bench.replace(bench.configured(), chain="raw"), sentences, asr)
    processed = bench.evaluate(bench.configured(), sentences, asr)
    assert raw.words == processed.words > 0
    assert processed.edits <= raw.edits + max(2, raw.words // 20)
