"""A failure as the officer reads it: the Vietnamese cause stored in the log's `error`, the raw text kept apart.

An output reports a failure in the words of the tool that failed ("ffmpeg thoát với mã 187:
[out#0/pulse] Nothing was written into output file, because at least one of its streams received
no packets."). The log stores the cause the CLI prints for it (`broadcast.play.failures.explain`)
in `error` and the raw words in `error_raw` (`broadcast log -v`). Our own Vietnamese messages
("bị ngắt để phát thông báo khẩn") pass unchanged. Rows written before this split still hold the
raw text in `error`: `shown_error` translates them the same way when they are displayed.

    >>> split_error("device", "ffmpeg thoát với mã 187: Nothing was written into output file")[0]
    'không mở được thiết bị âm thanh (máy không có card âm thanh, hoặc dịch vụ âm thanh PulseAudio/ALSA chưa chạy)'
    >>> split_error("device", "bị ngắt để phát thông báo khẩn")
    ('bị ngắt để phát thông báo khẩn', None)
    >>> split_error("file", "tệp 0530-sang.mp3 hỏng, không đọc được (Invalid data found when processing input)")[0]
    'tệp 0530-sang.mp3 hỏng, không đọc được'

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from broadcast.play.failures import explain

# Words of a tool's or a library's English message; two different ones make a text raw.
_ENGLISH = re.compile(
    r"\b(the|was|were|is|are|not|could|cannot|can't|no such|because|received|written|nothing|invalid|"
    r"refused|denied|failed|failure|unable|error|errno|exception|traceback|broken pipe|timed out|timeout|"
    r"permission|connection|resource|busy|end of file|found|packets|stream|streams|argument|directory|"
    r"unknown|unauthori[sz]ed|forbidden|unreachable|reset by peer|temporary|name or service|output file|"
    r"input/output|server returned|while|when)\b", re.IGNORECASE)
_PYTHON_NAME = re.compile(r"\b[A-Z][a-z]+(Error|Exception|Exit)\b|\[Errno \d+\]")
# Phrases that alone are a tool's words.
_STRONG = re.compile(r"end of file|no such file|nothing was written|invalid data|connection refused|permission denied|"
                     r"broken pipe|timed out|resource busy|input/output error|not found|no route to host",
                     re.IGNORECASE)
_RELAY_CAUSE = "không nhận được luồng tiếp âm (mất mạng, sai địa chỉ hoặc đài nguồn ngừng phát)"


def is_raw(text: str) -> bool:
    """True when `text` is a tool's or library's own words (English), not a message of ours."""
    if _PYTHON_NAME.search(text) or _STRONG.search(text):
        return True
    return len({m.group(0).lower() for m in _ENGLISH.finditer(text)}) >= 2


_TOOL_HEAD = re.compile(r"thoát với mã -?\d+|lỗi$")
_SPLIT = re.compile(r" \(|: ")


def _vietnamese_head(text: str) -> str | None:
    """'tệp 0530-sang.mp3 hỏng, không đọc được (Invalid data …)' -> the part before the tool's words."""
    for match in _SPLIT.finditer(text):
        head = text[:match.start()].strip()
        if head and not is_raw(head) and not _TOOL_HEAD.search(head) and is_raw(text[match.start():]):
            return head
    return None


def plain_cause(output: str | None, text: str | None) -> str | None:
    """The Vietnamese cause for `text` (None stays None; our own Vietnamese stays as it is)."""
    if not text:
        return text or None
    if not is_raw(text):
        return text
    if head := _vietnamese_head(text):
        return head
    if text.lower().startswith("tiếp âm"):
        return _RELAY_CAUSE
    return explain(output or "device", text)[0]


def split_error(output: str | None, text: str | None) -> tuple[str | None, str | None]:
    """(what the `error` column stores, what `error_raw` stores) for a failure reported as `text`."""
    shown = plain_cause(output, text)
    return shown, (text if shown != text else None)


def shown_error(row: Mapping[str, Any]) -> str | None:
    """The error of a log row as the officer reads it, whichever version of the log wrote it."""
    return plain_cause(row.get("output"), row.get("error"))


def raw_error(row: Mapping[str, Any]) -> str | None:
    """The tool's own words behind a row's error (`-v`): the kept raw text, or an old row's raw error."""
    if row.get("error_raw"):
        return row["error_raw"]
    error = row.get("error")
    return error if error and shown_error(row) != error else None
