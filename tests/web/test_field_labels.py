"""Record field labels: the template's `labels` are the column headings of the console's form."""

from __future__ import annotations

import pytest

from broadcast.errors import TemplateError
from broadcast.render import TemplateLibrary
from broadcast.web.forms import fields_for, read_form

GLOBALS = {"ten_xa": "Hòa An"}


def _library(tmp_path, spec: str) -> TemplateLibrary:
    folder = tmp_path / "scripts_vi"
    folder.mkdir()
    (folder / "x.j2").write_text(
        "{#---\ntitle: Thử\nkind: thong-bao\nvariables:\n" + spec + "\n---#}\n"
        "{% for p in ds %}{{ p.ho_ten }}, {{ p.thon }}.{% endfor %}\n", encoding="utf-8")
    return TemplateLibrary(folder, GLOBALS)


def test_labels_become_headings_and_messages(tmp_path):
    info = _library(tmp_path, "  ds:\n    type: records\n    fields: [ho_ten, thon]\n"
                              "    label: 'Danh sách công dân: họ tên, thôn'\n"
                              "    labels: {ho_ten: Họ tên, thon: Thôn}").get("x")
    assert dict(info.field_labels["ds"]) == {"ho_ten": "Họ tên", "thon": "Thôn"}
    (field,) = fields_for(info.variables, labels=info.field_labels)
    assert field.columns == [("ho_ten", "Họ tên"), ("thon", "Thôn")]
    _, (checked,) = read_form(info.variables, {}, info.field_labels)
    assert checked.error == "Chưa điền danh sách công dân"


def test_without_labels_the_field_name_is_spelled_out(tmp_path):
    info = _library(tmp_path, "  ds: {type: records, fields: [ho_ten, thon]}").get("x")
    assert fields_for(info.variables)[0].columns == [("ho_ten", "Ho ten"), ("thon", "Thon")]


@pytest.mark.parametrize(("spec", "message"), [
    ("  ds: {type: records, fields: [ho_ten, thon], labels: {ho_tn: Họ tên}}",
     "'labels' của biến 'ds' có trường lạ 'ho_tn' (có phải ý bạn là 'ho_ten'?)"),
    ("  ds: {type: records, fields: [ho_ten, thon], labels: [Họ tên, Thôn]}", "phải là các dòng 'trường: Tên cột'"),
    ("  ds: {type: records, fields: [ho_ten, thon], labels: {ho_ten: ''}}", "phải là các dòng 'trường: Tên cột'"),
    ("  ds: {type: text, labels: {a: A}}\n  x: text", "'labels' chỉ dùng cho kiểu records"),
])
def test_bad_labels_are_one_line_errors_with_file_and_line(tmp_path, spec, message):
    with pytest.raises(TemplateError) as info:
        _library(tmp_path, spec).get("x")
    assert message in str(info.value) and str(info.value).startswith("scripts_vi/x.j2:5")


def test_the_sample_templates_with_lists_have_labels(tmp_path):
    from pathlib import Path

    library = TemplateLibrary(Path(__file__).resolve().parents[2] / "scripts_vi", GLOBALS)
    for name in library.names():
        info = library.get(name)
        for spec in info.variables.values():
            if spec.type == "records":
                assert set(info.field_labels.get(spec.name, {})) == set(spec.fields), name
