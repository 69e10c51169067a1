"""Load the data tables in data/*.tsv (abbreviations, document codes, units, letters, web words)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")

_TONE_FIX = re.compile(r"(?<![qQ])([oO])([áàảãạÁÀẢÃẠéèẻẽẹÉÈẺẼẸ])(?![^\W\d_])"
                       r"|(?<![qQ])([uU])([ýỳỷỹỵÝỲỶỸỴ])(?![^\W\d_])")


def _move_tone(m: re.Match) -> str:
    first, second = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    base, *marks = unicodedata.normalize("NFD", second)
    return unicodedata.normalize("NFC", first + "".join(marks)) + base


def canonical(text: str) -> str:
    """NFC with the traditional tone placement used in official documents: hoá → hóa, uỷ → ủy."""
    return _TONE_FIX.sub(_move_tone, unicodedata.normalize("NFC", text))


def _rows(name: str, columns: int) -> list[list[str]]:
    """Non-comment rows of a table, canonical text, padded to `columns` fields."""
    rows = []
    for raw in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        fields = [canonical(f.strip()) for f in raw.split("\t")]
        rows.append((fields + [""] * columns)[:columns])
    return rows


@dataclass(frozen=True)
class Reading:
    """One reading of an abbreviation; `before`/`after` are context words (empty: always)."""

    spoken: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    def fits(self, preceding: str, following: str) -> bool:
        """`preceding`/`following`: the text just before and just after the abbreviation."""
        if not (self.before or self.after):
            return True
        preceding = preceding.lower().rstrip(" ,:")
        if any(preceding.endswith(w) and not preceding[:-len(w)][-1:].isalnum() for w in self.before):
            return True
        following = following.lower()
        return any(following.startswith(w) if w != "9" else following[:1].isdigit()
                   for w in self.after)


def _context(spec: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    before: list[str] = []
    after: list[str] = []
    for part in spec.split(";"):
        key, _, words = part.partition("=")
        target = before if key.strip() == "trước" else after if key.strip() == "sau" else None
        if target is not None:
            target += [w.strip().lower() for w in words.split("|") if w.strip()]
    return tuple(before), tuple(after)


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[Reading, ...]]:
    """abbrev → readings, contextual ones first and the unconditional one (if any) last."""
    table: dict[str, list[Reading]] = {}
    for key, spoken, spec in _rows("abbreviations.tsv", 3):
        if key and spoken:
            table.setdefault(key, []).append(Reading(spoken, *_context(spec)))
    return {k: tuple(sorted(v, key=lambda r: not (r.before or r.after))) for k, v in table.items()}


@lru_cache(maxsize=1)
def documents() -> tuple[dict[str, str], dict[str, str]]:
    """(document types, issuing bodies) from documents.tsv."""
    kinds: dict[str, str] = {}
    bodies: dict[str, str] = {}
    for code, kind, spoken in _rows("documents.tsv", 3):
        (kinds if kind == "loai" else bodies)[code] = spoken
    return kinds, bodies


@lru_cache(maxsize=1)
def units() -> dict[str, str]:
    return {k: v for k, v in _rows("units.tsv", 2) if k and v}


@lru_cache(maxsize=1)
def letters() -> dict[str, str]:
    return {k: v for k, v in _rows("letters.tsv", 2) if k and v}


@lru_cache(maxsize=1)
def web_words() -> dict[str, str]:
    return {k: v for k, v in _rows("web.tsv", 2) if k and v}


def spell(token: str) -> str:
    """Vietnamese letter names, lower case: 'XYZ' → 'ích i dài dét'; unknown letters kept lower."""
    names = letters()
    return " ".join(names.get(ch.upper(), ch.lower()) for ch in token if not ch.isspace())


@lru_cache(maxsize=1)
def roads() -> dict[str, str]:
    return {k: v for k, v in _rows("roads.tsv", 2) if k and v}


@lru_cache(maxsize=1)
def address_words() -> dict[str, str]:
    return {k: v for k, v in _rows("addresses.tsv", 2) if k and v}


@lru_cache(maxsize=1)
def digit_name_words() -> tuple[str, ...]:
    return tuple(row[0] for row in _rows("digit_names.tsv", 1) if row[0])


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    """Titles after which 'P.' is 'phó' and 'Q.' 'quyền' (titles.tsv), lower case."""
    return tuple(row[0].lower() for row in _rows("titles.tsv", 1) if row[0])


@lru_cache(maxsize=1)
def date_words() -> tuple[str, ...]:
    """Words after which 'd-m' is a date (date_words.tsv), lower case."""
    return tuple(row[0].lower() for row in _rows("date_words.tsv", 1) if row[0])


@lru_cache(maxsize=1)
def quantity_words() -> tuple[frozenset[str], frozenset[str]]:
    """(words before a fraction, words after it) from quantity_words.tsv."""
    rows = _rows("quantity_words.tsv", 2)
    before = frozenset(w.lower() for side, w in rows if side == "trước" and w)
    after = frozenset(w.lower() for side, w in rows if side == "sau" and w)
    return before, after
