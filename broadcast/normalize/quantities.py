"""Number steps: phone numbers, ranges, units and money, and finally every remaining number."""

from __future__ import annotations

import re
from functools import lru_cache

from .numbers import read_digits
from .options import Context
from .patterns import lazy
from .tables import digit_name_words, quantity_words, units

# --- phone numbers --------------------------------------------------------------------------------

_PHONE = lazy(r"(?<![\w.,/+])(\+84|0)((?:[ .-]?\d)++)")
_SHORT_CODE = lazy(r"(?<![\w.,/])(1(?:1[1-9]|022)|1[89]00(?:[ .]?\d){4,6})(?![\w]|[.,]\d)")
_PHONE_CONTEXT = lazy(r"(?i)gọi|đường dây nóng|tổng đài|hotline|điện thoại|sđt|liên hệ|báo ngay|\bsố:? ?$")
# A service named right before its number: 'báo cháy 114, cấp cứu 115, công an 113'.
_SERVICE_BEFORE = lazy(r"(?i)(?:báo cháy|cứu hỏa|chữa cháy|cấp cứu|công an|cảnh sát|cứu nạn|cứu hộ|"
                             r"khẩn cấp|bảo vệ trẻ em|đường dây|tổng đài)[ :]{1,2}$")
# A short code in brackets or after a colon, or opening a line before 'là', a dash or a colon, is a
# service number; a counted noun after it or a count word before it makes it a quantity.
_ALONE_AFTER = lazy(r"(?:$|\n|[).,;:!?]| ?-| (?:là|hoặc)\b)")
_NAMED_AFTER = lazy(r"(?: ?[-:(]| (?:là|hoặc)\b)")
_COUNTED_AFTER = lazy(r" (?i:vụ|hộ|người|lượt|ca|trường hợp|cuộc|lần|em|học sinh|xã|thôn|ngày|tháng|năm|"
                            r"đồng|triệu|nghìn|tỷ|tấn|con|cái|chiếc|căn|nhà|km|ha|kg|m)(?![^\W\d_])")
_COUNT_BEFORE = lazy(r"(?i)(?:tổng số|tổng cộng|số lượng|gồm|có|đạt|còn|thêm)[ :]{0,2}$")
_AREA_CODE = lazy(r"(?<![\w.,/+])\((0\d{2,3})\) ?((?:\d[ .-]?){6,7}\d)(?![\w]|[.,]\d)")


def _group(digits: str) -> list[str]:
    """Default grouping when the text has none: 0912 345 678, 0234 387 6543, (+84) 912 345 678."""
    head = 4 if digits.startswith("0") else 3
    return [digits[:head], digits[head:head + 3], digits[head + 3:]]


def _read_groups(groups: list[str]) -> str:
    return ", ".join(read_digits(g) for g in groups if g)


def phones(text: str, ctx: Context) -> str:
    """'0912 345 678' → 'không chín một hai, ba bốn năm, sáu bảy tám'; short codes digit by digit
    ('gọi 114' → 'gọi một một bốn') when the sentence is about calling."""
    def phone(m: re.Match) -> str:
        international = m.group(1) == "+84"
        body = m.group(0)[3:] if international else m.group(0)
        runs = list(re.finditer(r"\d+", body))
        lengths = (9, 10) if international else (10, 11)
        total, best = 0, None
        for i, run in enumerate(runs):
            total += len(run.group())
            if total in lengths:
                best = i
        if best is None:
            return m.group(0)
        groups = [run.group() for run in runs[:best + 1]]
        if len(groups) == 1:
            groups = _group(groups[0])
        head = "cộng tám bốn, " if international else ""
        return f" {head}{_read_groups(groups)} " + body[runs[best].end():]

    def short_code(m: re.Match) -> str:
        code = m.group(1)
        sentence = m.string[max(0, m.start() - 80):m.start()].rsplit(".", 1)[-1]
        if len(code) > 4:
            groups = re.split(r"[ .]", code)
            if len(groups) == 1:                   # 18001091 → 1800 1091; 1900545482 → 1900 545 482
                rest = code[4:]
                groups = [code[:4]] + ([rest] if len(rest) <= 4 else [rest[:3], rest[3:]])
            return _read_groups(groups)
        if _COUNTED_AFTER.match(m.string, m.end()) or _COUNT_BEFORE.search(sentence):
            return code                                # 'xử lý 113 vụ', 'Tổng số: 115'
        if _PHONE_CONTEXT.search(sentence) or _SERVICE_BEFORE.search(sentence):
            return read_digits(code)
        before = m.string[max(0, m.start() - 2):m.start()]
        if before.endswith(("(", ": ", ":")) and _ALONE_AFTER.match(m.string, m.end()) \
                or (m.start() == 0 or before.endswith("\n")) and _NAMED_AFTER.match(m.string, m.end()):
            return read_digits(code)                   # '(113)', '114 là số cứu hỏa', '111 - tổng đài'
        return code

    def area_code(m: re.Match) -> str:
        area, rest = m.group(1), m.group(2)
        digits = re.sub(r"\D", "", rest)
        if len(area) + len(digits) not in (10, 11):
            return m.group(0)
        groups = re.split(r"[ .-]", rest) if re.search(r"[ .-]", rest) else [digits[:-4], digits[-4:]]
        return f" {_read_groups([area, *groups])} "

    text = _AREA_CODE.sub(area_code, text)                   # (0234) 3822 345
    return _SHORT_CODE.sub(short_code, _PHONE.sub(phone, text))


