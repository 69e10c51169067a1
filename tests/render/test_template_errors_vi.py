"""Template errors reach the officer in Vietnamese with the file and line: another template pulled
in (include, extends, import; missing, itself, broken), Jinja syntax errors, failures while filling."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.errors import TemplateError
from broadcast.render import TemplateLibrary

GLOBALS = {"ten_xa": "Hòa An"}
HEADER = "{#---\ntitle: Thử\nkind: thong-bao\nvariables:\n  so: {type: integer, label: Số}\n---#}\n"
ENGLISH = re.compile(r"\b(loader|environment|Template|not found|Jinja|Unexpected|unexpected|expected|token|"
                     r"Encountered|Error|division|object|index|out of range)\b")


def library(tmp_path, **bodies) -> TemplateLibrary:
    folder = tmp_path / "scripts_vi"
    folder.mkdir(exist_ok=True)
    for name, body in bodies.items():
        (folder / f"{name}.j2").write_text(HEADER + body, encoding="utf-8")
    return TemplateLibrary(folder, GLOBALS)


def vietnamese(error: TemplateError, name: str, line: int) -> str:
    text = str(error)
    assert text.startswith(f"scripts_vi/{name}.j2:{line}: "), text
    assert not ENGLISH.search(error.message), text
    return text


PULLS = {  # name: (body of 'a', line of the pull, other templates, what the message names)
    "include-khong-co": ('Xin chào.\n{% include "khong_co.j2" %}\n', 8, {}, "{% include %}"),
    "include-co-that": ('Xin chào.\n{% include "b.j2" %}\n', 8, {"b": "Phần B."}, "{% include %}"),
    "include-chinh-no": ('{% include "a.j2" %}\n', 7, {}, "{% include %}"),
    "include-vong": ('{% include "b.j2" %}\n', 7, {"b": '{% include "a.j2" %}'}, "{% include %}"),
    "include-mau-hong": ('{% include "b.j2" %}\n', 7, {"b": "{% for x in %}"}, "{% include %}"),
    "include-ten-bien": ("{% if so > 1 %}\n{% include ten_mau %}\n{% endif %}\n", 8, {}, "{% include %}"),
    "include-danh-sach": ('{% include ["b.j2", "c.j2"] ignore missing %}\n', 7, {}, "{% include %}"),
    "extends-khong-co": ('{% extends "khung.j2" %}\n', 7, {}, "{% extends %}"),
    "extends-co-that": ('{% extends "b.j2" %}\n', 7, {"b": "{% block x %}{% endblock %}"}, "{% extends %}"),
    "import": ('{% import "b.j2" as b %}{{ b.chao() }}\n', 7, {"b": "{% macro chao() %}x{% endmacro %}"},
               "{% import %}"),
    "from-import": ('{% from "b.j2" import chao %}{{ chao() }}\n', 7, {"b": "{% macro chao() %}x{% endmacro %}"},
                    "{% from ... import %}"),
    "trong-macro": ('{% macro m() %}\n{% include "b.j2" %}\n{% endmacro %}{{ m() }}\n', 8, {"b": "B"},
                    "{% include %}"),
}


@pytest.mark.parametrize("case", sorted(PULLS))
def test_another_template_pulled_in_is_refused_at_check_with_file_and_line(tmp_path, case):
    body, line, others, tag = PULLS[case]
    lib = library(tmp_path, a=body, **others)
    errors = {e.path: e for e in lib.check_all()}
    error = errors["scripts_vi/a.j2"]
    assert tag in vietnamese(error, "a", line)
    with pytest.raises(TemplateError) as rendering:
        lib.render("a", {"so": 2})
    assert rendering.value.line == line and not ENGLISH.search(rendering.value.message)


SYNTAX = {  # body: line
    "{% for x in y %}a": 7,
    "{% if so %}a{% endfor %}": 7,
    "dòng 7\n{{ so }": 8,
    "{% foo %}": 7,
    "{{ so + }}": 7,
    "{% for x y %}{% endfor %}": 7,
    "{{ so | }}": 7,
    "{% endif %}": 7,
    "{{ 'abc }}": 7,
    "{% set %}": 7,
    "{{ so.1a }}": 7,
    "{{ so ]] }}": 7,
}


@pytest.mark.parametrize("body", list(SYNTAX))
def test_jinja_syntax_errors_are_in_vietnamese(tmp_path, body):
    (error,) = library(tmp_path, a=body).check_all()
    assert "lỗi cú pháp mẫu" in vietnamese(error, "a", SYNTAX[body])


def test_the_block_left_open_is_named():
    from broadcast.render.sandbox import syntax_message

    message = syntax_message("Unexpected end of template. Jinja was looking for the following tags: 'endfor' "
                             "or 'else'. The innermost block that needs to be closed is 'for'.")
    assert message == "lỗi cú pháp mẫu: mẫu hết mà khối '{% for %}' chưa đóng (cần {% endfor %} hoặc {% else %})"


RUNTIME = {  # body: what the message says
    "{{ 10 // (so - so) }}": "chia một số cho 0",
    "{{ range(1, 10, so - so) | list }}": "giá trị không hợp lệ",
    "{{ 'a' + so }}": "sai kiểu",
}


@pytest.mark.parametrize("body", list(RUNTIME))
def test_failures_while_filling_are_in_vietnamese_with_the_line(tmp_path, body):
    lib = library(tmp_path, a="Dòng 7.\n" + body + "\n")
    with pytest.raises(TemplateError) as caught:
        lib.render("a", {"so": 5})
    assert RUNTIME[body] in vietnamese(caught.value, "a", 8)
    assert caught.value.__cause__ is not None                 # the detail stays for -v


def test_check_prints_it_and_exits_2(station_dir):
    (station_dir / "scripts_vi" / "phan_chung.j2").write_text(HEADER + "Phần chung.\n", encoding="utf-8")
    (station_dir / "scripts_vi" / "goi.j2").write_text(HEADER + 'Mở.\n{% include "phan_chung.j2" %}\n',
                                                       encoding="utf-8")
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "check"])
    assert result.exit_code == 2, result.output
    assert "scripts_vi/goi.j2:8: mẫu không được gọi mẫu khác 'phan_chung.j2' bằng {% include %}" in result.output
    assert "loader" not in result.output and "Traceback" not in result.output
