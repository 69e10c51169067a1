"""Calendar steps: Roman numerals after keywords, dates, times of day, weekdays and ordinals."""

from __future__ import annotations

import re
from functools import lru_cache

from .numbers import read_day, read_month, read_ordinal
from .options import Context
from .patterns import lazy
from .tables import date_words

# --- Roman numerals ---------------------------------------------------------------------------------

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_ROMAN_OK = lazy(r"(?:XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
# C, D and M are left out on purpose: "hạng C", "nhóm D" are licence classes and groups, not 100, 500.
_KEYWORDS = ("lần", "khóa", "đại hội", "quý", "kỳ họp", "kỳ", "chương", "phần", "thế kỷ", "thế kỉ", "mục", "tập",
             "hạng", "cấp", "giai đoạn", "đợt", "vùng", "khu vực", "nhóm", "loại", "bậc", "hội nghị", "thứ",
             "đoạn", "khoản", "phụ lục")
_R = r"[IVXL]{1,7}"
_ROMAN_AFTER_KEYWORD = lazy(r"(?<![^\W\d_])((?i:" + "|".join(_KEYWORDS) + r")) (" + _R
                                  + r"(?:(?:, | và | đến | ?- ?)" + _R + r")*)(?:/(\d{4}))?(?![^\W\d_]|/)")
# A digit may follow: the numbers step later parts "V0912" into "V không chín...", and a second pass
# must read what the first pass left (idempotence).
_ROMAN_HEADING = lazy(r"(?m)^([^\w\n]*)(" + _R + r")[ ,;:()\[\]{}/\\-]*\.")
_ROMAN_ITEM = lazy(_R + "|, | và | đến | ?- ?")


def roman_value(numeral: str) -> int | None:
    """'XII' → 12; None unless it is a well-formed numeral below 90."""
    if not numeral or not _ROMAN_OK.fullmatch(numeral):
        return None
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def roman_numerals(text: str, ctx: Context) -> str:
    """'khoá XII' → 'khóa mười hai', 'lần thứ XIII' → 'lần thứ mười ba', heading 'II.' → 'hai.'.

    Only after a keyword or as a heading number, so a stray 'I' or 'V' in running text stays.
    """
    def after_keyword(m: re.Match) -> str:
        keyword, items, year = m.groups()
        ordinal = keyword.lower() in ("thứ", "lần")
        words = []
        for piece in _ROMAN_ITEM.findall(items):
            value = roman_value(piece)
            if piece[0] in _ROMAN_VALUES:
                if value is None:
                    return m.group(0)
                words.append(read_ordinal(value, **ctx.number_options) if ordinal else ctx.number(value))
            else:
                words.append("đến" if "-" in piece else piece.strip() if piece.strip() != "," else ",")
        spoken = " ".join(words).replace(" ,", ",")
        if year:
            spoken += " năm " + ctx.number(int(year))
        if keyword.lower() == "lần":                  # 'Đại hội lần III' → 'lần thứ ba'
            keyword += " thứ"
        return f"{keyword} {spoken}"

    def heading(m: re.Match) -> str:
        value = roman_value(m.group(2))
        return m.group(0) if value is None else f"{m.group(1)}{ctx.number(value)}."

    return _ROMAN_HEADING.sub(heading, _ROMAN_AFTER_KEYWORD.sub(after_keyword, text))


# --- quarters ---------------------------------------------------------------------------------------

_QUARTER = lazy(r"(?<![\w./-])Q ?([1-4]) ?[/-] ?(\d{4})(?![\w/]|[.,]\d)")


def quarters(text: str, ctx: Context) -> str:
    """'Q3/2026' → 'quý ba năm hai nghìn không trăm hai mươi sáu' ('Q3' alone may be Quận 3: it stays)."""
    return _QUARTER.sub(lambda m: f"quý {ctx.number(int(m.group(1)))} năm {ctx.number(int(m.group(2)))}", text)


# --- dates ------------------------------------------------------------------------------------------

_B = r"(?<![\w./,-])"                 # a number starts here, not inside another number or code
_E = r"(?![\w/]|[.,-]\d)"            # and ends here
_DATE_RANGE = lazy(_B + r"(\d{1,2})( ?- ?| đến (?:hết )?(?:ngày )?)(\d{1,2})/(\d{1,2})(?:/(\d{4}))?" + _E)
_DATE_DASH = lazy(_B + r"(\d{1,2}/\d{1,2}(?:/\d{4})?) ?- ?(?=\d{1,2}/\d{1,2}(?![\d.,]))")
_FULL_DATE = lazy(_B + r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})" + _E)
_DAY_MONTH = lazy(_B + r"(\d{1,2})/(\d{1,2})" + _E)
_MONTH_YEAR = lazy(_B + r"(\d{1,2})/(\d{4})" + _E)
# The list look-ahead is bounded ({0,8}) so that a long "ngày 1, ngày 1, ..." stays linear.
_DAY_WORD = lazy(r"(?<!\w)((?i:ngày)) (\d{1,2})(?=(?:(?:, | và | đến | ?- ?)(?:ngày )?\d{1,2}){0,8} (?i:tháng) )")
_MONTH_WORD = lazy(r"(?<!\w)((?i:tháng)) (\d{1,2})(?![\w/]|[.,]\d| (?:lần|kỳ|đợt|buổi|ngày|người|hộ|lượt|tuần)\b)")
_DAY_PREFIX = lazy(r"(?i)(ngày|mùng|mồng|hôm)\s*$")
_COUNTERS = lazy(r"(?i)(?:quý|đợt|kỳ|số|lần|khóa|giai đoạn|phần|chương|điều|khoản|mục|tập) ?$")
_LUNAR = lazy(r"(?i)[^.!?\n]{0,25}âm lịch")