# --- numbers that are names, and fractions that are not dates ----------------------------------------

@lru_cache(maxsize=1)
def _digit_name_pattern() -> re.Pattern:
    words = "|".join(sorted(map(re.escape, digit_name_words()), key=len, reverse=True))
    return re.compile(r"(?<![^\W\d_])((?i:" + words + r")) ((?i:số )?)(0\d{1,3})(?![\w/]|[.,]\d)")


def digit_names(text: str, ctx: Context) -> str:
    """'Đề án 06' → 'Đề án không sáu', 'phòng 05' → 'phòng không năm': a number written with its
    leading zero after a naming word (digit_names.tsv) is a name, read digit by digit."""
    return _digit_name_pattern().sub(lambda m: f"{m.group(1)} {m.group(2)}{read_digits(m.group(3))}", text)


_WORD_AFTER = lazy(r" ([^\W\d_]+(?: [^\W\d_]+)?)")
_WORD_BEFORE = lazy(r"([^\W\d_]+) $")


_DATE_BEFORE = frozenset(("ngày", "hôm", "mùng", "mồng", "sáng", "trưa", "chiều", "tối", "đêm", "từ", "đến"))


@lru_cache(maxsize=1)
def _fraction_pattern() -> re.Pattern:
    """d/d, then a unit of units.tsv when one follows (a fraction of a unit: '1/2 lít', '1/4 kg')."""
    alternation = "|".join(re.escape(k) for k in sorted(units(), key=len, reverse=True))
    return re.compile(r"(?<![\w./,-])(\d{1,2})/(\d{1,2})(?![\w/]|[.,]\d)(?: ?(" + alternation
                      + r")(?![^\W\d_]|/))?")


def fractions(text: str, ctx: Context) -> str:
    """'2/3 diện tích' → 'hai phần ba diện tích', 'chiếm 1/4' → 'chiếm một phần tư', '1/2 lít' → 'một
    phần hai lít': a quantity word next to it (quantity_words.tsv) or a unit after it makes a fraction
    of what could be a date; 'ngày 2/3' stays a date."""
    before_words, after_words = quantity_words()
    table = units()

    def replace(m: re.Match) -> str:
        top, bottom, unit = int(m.group(1)), int(m.group(2)), m.group(3)
        if not 0 < top < bottom:
            return m.group(0)
        left = _WORD_BEFORE.search(m.string, max(0, m.start() - 20), m.start())
        right = _WORD_AFTER.match(m.string, m.end(2), m.end(2) + 30)
        said_before = bool(left) and left.group(1).lower() in before_words
        said_after = bool(right) and (right.group(1).lower() in after_words
                                      or right.group(1).split()[0].lower() in after_words)
        if not (said_before or said_after or unit and unit.isalpha() and len(unit) > 1):
            return m.group(0)
        if not said_before and left and left.group(1).lower() in _DATE_BEFORE:
            return m.group(0)                          # 'ngày 1/2 tháng ...', 'sáng 2/3 giờ ...': a date
        words = f"{ctx.number(top)} phần {'tư' if bottom == 4 else ctx.number(bottom)}"
        return f"{words} {table[unit]}" if unit else words

    return _fraction_pattern().sub(replace, text)


# --- ranges -------------------------------------------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)*"
_RANGE = lazy(r"(?<![\w.,/-])(" + _NUM + r") ?- ?(" + _NUM + r")(?![\d/-]|[.,]\d)")   # 100-200mm too


