"""Word-level steps: station overrides, document numbers, road codes, addresses, abbreviations."""

from __future__ import annotations

import re
from functools import lru_cache

from .numbers import read_digits
from .options import Context
from .patterns import lazy
from .tables import abbreviations, address_words, canonical, documents, roads, spell, titles

# --- station overrides ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _override_table(items: tuple[tuple[str, str], ...]) -> tuple[re.Pattern | None, dict[str, str]]:
    table = {canonical(k).strip(): canonical(v).strip() for k, v in items if k.strip()}
    if not table:
        return None, {}
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(_bounded(k) for k in keys)), table


def _bounded(key: str) -> str:
    """A key as a whole token: not glued to a letter (a digit next to it will be split off anyway)."""
    left = r"(?<![^\W\d_])" if key[0].isalpha() else r"(?<!\w)"
    right = r"(?![^\W\d_])" if key[-1].isalpha() else r"(?!\w)" if key[-1].isalnum() else ""
    return left + re.escape(key) + right


def overrides(text: str, ctx: Context) -> str:
    """The station's own pronunciations (pronunciations.tsv) win over every built-in rule."""
    if not ctx.options.overrides:
        return text
    pattern, table = _override_table(tuple(sorted(ctx.options.overrides.items())))
    return pattern.sub(lambda m: table[m.group(0)], text) if pattern else text


# --- document numbers --------------------------------------------------------------------------------

_CODE = r"[A-ZĐ][A-Za-zĐđ]*\d*"
_DOCUMENT = lazy(r"(?<![\w./-])(\d{1,5})(?: ?[-/] ?(\d{4}))? ?[-/] ?(" + _CODE + r"(?:[-/&]" + _CODE
                       + r")*)(?![\w])")
_SAID_BEFORE = lazy(r"([^\W\d_]+(?: [^\W\d_]+)?)(?: số)?:? ?$")
_SO_BEFORE = lazy(r"(?i)\bsố:? ?$")


def _body(code: str, ctx: Context) -> str:
    name, digits = re.fullmatch(r"(\D+)(\d*)", code).groups()
    _, bodies = documents()
    spoken = bodies.get(name) or unconditional(name)
    if not spoken:
        ctx.warn(_unknown_warning(name))
        spoken = spell(name)
    if digits:
        spoken += (" khóa " if spoken.endswith(_TERM_BODIES) else " ") + ctx.number(int(digits))
    return spoken


_ISSUER_AFTER = lazy(r"(?:,? (?:ngày|ngay) [\d/.-]+(?: tháng \d{1,2} năm \d{4})?)?,? (?:của|do) ([^\W\d_]+)")


def _issuer_follows(text: str, end: int, codes: list[str]) -> bool:
    """'123/QĐ-UBND ngày 5/3/2026 của UBND tỉnh': the text names the issuer itself, so the code's
    'của Ủy ban nhân dân' would say it twice."""
    m = _ISSUER_AFTER.match(text, end, end + 60)
    if not m:
        return False
    named = text[m.start(1):m.start(1) + 40]
    first = re.sub(r"\d+$", "", codes[0])
    spoken = documents()[1].get(first) or unconditional(first)
    return named.startswith(first) or bool(spoken) and named.lower().startswith(spoken.lower())


_DOCUMENT_WORDS = ("luật", "quy định", "văn bản", "bộ luật", "pháp lệnh", "điều lệ")


def _names_a_document(words: str) -> bool:
    """The text already says what kind of document follows ('Quy định 11-QĐ/TU', 'QĐ 52/...')."""
    kinds, _ = documents()
    low = words.lower()
    return (words.split()[-1] in kinds or any(low.endswith(k) for k in kinds.values())
            or any(low.endswith(k) for k in _DOCUMENT_WORDS))


