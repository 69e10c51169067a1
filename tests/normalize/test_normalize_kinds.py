"""Issue 25's kinds of text (kinds.tsv): each kind a table of variants, so a rule is tested, not an example."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from broadcast.normalize import normalize

TABLE = Path(__file__).with_name("kinds.tsv")
KINDS = ("web", "accounts", "rates", "plates", "coordinates", "acronyms2026", "wards", "service",
         "dashdates", "units_signs")


def load() -> list[tuple[str, str, str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, source, expected = line.split("\t")[:3]
            rows.append((kind, source, expected))
    return rows


ROWS = load()


def test_every_kind_has_eight_variants_written_in_nfc():
    counts = Counter(kind for kind, _, _ in ROWS)
    assert set(counts) == set(KINDS)
    for kind in KINDS:
        assert counts[kind] >= 8, kind
    for _, _, expected in ROWS:
        assert unicodedata.normalize("NFC", expected) == expected


@pytest.mark.parametrize(("kind", "source", "expected"), ROWS, ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_kind(kind, source, expected):
    out = normalize(source)
    assert out == expected
    assert normalize(out) == out
