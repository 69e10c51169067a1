"""Text from people as it leaves the station: markup stripped, then escaped for the format it goes into.

What an officer types in the console (a title, a value, a list of names) is text, everywhere the
station sends it: the website export (Markdown or text), the iCalendar file, the report (DOCX,
Markdown, CSV, XLSX), the listening page's feed. `plain` is the one rule: NFC, characters no XML
document may hold removed (python-docx and feed parsers refuse them), and HTML tags and comments
removed; a '<' that would still open a tag gets a space after it ('a<b' -> 'a< b'). A '<' or '&' that
is not markup stays, so "trẻ < 5 tuổi & người già" survives:

    >>> plain('Họp <b>thôn</b> <img src=x onerror=alert(1)>lúc 19h30 & trẻ < 5 tuổi')
    'Họp thôn lúc 19h30 & trẻ < 5 tuổi'

Each format then escapes what is special in it: `markdown` for CommonMark and the usual website
renderers (entities for < > &, backslashes for link and emphasis marks), XML writers escape < &
themselves, and `spreadsheet_cell` keeps a cell from starting as a formula.

    >>> markdown('[bấm vào](javascript:alert(1)) & <3')
    '\\\\[bấm vào\\\\](javascript:alert(1)) &amp; &lt;3'
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Tags as an HTML parser sees them: '<' then a letter, '/', '!' or '?' (never "< 5" or "<3").
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<![^<>]*>|<\?[^<>]*>")
# A tag left open at the end ('<img src=x onerror=…'): a name, then a space or '/' and attributes.
_UNCLOSED_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*[\s/][^<>]*$")
# Any other '<' that an HTML parser would take for the start of a tag ('a<b', '<img …' mid-text).
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
# Not allowed in XML 1.0 (and never meant in a notice): C0 controls but tab and newline, DEL, C1,
# surrogates, U+FFFE/U+FFFF.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_MD_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_",
               "[": "\\[", "]": "\\]"}
_MD_SPECIAL = re.compile(r"[&<>\\`*_\[\]]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(text: Any) -> str:
    """NFC text with no markup and nothing an XML document cannot hold (None -> '')."""
    if text is None:
        return ""
    out = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    out = _NOT_TEXT.sub("", out)
    out = _COMMENT.sub("", out)
    while True:                                   # '<scr<b>ipt>' leaves '<script>' after one pass
        stripped = _TAG.sub("", out)
        if stripped == out:
            break
        out = stripped
    return _TAG_START.sub("< ", _UNCLOSED_TAG.sub("", out))


def markdown(text: Any) -> str:
    """`plain` text escaped for Markdown: it renders as the same words, never as a tag or a link."""
    return _MD_SPECIAL.sub(lambda m: _MD_ESCAPES[m.group(0)], plain(text))


def markdown_line(text: Any) -> str:
    """`markdown` on one line (a heading, a table cell): newlines become spaces, '|' is escaped."""
    return " ".join(markdown(text).split()).replace("|", "\\|")


def spreadsheet_cell(value: Any) -> Any:
    """A text cell that cannot start as a formula ('=HYPERLINK(...)' -> "'=HYPERLINK(...)"); numbers pass."""
    if not isinstance(value, str):
        return value
    value = plain(value)
    return "'" + value if value.startswith(_FORMULA_START) else value