def document_numbers(text: str, ctx: Context) -> str:
    """'Thông tư 39/2020/TT-BTTTT' → 'Thông tư ba mươi chín năm hai nghìn không trăm hai mươi của Bộ
    Thông tin và Truyền thông'; never a date or a fraction."""
    kinds, bodies = documents()

    def replace(m: re.Match) -> str:
        number, year, codes = m.group(1), m.group(2), re.split(r"[-/&]", m.group(3))
        kind = kinds.get(codes[0])
        body_codes = codes[1:] if kind else codes
        first = re.sub(r"\d+$", "", body_codes[0]) if body_codes else ""
        if not kind and first not in bodies and not unconditional(first):
            return m.group(0)
        before = m.string[max(0, m.start() - 30):m.start()]
        said = _SAID_BEFORE.search(before)
        say_kind = bool(kind) and not (said and _names_a_document(said.group(1)))
        after_so = bool(_SO_BEFORE.search(before))        # "Số: 15/BC-UBND": the kind goes after
        words = [kind, "số"] if say_kind and not after_so else []
        # 'số 05/UBND': the leading zero the document writes is read ('không năm').
        words.append(read_digits(number) if number.startswith("0") and len(number) > 1 else ctx.number(int(number)))
        if year:
            words += ["năm", ctx.number(int(year))]
        if say_kind and after_so:
            words.append(kind)
        if body_codes and not _issuer_follows(m.string, m.end(), body_codes):
            words += ["của", ", ".join(_body(c, ctx) for c in body_codes)]
        return " ".join(words)

    return _DOCUMENT.sub(replace, text)


# --- road codes ------------------------------------------------------------------------------------

_ROAD = lazy(r"(?<![\w])(QL|ĐT|TL|ĐH|HL|ĐX|CT)\.? ?([1-9]\d{0,3})([A-Z]{0,2})(?![\w])")


def road_codes(text: str, ctx: Context) -> str:
    """'QL1A' → 'quốc lộ một A', 'ĐT.605' → 'đường tỉnh sáu trăm linh năm'."""
    def replace(m: re.Match) -> str:
        suffix = m.group(3)
        tail = "" if not suffix else " " + (suffix if len(suffix) == 1 else spell(suffix))
        return f"{roads()[m.group(1)]} {ctx.number(int(m.group(2)))}{tail}"
    return _ROAD.sub(replace, text)


# --- addresses ---------------------------------------------------------------------------------------

_ADDRESS = lazy(r"(?<![\w.])(?:([PpQq])\. ?(?=\d{1,2}(?![\d/-]|[.,]\d))|(P|Q|H|X|p|q)\. ?(?=[" + "A-ZĐÂĂÊÔƠƯÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
                      + r"][^\W\d_]))")
_NAME_BEFORE = lazy(r"[A-ZĐ][^\W\d_]* $")
_KM = lazy(r"(?<![\w.,])(?<!\d )(?:Km|KM) ?(?=\d)")     # not '20 Km' (a distance)


def addresses(text: str, ctx: Context) -> str:
    """'thôn Đông, X. Hòa An, H. Phong Điền' → 'thôn Đông, xã Hòa An, huyện Phong Điền'; 'P.' phường,
    'Q.' quận, before a name or a number ('P.5', 'q.Bình Thạnh'); 'Km 27' (a road marker) → 'ki lô mét 27'. A letter after a name ('Nguyễn Văn H.')
    is an initial and stays; 'X.' opening a line is a Roman heading."""
    def replace(m: re.Match) -> str:
        start = m.start()
        letter = m.group(1) or m.group(2)
        if m.group(2) and letter in "PpQq" and m.string[m.end():m.end() + 30].lower().startswith(titles()):
            return ("phó " if letter in "Pp" else "quyền ")      # 'P.Giám đốc', 'Q. Trưởng phòng'
        name = m.group(2) and _NAME_BEFORE.search(m.string, max(0, start - 20), start)
        if name and not name.group(0).strip().isupper():     # 'UBND P.Phú Hội' is not an initial
            return m.group(0)                         # 'Nguyễn Văn H. Ông' (not 'đường Lê Lợi P.5')
        if letter == "X" and (start == 0 or m.string[start - 1] == "\n"):
            return m.group(0)
        return address_words()[letter.upper()] + " "

    text = _ADDRESS.sub(replace, text)
    return _KM.sub("ki lô mét ", text)


# --- acronyms written in parts, and an acronym right after its expansion ------------------------------