def _prefix(text: str, start: int) -> str:
    return text[max(0, start - 16):start]


def _day(day: int, ctx: Context, *, said: str = "") -> str:
    """A day with the right lead word: 'ngày mùng năm', or just the number after 'mùng'/'ngày'."""
    words = read_day(day, mung=ctx.options.mung and said != "mùng", **ctx.number_options)
    return words if said else f"ngày {words}"


def _said(text: str, start: int) -> str:
    m = _DAY_PREFIX.search(_prefix(text, start))
    if not m:
        return ""
    return "mùng" if m.group(1).lower() in ("mùng", "mồng") else "ngày"


def _valid(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _month_year(month: int, year: str | None, ctx: Context, lunar: bool = False) -> str:
    words = f"tháng {read_month(month, lunar=lunar)}"
    return words + (f" năm {ctx.number(int(year))}" if year else "")


_DASH_DAY_MONTH = lazy(_B + r"(\d{1,2})-(\d{1,2})(?![\w/-]|[.,]\d| (?i:tháng)\b)")
_UPPER = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
_LIST_JOIN = lazy(r"(?:,| và| hoặc|;| đến| tới)? ")


@lru_cache(maxsize=1)
def _date_cue() -> re.Pattern:
    words = "|".join(sorted(map(re.escape, date_words()), key=len, reverse=True))
    return re.compile(r"(?<![^\W\d_])(?i:" + words + r")(?: [" + _UPPER + r"][^\W\d_]*(?: [^\W\d_]+){0,4})?(?: (?i:từ))?(?: | \(|: )$")


def _dash_dates(text: str) -> str:
    """'Lễ Quốc khánh 2-9' → 'Lễ Quốc khánh 2/9' (read as a date next): 'd-m' right after a word of
    date_words.tsv (a capitalised name or 'từ' may come between), or after such a date in a list or
    a span ('dịp 30-4 và 1-5', 'nghỉ lễ từ 30-4 đến 1-5')."""
    last_end = -1

    def replace(m: re.Match) -> str:
        nonlocal last_end
        if not _valid(int(m.group(1)), int(m.group(2))):
            return m.group(0)
        before = m.string[max(0, m.start() - 50):m.start()]
        listed = last_end >= 0 and _LIST_JOIN.fullmatch(m.string, last_end, m.start())
        if not (listed or _date_cue().search(before)):
            return m.group(0)
        last_end = m.end()
        return f"{m.group(1)}/{m.group(2)}"

    return _DASH_DAY_MONTH.sub(replace, text) if "-" in text else text


def dates(text: str, ctx: Context) -> str:
    """'ngày 05/02/2024' → 'ngày mùng năm tháng hai năm hai nghìn không trăm hai mươi tư'.

    Also 18-22/3/2024 and 'từ 18 đến 22/3' (ranges), 25-10-2017, 25.10.2017, 3/2024, and the word
    forms 'ngày 5 tháng 4' → 'ngày mùng năm tháng tư'. Leading zeros are never read as 'không'.
    """
    def date_range(m: re.Match) -> str:
        d1, sep, d2, month, year = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)), m.group(5)
        if not (_valid(d1, month) and _valid(d2, month) and d1 < d2):
            return m.group(0)
        head = _day(d1, ctx, said=_said(m.string, m.start()))
        until = "đến hết" if "hết" in sep else "đến"
        return f"{head} {until} {_day(d2, ctx)} {_month_year(month, year, ctx)}"

    def full_date(m: re.Match) -> str:
        day, month = int(m.group(1)), int(m.group(3))
        if not _valid(day, month):
            return m.group(0)
        return f"{_day(day, ctx, said=_said(m.string, m.start()))} {_month_year(month, m.group(4), ctx)}"

    def day_month(m: re.Match) -> str:
        day, month = int(m.group(1)), int(m.group(2))
        if not _valid(day, month) or m.string.startswith(" số", m.end()):
            return m.group(0)
        lunar = bool(_LUNAR.match(m.string, m.end()))
        return f"{_day(day, ctx, said=_said(m.string, m.start()))} tháng {read_month(month, lunar=lunar)}"

    def month_year(m: re.Match) -> str:
        month = int(m.group(1))
        before = _prefix(m.string, m.start())
        if not 1 <= month <= 12 or _COUNTERS.search(before):
            return m.group(0).replace("/", " năm ", 1)
        if re.search(r"(?i)tháng ?$", before):
            return f"{read_month(month)} năm {ctx.number(int(m.group(2)))}"
        return _month_year(month, m.group(2), ctx)

    def day_word(m: re.Match) -> str:
        day = int(m.group(2))
        if not 1 <= day <= 31:
            return m.group(0)
        return f"{m.group(1)} {read_day(day, mung=ctx.options.mung, **ctx.number_options)}"

    def month_word(m: re.Match) -> str:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return m.group(0)
        return f"{m.group(1)} {read_month(month, lunar=bool(_LUNAR.match(m.string, m.end())))}"

    text = _dash_dates(text)                            # Quốc khánh 2-9, dịp 30-4 và 1-5
    text = _DATE_DASH.sub(r"\1 đến ", text)            # 01/3 - 15/3/2024: two dates, one range
    text = _DATE_RANGE.sub(date_range, text)
    text = _FULL_DATE.sub(full_date, text)
    text = _MONTH_YEAR.sub(month_year, text)
    text = _DAY_MONTH.sub(day_month, text)
    text = _DAY_WORD.sub(day_word, text)
    return _MONTH_WORD.sub(month_word, text)


