"""Regular expressions compiled on first use: a one-line `broadcast normalize` compiles only what runs."""

from __future__ import annotations

import re

_METHODS = ("sub", "subn", "search", "match", "fullmatch", "finditer", "findall", "split", "pattern", "flags")


class LazyPattern:
    """Stands for `re.compile(pattern, flags)`; compiles at the first use of any attribute.

    The compiled pattern's methods are then stored on the instance, so later uses cost a plain
    attribute lookup (`__getattr__` only runs for attributes not found).
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_source":
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern:
    """A pattern compiled when first used (typed as re.Pattern for its callers)."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
