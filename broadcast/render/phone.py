"""The phone variable type: mobile, landline and service numbers (114)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from broadcast.render.spec import VarSpec, _Invalid, _nfc


@dataclass(frozen=True)
class Phone:
    """A Vietnamese phone number or short code; prints grouped: '0912 345 678', '114'."""

    digits: str

    def __str__(self) -> str:
        d = self.digits
        if len(d) == 11 and d.startswith(("024", "028")):      # Hà Nội, TP.HCM: 3-digit area code
            return f"{d[:3]} {d[3:7]} {d[7:]}"
        if len(d) == 11:                                         # other landlines: 02xx
            return f"{d[:4]} {d[4:8]} {d[8:]}"
        if len(d) == 10:                                         # mobile, 1900/1800 10-digit
            return f"{d[:4]} {d[4:7]} {d[7:]}"
        if len(d) == 8:                                          # 1800 xxxx, 1900 xxxx
            return f"{d[:4]} {d[4:]}"
        return d


SERVICE_NUMBERS = frozenset({"111", "112", "113", "114", "115", "1022"})


def _parse_phone(raw: Any, spec: VarSpec) -> Phone:
    if isinstance(raw, Phone):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        digits = str(raw)
        if len(digits) in (9, 10) and not digits.startswith("1"):   # YAML dropped the leading 0
            digits = "0" + digits
    elif isinstance(raw, str):
        text = _nfc(raw)
        if not re.fullmatch(r"\+?[\d\s.\-()]+", text):
            raise _Invalid()
        digits = re.sub(r"\D", "", text)
        if text.startswith("+") or (digits.startswith("84") and len(digits) == 11):
            if not digits.startswith("84"):
                raise _Invalid("chỉ nhận số Việt Nam (+84)")
            digits = "0" + digits[2:]
    else:
        raise _Invalid()
    if (digits in SERVICE_NUMBERS
            or re.fullmatch(r"1[89]00\d{4}(?:\d{2})?", digits)
            or re.fullmatch(r"0[35789]\d{8}", digits)     # mobile
            or re.fullmatch(r"02\d{9}", digits)):         # landline with area code
        return Phone(digits)
    if len(digits) <= 5:
        raise _Invalid("số ngắn chỉ nhận số dịch vụ 111, 112, 113, 114, 115, 1022; số máy bàn cần mã vùng, "
                       "ví dụ 0234 3876 543")
    raise _Invalid()
