"""The text of one item: no control characters and no more than the station's limit, checked before speaking.

Control characters (NUL, the bell, form feeds...) in a notice are always a mistake of copying
(from Word, a PDF, a spreadsheet); left in, they reach the TTS library as C strings and fail
there ("embedded null byte"). They are refused with a clear error rather than stripped, so the
officer sees where the text came out wrong. Tabs and line breaks are ordinary text.

The length limit (`[limits] text_max_chars`, 10,000 characters: about 13 minutes of reading,
four times the longest announcement in scripts_vi/) keeps a pasted book from becoming a
2-hour MP3.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from broadcast.errors import InputError

__all__ = ["CONTROL", "check_text", "control_problem", "find_control"]

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")       # not \t \n \r
_HINT = ("Sửa: xóa ký tự này (thường lẫn vào khi chép từ Word, PDF hay bảng tính); "
         "gõ lại đoạn văn bản nếu không thấy")


def _number(n: int) -> str:
    """12.345: Vietnamese digit grouping."""
    return f"{n:,}".replace(",", ".")


def _name(ch: str) -> str:
    return "NUL" if ch == "\x00" else f"U+{ord(ch):04X}"


def control_problem(text: str) -> tuple[str, int] | None:
    """('ký tự điều khiển NUL ở dòng 3, cột 7', 3) for the first control character, else None."""
    match = CONTROL.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    return f"ký tự điều khiển {_name(match.group())} ở dòng {line}, cột {column}", line


def find_control(value: Any) -> str | None:
    """The first control character's name anywhere in a value (strings in lists and mappings)."""
    for text in _strings(value):
        match = CONTROL.search(text)
        if match is not None:
            return _name(match.group())
    return None


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def check_text(text: str, max_chars: int, *, what: str = "Văn bản", path: str | None = None,
               cut: bool = False) -> str:
    """`text` in NFC when it is speakable; `InputError` (exit 2) naming the problem and the limit.

    `cut`: `text` is only the first `max_chars + 1` characters read of a longer input.
    """
    problem = control_problem(text)
    if problem is not None:
        message, line = problem
        raise InputError(f"{what} có {message}.", path=path, line=line if path else None, hint=_HINT)
    text = unicodedata.normalize("NFC", text)
    if len(text) > max_chars:
        length = f"hơn {_number(max_chars)}" if cut else _number(len(text))
        raise InputError(f"{what} dài {length} ký tự, quá giới hạn {_number(max_chars)} ký tự "
                         "của một mục.", path=path,
                         hint="Sửa: chia thành nhiều thông báo ngắn hơn, hoặc tăng 'text_max_chars' trong "
                              "mục [limits] của broadcast.toml")
    return text
