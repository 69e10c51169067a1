"""One item's text: control characters refused with their place, length capped with the limit named."""

from __future__ import annotations

import pytest

from broadcast.errors import InputError
from broadcast.station.text_limits import check_text, control_problem, find_control


@pytest.mark.parametrize("text, expected", [
    ("a\x00b", "ký tự điều khiển NUL ở dòng 1, cột 2"),
    ("dòng một\nhai\x07", "ký tự điều khiển U+0007 ở dòng 2, cột 4"),
    ("\x85", "ký tự điều khiển U+0085 ở dòng 1, cột 1"),
])
def test_control_characters_are_named_with_their_place(text, expected):
    assert control_problem(text)[0] == expected


@pytest.mark.parametrize("text", ["Xin chào bà con", "a\tb", "hai\ndòng", "CRLF\r\n"])
def test_ordinary_text_passes(text):
    assert control_problem(text) is None
    assert check_text(text, 100) == text


def test_find_control_looks_inside_lists_and_mappings():
    assert find_control({"a": ["ok", {"b": "x\x00"}]}) == "NUL"
    assert find_control(["ok", 5, None]) is None


def test_the_length_limit_is_said():
    with pytest.raises(InputError) as info:
        check_text("a" * 10_001, 10_000, what="Văn bản cần đọc")
    assert str(info.value).startswith("Văn bản cần đọc dài 10.001 ký tự, quá giới hạn 10.000 ký tự")
    assert "text_max_chars" in info.value.hint


def test_length_is_counted_in_nfc():
    decomposed = "thông báo".replace("ô", "o\u0302") * 10           # NFD: longer than it reads
    assert len(check_text(decomposed, 90)) == 90
