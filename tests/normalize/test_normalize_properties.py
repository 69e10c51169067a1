"""Guarantees of the normalizer, tested as properties: never raises, no digit or symbol, idempotent."""

from __future__ import annotations

import gc
import string
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from broadcast.normalize import NormalizeOptions, normalize, normalize_report

ALLOWED_ASCII = set(string.ascii_letters + " \n,.?!")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like announcements: digits, separators, capitals, keywords glued at random.
PIECES = st.sampled_from([
    "0912 345 678", "114", "05/02/2024", "18-22/3", "7h30", "17h00", "07:30", " - ", "–", "/", ".", ",",
    ":", "%", "đ", "VNĐ", "km/h", "m²", "°C", "UBND", "TT", "BCH", "XYZ", "khoá", " XII", "quý", " IV",
    "thứ", " 4", "T2", "CN", "ngày", "tháng", "năm", "2021-2030", "1.000.000", "2,5", "-", "QL1A",
    "dichvucong.gov.vn", "a@b.vn", "39/2020/TT-BTTTT", "(", ")", '"', "'", "\n", " ", "I.", "a)", "hoá",
    "&", "+", "#", "~", "@", "$", "½", "Ⅻ", "①", "٣", "\u0301", "\u200b", "KẾ HOẠCH", "mùng", "đến",
])
ANNOUNCEMENT_LIKE = st.lists(PIECES | st.text(max_size=4), max_size=25).map("".join)
ANY_TEXT = st.text(max_size=200)


def _check(text: str) -> None:
    out = normalize(text)
    assert not any(ch.isdigit() for ch in out), out
    assert all(ch in ALLOWED_ASCII for ch in out if ch.isascii()), out
    assert normalize(out) == out, (text, out)


@SETTINGS
@given(ANY_TEXT)
@example("ngày 05/02/2024 lúc 7h30")
@example("quý *I")
@example("- I. Mục")
@example("%đ")                      # "phần trăm đ" is not money on a second pass
@example("khoá*V0912 345 678")       # "V0912" parted by the numbers step: roman on the first pass too
def test_any_text(text):
    _check(text)


@SETTINGS
@given(ANNOUNCEMENT_LIKE)
def test_announcement_like_text(text):
    _check(text)


@SETTINGS
@given(ANNOUNCEMENT_LIKE)
def test_line_count_is_kept(text):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    assert normalize(text).count("\n") == lines


def test_output_is_nfc_and_traditional_tone_placement():
    out = normalize("Uỷ ban nhân dân, văn hoá, thuỷ lợi")
    assert out == "Ủy ban nhân dân, văn hóa, thủy lợi"


def test_report_collects_unknown_tokens_once():
    report = normalize_report("XYZ và XYZ, QWE")
    assert report.text == "ích i dài dét và ích i dài dét, quy vê kép e"
    assert len(report.warnings) == 2
    assert "'XYZ'" in report.warnings[0] and "pronunciations.tsv" in report.warnings[0]


HOSTILE = ["UBND xã thông báo: ngày 05/02/2024 lúc 7h30, gọi 0912 345 678, thu 105.300đ/hộ (100%). ",
           "a.", "1.", "0 ", "1-", "khóa I, ", "A", "9", "ngày 1, ", "0912 ", "1/AB-", "ab.cd.", "T2-", "thứ 2-",
           # the issue 13 §5 steps
           "(0234) ", "(0234) 3", "1/", "2/3 ", "đồng/", "đồng/người", "(TTHC) ", "thủ tục (TT) ", "Q1/", "9g ",
           "lúc 9g-", "X. ", "H. A", "Km", "Đề án 0", "NN&PTNT&", "VH,TT&", "a\n", "A\n\n", "triệu đ ",
           "1/QĐ-UBND của ", "1900 ", "lần III "]


def operations(text: str) -> int:
    """Python calls made while normalizing `text` (functions and built-ins): a deterministic work count.

    Counted on a second run, so the one-off filling of caches and compiled patterns is not in it.
    """
    normalize(text)
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += 1

    # No garbage collection while counting: finalizers of other tests' objects would be counted.
    gc.collect()
    gc.disable()
    sys.setprofile(profile)
    try:
        normalize(text)
    finally:
        sys.setprofile(None)
        gc.enable()
    return count


@pytest.mark.parametrize("piece", HOSTILE)
def test_linear_work(piece):
    """Ten times the text costs about ten times the operations, not a hundred: no quadratic pattern.

    Counted, not timed, so a loaded machine cannot fail it; the wall-clock version of this check
    (which also sees regex backtracking inside C) is `benchmarks/bench_normalize.py --linearity`.
    """
    small_repeat, large_repeat = (150, 1500) if len(piece) < 20 else (15, 150)
    small, large = operations(piece * small_repeat), operations(piece * large_repeat)
    assert operations(piece * small_repeat) == small            # deterministic
    assert large < small * 12, (small, large)


def test_work_count_sees_a_quadratic_step(monkeypatch):
    """The counter would catch a step that re-reads the text once per word."""
    import broadcast.normalize as package

    def same(a, b):
        return a == b

    def quadratic(text, ctx):                   # compares every word with every other word
        words = text.split()
        for a in words:
            for b in words:
                same(a, b)
        return text

    monkeypatch.setattr(package, "STEPS", (*package.STEPS, package.Step("quadratic", quadratic)))
    small, large = operations("thôn Đông " * 15), operations("thôn Đông " * 150)
    assert large > small * 12


@pytest.mark.parametrize("piece", HOSTILE)
@pytest.mark.parametrize("join_lines", [False, True])
def test_long_repetitive_text_keeps_every_property(piece, join_lines):
    """A notice-sized block of one hostile piece repeated: no digit or symbol left, idempotent.

    Complements test_linear_work (which counts Python calls): a regex that backtracks badly
    inside C makes this test hang instead of passing."""
    options = NormalizeOptions(join_lines=join_lines)
    text = piece * (2000 // len(piece) + 1)
    out = normalize(text, options)
    assert not any(ch.isdigit() for ch in out)
    assert all(ch in ALLOWED_ASCII for ch in out if ch.isascii())
    assert normalize(out, options) == out
    if not join_lines:
        assert out.count("\n") == text.count("\n")


JOINED = NormalizeOptions(join_lines=True)


@SETTINGS
@given(ANNOUNCEMENT_LIKE)
def test_joined_lines_keep_every_property(text):
    """join_lines (text to be spoken): idempotent, never more lines, and every line a later line
    follows ends a sentence."""
    out = normalize(text, JOINED)
    assert not any(ch.isdigit() for ch in out), out
    assert normalize(out, JOINED) == out, (text, out)
    assert out.count("\n") <= text.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    lines = out.split("\n")
    for i, line in enumerate(lines[:-1]):
        if line and any(lines[i + 1:]):
            assert line[-1] in ".?!", (text, out)
