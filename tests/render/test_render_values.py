"""Template values: every wrong value of a render reported at once."""

from __future__ import annotations

import pytest

from broadcast.errors import TemplateError
from broadcast.render import TemplateLibrary

GLOBALS = {"ten_xa": "Hòa An", "ten_dai": "Đài Truyền thanh xã Hòa An", "ten_huyen": "", "ten_tinh": ""}


def test_every_wrong_value_is_reported_not_only_the_first(tmp_path):
    folder = tmp_path / "scripts_vi"
    folder.mkdir()
    (folder / "y.j2").write_text("{#---\ntitle: Thử\nkind: thong-bao\nvariables:\n  ngay: {type: date}\n"
                                 "  so: {type: phone}\n  gio: {type: time}\n---#}\n{{ ngay }} {{ so }} {{ gio }}\n",
                                 encoding="utf-8")
    lib = TemplateLibrary(folder, GLOBALS)
    with pytest.raises(TemplateError) as info:
        lib.render("y", {"ngay": "32/13/2026", "so": "123", "gio": "25h"})
    message = str(info.value)
    assert message.startswith("scripts_vi/y.j2: có 3 giá trị cần sửa:")
    assert "'ngay'" in message and "'so'" in message and "'gio'" in message
