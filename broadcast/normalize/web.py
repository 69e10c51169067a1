"""Web and e-mail addresses: 'tracuu.quangngai.gov.vn' → 'tra cứu chấm quảng ngãi chấm gốp chấm vê en'."""

from __future__ import annotations

import re
from functools import lru_cache

from .numbers import read_digits
from .options import Context
from .patterns import lazy
from .tables import spell, web_words
from .words import SYLLABLE, unconditional

_TLDS = {"vn", "com", "net", "org", "gov", "edu", "info", "int", "io", "biz", "asia", "app"}
_WEB = lazy(r"(?<![\w.@/-])(?:((?i:https?))://)?([A-Za-z0-9._+-]+@)?"
                  r"([A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)++)"
                  r"((?:/[A-Za-z0-9._~%=&?+-]*)*+)(?![^\W_])")
_WEB_PIECE = lazy(r"[A-Za-z]+|\d+|[^A-Za-z\d]")
_WEB_SEPARATORS = {".": "chấm", "-": "gạch ngang", "_": "gạch dưới", "/": "gạch chéo", "@": "a còng",
                   "?": "hỏi chấm", "=": "bằng", "&": "và", "+": "cộng", "%": "phần trăm",
                   "~": "ngã", ":": "hai chấm"}
_PRONOUNCEABLE = lazy(r"[b-df-hj-np-tv-z]{0,3}[aeiouy]+(?:[b-df-hj-np-tv-z]{1,3}[aeiouy]+)*"
                            r"[b-df-hj-np-tv-z]{0,2}")
_AMBIGUOUS = "?"                                   # web.tsv marks a key with two readings so


@lru_cache(maxsize=1)
def _words() -> tuple[dict[str, str], int]:
    """web.tsv as key → reading ('?' for a key listed with two different readings), longest key."""
    table: dict[str, str] = {}
    for key, spoken in web_words().items():
        for variant in {key, key.replace(" ", "")}:
            known = table.get(variant)
            table[variant] = spoken if known in (None, spoken) else _AMBIGUOUS
    return table, max(map(len, table), default=0)


def segment(word: str) -> str | None:
    """The one reading of an unaccented run made of web.tsv words ('tracuu' → 'tra cứu'), or None
    when no split into known words exists or two splits read differently ('hoaan': hòa an, hóa an)."""
    table, longest = _words()
    # readings[i]: the distinct readings of word[:i] (at most two are kept: two means ambiguous).
    readings: list[tuple[str, ...]] = [("",)] + [()] * len(word)
    for end in range(1, len(word) + 1):
        found: list[str] = []
        for start in range(max(0, end - longest), end):
            spoken = table.get(word[start:end]) if readings[start] else None
            if not spoken:
                continue
            for head in readings[start]:
                reading = _AMBIGUOUS if spoken == _AMBIGUOUS or head == _AMBIGUOUS else (head + " " + spoken).strip()
                if reading not in found:
                    found.append(reading)
        readings[end] = tuple(found[:2])
    final = readings[-1]
    return final[0] if len(final) == 1 and final[0] != _AMBIGUOUS else None


def _read_piece(piece: str, style: str) -> str:
    if piece.isdigit():
        return read_digits(piece)
    if not piece.isalpha():
        return _WEB_SEPARATORS.get(piece, "")
    word = piece.lower()
    if style == "spell":
        return spell(word)
    known = web_words().get(word) or (unconditional(word.upper()) if len(word) >= 3 else "") or segment(word)
    if known:
        return known
    if SYLLABLE.fullmatch(word) or len(word) >= 4 and _PRONOUNCEABLE.fullmatch(word):
        return word                                    # "xa", "hoaan": say it, do not spell it
    return spell(word)


def web(text: str, ctx: Context) -> str:
    """'dichvucong.gov.vn' → 'dịch vụ công chấm gốp chấm vê en'; e-mail says 'a còng'; the scheme
    (https://) is not read; an acronym mailbox reads as its name ('ubnd@' → 'Ủy ban nhân dân a còng')."""
    style = ctx.options.url_style

    def replace(m: re.Match) -> str:
        scheme, mailbox, host, path = m.groups()
        last = host.rsplit(".", 1)[-1].lower()
        if not (scheme or mailbox or host.lower().startswith("www.") or last in _TLDS):
            return m.group(0)
        body = (mailbox or "") + host + (path.rstrip("/") if path else "")
        words = (_read_piece(p, style) for p in _WEB_PIECE.findall(body))
        return " " + " ".join(w for w in words if w) + " "

    return _WEB.sub(replace, text)
