"""The case table (cases.tsv): every category of the issue, one input and its spoken form per row."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from broadcast.normalize import NormalizeOptions, normalize

TABLE = Path(__file__).with_name("cases.tsv")


def _options(spec: str) -> NormalizeOptions | None:
    if not spec:
        return None
    values: dict[str, object] = {}
    for item in spec.split(","):
        key, _, value = item.partition("=")
        values[key] = value == "true" if key in ("mung", "join_lines") else value
    return NormalizeOptions(**values)


def _unescape(cell: str) -> str:
    return cell.replace("\\t", "\t").replace("\\n", "\n")


def load_cases() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, source, expected, *rest = line.split("\t")
        rows.append((category, _unescape(source), _unescape(expected), rest[0] if rest else ""))
    return rows


CASES = load_cases()


def test_table_is_large_and_covers_every_category():
    counts = Counter(c[0] for c in CASES)
    assert len(CASES) >= 400
    for category in ("numbers", "dates", "times", "ranges", "money", "percent", "phones", "weekdays",
                     "roman", "abbreviations", "documents", "units", "roads", "web", "punctuation",
                     "unicode", "options", "samples",
                     # issue 13 §5
                     "hotlines", "digit_names", "fractions", "rates", "hours", "acronyms", "addresses",
                     "quarters", "signs", "ordinals", "echo", "money_words", "issuer", "join_lines"):
        assert counts[category] >= 5, category


@pytest.mark.parametrize(("category", "source", "expected", "spec"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_case(category, source, expected, spec):
    options = _options(spec)
    out = normalize(source, options)
    assert out == expected
    assert normalize(out, options) == out        # every row is also an idempotence check