def _value(raw: str) -> float:
    plain = raw.replace(".", "") if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw) else raw.replace(",", ".")
    try:
        return float(plain)
    except ValueError:
        return float("nan")


def ranges(text: str, ctx: Context) -> str:
    """'2021-2030' → '2021 đến 2030', '20-25 km' → '20 đến 25 km' (read as numbers later)."""
    def replace(m: re.Match) -> str:
        low, high = m.groups()
        return f"{low} đến {high}" if _value(low) < _value(high) else m.group(0)
    return _RANGE.sub(replace, text)


# --- units, money, percent ------------------------------------------------------------------------------

_PER_WORDS = ("ngày|tháng|năm|giờ|người|hộ|lần|suất|buổi|tuần|quý|con|cái|chiếc|sào|mẫu|khẩu|thẻ|bản|"
              "trang|lượt|hồ sơ|thửa|xe|học sinh|trẻ|em|bộ|tấn|bao|vụ|mùa|năm học|kỳ|đợt|khóa|lớp|"
              "héc ta|ki lô gam|ki lô mét|mét vuông|mét|lít")
# "đồng/tháng" is read "đồng một tháng" only after a money or measure word, never "hộ tịch/hộ khẩu".
_PER_LEFT = ("đồng|đô la|ơ rô|gam|mét|lít|tấn|tạ|yến|héc ta|vuông|khối|giờ|độ xê|oát|người|lần|lượt|suất|"
             "con|chiếc|triệu|nghìn|ngàn|tỷ|tỉ|phần trăm")
# After an amount or a percentage the slash reads "mỗi" ("hai triệu mỗi hộ": "hai triệu một hộ" would
# sound like 2,1 million); after a unit "một" ("đồng một ki lô gam").
_PER_EACH = {"triệu", "nghìn", "ngàn", "tỷ", "tỉ", "phần trăm"}
# A slash between a unit and a span of time is "trong": "50mm/24h" → "trong hai mươi tư giờ".
@lru_cache(maxsize=1)
def _span_pattern() -> re.Pattern:
    keys = "|".join(re.escape(k) for k in sorted(units(), key=len, reverse=True))
    return re.compile(r"(?<=\d)( ?(?:" + keys + r")) ?/ ?(?=\d{1,3} ?(?:h|giờ|ngày|tuần|tháng|năm|phút)(?![^\W\d_]))")


def spans(text: str, ctx: Context) -> str:
    """'mưa 50mm/24h' → 'mưa 50mm trong 24h', '30 mm/3 giờ' → '30 mm trong 3 giờ': a number with its
    unit, then a span of time (before the times step reads '24h')."""
    return _span_pattern().sub(r"\1 trong ", text) if "/" in text else text


@lru_cache(maxsize=1)
def _unit_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    keys = sorted(units(), key=len, reverse=True)
    alternation = "|".join(re.escape(k) for k in keys)
    after_number = re.compile(r"(?<=\d) ?(" + alternation + r")(?![^\W\d_]|/[cC](?!\w))")
    per = re.compile(r"(?<![^\W\d_])(" + _PER_LEFT + r")((?: ?/ ?(?:" + _PER_WORDS + "|" + alternation
                     + r")(?![^\W\d_]))+)")
    spoken = sorted(set(units().values()), key=len, reverse=True)
    unit_dash = re.compile(r"(?<=\d)( (?:" + "|".join(map(re.escape, spoken)) + r")) ?- ?(?=\d)")
    return after_number, per, unit_dash


_TIMES = lazy(r"(?<=\d) ?[x×] ?(?=\d)|× ?(?=\d)")
_TIMES_AFTER = lazy(r"(?<=\d) ?×")


@lru_cache(maxsize=1)
def _standalone_units() -> re.Pattern:
    """A unit with no number, where only a unit can stand: '(m2)', 'mỗi kg', 'theo ha', 'ĐVT: tấn'."""
    keys = sorted((k for k in units() if len(k) > 1 and k not in ("tr", "lít")), key=len, reverse=True)
    return re.compile(r"((?<![^\W\d_])(?:(?i:mỗi|theo|đơn vị tính|đơn vị)|ĐVT)(?: ?: ?| )|\()("
                      + "|".join(map(re.escape, keys)) + r")(?=[).,;:!?\n]|$| [^\W\d_])")


