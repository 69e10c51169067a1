"""Vietnamese number words: cardinals, digits, ordinals, days, months and weekday names."""

from __future__ import annotations

import datetime as _dt

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ((10**9, "tỷ"), (10**6, "triệu"), (10**3, None))   # None: the thousand word (option)
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_MONTHS = ("", "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một",
           "mười hai")


def _tens_units(t: int, u: int, *, four: str) -> list[str]:
    """Two digits after a hundreds word or alone: 15 mười lăm, 21 hai mươi mốt, 24 hai mươi tư."""
    if t == 0:
        return [DIGITS[u]]
    if t == 1:
        return ["mười"] + ([] if u == 0 else ["lăm" if u == 5 else DIGITS[u]])
    words = [DIGITS[t], "mươi"]
    if u:
        words.append({1: "mốt", 4: four, 5: "lăm"}.get(u, DIGITS[u]))
    return words


def _triple(n: int, *, inner: bool, zero_tens: str, four: str) -> list[str]:
    """Read 0 < n < 1000; `inner` means a higher group came before, so 15 is 'không trăm mười lăm'."""
    h, rest = divmod(n, 100)
    t, u = divmod(rest, 10)
    words: list[str] = []
    if h or inner:
        words += [DIGITS[h], "trăm"]
        if t == 0 and u:
            return words + [zero_tens, DIGITS[u]]
    if rest:
        words += _tens_units(t, u, four=four)
    return words


def _below_billion(n: int, *, inner: bool, zero_tens: str, four: str, thousand: str) -> list[str]:
    words: list[str] = []
    for scale, name in _SCALES[1:]:
        group, n = divmod(n, scale)
        if group:
            words += _triple(group, inner=inner, zero_tens=zero_tens, four=four)
            words.append(name or thousand)
            inner = True
    if n:
        words += _triple(n, inner=inner, zero_tens=zero_tens, four=four)
    return words


def read_number(n: int, *, zero_tens: str = "linh", thousand: str = "nghìn", four: str = "tư") -> str:
    """Spoken cardinal: 105 → 'một trăm linh năm', 2000015 → 'hai triệu không trăm mười lăm'.

    Works for any size (10^12 'nghìn tỷ', 10^15 'triệu tỷ'); negatives start with 'âm'.
    """
    if n < 0:
        return "âm " + read_number(-n, zero_tens=zero_tens, thousand=thousand, four=four)
    if n == 0:
        return "không"
    opts = {"zero_tens": zero_tens, "four": four, "thousand": thousand}
    high, low = divmod(n, 10**9)
    words: list[str] = []
    if high:
        words += [read_number(high, **opts), "tỷ"]
    if low:
        words += _below_billion(low, inner=bool(high), **opts)
    return " ".join(words)


def read_digits(digits: str) -> str:
    """Digit by digit, as for phone numbers and codes: '0912' → 'không chín một hai'."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def read_ordinal(n: int, **number_options: str) -> str:
    """The word after 'thứ': 1 nhất, 4 tư, otherwise the cardinal ('thứ mười bốn')."""
    return {1: "nhất", 4: "tư"}.get(n) or read_number(n, **number_options)


def read_day(day: int, *, mung: bool = True, **number_options: str) -> str:
    """Day of month after 'ngày': 5 → 'mùng năm' (days 1–10 when `mung`), 25 → 'hai mươi lăm'."""
    words = read_number(day, **number_options)
    return f"mùng {words}" if mung and 1 <= day <= 10 else words


def read_month(month: int, *, lunar: bool = False) -> str:
    """Month name after 'tháng': 4 → 'tư', 1 → 'một' ('giêng' and 'chạp' in the lunar calendar)."""
    if lunar and month in (1, 12):
        return "giêng" if month == 1 else "chạp"
    return _MONTHS[month]


def weekday_name(day: _dt.date) -> str:
    """'thứ Hai' … 'thứ Bảy', 'Chủ nhật' for a date (Monday is thứ Hai)."""
    return WEEKDAY_NAMES[day.weekday()]
