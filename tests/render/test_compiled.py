"""Templates kept compiled on disk (`broadcast.render.compiled`): found by their source, never kept broken."""

from __future__ import annotations

import pytest

from broadcast.errors import TemplateError
from broadcast.render import TemplateLibrary, compiled

GLOBALS = {"ten_xa": "Hòa An"}
HEADER = "{#---\ntitle: Họp thôn\nkind: thong-bao\nvariables:\n  gio: {type: text}\n---#}\n"


def library(tmp_path, globals_=GLOBALS):
    return TemplateLibrary(tmp_path / "scripts_vi", globals_, compiled=tmp_path / "var" / "templates")


def write(tmp_path, body):
    folder = tmp_path / "scripts_vi"
    folder.mkdir(exist_ok=True)
    (folder / "hop.j2").write_text(HEADER + body, encoding="utf-8")


@pytest.fixture
def compiles(monkeypatch):
    """Each time a template was really compiled."""
    calls = []
    real = TemplateLibrary._check_body

    def counting(self, *args):
        calls.append(1)
        return real(self, *args)

    monkeypatch.setattr(TemplateLibrary, "_check_body", counting)
    return calls


def kept(tmp_path):
    return sorted((tmp_path / "var" / "templates").glob(f"*{compiled.SUFFIX}"))


def test_a_template_compiled_once_is_found_by_the_next_library(tmp_path, compiles):
    write(tmp_path, "Mời bà con xã {{ ten_xa }} họp lúc {{ gio }}.")
    first = library(tmp_path).render("hop", {"gio": "7 giờ"}).text
    again = library(tmp_path).render("hop", {"gio": "7 giờ"}).text    # a new command: a new library
    assert first == again == "Mời bà con xã Hòa An họp lúc 7 giờ."
    assert len(compiles) == 1 and len(kept(tmp_path)) == 1


def test_an_edited_template_is_compiled_again(tmp_path, compiles):
    write(tmp_path, "Mời bà con họp lúc {{ gio }}.")
    library(tmp_path).render("hop", {"gio": "7 giờ"})
    write(tmp_path, "Kính mời bà con đến họp lúc {{ gio }}.")
    assert library(tmp_path).render("hop", {"gio": "7 giờ"}).text == "Kính mời bà con đến họp lúc 7 giờ."
    assert len(compiles) == 2


def test_other_station_globals_are_another_key(tmp_path, compiles):
    write(tmp_path, "Xã {{ ten_xa }}.")
    library(tmp_path).render("hop", {"gio": "7 giờ"})
    with pytest.raises(TemplateError, match="ten_xa"):          # no longer a global: undeclared
        library(tmp_path, {"ten_dai": "Đài"}).render("hop", {"gio": "7 giờ"})
    assert len(compiles) == 2


@pytest.mark.parametrize("body", ["{{ khong_co_bien_nay }}", "{{ gio.__class__ }}", "{% include 'khac.j2' %}"])
def test_a_template_that_fails_a_check_is_never_kept(tmp_path, compiles, body):
    write(tmp_path, body)
    for _ in range(2):
        with pytest.raises(TemplateError):
            library(tmp_path).render("hop", {"gio": "7 giờ"})
    assert len(compiles) == 2 and kept(tmp_path) == []


def test_a_damaged_file_is_compiled_again(tmp_path, compiles):
    write(tmp_path, "Họp lúc {{ gio }}.")
    library(tmp_path).render("hop", {"gio": "7 giờ"})
    kept(tmp_path)[0].write_bytes(b"\x00garbage")
    assert library(tmp_path).render("hop", {"gio": "8 giờ"}).text == "Họp lúc 8 giờ."
    assert len(compiles) == 2


def test_the_oldest_files_go_first(tmp_path, monkeypatch):
    monkeypatch.setattr(compiled, "KEPT", 2)
    for n in range(4):
        write(tmp_path, f"Lần {n}: {{{{ gio }}}}.")
        library(tmp_path).render("hop", {"gio": "7 giờ"})
    assert len(kept(tmp_path)) == 2
