"""Each step alone, the data tables, station overrides and the seed plan."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from broadcast.errors import ConfigError
from broadcast.normalize import (
    STEPS,
    NormalizeOptions,
    dates,
    load_overrides,
    normalize,
    normalize_report,
    quantities,
    tables,
    text,
    web,
    words,
)
from broadcast.normalize.numbers import read_day, read_digits, read_month, read_number, weekday_name
from broadcast.normalize.options import Context

ROOT = Path(__file__).resolve().parents[2]
SEED = next((p / "seed" / "ke-hoach-tuyen-truyen-cchc-2024.txt" for p in (ROOT.parent / "shared", ROOT / "shared")
             if (p / "seed").is_dir()), Path("/work/shared/seed/ke-hoach-tuyen-truyen-cchc-2024.txt"))


def run(step, source: str, **options) -> str:
    return step(source, Context(NormalizeOptions(**options)))


# --- the pipeline --------------------------------------------------------------------------------

def test_steps_are_named_and_ordered():
    names = [s.name for s in STEPS]
    assert names[0] == "unicode" and names[-2:] == ["punctuation", "sentence_lines"]
    assert len(set(names)) == len(names)
    # Order that matters: documents before dates (39/2020 is not a date), phones before numbers,
    # abbreviations before numbers (context 'TT 39'), all deletions (symbols) before patterns.
    for first, later in [("documents", "dates"), ("phones", "numbers"), ("dates", "ranges"),
                         ("abbreviations", "numbers"), ("symbols", "roman"), ("overrides", "abbreviations"),
                         # NN&PTNT, KH-CN as one name before CN (Chủ nhật) and TT; (TTHC) before the
                         # expansion; 2/3 diện tích before dates; 9g sáng before times
                         ("acronym_groups", "weekdays"), ("acronym_groups", "abbreviations"),
                         ("acronym_echo", "abbreviations"), ("fractions", "dates"), ("hours_g", "times"),
                         ("addresses", "roman"), ("quarters", "numbers"), ("join_lines", "symbols")]:
        assert names.index(first) < names.index(later)


# --- numbers module (used by templates) ------------------------------------------------------------

@pytest.mark.parametrize(("n", "spoken"), [
    (0, "không"), (15, "mười lăm"), (21, "hai mươi mốt"), (25, "hai mươi lăm"), (105, "một trăm linh năm"),
    (2_000_015, "hai triệu không trăm mười lăm"), (10**15, "một triệu tỷ"), (-3, "âm ba"),
])
def test_read_number(n, spoken):
    assert read_number(n) == spoken


def test_read_number_dialects():
    assert read_number(105, zero_tens="lẻ") == "một trăm lẻ năm"
    assert read_number(24, four="bốn") == "hai mươi bốn"
    assert read_number(3000, thousand="ngàn") == "ba ngàn"


def test_read_digits_day_month_weekday():
    assert read_digits("0912") == "không chín một hai"
    assert read_day(5) == "mùng năm" and read_day(5, mung=False) == "năm" and read_day(15) == "mười lăm"
    assert read_month(4) == "tư" and read_month(1) == "một" and read_month(1, lunar=True) == "giêng"
    assert [weekday_name(dt.date(2024, 4, d)) for d in range(15, 22)] == [
        "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]


# --- steps one by one ------------------------------------------------------------------------------

def test_unicode_step():
    assert run(text.unicode_nfc, "Uỷ ban\u00a0 hoá\u200b") == "Ủy ban hóa"
    assert run(text.unicode_nfc, "a\r\nb\rc") == "a\nb\nc"


def test_symbols_step_deletes_early():
    assert run(text.symbols, '- "Đã uống rượu" *') == "Đã uống rượu"
    assert run(text.symbols, "lúc 6h30'") == "lúc 6h30"
    assert run(text.symbols, "b) Tuyên truyền") == "bê. Tuyên truyền"


def test_web_step():
    assert run(web.web, "dichvucong.gov.vn") == " dịch vụ công chấm gốp chấm vê en "
    assert run(web.web, "TP.HCM") == "TP.HCM"
    assert run(web.web, "1.000.000") == "1.000.000"


def test_documents_step():
    assert run(words.document_numbers, "Quyết định 135/QĐ-TTg") == (
        "Quyết định một trăm ba mươi lăm của Thủ tướng Chính phủ")
    assert run(words.document_numbers, "18-22/3") == "18-22/3"


def test_roman_step_only_after_keywords():
    assert run(dates.roman_numerals, "khóa XII và chị I") == "khóa mười hai và chị I"
    assert run(dates.roman_numerals, "II. NỘI DUNG") == "hai. NỘI DUNG"
    assert dates.roman_value("XIV") == 14 and dates.roman_value("IIII") is None


def test_roads_phones_dates_times_weekdays():
    assert run(words.road_codes, "QL1A") == "quốc lộ một A"
    assert run(quantities.phones, "gọi 114") == "gọi một một bốn"
    assert run(quantities.phones, "có 114 hộ") == "có 114 hộ"
    assert run(dates.dates, "ngày 05/02/2024") == (
        "ngày mùng năm tháng hai năm hai nghìn không trăm hai mươi tư")
    assert run(dates.dates, "ngày 05/02/2024", mung=False) == (
        "ngày năm tháng hai năm hai nghìn không trăm hai mươi tư")
    assert run(dates.times, "7h-11h") == "bảy giờ đến mười một giờ"
    assert run(dates.weekdays, "T2-T6") == "thứ hai đến thứ sáu"


def test_ranges_units_numbers():
    assert run(quantities.ranges, "2021-2030") == "2021 đến 2030"
    assert run(quantities.ranges, "3-2") == "3-2"
    assert run(quantities.units_money, "2.500.000đ") == "2.500.000 đồng"
    assert run(quantities.units_money, "5 đ/c") == "5 đ/c"
    assert run(quantities.numbers, "105.300") == "một trăm linh năm nghìn ba trăm"
    assert run(quantities.numbers, "-5") == "âm năm"


def test_abbreviation_step():
    ctx = Context(NormalizeOptions())
    assert words.abbreviations_step("UBND KẾ HOẠCH XYZ", ctx) == "Ủy ban nhân dân kế hoạch ích i dài dét"
    assert len(ctx.warnings) == 1


def test_ambiguous_abbreviation_is_spelled_with_a_warning():
    report = normalize_report("BCH họp")
    assert report.text == "bê xê hát họp"
    assert "nhiều nghĩa" in report.warnings[0]


def test_punctuation_step():
    assert run(text.punctuation, "a: b; (c) - d") == "a, b, c, d"
    assert run(text.punctuation, "a ,, b .") == "a, b."


# --- data tables -----------------------------------------------------------------------------------

def test_abbreviation_table_is_large_and_clean():
    table = tables.abbreviations()
    assert len(table) >= 150
    for key in ("UBND", "HĐND", "MTTQ", "CCHC", "TTHC", "BHYT", "BHXH", "THCS", "THPT", "PCCC", "NVQS",
                "CCCD", "DVC"):
        assert key in table
    assert len(table["TT"]) >= 2 and len(table["BCH"]) >= 2
    for key, readings in table.items():
        for reading in readings:
            assert not re.search(r"[\d/&%-]", reading.spoken), key
            # An expansion must never look like an acronym, or a second pass would change it.
            assert all(sum(map(str.isupper, w)) < 2 for w in reading.spoken.split()), key


def test_other_tables():
    kinds, bodies = tables.documents()
    assert kinds["TT"] == "thông tư" and bodies["BTTTT"] == "Bộ Thông tin và Truyền thông"
    assert bodies["TTg"] == "Thủ tướng Chính phủ" and bodies["CP"] == "Chính phủ" and bodies["TW"] == "Trung ương"
    assert {"km", "m2", "m²", "ha", "kg", "mm", "km/h", "°C", "lít", "%"} <= set(tables.units())
    assert len(tables.letters()) == 27 and tables.roads()["QL"] == "quốc lộ"


def test_tables_are_tone_insensitive():
    assert tables.canonical("khoá thuỷ uỷ quý") == "khóa thủy ủy quý"


# --- station overrides -------------------------------------------------------------------------------

def test_overrides_win(tmp_path):
    path = tmp_path / "pronunciations.tsv"
    path.write_text("# đài xã Hòa An\nHTX\thợp tác xã nông nghiệp\nBCH\tBan Chỉ huy\n"
                    "Bãi Ngang\tBãi Ngang\nXYZ\tích xì\n", encoding="utf-8")
    options = NormalizeOptions(overrides=load_overrides(path))
    report = normalize_report("HTX và BCH, XYZ", options)
    assert report.text == "hợp tác xã nông nghiệp và Ban Chỉ huy, ích xì"
    assert report.warnings == ()


def test_overrides_are_tone_insensitive():
    options = NormalizeOptions(overrides={"thôn Hoà": "thôn Hòa Bình"})
    assert normalize("thôn Hoà", options) == "thôn Hòa Bình"


@pytest.mark.parametrize("line", ["HTX", "HTX\t", "HTX\ta\tb", "\thợp tác xã"])
def test_load_overrides_rejects_malformed_lines(tmp_path, line):
    path = tmp_path / "pronunciations.tsv"
    path.write_text(f"# ok\nUBND\tỦy ban nhân dân\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_overrides(path)
    assert info.value.line == 3 and str(path) in str(info.value)


def test_load_overrides_missing_file(tmp_path):
    with pytest.raises(ConfigError):
        load_overrides(tmp_path / "missing.tsv")


# --- options and the seed plan -------------------------------------------------------------------------

def test_bad_option_values_fall_back_instead_of_raising():
    assert normalize("105", NormalizeOptions(zero_tens="??", thousand="1", four_after_tens="x")) == (
        "một trăm linh năm")


def test_options_are_hashable_and_equal_by_value():
    a = NormalizeOptions(overrides={"HTX": "hợp tác xã"})
    b = NormalizeOptions(overrides={"HTX": "hợp tác xã"})
    assert a == b and hash(a) == hash(b) and hash(NormalizeOptions()) != hash(a)


@pytest.mark.skipif(not SEED.exists(), reason="shared seed plan not available")
def test_seed_plan_normalizes_without_warnings():
    report = normalize_report(SEED.read_text(encoding="utf-8"))
    assert report.warnings == ()
    assert not re.search(r"\d", report.text)
    flat = " ".join(report.text.split())           # the plan breaks lines mid-sentence
    assert "Nghị quyết số mười tám của Trung ương, ngày hai mươi lăm tháng mười năm hai nghìn " \
           "không trăm mười bảy" in flat              # one "ngày" although it ends the line before
    assert "khóa mười hai" in report.text
    assert "hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm ba mươi" in report.text
    assert normalize(report.text) == report.text
