"""The bulletin form ⇄ YAML of the province console (pure): round trips, ids, messages without YAML keys."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from bulletin_helpers import T0, TZ

from broadcast.province.console import form
from broadcast.province.console.form import blank, check, from_document, from_yaml, next_id, to_yaml


def test_module_doctest():
    assert doctest.testmod(form).failed == 0


@pytest.mark.parametrize("changes", [
    {"level": "khan-cap", "title": "Bão số 9", "text": "Bà con ở yên trong nhà."},
    {"level": "uu-tien", "title": "Lịch cắt điện", "content": "template", "template": "lich_cat_dien",
     "values": "ngay: 08/12/2026\nkhu_vuc: [\"thôn Đông\", \"thôn Tây\"]", "targets": "communes",
     "communes": "xa-001, xa-002", "zones": "thon-dong", "from": "08/12/2026 06:00"},
    {"level": "thong-thuong", "title": "Họp dân", "text": "Mời bà con dự họp.", "targets": "tag", "tag": "ven-bien",
     "replaces": "hop-dan-cu", "id": "hop-dan"},
])
def test_a_form_survives_the_draft_yaml_and_is_a_valid_document(changes, tmp_path):
    values = {**blank(T0), **changes}
    text, errors = to_yaml(values, now=T0)
    assert errors == {}
    again = from_yaml(text)
    for key, value in changes.items():
        if key not in ("repeat_every",):
            assert again[key] == value, key
    _, document, problems = check(values, now=T0, tz=TZ, folder=Path(tmp_path))
    assert problems == {}
    assert ("repeat_every_minutes" in document) == (values["level"] == "khan-cap")


def test_typed_text_cannot_add_a_key_to_the_yaml(tmp_path):
    values = {**blank(T0), "title": 'Bão"\nrecording: /etc/passwd', "text": "x\nrecording: /etc/passwd"}
    text, _ = to_yaml(values, now=T0)
    assert [line.split(":")[0] for line in text.splitlines()] == ["id", "level", "title", "text", "expires", "targets"]
    _, document, _ = check(values, now=T0, tz=TZ, folder=Path(tmp_path))
    assert "recording" not in document["content"]


def test_a_sent_document_fills_the_replacing_form_and_ids_count_up():
    document = {"id": "bao-so-9", "level": "khan-cap", "title": "Bão", "content": {"text": "Bão số 9."},
                "expires": "2026-12-08T14:00:00+07:00", "targets": {"communes": ["xa-001"]}, "zones": [],
                "repeat_every_minutes": 90}
    values = from_document(document, TZ, new_id="bao-so-9-lan-2")
    assert values["replaces"] == "bao-so-9" and values["expires"] == "08/12/2026 14:00"
    assert values["repeat_every"] == "90 phút" and values["communes"] == "xa-001" and values["targets"] == "communes"
    assert next_id("bao-so-9", lambda i: False) == "bao-so-9-lan-2"
    assert next_id("bao-so-9-lan-2", lambda i: i == "bao-so-9-lan-3") == "bao-so-9-lan-4"
