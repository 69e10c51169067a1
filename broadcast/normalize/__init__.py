"""Vietnamese spoken-form normalizer: raw announcement text in, text a TTS engine reads correctly out.

    >>> normalize("UBND xã thông báo: ngày 05/02/2024, lúc 7h30, thu 105.300đ/hộ.")
    'Ủy ban nhân dân xã thông báo, ngày mùng năm tháng hai năm hai nghìn không trăm hai mươi tư, lúc bảy giờ ba mươi phút, thu một trăm linh năm nghìn ba trăm đồng một hộ.'

Conventions of the output (what every engine can rely on):

* NFC, traditional tone placement (hóa, thủy, Ủy); only letters, spaces, newlines and the pauses
  ``,`` ``.`` ``?`` ``!`` — never a digit or another symbol. One output line per input line,
  unless ``join_lines`` is set (text to be spoken: the build, ``broadcast say``): then a line broken
  mid-sentence (no ``. ? !`` before the break, a lower-case letter after it) is joined, and every
  other break ends a sentence. ``broadcast normalize`` reads one line at a time either way.
* ``:`` ``;`` ``/`` brackets and a spaced dash become ``,``; a joining hyphen becomes a space;
  list bullets and quotes disappear; ``a)`` at the start of a line becomes ``a.``.
* Expanded words are lower case, except names as the tables write them (Ủy ban nhân dân, Chủ nhật,
  Bộ Thông tin và Truyền thông). Unknown acronyms are spelled with lower-case letter names
  (``XYZ`` → ``ích i dài dét``) and reported in ``Normalized.warnings``; single capitals stay.
* Phone groups are separated by ``, ``; a time with minutes says ``giờ … phút``; a range says ``đến``.
* A service number is read digit by digit (``gọi 114``, ``1900 1234``, ``(0234) 3822 345``), as is
  a number written with its leading zero after a naming word (``Đề án 06`` → ``Đề án không sáu``).
* An acronym in brackets right after its own expansion is dropped (``thủ tục hành chính (TTHC)``).
* Codes by their own rule: an account number after its label digit by digit in its groups
  (``STK: 1234 5678`` → ``số tài khoản, một hai ba bốn, năm sáu bảy tám``), a plate by its parts
  (``29A-123.45`` → ``hai mươi chín a, một hai ba bốn năm``), a coordinate in words
  (``15°30'B`` → ``mười lăm độ ba mươi phút vĩ bắc``), a web address by its known words
  (``tracuu.quangngai.gov.vn`` → ``tra cứu chấm quảng ngãi chấm gốp chấm vê en``).
* A rate's slash says ``mỗi`` after an amount or a percentage (``2tr/hộ`` → ``hai triệu mỗi hộ``),
  ``một`` after a unit (``đồng một ki lô gam``), ``trong`` before a span (``50mm/24h``).
* ``normalize(normalize(x)) == normalize(x)`` (with any options); it never raises and runs in
  linear time (``benchmarks/bench_normalize.py --linearity``).

The pipeline is STEPS below, run in order; each step is a small ``(text, ctx) -> text`` function.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import ConfigError
from ..station import files as station_files
from . import codes, dates, quantities, text, web, words
from .numbers import read_digits, read_number, weekday_name
from .options import Context, NormalizeOptions
from .patterns import lazy
from .tables import canonical

if TYPE_CHECKING:
    from ..station.config import Station

__all__ = ["STEPS", "NormalizeOptions", "Normalized", "Step", "load_overrides", "normalize",
           "normalize_report", "options_for", "read_digits", "read_number", "weekday_name"]


class Step(NamedTuple):
    name: str
    run: Callable[[str, Context], str]
    needs: re.Pattern | None = None    # skipped when this finds nothing (it could not change the text)


# What a step's patterns cannot match without: a cheap search skips most steps on most lines.
_DIGIT = lazy(r"\d")
_NEEDS = {
    "web": lazy(r"[A-Za-z0-9]\.[A-Za-z0-9]|@"),
    "coordinates": lazy("°"),
    "acronym_echo": lazy(r"\("),
    "acronym_groups": lazy(r"[&,-][A-ZĐ]"),
    "addresses": lazy(r"[PQHXpq]\.|K[mM]"),
    "roman": lazy("[IVXL]"),
    "weekdays": lazy(r"\d|CN"),
    "units": lazy(r"[\d/(]|(?i:mỗi|theo|đơn vị|ĐVT|triệu|nghìn|ngàn|tỷ|tỉ|trăm)"),
    "symbol_words": lazy("[&+=~#$€£₫@°%‰±×]"),
    **dict.fromkeys(("accounts", "plates", "documents", "quarters", "roads", "phones", "digit_names",
                     "fractions", "dates", "spans", "hours_g", "times", "ranges", "numbers"), _DIGIT),
}

_PIPELINE: tuple[Step, ...] = (
    Step("unicode", text.unicode_nfc),                 # NFKC/NFC, tone placement, spaces
    Step("join_lines", text.join_lines),               # option: 'các hộ\ngia đình' pasted mid-sentence
    Step("overrides", words.overrides),                # station's own words win over everything
    Step("web", web.web),                              # dichvucong.gov.vn, e-mail
    Step("coordinates", codes.coordinates),       # 17,5°N - 108,2°E, 15°30'B (before quotes go)
    Step("symbols", text.symbols),                     # quotes, bullets, stray symbols (all deletions)
    Step("acronym_echo", words.acronym_echo),          # thủ tục hành chính (TTHC): read once
    Step("accounts", codes.accounts),                  # STK: 1234 5678 9012, digit by digit
    Step("plates", codes.plates),                      # BKS 29A-123.45
    Step("documents", words.document_numbers),         # 39/2020/TT-BTTTT before any date or fraction
    Step("acronym_groups", words.acronym_groups),      # NN&PTNT, VH,TT&DL, KH-CN before CN = Chủ nhật
    Step("addresses", words.addresses),                # X. Hòa An, H. Phong Điền, P., Q., Km 27
    Step("quarters", dates.quarters),                  # Q3/2026
    Step("roman", dates.roman_numerals),               # khóa XII, quý IV/2024, lần III, heading II.
    Step("roads", words.road_codes),                   # QL1A, ĐT.605
    Step("phones", quantities.phones),                 # 0912 345 678, (0234) 3822 345, gọi 114, 1900 1234
    Step("digit_names", quantities.digit_names),       # Đề án 06, phòng 05
    Step("fractions", quantities.fractions),           # 2/3 diện tích, chiếm 1/4 (not dates)
    Step("dates", dates.dates),                        # 05/02/2024, 18-22/3, ngày 5 tháng 4
    Step("spans", quantities.spans),                   # 50mm/24h: "trong" before a span of time
    Step("hours_g", dates.hours_g),                    # 9g sáng, lúc 7g
    Step("times", dates.times),                        # 7h30, 07:30, 7:30 giờ, 7h-11h
    Step("weekdays", dates.weekdays),                  # thứ 2, lần thứ 4, T2-T6, CN
    Step("ranges", quantities.ranges),                 # 2021-2030, 20-25
    Step("units", quantities.units_money),             # đ, VNĐ, %, km, m², °C, đồng/người/tháng, triệu đ
    Step("abbreviations", words.abbreviations_step),   # UBND, ambiguous TT/BCH, CAPS words, unknown
    Step("numbers", quantities.numbers),               # every remaining number
    Step("symbol_words", text.symbol_words),           # & + = ~ # @
    Step("punctuation", text.punctuation),             # pauses only; final guard
    Step("sentence_lines", text.sentence_lines),       # option: a kept line break ends a sentence
)
STEPS: tuple[Step, ...] = tuple(Step(s.name, s.run, _NEEDS.get(s.name)) for s in _PIPELINE)



@dataclass(frozen=True)
class Normalized:
    text: str                      # spoken form, NFC
    warnings: tuple[str, ...]      # Vietnamese, one per unknown or unresolved token


def normalize_report(text: str, options: NormalizeOptions | None = None) -> Normalized:
    """Run every step and keep the warnings (unknown acronyms to add to pronunciations.tsv)."""
    ctx = Context(options or NormalizeOptions())
    out = text if isinstance(text, str) else str(text)
    for step in STEPS:
        if step.needs is None or step.needs.search(out):
            out = step.run(out, ctx)
    return Normalized(out, tuple(ctx.warnings))


def normalize(text: str, options: NormalizeOptions | None = None) -> str:
    """The spoken form of `text` (see the module docstring for the conventions)."""
    return normalize_report(text, options).text


OVERRIDES_MAX_BYTES = 4 << 20           # a pronunciation file of 4 MB is some 100,000 lines


def load_overrides(path: str | Path, *, inside: Sequence[Path] = ()) -> dict[str, str]:
    """Read the station's pronunciations.tsv: ``token<TAB>spoken`` per line, ``#`` starts a comment.

    Raises ConfigError naming file:line for a line without exactly two non-empty fields, and
    for a file that is not a regular one (within `inside`) or is over OVERRIDES_MAX_BYTES.
    """
    path = Path(path)
    try:
        lines = station_files.read_bytes(path, max_bytes=OVERRIDES_MAX_BYTES, inside=inside).decode("utf-8-sig").splitlines()
    except station_files.StationFileError as exc:
        raise ConfigError(f"Không đọc từ điển riêng của đài vì nó {exc.reason}.", path=str(path),
                          hint=station_files.HINT) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Không đọc được từ điển riêng của đài: {exc}", path=str(path)) from exc
    table: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != 2 or not all(fields):
            raise ConfigError("Dòng phải có đúng hai cột cách nhau bằng một dấu tab: "
                              "chữ viết tắt<TAB>cách đọc", path=str(path), line=number,
                              hint="Sửa: ví dụ 'HTX\\thợp tác xã'")
        table[canonical(fields[0])] = canonical(fields[1])
    return table


def options_for(station: Station) -> NormalizeOptions:
    """The station's reading preferences ([normalize]) and its own pronunciation file; text to be
    spoken, so lines are joined. Here, not in the build, so `broadcast normalize` loads nothing else."""
    n = station.normalize
    pron = station.path(n.pronunciations)
    # A file that is there but not a regular one (a FIFO, a link to /dev/zero) is refused, not skipped.
    overrides = load_overrides(pron, inside=(station.root,)) if os.path.lexists(pron) else {}
    return NormalizeOptions(zero_tens=n.zero_tens, thousand=n.thousand, four_after_tens=n.four_after_tens,
                            mung=n.mung, overrides=overrides, join_lines=True)
