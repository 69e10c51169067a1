"""Options the station configures, and the per-call context every step receives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .numbers import read_number

URL_STYLES = ("vi", "spell")


@dataclass(frozen=True)
class NormalizeOptions:
    """Dialect and house-style choices (broadcast.toml [normalize]); defaults are Northern standard.

    url_style: "vi" reads known words of an address ("dichvucong" → "dịch vụ công", "vn" → "vê en")
    and keeps other long words; "spell" spells every letter. Both say "chấm", "a còng", "gạch chéo".
    join_lines: text to be spoken (a notice, a pasted document): a line break in the middle of a
    sentence is joined, and every other break ends a sentence. Off: one output line per input line.
    """

    zero_tens: str = "linh"        # or "lẻ": 105 một trăm linh năm / một trăm lẻ năm
    thousand: str = "nghìn"        # or "ngàn"
    four_after_tens: str = "tư"    # or "bốn": 24 hai mươi tư / hai mươi bốn
    mung: bool = True              # "mùng năm tháng tư" for days 1-10
    url_style: str = "vi"          # see URL_STYLES
    overrides: Mapping[str, str] = field(default_factory=dict)   # exact token -> spoken
    join_lines: bool = False       # see above; the build and `broadcast say` turn it on

    def __hash__(self) -> int:     # `overrides` is a dict: hash its items so equal options hash alike
        return hash((self.zero_tens, self.thousand, self.four_after_tens, self.mung, self.url_style,
                     tuple(sorted(self.overrides.items())), self.join_lines))


@dataclass
class Context:
    """What one normalize() call carries through its steps: the options and the warnings found."""

    options: NormalizeOptions
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        o = self.options
        self.number_options = {
            "zero_tens": o.zero_tens if o.zero_tens in ("linh", "lẻ") else "linh",
            "thousand": o.thousand if o.thousand in ("nghìn", "ngàn") else "nghìn",
            "four": o.four_after_tens if o.four_after_tens in ("tư", "bốn") else "tư",
        }

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def number(self, n: int) -> str:
        """A cardinal in the station's dialect."""
        return read_number(n, **self.number_options)