# --- times of day -------------------------------------------------------------------------------------

_T = (r"\d{1,2} ?[hH](?: ?\d{2}(?!\d))?(?: ?(?:phút|ph|p)(?![^\W\d_]))?|\d{1,2}g\d{2}"
      r"|\d{1,2}:\d{2}(?::\d{2})?(?: ?(?:h|giờ|phút)(?![^\W\d_]))?")
_TIME_PARTS = lazy(r"(\d{1,2}) ?(?:[hHg:]) ?(\d{2})?(?::(\d{2}))?")
_TIME = lazy(r"(?<![\w.,:])(" + _T + r")(?![^\W\d_]|[:.,]?\d)")
_TIME_RANGE = lazy(r"(?<![\w.,:])(" + _T + r"|\d{1,2}) ?- ?(" + _T + r")(?![^\W\d_]|[:.,]?\d)")


def _clock(raw: str, ctx: Context) -> str | None:
    m = _TIME_PARTS.match(raw)
    if not m:
        return None if not raw.isdigit() else f"{ctx.number(int(raw))} giờ"
    hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if minute > 59 or second > 59 or (":" in raw and hour > 24):
        return None
    words = f"{ctx.number(hour)} giờ"
    if minute:
        words += f" {ctx.number(minute)} phút"
    if second:
        words += f" {ctx.number(second)} giây"
    return words


