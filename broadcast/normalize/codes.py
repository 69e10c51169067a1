"""Codes read by their own rule: bank account numbers, vehicle plates and map coordinates."""

from __future__ import annotations

import re
from functools import lru_cache

from .numbers import read_digits
from .options import Context
from .patterns import lazy
from .tables import abbreviations, spell

# --- account numbers -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _account_pattern() -> re.Pattern:
    # Labels: the abbreviations whose reading is "tài khoản" or "số tài khoản" (STK, TK, ...), and the words.
    keys = sorted((k for k, readings in abbreviations().items()
                   if any(r.spoken.lower() in ("tài khoản", "số tài khoản") for r in readings)),
                  key=len, reverse=True)
    labels = "|".join([*map(re.escape, keys), "(?i:số tài khoản)", "(?i:tài khoản)"])
    return re.compile(r"(?<![^\W\d_])((?i:số) )?(" + labels + r")( (?i:số))?(:? ?)"
                      r"(\d+(?:[ .-]\d+)*+)(?![\w]|[.,]\d)")


def _account_groups(number: str) -> list[str]:
    """The groups the text writes; one long run in fours (a last single digit joins the group before)."""
    groups = re.split(r"[ .-]", number)
    if len(groups) > 1 or len(number) <= 5:
        return groups
    groups = [number[i:i + 4] for i in range(0, len(number), 4)]
    if len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return groups


def accounts(text: str, ctx: Context) -> str:
    """'STK: 1234 5678 9012' → 'số tài khoản, một hai ba bốn, năm sáu bảy tám, chín không một hai':
    the digits of an account after its label, one by one, never as thousands."""
    table = abbreviations()

    def replace(m: re.Match) -> str:
        so, label, so_after, colon, number = m.groups()
        if sum(ch.isdigit() for ch in number) < 6:
            return m.group(0)
        readings = table.get(label)
        spoken = next((r.spoken for r in readings if "tài khoản" in r.spoken), label) if readings else label
        if so:                                         # "Số TK": the label says "số" already
            spoken = so + spoken.removeprefix("số ")
        digits = ", ".join(read_digits(g) for g in _account_groups(number))
        return f"{spoken}{so_after or ''}{',' if colon.strip() else ''} {digits}"

    return _account_pattern().sub(replace, text)


# --- vehicle plates ---------------------------------------------------------------------------------

_PLATE = lazy(r"(?<![\w.,/-])(\d{2}) ?-? ?([A-ZĐ]{1,2}\d?)(?: ?- ?| )(\d{3}\.\d{2}|\d{4,5})(?![\w]|[.,]\d)")
_PLATE_CONTEXT = lazy(r"(?i)(?:bks|biển số|biển kiểm soát|xe)\W{0,3}$")


def plates(text: str, ctx: Context) -> str:
    """'BKS 29A-123.45' → 'BKS hai mươi chín a, một hai ba bốn năm': the province code as a number,
    the series by letter names, the serial digit by digit. A serial without its dot ('92B1-12345')
    is a plate only after 'biển số', 'BKS' or 'xe'."""
    def replace(m: re.Match) -> str:
        province, series, serial = m.groups()
        if "." not in serial and not _PLATE_CONTEXT.search(m.string, max(0, m.start() - 20), m.start()):
            return m.group(0)
        letters = re.match(r"\D+", series).group(0)
        series_words = spell(letters) + ("" if series == letters else " " + read_digits(series[len(letters):]))
        return f"{ctx.number(int(province))} {series_words}, {read_digits(serial)}"

    return _PLATE.sub(replace, text)


# --- coordinates --------------------------------------------------------------------------------------

_HEMISPHERES = {"N": "vĩ bắc", "B": "vĩ bắc", "S": "vĩ nam", "E": "kinh đông", "Đ": "kinh đông",
                "W": "kinh tây", "T": "kinh tây"}
_DEGREES = r"(\d{1,3}(?:[.,]\d{1,4})?)"
_COORDINATE = lazy(r"(?<![\w.,])" + _DEGREES + r" ?° ?(?:(\d{1,2}(?:[.,]\d{1,3})?) ?['’′] ?)?"
                         r"(?:(\d{1,2}(?:[.,]\d{1,3})?) ?(?:″|′′|''|\") ?)?([NSEWBĐT])(?![^\W\d_])((?:-| )(?=\d))?")


def coordinates(text: str, ctx: Context) -> str:
    """'17,5°N - 108,2°E' → '17,5 độ vĩ bắc - 108,2 độ kinh đông', '15°30'B' → '15 độ 30 phút vĩ
    bắc' (N/E and the Vietnamese B/Đ; a decimal point becomes the Vietnamese comma)."""
    def replace(m: re.Match) -> str:
        degrees, minutes, seconds, side, joined = m.groups()
        words = [degrees.replace(".", ","), "độ"]
        if minutes:
            words += [minutes.replace(".", ","), "phút"]
        if seconds:
            words += [seconds.replace(".", ","), "giây"]
        words.append(_HEMISPHERES[side])
        return " ".join(words) + (", " if joined else "")

    return _COORDINATE.sub(replace, text)