_GROUP_KEY = lazy(r"[^\W\d_][&,-][A-ZĐ]")
# One token of capitals joined by & , - ; looked up whole (an alternation of every key is slow).
_GROUP_TOKEN = lazy(r"(?<![^\W_])[A-ZĐ][^\W\d_]*+(?:[&,-][A-ZĐ][^\W\d_]*+)++(?![^\W_])")


@lru_cache(maxsize=1)
def _groups() -> dict[str, str]:
    groups = {k: unconditional(k) for k in abbreviations() if _GROUP_KEY.search(k)}
    return {k: v for k, v in groups.items() if v}


def acronym_groups(text: str, ctx: Context) -> str:
    """'NN&PTNT' → 'Nông nghiệp và Phát triển nông thôn', 'VH,TT&DL', 'KH-CN' read as one name,
    before 'CN' (Chủ nhật) or 'TT' (ambiguous) can be read on their own."""
    groups = _groups()

    def replace(m: re.Match) -> str:
        spoken = groups.get(m.group(0)) or _paired(m.group(0))
        return _join(spoken, text, m.end()) if spoken else m.group(0)

    return _GROUP_TOKEN.sub(replace, text)


_PAIR_SEPARATOR = lazy(r"([&,-])")


def _paired(token: str) -> str:
    """Fields joined by a hyphen that the table has one by one: 'KT-XH' → 'kinh tế xã hội',
    'ANTT&ATGT' → '... và ...'; nothing unless every part is a known unambiguous abbreviation."""
    parts = _PAIR_SEPARATOR.split(token)
    spoken = [unconditional(p) if i % 2 == 0 else {"&": " và ", ",": ", "}.get(p, " ") for i, p in enumerate(parts)]
    if not all(spoken) or any(len(p) < 2 for p in parts[::2]):
        return ""
    return "".join(spoken)


_ECHO = lazy(r" ?\(([A-ZĐ][A-Za-zĐđ&-]{1,11})\)")
_WORDS_BEFORE = lazy(r"[^\W\d_]+")


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words).upper()


def acronym_echo(text: str, ctx: Context) -> str:
    """'thủ tục hành chính (TTHC)' → 'thủ tục hành chính': an acronym in brackets right after its
    own expansion (by the table, or by the initials of the words before it) is read once."""
    def replace(m: re.Match) -> str:
        token = m.group(1)
        before = m.string[max(0, m.start() - 80):m.start()]
        spoken = unconditional(token)
        if spoken and canonical(before).lower().endswith(spoken.lower()):
            return ""
        letters = token.replace("&", "").replace("-", "")
        words = [w for w in _WORDS_BEFORE.findall(before) if w.lower() != "và"]
        if letters.isupper() and 2 <= len(letters) <= len(words) \
                and _initials(words[-len(letters):]) == letters:
            return ""
        return m.group(0)

    return _ECHO.sub(replace, text)


# --- abbreviations and capitals -----------------------------------------------------------------------

