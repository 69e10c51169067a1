"""parse_value: what an officer types, for every variable type, and the written form it prints."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from broadcast.render import VAR_TYPES, VarSpec, parse_value
from broadcast.render.types import DateValue, Money, Record, join_vi

PEOPLE = ("ho_ten", "thon", "thu_tuc")


def spec(vtype: str, **kw) -> VarSpec:
    fields = PEOPLE if vtype == "records" else ()
    return VarSpec(name="x", type=vtype, fields=fields, **kw)


# (type, raw, written form)
GOOD = [
    ("text", "  Trạm Y tế xã  ", "Trạm Y tế xã"),
    ("text", 15, "15"),
    ("integer", "15", "15"),
    ("integer", 15, "15"),
    ("integer", "-3", "-3"),
    ("integer", "1.000", "1000"),
    ("date", "05/12/2026", "05/12/2026"),
    ("date", "5/12/2026", "05/12/2026"),
    ("date", "2026-12-05", "05/12/2026"),
    ("date", "5.12.2026", "05/12/2026"),
    ("date", "ngày 5 tháng 12 năm 2026", "05/12/2026"),
    ("date", dt.date(2026, 12, 5), "05/12/2026"),
    ("date", dt.datetime(2026, 12, 5, 7, 30), "05/12/2026"),
    ("time", "7h30", "7h30"),
    ("time", "07:30", "7h30"),
    ("time", "7h", "7h"),
    ("time", "17h00", "17h"),
    ("time", "7 giờ 30 phút", "7h30"),
    ("time", "7g05", "7h05"),
    ("time", "2 giờ chiều", "14h"),
    ("time", "19h30 tối", "19h30"),
    ("time", dt.time(6, 0), "6h"),
    ("time_range", "7h30-11h30", "7h30 đến 11h30"),
    ("time_range", "7h30 - 11h30", "7h30 đến 11h30"),
    ("time_range", "7h30 đến 11h30", "7h30 đến 11h30"),
    ("time_range", "từ 7h đến 16h", "7h đến 16h"),
    ("time_range", "07:00–11:30", "7h đến 11h30"),
    ("time_range", "1h - 5h chiều", "13h đến 17h"),
    ("time_range", "7-11h", "7h đến 11h"),
    ("time_range", ["7h30", "11h"], "7h30 đến 11h"),
    ("time_range", {"start": "13h30", "end": "17h"}, "13h30 đến 17h"),
    ("date_range", "18/3/2024-22/3/2024", "18/03/2024 đến 22/03/2024"),
    ("date_range", "18/3/2024 - 22/3/2024", "18/03/2024 đến 22/03/2024"),
    ("date_range", "18/3/2024 đến 22/3/2024", "18/03/2024 đến 22/03/2024"),
    ("date_range", "từ 18/3 đến 22/3/2024", "18/03/2024 đến 22/03/2024"),
    ("date_range", "18-22/3/2024", "18/03/2024 đến 22/03/2024"),
    ("date_range", "2024-03-18 - 2024-03-22", "18/03/2024 đến 22/03/2024"),
    ("date_range", [dt.date(2024, 3, 18), "22/3/2024"], "18/03/2024 đến 22/03/2024"),
    ("money", "2500000", "2.500.000 đồng"),
    ("money", "2.500.000", "2.500.000 đồng"),
    ("money", "2.500.000đ", "2.500.000 đồng"),
    ("money", "2.500.000 đồng", "2.500.000 đồng"),
    ("money", "2,500,000 VNĐ", "2.500.000 đồng"),
    ("money", "2,5 triệu", "2.500.000 đồng"),
    ("money", "1.500 triệu", "1.500.000.000 đồng"),
    ("money", "500 nghìn", "500.000 đồng"),
    ("money", "105.300", "105.300 đồng"),
    ("money", 2500000, "2.500.000 đồng"),
    ("phone", "0912345678", "0912 345 678"),
    ("phone", "0912 345 678", "0912 345 678"),
    ("phone", "0912.345.678", "0912 345 678"),
    ("phone", "+84 912 345 678", "0912 345 678"),
    ("phone", "02343876543", "0234 3876 543"),
    ("phone", "024 3825 1234", "024 3825 1234"),
    ("phone", "114", "114"),
    ("phone", "111", "111"),
    ("phone", "113", "113"),
    ("phone", "115", "115"),
    ("phone", "1022", "1022"),
    ("phone", 115, "115"),
    ("phone", "1800 1091", "1800 1091"),
    ("phone", "1900 561 588", "1900 561 588"),
    ("phone", "1900 1234", "1900 1234"),
    ("phone", 912345678, "0912 345 678"),          # YAML dropped the leading zero
    ("text_list", ["BCG", "viêm gan B", "sởi"], "BCG, viêm gan B và sởi"),
    ("text_list", "BCG; viêm gan B; sởi", "BCG, viêm gan B và sởi"),
    ("text_list", "một mục", "một mục"),
    ("text_list", ["a", "b"], "a và b"),
    ("records", "Nguyễn Văn Bình | thôn Đông | cấp GCNQSDĐ; Trần Thị Lan | thôn Trung | trích lục khai sinh",
     "Nguyễn Văn Bình, thôn Đông, cấp GCNQSDĐ; Trần Thị Lan, thôn Trung, trích lục khai sinh"),
    ("records", [{"ho_ten": "Bình", "thon": "Đông", "thu_tuc": "chứng thực"}], "Bình, Đông, chứng thực"),
    ("records", [["Bình", "Đông", "chứng thực"]], "Bình, Đông, chứng thực"),
]


@pytest.mark.parametrize(("vtype", "raw", "written"), GOOD)
def test_good_values_print_their_written_form(vtype, raw, written):
    assert str(parse_value(spec(vtype), raw)) == written


# (type, raw, a piece of the message)
BAD = [
    ("integer", "15,5", "số nguyên"),
    ("integer", True, "số nguyên"),
    ("date", "32/13/2026", "nhận được '32/13/2026'"),
    ("date", "31/2/2026", "tháng 2 năm 2026 không có ngày 31"),
    ("date", "5/12", "thiếu năm"),
    ("date", "mai", "ngày (DD/MM/YYYY"),
    ("time", "25h", "giờ phải từ 0 đến 23"),
    ("time", "7", "giờ (ví dụ 7h30"),
    ("time", "7:", "giờ (ví dụ 7h30"),
    ("time", 450, 'hãy đặt trong ngoặc kép: "7:30"'),
    ("time", "14h sáng", "không phải buổi sáng"),
    ("time_range", "11h-7h", "giờ kết thúc 7h phải sau giờ bắt đầu 11h"),
    ("time_range", "7h30", "khoảng giờ"),
    ("date_range", "22/3/2024 - 18/3/2024", "ngày kết thúc"),
    ("date_range", "hôm nay", "khoảng ngày"),
    ("money", "2,5", "số tiền"),
    ("money", "-5000", "số tiền"),
    ("money", 2.5, 'ngoặc kép, ví dụ "2.500"'),
    ("money", "1,2345 nghìn", "số đồng nguyên"),
    ("phone", "12345", "số điện thoại"),
    ("phone", "0123", "số điện thoại"),
    ("phone", "123", "số ngắn chỉ nhận số dịch vụ 111, 112, 113, 114, 115, 1022"),
    ("phone", 1234, "số ngắn chỉ nhận số dịch vụ"),
    ("phone", "+1 555 123 4567", "chỉ nhận số Việt Nam"),
    ("phone", "091234567a", "số điện thoại"),
    ("text_list", {"a": 1}, "danh sách"),
    ("text_list", [["nested"]], "mục thứ 1 không phải văn bản"),
    ("records", "Bình | Đông", "mục thứ 1 (Bình) có 2 trường, cần 3 (mỗi mục gồm ho_ten | thon | thu_tuc)"),
    ("records", [{"ho_ten": "Bình", "thon": "Đông", "thu_tuc": "x", "tuoi": 3}], "trường lạ 'tuoi'"),
    ("records", [{"ho_ten": "Bình", "thon": "Đông", "thu_tuc": "x"}, {"ho_ten": "Lan"}],
     "mục thứ 2 (Lan) thiếu trường 'thon', 'thu_tuc'"),
    ("records", [{"ho_tn": "Bình", "thon": "Đông", "thu_tuc": "x"}], "có phải ý bạn là 'ho_ten'?"),
    ("records", "Bình |  | x", "trường 'thon' của mục thứ 1 (Bình) đang để trống"),
]


@pytest.mark.parametrize(("vtype", "raw", "fragment"), BAD)
def test_bad_values_say_what_is_expected(vtype, raw, fragment):
    with pytest.raises(ValueError) as info:
        parse_value(spec(vtype), raw)
    assert fragment in str(info.value)
    if vtype == "records":          # one row and one field named, never the whole value dumped
        assert str(info.value).startswith("biến 'x': ") and "{" not in str(info.value)
    else:
        assert str(info.value).startswith("biến 'x' phải là")


def test_every_type_has_good_and_bad_cases():
    assert {t for t, *_ in GOOD} == set(VAR_TYPES)
    assert {t for t, *_ in BAD} >= set(VAR_TYPES) - {"text"}


@pytest.mark.parametrize(("raw", "message"), [
    ("32/13/2026", "biến 'ngay' phải là ngày (DD/MM/YYYY hoặc YYYY-MM-DD), nhận được '32/13/2026'"),
    ("", "thiếu giá trị cho biến 'ngay' (Ngày tiêm)"),
    (None, "thiếu giá trị cho biến 'ngay' (Ngày tiêm)"),
])
def test_exact_messages(raw, message):
    with pytest.raises(ValueError) as info:
        parse_value(VarSpec("ngay", "date", label="Ngày tiêm"), raw)
    assert str(info.value) == message


def test_money_error_exact():
    with pytest.raises(ValueError) as info:
        parse_value(VarSpec("le_phi", "money"), "hai triệu")
    assert str(info.value) == ("biến 'le_phi' phải là số tiền (ví dụ 2500000, 2.500.000đ hoặc 2,5 triệu), "
                               "nhận được 'hai triệu'")


def test_blank_falls_back_to_default_then_none():
    assert str(parse_value(VarSpec("d", "text", default="Trạm Y tế xã"), "  ")) == "Trạm Y tế xã"
    assert parse_value(VarSpec("n", "integer", required=False), None) is None
    assert parse_value(VarSpec("l", "text_list", required=False), []) is None


def test_unknown_type_is_a_value_error():
    with pytest.raises(ValueError, match="kiểu lạ 'ngày'"):
        parse_value(VarSpec("x", "ngày"), "1/1/2026")


@pytest.mark.parametrize(("raw", "weekday"), [
    ("30/11/2026", "thứ Hai"), ("1/12/2026", "thứ Ba"), ("2/12/2026", "thứ Tư"),
    ("3/12/2026", "thứ Năm"), ("4/12/2026", "thứ Sáu"), ("5/12/2026", "thứ Bảy"),
    ("6/12/2026", "Chủ nhật"),
])
def test_weekday_names(raw, weekday):
    assert parse_value(spec("date"), raw).weekday == weekday


def test_date_attributes():
    d = parse_value(spec("date"), "4/12/2026")
    assert (d.day, d.month, d.year, d.iso, d.date) == (4, 12, 2026, "2026-12-04", dt.date(2026, 12, 4))


def test_time_and_range_attributes():
    r = parse_value(spec("time_range"), "7h30 đến 11h30")
    assert (str(r.start), str(r.end), r.minutes, r.start.iso) == ("7h30", "11h30", 240, "07:30")


def test_date_range_days():
    r = parse_value(spec("date_range"), "30/12/2026 đến 2/1/2027")
    assert [str(d) for d in r.days] == ["30/12/2026", "31/12/2026", "01/01/2027", "02/01/2027"]
    assert isinstance(r.start, DateValue)


def test_money_amount_and_records_fields():
    assert parse_value(spec("money"), "2,5 triệu") == Money(2_500_000)
    assert parse_value(spec("money"), "2,5 triệu").amount == 2_500_000
    rows = parse_value(spec("records"), "Bình | Đông | x; Lan | Trung | y")
    assert [(r.ho_ten, r.thon) for r in rows] == [("Bình", "Đông"), ("Lan", "Trung")]
    assert rows[1] == Record({"ho_ten": "Lan", "thon": "Trung", "thu_tuc": "y"})


def test_values_are_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Bình")
    assert parse_value(spec("text"), nfd) == "Nguyễn Văn Bình"
    assert list(parse_value(spec("text_list"), [nfd])) == ["Nguyễn Văn Bình"]
    assert str(parse_value(spec("money"), unicodedata.normalize("NFD", "2 triệu đồng"))) == "2.000.000 đồng"


def test_parsing_is_idempotent():
    for vtype, raw, _ in GOOD:
        once = parse_value(spec(vtype), raw)
        assert parse_value(spec(vtype), once) == once


@pytest.mark.parametrize(("items", "joined"), [([], ""), (["a"], "a"), (["a", "b"], "a và b"),
                                               (["a", "b", "c"], "a, b và c")])
def test_join_vi(items, joined):
    assert join_vi(items) == joined
