"""Number variable types: integer and money (2.500.000đ, 2,5 triệu)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from broadcast.render.spec import VarSpec, _Invalid, _nfc


@dataclass(frozen=True, order=True)
class Money:
    """A whole number of đồng; prints as '2.500.000 đồng'."""

    amount: int

    def __str__(self) -> str:
        return f"{self.amount:,}".replace(",", ".") + " đồng"


_GROUPED = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+")


def _parse_integer(raw: Any, spec: VarSpec) -> int:
    if isinstance(raw, bool):
        raise _Invalid()
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if not isinstance(raw, str):
        raise _Invalid()
    text = _nfc(raw).replace(" ", "")
    if re.fullmatch(r"[-+]?\d+", text) or _GROUPED.fullmatch(text):   # 1.000 is a thousand
        return int(text.replace(".", ""))
    raise _Invalid()


_MULTIPLIERS = {"nghìn": 1_000, "ngàn": 1_000, "k": 1_000, "triệu": 1_000_000,
                "tr": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000}
_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd|₫)\.?$")
_MONEY = re.compile(r"(?P<num>\d[\d.,\s]*?)\s*(?P<mult>nghìn|ngàn|k|triệu|tr|tỷ|tỉ)?")


def _parse_money(raw: Any, spec: VarSpec) -> Money:
    if isinstance(raw, Money):
        return raw
    if isinstance(raw, bool):
        raise _Invalid()
    if isinstance(raw, int):
        amount = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise _Invalid(f'nếu bạn viết {raw} với dấu chấm ngăn cách hàng nghìn, hãy đặt trong '
                           f'ngoặc kép, ví dụ "2.500"')
        amount = int(raw)
    elif isinstance(raw, str):
        amount = _money_from_text(_CURRENCY.sub("", _nfc(raw).lower()).strip())
    else:
        raise _Invalid()
    if amount < 0:
        raise _Invalid("số tiền không được âm")
    return Money(amount)


def _money_from_text(text: str) -> int:
    m = _MONEY.fullmatch(text)
    if not m:
        raise _Invalid()
    num = re.sub(r"\s", "", m.group("num"))
    if m.group("mult") is None:
        # 2.500.000 / 2,500,000 / 2 500 000: separators only between groups of three digits
        if re.fullmatch(r"\d+", num) or re.fullmatch(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", num):
            return int(re.sub(r"[.,]", "", num))
        raise _Invalid()
    multiplier = _MULTIPLIERS[m.group("mult")]
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", num):        # '1.500 triệu' is 1500 triệu
        value = Decimal(num.replace(".", ""))
    elif re.fullmatch(r"\d+(?:[.,]\d+)?", num):           # '2,5 triệu'
        value = Decimal(num.replace(",", "."))
    else:
        raise _Invalid()
    try:
        amount = value * multiplier
    except InvalidOperation:
        raise _Invalid() from None
    if amount != amount.to_integral_value():
        raise _Invalid("số tiền phải là số đồng nguyên")
    return int(amount)
