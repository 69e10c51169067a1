"""TemplateLibrary: metadata, load-time checks, sandboxed rendering, one-line errors with file:line."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata

import pytest

from broadcast.errors import InputError, TemplateError
from broadcast.model import Priority
from broadcast.render import Rendered, TemplateLibrary, load_values_file
from broadcast.render.library import tidy_text

GLOBALS = {"ten_xa": "Hòa An", "ten_dai": "Đài Truyền thanh xã Hòa An", "ten_huyen": "Cam Lộ",
           "ten_tinh": "Quảng Trị"}

TIEM_CHUNG = """\
{#---
title: Thông báo tiêm chủng mở rộng
kind: thong-bao
tags: [yte, tiem-chung]
priority: uu-tien
repeat: 2
variables:
  ngay: {type: date, label: Ngày tiêm}
  gio: {type: time_range}
  dia_diem: {type: text, default: Trạm Y tế xã}
  vac_xin: {type: text_list}
  so_tram: {type: phone}
  muc_phi: {type: money, required: false}
  nguoi_nhan: {type: records, fields: [ho_ten, thon], required: false}
---#}
Trạm Y tế xã {{ ten_xa }} thông báo:   vào {{ ngay.weekday }}, ngày {{ ngay }},
từ {{ gio.start }} đến {{ gio.end }}, tại {{ dia_diem }} tổ chức tiêm {{ vac_xin }}.
{% if muc_phi %}Mức phí {{ muc_phi }}.{% endif %}


{% for p in nguoi_nhan or [] %}
Mời {{ p.ho_ten }}, {{ p.thon }}.
{% endfor %}
Liên hệ số {{ so_tram }} {{ muc_phi }}.
"""

VALUES = {"ngay": "4/12/2026", "gio": "7h30 - 11h", "vac_xin": "BCG; sởi", "so_tram": "0234.3876.543"}


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.j2"
    path.write_text(text, encoding="utf-8")
    return path


def simple(body: str, variables: str = "", **meta) -> str:
    head = {"title": "Thử", "kind": "thong-bao", **meta}
    lines = ["{#---"] + [f"{k}: {v}" for k, v in head.items()]
    if variables:
        lines += ["variables:"] + [f"  {v}" for v in variables.strip().splitlines()]
    return "\n".join(lines + ["---#}", body]) + "\n"


@pytest.fixture
def scripts(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "tiem_chung", TIEM_CHUNG)
    return folder


@pytest.fixture
def lib(scripts):
    return TemplateLibrary(scripts, GLOBALS)


def error_of(lib, name, values=None) -> str:
    with pytest.raises(TemplateError) as info:
        lib.render(name, values or {})
    return str(info.value)


# ---------------------------------------------------------------- happy path


def test_metadata(lib, scripts):
    info = lib.get("tiem_chung")
    assert (info.name, info.title, info.kind, info.tags, info.priority, info.repeat) == (
        "tiem_chung", "Thông báo tiêm chủng mở rộng", "thong-bao", ("yte", "tiem-chung"),
        Priority.UU_TIEN, 2)
    assert info.path == scripts / "tiem_chung.j2"
    assert list(info.variables) == ["ngay", "gio", "dia_diem", "vac_xin", "so_tram", "muc_phi", "nguoi_nhan"]
    assert info.variables["ngay"].line == 8 and info.variables["ngay"].label == "Ngày tiêm"
    assert info.variables["nguoi_nhan"].fields == ("ho_ten", "thon")
    assert lib.names() == ["tiem_chung"]


def test_render_typed_values_in_written_form(lib):
    out = lib.render("tiem_chung", {**VALUES, "nguoi_nhan": "Nguyễn Văn Bình | thôn Đông; Lan | thôn Trung"})
    assert isinstance(out, Rendered)
    assert out.title == "Thông báo tiêm chủng mở rộng"
    assert out.text == (
        "Trạm Y tế xã Hòa An thông báo: vào thứ Sáu, ngày 04/12/2026, từ 7h30 đến 11h, "
        "tại Trạm Y tế xã tổ chức tiêm BCG và sởi.\n\n"
        "Mời Nguyễn Văn Bình, thôn Đông. Mời Lan, thôn Trung. Liên hệ số 0234 3876 543.")
    assert out.values["ngay"].iso == "2026-12-04"
    assert out.values["muc_phi"] is None


def test_python_values_from_the_planner(lib):
    out = lib.render("tiem_chung", {**VALUES, "ngay": dt.date(2026, 12, 6), "muc_phi": 2_500_000})
    assert "vào Chủ nhật, ngày 06/12/2026" in out.text
    assert "Mức phí 2.500.000 đồng." in out.text


def test_output_is_nfc_given_nfd_source_values_and_globals(tmp_path):
    def nfd(s):
        return unicodedata.normalize("NFD", s)
    folder = tmp_path / "scripts_vi"
    write(folder, "t", nfd(simple("Xã {{ ten_xa }}: {{ loi }} – Thông báo khẩn.", "loi: {type: text}")))
    lib = TemplateLibrary(folder, {k: nfd(v) for k, v in GLOBALS.items()})
    text = lib.render("t", {"loi": nfd("Nguyễn Thị Hường")}).text
    assert text == "Xã Hòa An: Nguyễn Thị Hường – Thông báo khẩn."
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(("raw", "tidy"), [
    ("a  b\tc", "a b c"),
    ("câu một\ncâu hai", "câu một câu hai"),
    ("đoạn một\n\n\n   \nđoạn hai", "đoạn một\n\nđoạn hai"),
    ("tại  , ngày 5 .", "tại, ngày 5."),
    ("( a )", "(a)"),
    ("\n\n  ", ""),
])
def test_tidy_text(raw, tidy):
    assert tidy_text(raw) == tidy


def test_station_globals_are_available_and_not_values(lib):
    problems = lib.check_values("tiem_chung", {**VALUES, "ten_xa": "Khác"})
    assert problems == ["scripts_vi/tiem_chung.j2: 'ten_xa' là biến chung của đài "
                        "(lấy từ broadcast.toml), không cần truyền vào"]


def test_changed_file_is_reloaded(lib, scripts):
    assert lib.get("tiem_chung").repeat == 2
    text = TIEM_CHUNG.replace("repeat: 2", "repeat: 3") + "\n"          # size changes too
    (scripts / "tiem_chung.j2").write_text(text, encoding="utf-8")
    assert lib.get("tiem_chung").repeat == 3


@pytest.mark.parametrize("how", ["atomic-rename", "in-place"])
def test_same_size_same_mtime_edit_is_reloaded(lib, scripts, how):
    """An edit of the same size within one clock tick (mtime unchanged) is still seen."""
    path = scripts / "tiem_chung.j2"
    assert lib.get("tiem_chung").repeat == 2
    before = path.stat()
    text = path.read_text(encoding="utf-8").replace("repeat: 2", "repeat: 3")   # same size
    if how == "atomic-rename":
        fresh = path.with_suffix(".tmp")
        fresh.write_text(text, encoding="utf-8")
        os.utime(fresh, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(fresh, path)
    else:
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
    assert lib.get("tiem_chung").repeat == 3


def test_liet_ke_filter_and_plain_lists(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "t", simple("{{ ds|liet_ke }} / {{ ['x', 'y'] }} / {{ ds|join('+') }}", "ds: text_list"))
    assert TemplateLibrary(folder, GLOBALS).render("t", {"ds": "a; b; c"}).text == "a, b và c / x và y / a+b+c"


# ---------------------------------------------------------------- value errors


def test_bad_value_message(lib):
    assert error_of(lib, "tiem_chung", {**VALUES, "ngay": "32/13/2026"}) == (
        "scripts_vi/tiem_chung.j2: biến 'ngay' phải là ngày (DD/MM/YYYY hoặc YYYY-MM-DD), "
        "nhận được '32/13/2026'")


def test_missing_value_names_the_declaration_line(lib):
    values = {k: v for k, v in VALUES.items() if k != "ngay"}
    assert error_of(lib, "tiem_chung", values) == (
        "scripts_vi/tiem_chung.j2:8: thiếu giá trị cho biến 'ngay' (Ngày tiêm)")


def test_unknown_value_suggests_the_declared_one(lib):
    assert error_of(lib, "tiem_chung", {**VALUES, "vac_xn": "x"}) == (
        "scripts_vi/tiem_chung.j2: mẫu không có biến 'vac_xn' (có phải ý bạn là 'vac_xin'?)")


def test_check_values_reports_every_problem(lib):
    problems = lib.check_values("tiem_chung", {"ngay": "mai", "gio": "11h-7h", "ghi_chu": "x"})
    assert len(problems) == 5
    assert any("'ghi_chu'" in p for p in problems)
    assert any("giờ kết thúc 7h phải sau giờ bắt đầu 11h" in p for p in problems)
    assert any(p.startswith("scripts_vi/tiem_chung.j2:11: thiếu giá trị cho biến 'vac_xin'") for p in problems)
    assert lib.check_values("tiem_chung", VALUES) == []


def test_unknown_template_suggests(lib):
    with pytest.raises(TemplateError) as info:
        lib.get("tiem_chug")
    assert str(info.value) == "không có mẫu 'tiem_chug' trong scripts_vi (có phải ý bạn là 'tiem_chung'?)"
    assert lib.check_values("../etc/passwd", {})[0].startswith("không có mẫu '../etc/passwd'")


def test_display_root(scripts):
    lib = TemplateLibrary(scripts, GLOBALS, display_root=scripts.parent.parent)
    assert error_of(lib, "tiem_chung").startswith(f"{scripts.parent.name}/scripts_vi/tiem_chung.j2:")


# ---------------------------------------------------------------- template errors

BROKEN = [
    # (template text, expected message, prefix "file:line")
    (simple("Xin chào {{ ngya }}.", "ngay: date"),
     "biến 'ngya' được dùng trong mẫu nhưng chưa khai báo trong phần variables (có phải ý bạn là 'ngay'?)",
     ":7:"),
    (simple("dòng 7\n{{ ngay }\ndòng 9", "ngay: date"), "lỗi cú pháp mẫu: không chờ '}' ở đây", ":8:"),
    (simple("{{ ''.__class__ }}"), "mẫu không được truy cập '__class__' (bị chặn vì lý do an toàn)", ":5:"),
    (simple("{{ x['__globals__'] }}", "x: text"), "không được truy cập '__globals__'", ":7:"),
    (simple("{{ x|attr('__class__') }}", "x: text"), "không được truy cập '__class__'", ":7:"),
    (simple("x", titel="Thử"), "khóa lạ 'titel' trong phần khai báo (có phải ý bạn là 'title'?)", ":4:"),
    (simple("x", "ngay: {type: dat}"), "biến 'ngay' có kiểu lạ 'dat' (có phải ý bạn là 'date'?)", ":5:"),
    (simple("x", "ngay: {type: date, lable: Ngày}"), "khóa lạ 'lable' trong khai báo biến 'ngay' "
     "(có phải ý bạn là 'label'?)", ":5:"),
    (simple("x", priority="uu-tein"), "priority 'uu-tein' không hợp lệ (có phải ý bạn là 'uu-tien'?)", ":4:"),
    (simple("x", kind="thong-bao-x").replace("kind: thong-bao\n", ""), "kind 'thong-bao-x' không hợp lệ "
     "(có phải ý bạn là 'thong-bao'?)", ":3:"),
    (simple("x", repeat=0), "repeat phải là số lần đọc từ 1 đến 10", ":4:"),
    (simple("x", tags="[Y Tế]"), "tags phải là danh sách nhãn", ":4:"),
    ("{#---\nkind: thong-bao\n---#}\nx", "phần khai báo thiếu 'title'", ":1:"),
    ("Xin chào", "mẫu phải mở đầu bằng phần khai báo", ":1:"),
    ("{#---\ntitle: x\n", "phần khai báo chưa có dòng đóng ---#}", ":1:"),
    ("{#---\ntitle: x\nkind: [thong-bao\n---#}\nx", "lỗi cú pháp YAML", ":4:"),
    ("{#---\ntitle: x\ntitle: y\nkind: thong-bao\n---#}\nx", "khóa 'title' bị lặp lại", ":3:"),
    (simple("x", "ngay: {type: date, default: 32/13/2026}"), "giá trị mặc định sai: biến 'ngay' phải là ngày",
     ":5:"),
    (simple("x", "ten_xa: text"), "'ten_xa' là biến chung của đài", ":5:"),
    (simple("x", "Ngày: date"), "tên biến 'Ngày' không hợp lệ", ":5:"),
    (simple("x", "ds: {type: records}"), "kiểu records cần 'fields: [ho_ten, thon, ...]'", ":5:"),
    (simple("x", "ds: {type: text, fields: [a]}"), "'fields' chỉ dùng cho kiểu records", ":5:"),
    (simple("{{ ngay.weekdy }}", "ngay: date"), "biến 'ngay' (kiểu date) không có 'weekdy' "
     "(có phải ý bạn là 'weekday'?)", ":7:"),
    (simple("{% for p in ds %}\n{{ p.ho_tn }}\n{% endfor %}", "ds: {type: records, fields: [ho_ten, thon]}"),
     "mỗi mục của 'ds' chỉ có các trường ho_ten, thon, không có 'ho_tn' (có phải ý bạn là 'ho_ten'?)", ":8:"),
]


@pytest.mark.parametrize(("text", "message", "where"), BROKEN)
def test_broken_templates_are_one_line_errors(tmp_path, text, message, where):
    folder = tmp_path / "scripts_vi"
    write(folder, "x", text)
    lib = TemplateLibrary(folder, GLOBALS)
    with pytest.raises(TemplateError) as info:
        lib.get("x")
    shown = str(info.value)
    assert shown.startswith(f"scripts_vi/x.j2{where} "), shown
    assert message in shown
    assert "\n" not in shown
    assert [str(e) for e in lib.check_all()] == [shown]


def test_check_all_lists_only_broken_templates(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "tot", simple("Tốt."))
    write(folder, "hong", simple("{{ x }"))
    write(folder, "hong_nua", simple("x", kind="abc"))
    (folder / "ghi_chu.txt").write_text("not a template")
    lib = TemplateLibrary(folder, GLOBALS)
    assert lib.names() == ["hong", "hong_nua", "tot"]
    assert [e.path for e in lib.check_all()] == ["scripts_vi/hong.j2", "scripts_vi/hong_nua.j2"]


def test_template_size_cap(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "lon", simple("x" * (64 * 1024)))
    with pytest.raises(TemplateError, match=r"scripts_vi/lon.j2: mẫu quá lớn \(64 KiB, tối đa 64 KiB\)"):
        TemplateLibrary(folder, GLOBALS).get("lon")


def test_non_utf8_template(tmp_path):
    folder = tmp_path / "scripts_vi"
    folder.mkdir()
    (folder / "cu.j2").write_bytes(simple("Hòa An").encode("utf-16"))
    with pytest.raises(TemplateError, match="UTF-8"):
        TemplateLibrary(folder, GLOBALS).get("cu")


# ---------------------------------------------------------------- sandbox and size limits

RUNTIME = [
    # (body, message fragment)
    ("{{ 'a' * 10**7 }}", "phép nhân chuỗi vượt quá giới hạn 20.000 ký tự"),
    ("{{ [0] * 10**9 }}", "phép nhân chuỗi"),
    ("{{ 10 ** 100000 }}", "số tạo ra trong mẫu quá lớn"),
    ("{{ 'a'|center(1000000000) }}", "độ rộng trong bộ lọc center"),
    ("{% set n = 2 ** 4000 %}{{ n * n }}", "số tạo ra trong mẫu quá lớn"),
    ("{% set s = 'ab' * 5000 %}{% set t = s ~ s ~ s %}{{ t|length }}", "chuỗi hoặc danh sách tạo ra trong mẫu"),
    ("{% set s = 'a' * 15000 %}{{ s + s }}", "phép cộng chuỗi"),
    ("{{ 'a'|center(10**9) }}", "độ rộng trong bộ lọc center"),
    ("{{ 'a'.ljust(10**9) }}", "đối số vượt quá giới hạn"),
    ("{{ '%0999999999d' % 1 }}", "độ rộng trong chuỗi định dạng"),
    ("{{ '{:>999999999}'.format(1) }}", "độ rộng trong chuỗi định dạng"),
    ("{{ range(10**6)|list|length }}", "range() quá dài"),
    ("{% set s = 'a' * 10000 %}{{ [s, s, s]|join(',') }}", "kết quả bộ lọc join"),
    ("{% for i in range(5000) %}{{ 'xin chào ' }}{% endfor %}", "nội dung sau khi điền vượt quá giới hạn"),
    ("{{ [1].append(2) }}", "bị chặn vì lý do an toàn"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "mẫu gọi lại chính nó"),
    ("{{ 1 // 0 }}", "mẫu chia một số cho 0"),
]


@pytest.mark.parametrize(("body", "fragment"), RUNTIME)
def test_runtime_limits_name_the_line(tmp_path, body, fragment):
    folder = tmp_path / "scripts_vi"
    write(folder, "x", simple("Dòng năm.\n" + body))
    lib = TemplateLibrary(folder, GLOBALS, max_output_chars=20_000)
    message = error_of(lib, "x")
    assert fragment in message, message
    assert message.startswith("scripts_vi/x.j2:6: ") or "nội dung sau khi điền" in message, message


def test_long_value_hits_the_output_cap(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "x", simple("{{ loi }}", "loi: text"))
    lib = TemplateLibrary(folder, GLOBALS, max_output_chars=1000)
    assert lib.render("x", {"loi": "chữ " * 200}).text.startswith("chữ chữ")
    with pytest.raises(TemplateError, match="vượt quá giới hạn 1.000 ký tự"):
        lib.render("x", {"loi": "chữ " * 300})


def test_runtime_attribute_error_is_vietnamese_with_suggestion(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "x", simple("{{ ds[0].ho_tn }}", "ds: {type: records, fields: [ho_ten, thon]}"))
    message = error_of(TemplateLibrary(folder, GLOBALS), "x", {"ds": "Bình | Đông"})
    assert message == "scripts_vi/x.j2:7: giá trị này không có 'ho_tn' (có phải ý bạn là 'ho_ten'?)"


def test_missing_global_is_a_template_error(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "x", simple("Xã {{ ten_xa }}"))
    assert error_of(TemplateLibrary(folder), "x") == "scripts_vi/x.j2:5: biến 'ten_xa' chưa có giá trị"


# ---------------------------------------------------------------- data files


def test_values_file_keeps_what_the_officer_typed(tmp_path):
    data = tmp_path / "tiem_chung.yaml"
    data.write_text("ngay: 2026-12-05\ngio: 7:30\nmuc_dong: 2.500\nso: 0912345678\nten: no\n"
                    "n: 15\nds: [a, b]\n", encoding="utf-8")
    assert load_values_file(data) == {"ngay": dt.date(2026, 12, 5), "gio": "7:30", "muc_dong": "2.500",
                                      "so": "0912345678", "ten": "no", "n": 15, "ds": ["a", "b"]}


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a.yaml", "ngay: 1\ngio: [1, 2\n", "a.yaml:3: lỗi cú pháp YAML"),
    ("b.yaml", "ngay: 1\ngio: 2\nngay: 3\n", "b.yaml:3: khóa 'ngay' bị lặp lại"),
    ("c.yaml", "- a\n- b\n", "c.yaml:1: tệp dữ liệu phải là một bảng"),
    ("d.json", '{"ngay": "1/1/2026",\n "gio": }', "d.json:2: lỗi cú pháp JSON"),
])
def test_values_file_errors_name_the_line(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_values_file(path)
    assert str(info.value).startswith(f"{tmp_path}/{message}"), str(info.value)


def test_values_file_json_and_empty(tmp_path):
    (tmp_path / "v.json").write_text('{"ngay": "5/12/2026"}', encoding="utf-8")
    (tmp_path / "e.yaml").write_text("# chưa có gì\n", encoding="utf-8")
    assert load_values_file(tmp_path / "v.json") == {"ngay": "5/12/2026"}
    assert load_values_file(tmp_path / "e.yaml") == {}
    with pytest.raises(InputError, match="không tìm thấy tệp dữ liệu"):
        load_values_file(tmp_path / "khong_co.yaml")


def test_values_file_renders(lib, tmp_path):
    data = tmp_path / "v.yaml"
    data.write_text("ngay: 2026-12-04\ngio: 7h30-11h\nvac_xin: [BCG, sởi]\nso_tram: 0234 3876 543\n"
                    "nguoi_nhan:\n  - {ho_ten: Bình, thon: Đông}\n", encoding="utf-8")
    text = lib.render("tiem_chung", load_values_file(data)).text
    assert "ngày 04/12/2026" in text and "Mời Bình, Đông." in text


def test_cap_filter_capitalises_the_first_letter_only(tmp_path):
    folder = tmp_path / "scripts_vi"
    write(folder, "t", simple("{{ ten|cap }}. {{ 'đường liên thôn'|cap }}. {{ '“bà Lan”'|cap }}. {{ ''|cap }}|",
                              "ten: text"))
    out = TemplateLibrary(folder, GLOBALS).render("t", {"ten": "ông Nguyễn Văn An"}).text
    assert out == "Ông Nguyễn Văn An. Đường liên thôn. “Bà Lan”. |"


def test_service_centre_is_a_station_global(tmp_path):
    from broadcast.station.config import Station

    folder = tmp_path / "scripts_vi"
    write(folder, "t", simple("Mời bà con đến {{ ten_trung_tam }} {{ ten_xa }}.", "x: {type: text, required: false}"))
    globals_ = Station(root=tmp_path).template_globals
    assert globals_["ten_trung_tam"] == "Trung tâm Phục vụ hành chính công xã"
    out = TemplateLibrary(folder, globals_).render("t", {}).text
    assert out == "Mời bà con đến Trung tâm Phục vụ hành chính công xã Hòa An."