_HOUR_G = lazy(r"(?<![\w.,:])(\d{1,2})g(?: ?- ?(\d{1,2})g)?(?![\w])")
_HOUR_G_BEFORE = lazy(r"(?i)(?:lúc|từ|đến|vào|trước|sau|khoảng|tới) $")
_HOUR_G_AFTER = lazy(r" (?i:sáng|trưa|chiều|tối|đêm|hôm nay|hằng ngày|hàng ngày|ngày)(?![^\W\d_])")


def hours_g(text: str, ctx: Context) -> str:
    """'9g sáng' → '9h sáng', 'lúc 7g' → 'lúc 7h' (the times step reads them); '7g muối' is grams."""
    def replace(m: re.Match) -> str:
        hours = [int(h) for h in m.groups() if h]
        if max(hours) > 24 or not (_HOUR_G_BEFORE.search(m.string, max(0, m.start() - 10), m.start())
                                   or _HOUR_G_AFTER.match(m.string, m.end())):
            return m.group(0)
        return "-".join(f"{h}h" for h in hours)

    return _HOUR_G.sub(replace, text)


def times(text: str, ctx: Context) -> str:
    """'17h30' → 'mười bảy giờ ba mươi phút', '7h' → 'bảy giờ', '7h30 - 11h30' → '... đến ...'."""
    def time_range(m: re.Match) -> str:
        start, end = _clock(m.group(1), ctx), _clock(m.group(2), ctx)
        return f"{start} đến {end}" if start and end else m.group(0)

    def one(m: re.Match) -> str:
        return _clock(m.group(1), ctx) or m.group(0)

    return _TIME.sub(one, _TIME_RANGE.sub(time_range, text))


# --- weekdays and ordinals -----------------------------------------------------------------------------

_THU_RANGE = lazy(r"(?<!\w)((?i:thứ)) (\d) ?- ?(?:thứ )?(\d)(?![\w.,]|[.,]\d)")
_THU = lazy(r"(?<!\w)((?i:thứ)) (\d{1,3})(?!\d|[.,]\d)")
_SHORT_DAY = lazy(r"(?<!\w)(?:T([2-7])|(CN))(?: ?- ?(?:T([2-7])|(CN)))?(?!\w)")


def weekdays(text: str, ctx: Context) -> str:
    """'thứ 2' → 'thứ hai', 'thứ 1' → 'thứ nhất', 'lần thứ 4' → 'lần thứ tư', 'T2-T6' → 'thứ hai đến
    thứ sáu', 'CN' → 'Chủ nhật', 'giải 1' → 'giải nhất'."""
    def ordinal(n: int) -> str:
        return read_ordinal(n, **ctx.number_options)

    def short(day: str | None) -> str:
        return f"thứ {ordinal(int(day))}" if day else "Chủ nhật"

    text = _THU_RANGE.sub(lambda m: f"{m.group(1)} {ordinal(int(m.group(2)))} đến thứ {ordinal(int(m.group(3)))}",
                          text)
    text = _THU.sub(lambda m: f"{m.group(1)} {ordinal(int(m.group(2)))}", text)

    def short_days(m: re.Match) -> str:
        first = short(m.group(1)) if m.group(1) else short(None)
        if m.group(3) or m.group(4):
            return f"{first} đến {short(m.group(3))}"
        return first

    text = _SHORT_DAY.sub(short_days, text)
    return _PRIZE.sub(lambda m: f"{m.group(1)} {_PRIZES.get(int(m.group(2))) or ordinal(int(m.group(2)))}", text)


# 'giải 1' → 'giải nhất', 'giải 2' → 'giải nhì', 'giải 4' → 'giải tư'.
_PRIZE = lazy(r"(?<!\w)((?i:giải)) (\d{1,2})(?![\w/]|[.,:]\d)")
_PRIZES = {1: "nhất", 2: "nhì"}