_VOWEL_MARKED = set("ăâêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
_VI_LETTERS = set("abcdefghijklmnopqrstuvwxyzđ") | _VOWEL_MARKED
_UPPER = "A-ZĐ" + "".join(sorted({ch.upper() for ch in _VOWEL_MARKED}))
# A one-letter word with a tone mark ('Ý', 'Ở') is a syllable, never an initial.
_TONED_UPPER = "".join(sorted({ch.upper() for ch in _VOWEL_MARKED} - set("ĂÂÊÔƠƯ")))
SYLLABLE = lazy(r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?"
                       r"(?:uye|uya|uyu|oai|oay|uoi|ieu|yeu|uou|ai|ao|au|ay|eo|ia|iu|oa|oe|oi|ua|ui|uy|"
                       r"ie|uo|ye|a|e|i|o|u|y)(?:ch|ng|nh|[cmnpt])?")
# Between two words of a heading: what the punctuation step leaves as a space or a comma.
_NEIGHBOUR_LEFT = lazy(r"([^\W\d_]+)[ ,:;()\[\]{}/\\_-]*$")
_NEIGHBOUR_RIGHT = lazy(r"[ ,:;()\[\]{}/\\_-]*([^\W\d_]+)")


def unconditional(token: str) -> str:
    readings = abbreviations().get(token, ())
    return next((r.spoken for r in readings if not (r.before or r.after)), "")


def _unknown_warning(token: str) -> str:
    return (f"Chữ viết tắt chưa biết '{token}' được đánh vần; "
            "thêm vào từ điển riêng của đài (pronunciations.tsv)")


@lru_cache(maxsize=1)
def _token_pattern() -> re.Pattern:
    # Only tokens with two capitals can need work (a word, a name, a single letter cannot), so
    # keys that are not such tokens ('đ/c', 'TP.', 'Tp.') are matched by name.
    # Keys joined by & , - are read earlier, whole (acronym_groups).
    specials = sorted((k for k in abbreviations() if (not k.isalpha() or sum(map(str.isupper, k)) < 2)
                       and k not in _groups()), key=len, reverse=True)
    return re.compile("|".join(_bounded(k) for k in specials) +
                      r"|(?<![^\W\d_])(?=[^\W\d_]*?[" + _UPPER + r"][^\W\d_]*?[" + _UPPER + r"])[^\W\d_]++"
                      r"|(?<![^\W\d_])[" + _TONED_UPPER + r"](?![^\W\d_])")


def _is_caps_word(word: str) -> bool:
    """An upper-case Vietnamese word (heading text), not an acronym."""
    if len(word) < 2 or not word.isupper() or word in abbreviations():
        return False
    low = word.lower()
    return any(ch in _VOWEL_MARKED for ch in low) or bool(SYLLABLE.fullmatch(low))


def _in_caps_run(text: str, start: int, end: int) -> bool:
    left = _NEIGHBOUR_LEFT.search(text, max(0, start - 20), start)
    right = _NEIGHBOUR_RIGHT.match(text, end, end + 20)
    return bool(left and _is_caps_word(left.group(1))) or bool(right and _is_caps_word(right.group(1)))


def abbreviations_step(text: str, ctx: Context) -> str:
    """Expand abbreviations (UBND → Ủy ban nhân dân), lower-case capitalised words (KẾ HOẠCH → kế
    hoạch), spell unknown acronyms with Vietnamese letter names and warn about them."""
    table = abbreviations()

    def replace(m: re.Match) -> str:
        token = m.group(0)
        readings = table.get(token)
        if readings:
            preceding = text[max(0, m.start() - 25):m.start()]
            following = text[m.end():m.end() + 30].lstrip(" .:,")
            for reading in readings:
                if reading.fits(preceding, following):
                    return _join(reading.spoken, text, m.end())
            ctx.warn(f"Chữ viết tắt '{token}' có nhiều nghĩa ("
                     + " / ".join(r.spoken for r in readings)
                     + ") nên được đánh vần; thêm nghĩa đúng vào từ điển riêng của đài (pronunciations.tsv)")
            return spell(token)
        if len(token) == 1:                            # 'BÀ CON CHÚ Ý': a word of the heading
            return token.lower() if _in_caps_run(text, m.start(), m.end()) else token
        if sum(ch.isupper() for ch in token) < 2:
            return token
        low = token.lower()
        if not set(low) <= _VI_LETTERS:
            return token
        if token.isupper() and (any(ch in _VOWEL_MARKED for ch in low)
                                or SYLLABLE.fullmatch(low)
                                and (len(token) >= 4 or _in_caps_run(text, m.start(), m.end()))):
            return low
        ctx.warn(_unknown_warning(token))
        return spell(token)

    return _token_pattern().sub(replace, text)


_TERM_BODIES = ("Quốc hội",)     # a number glued to them is the term: 'QH15' → 'Quốc hội khóa 15'


def _join(spoken: str, text: str, end: int) -> str:
    """Keep a space between an expansion and a letter glued to it ('TP.HCM'); 'QH15' says 'khóa'."""
    if end < len(text) and text[end].isdigit() and spoken.endswith(_TERM_BODIES):
        return spoken + " khóa "
    return spoken + " " if end < len(text) and text[end].isalnum() else spoken