_CURRENCY_FIRST = lazy(r"([$€£]) ?(\d+(?:[.,]\d+)*)")
_CURRENCY_WORDS = {"$": "đô la", "€": "ơ rô", "£": "bảng Anh"}


def units_money(text: str, ctx: Context) -> str:
    """Unit after a number from units.tsv: '20 km' → '20 ki lô mét', '2.500.000đ' → '2.500.000 đồng',
    '15,5%' → '15,5 phần trăm', '$5' → '5 đô la', 'đồng/tháng' → 'đồng một tháng'."""
    table = units()
    thousand = ctx.number_options["thousand"]

    def spoken(key: str) -> str:
        return table.get(key, key).replace("nghìn", thousand)

    after_number, per, unit_dash = _unit_patterns()
    text = _TIMES.sub(" nhân ", text)                    # 2x3 m, 1,2 × 2,4 m
    text = _TIMES_AFTER.sub(" lần", text) if "×" in text else text     # nhanh 10×: mười lần
    text = _standalone_units().sub(lambda m: m.group(1) + spoken(m.group(2)), text)
    text = _CURRENCY_FIRST.sub(lambda m: f"{m.group(2)} {_CURRENCY_WORDS[m.group(1)]}", text)
    text = after_number.sub(lambda m: " " + spoken(m.group(1)), text)
    text = unit_dash.sub(r"\1 đến ", text)             # 3kg-6kg, 50.000đ-100.000đ
    text = _MONEY_WORD_UNIT.sub(r"\1 đồng", text)       # 2,5 triệu đ → 2,5 triệu đồng
    def per_unit(m: re.Match) -> str:
        each = "mỗi" if m.group(1) in _PER_EACH else "một"
        return m.group(1) + "".join(f" {each} {spoken(u)}" for u in _PER_UNIT.findall(m.group(2)))

    return per.sub(per_unit, text)


_PER_UNIT = lazy(r"/ ?([^/]*[^/ ])")
# Not after "phần trăm": "%đ" reads "phần trăm đ", and a second pass must leave it so.
_MONEY_WORD_UNIT = lazy(r"(?<![^\W\d_])(?<!phần )(nghìn|ngàn|triệu|tỷ|tỉ|trăm) ?(?:đ|VNĐ|VND|vnđ)(?![^\W\d_])")


# --- plain numbers --------------------------------------------------------------------------------------

_NUMBER = lazy(r"((?<![\w.,)%-])-)?(\d{1,3}(?:\.\d{3})++(?!\d)|\d{1,3}(?:,\d{3}){2,}+(?!\d)|\d++)"
                     r"(?:([,.])(\d++))?(?:/(\d++))?")


_SAID_MINUS = lazy(r"(?<![^\W\d_])(?i:âm) $")


def _fraction_part(digits: str, ctx: Context) -> str:
    if digits.startswith("0") or len(digits) > 2:        # 7,25 bảy phẩy hai mươi lăm; 3,141 digits
        return read_digits(digits)
    return ctx.number(int(digits))


def _integer(raw: str, ctx: Context) -> str:
    digits = raw.replace(".", "").replace(",", "")
    if len(digits) > 18 or (digits.startswith("0") and len(digits) > 3):
        return read_digits(digits)
    return ctx.number(int(digits))


def numbers(text: str, ctx: Context) -> str:
    """Every number left: '105.300' → 'một trăm linh năm nghìn ba trăm', '1,5' → 'một phẩy năm',
    '-5' → 'âm năm', '2.1' (a section) → 'hai chấm một', '05' → 'năm', '45/50' → 'bốn mươi lăm phần năm mươi'."""
    def replace(m: re.Match) -> str:
        minus, whole, mark, part, denominator = m.groups()
        words = _integer(whole, ctx)
        if minus and not _SAID_MINUS.search(text, max(0, m.start() - 4), m.start()):
            words = "âm " + words                      # not after the word: 'âm -5 độ' says it once
        if part:
            words += (" phẩy " if mark == "," else " chấm ") + _fraction_part(part, ctx)
        if denominator:                                # what dates left: 1/2kg, 45/50 xã
            words += " phần " + ("tư" if denominator == "4" else _integer(denominator, ctx))
        left = " " if m.start() and text[m.start() - 1].isalpha() else ""
        right = " " if m.end() < len(text) and text[m.end()].isalpha() else ""
        return f"{left}{words}{right}"

    return _NUMBER.sub(replace, text)
