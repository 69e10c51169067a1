"""Variable specs and the parser contract: VarSpec, VarType, and what every parser shares."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from broadcast.errors import closest


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """'có phải ý bạn là 'ngay'?' when a choice is close to `word`, else None."""
    guess = closest(word, choices)
    return f"có phải ý bạn là '{guess}'?" if guess else None


@dataclass(frozen=True)
class VarSpec:
    """One variable a template declares; `line` is where, for messages."""

    name: str
    type: str
    label: str = ""
    required: bool = True
    default: Any = None
    fields: tuple[str, ...] = ()
    line: int | None = None


class _Invalid(Exception):
    """Raised by a parser; `detail` is an optional extra sentence for the officer."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class VarType:
    """A variable type: what to call it in messages, how to parse it, which attributes it has."""

    name: str
    description: str                                # "ngày (DD/MM/YYYY hoặc YYYY-MM-DD)"
    parse: Callable[[Any, VarSpec], Any]            # raises _Invalid
    attributes: frozenset[str] | None = None        # None: any (str, int methods)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _scalar_text(raw: Any) -> str:
    """A string, or a YAML number the officer meant as text."""
    if isinstance(raw, str):
        return _nfc(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    raise _Invalid()
