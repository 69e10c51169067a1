"""Text-level steps: Unicode clean-up first, symbols early, pauses and the final guard last."""

from __future__ import annotations

import re
import unicodedata

from .options import Context
from .patterns import lazy
from .tables import canonical, spell

_LINE_BREAKS = lazy(r"\r\n?")                # universal newlines; other separators are spaces
_OTHER_BREAKS = dict.fromkeys(map(ord, "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), " ")
_INVISIBLE = lazy(r"[^\S\n ]+")            # tabs and other spaces (NFKC leaves a few)
_SPACES = lazy(r" {2,}")


def unicode_nfc(text: str, ctx: Context) -> str:
    """NFKC (so ² ½ ３ ℃ become plain), traditional tone placement (hoá → hóa), one kind of space."""
    text = unicodedata.normalize("NFKC", text)
    if "\r" in text:
        text = _LINE_BREAKS.sub("\n", text)
    if not text.isascii():
        text = text.translate(_OTHER_BREAKS)
        # Format characters (zero-width space, soft hyphen, BOM) are invisible inside words: drop them.
        invisible = {ord(ch): None for ch in set(text) if unicodedata.category(ch) == "Cf"}
        if invisible:
            text = text.translate(invisible)
        text = canonical(text)
    text = _SPACES.sub(" ", _INVISIBLE.sub(" ", text))
    return "\n".join(line.strip() for line in text.split("\n")) if "\n" in text else text.strip()


_BREAK = lazy(r"\n(?:[ ]*\n)*")
_SENTENCE_END = ".?!"


def join_lines(text: str, ctx: Context) -> str:
    """With `join_lines`: 'các hộ\ngia đình' → 'các hộ gia đình' (a pasted line broken mid-sentence:
    the line before does not end with . ? ! and the next starts lower case); any other break between
    two lines ends a sentence ('KẾ HOẠCH\nTổ chức' → 'KẾ HOẠCH.\nTổ chức'), so a second pass joins
    nothing. Blank lines between the two parts count as one break."""
    if not ctx.options.join_lines or "\n" not in text:
        return text

    def replace(m: re.Match) -> str:
        # Lines are stripped by then (unicode step): the characters next to the break are the
        # last of one line and the first of the next.
        last = text[m.start() - 1] if m.start() else ""
        first = text[m.end()] if m.end() < len(text) else ""
        if not last or not first or last in _SENTENCE_END:
            return m.group(0)
        if first.islower():
            return " "
        return "." + m.group(0)

    return _BREAK.sub(replace, text)


def sentence_lines(text: str, ctx: Context) -> str:
    """With `join_lines`: every line that a break follows ends with . ? or ! (final guard, after the
    steps that may have eaten a full stop, such as 'TP.')."""
    if not ctx.options.join_lines or "\n" not in text:
        return text
    lines = text.split("\n")
    last = max((i for i, line in enumerate(lines) if line), default=0)    # no text after it
    for i, line in enumerate(lines[:last]):
        if line and not line.endswith(tuple(_SENTENCE_END)):
            lines[i] = line.rstrip(",") + "."
    return "\n".join(lines)


_DASHES = lazy(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]")
_MINUTE_MARK = lazy(r"(\d)h(\d\d)['’′]|(\d)['’′](?!\w)")
_QUOTES = lazy(r"[\"'`´‘’‚‛“”„‟«»‹›′″]")
_BULLET = lazy(r"(?m)^(?:[-+*•·●○◦▪■□➢➤►>]+|\d{1,2}\))[ ]+")
_LIST_LETTER = lazy(r"(?m)^([a-zđ])\)[ ]+")
_KNOWN = set(".,;:!?%‰/-()[]{}@&+=~#$€£₫°×±")
_VI_LETTERS = "ĂÂĐÊÔƠƯăâđêôơư" + "".join(
    ch + ch.upper() for ch in "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
# Anything else needs the slow path of symbols(): dashes, quotes, marks, other scripts' symbols.
_NOT_PLAIN = lazy("[^A-Za-z0-9 \n" + re.escape("".join(sorted(_KNOWN))) + _VI_LETTERS + "]")


def _minute(m: re.Match) -> str:
    return f"{m.group(1)}h{m.group(2)}" if m.group(1) else f"{m.group(3)} phút"


def _keep(ch: str) -> bool:
    # Letters and decimal digits stay; other numerals (Ⅻ, ①, 〇 left after NFKC) do not.
    return ch.isalpha() or ch.isdecimal() or ch in " \n" or ch in _KNOWN


def symbols(text: str, ctx: Context) -> str:
    """Early symbol pass: dashes unified, quotes and bullets dropped, stray symbols become spaces.

    Everything that deletes characters happens here, before any pattern step, so that a later
    deletion can never join two pieces into something a second pass would read differently.
    """
    plain = not _NOT_PLAIN.search(text)        # Vietnamese letters, digits, spaces, known symbols only
    if not plain:
        text = _DASHES.sub("-", text).replace("\u2044", "/")      # ½ arrives from NFKC as 1⁄2
        text = _MINUTE_MARK.sub(_minute, text)
        text = _QUOTES.sub(" ", text)
    text = _BULLET.sub("", text)
    text = _LIST_LETTER.sub(lambda m: spell(m.group(1)) + ". ", text)
    if not plain:
        # Stray combining marks vanish; any other unknown character becomes a space.
        table = {ord(ch): None if unicodedata.category(ch)[0] == "M" else " "
                 for ch in set(text) if not _keep(ch)}
        text = text.translate(table) if table else text
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")) if "\n" in text else text.strip()


_WORD_SYMBOLS = {"&": "và", "+": "cộng", "=": "bằng", "~": "khoảng", "#": "số", "$": "đô la",
                 "€": "ơ rô", "£": "bảng Anh", "₫": "đồng", "@": "a còng", "°": "độ", "%": "phần trăm",
                 "‰": "phần nghìn", "±": "cộng trừ", "×": "nhân"}
_WORD_SYMBOL = lazy("[" + re.escape("".join(_WORD_SYMBOLS)) + "]")


def symbol_words(text: str, ctx: Context) -> str:
    """Symbols that are words when read aloud: & và, + cộng, = bằng, ~ khoảng, @ a còng, ± cộng trừ,
    × nhân (after a number the units step has said 'lần': 'nhanh 10×')."""
    return _WORD_SYMBOL.sub(lambda m: f" {_WORD_SYMBOLS[m.group(0)]} ", text)


_SPACED_DASH = lazy(r"(?m) -+|-+ |^-+|-+$")
_COMMAS = str.maketrans(dict.fromkeys(":;()[]{}/\\", ","))
_NOT_ALLOWED = lazy(r"[^\w \n,.?!]|[\d_]")
_BEFORE_PAUSE = lazy(r" +(?=[,.?!])")
_PAUSE_RUN = lazy(r"[,.?!](?:[ ]*[,.?!])+")
_AFTER_PAUSE = lazy(r"([,.?!])(?=[^\s,.?!])")
_LINE_HEAD = lazy(r"(?m)^[ ,.?!]+")


def _strongest(m: re.Match) -> str:
    run = m.group(0)
    return next(p for p in "?!.," if p in run)


def punctuation(text: str, ctx: Context) -> str:
    """Pauses only: ':' ';' '/' and brackets become ',', a spaced dash ',', a joining hyphen a space.

    Output keeps letters, spaces, newlines and , . ? ! — never a digit or another symbol.
    """
    if "-" in text:
        text = _SPACED_DASH.sub(",", text).replace("-", " ")
    text = text.translate(_COMMAS)
    text = _NOT_ALLOWED.sub(" ", text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    text = _BEFORE_PAUSE.sub("", text)
    text = _PAUSE_RUN.sub(_strongest, text)
    text = _AFTER_PAUSE.sub(r"\1 ", text)
    text = _LINE_HEAD.sub("", text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return canonical("\n".join(line.strip() for line in text.split("\n")) if "\n" in text else text.strip())
