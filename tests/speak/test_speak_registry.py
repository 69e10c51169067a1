"""The engine registry and the data behind `broadcast engines`."""

from __future__ import annotations

import pytest
import responses
from speak_helpers import GOOGLE

from broadcast.errors import InputError
from broadcast.speak import ENGINES, EngineOptions, create_engine, engine_report


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_registered_classes_declare_what_the_cache_and_report_need(name):
    cls = ENGINES[name]
    assert cls.name == name
    assert cls.audio_format in {"wav", "mp3"}
    assert isinstance(cls.online, bool)


@pytest.mark.parametrize("name, cls_name", [("espeak", "EspeakEngine"), (" GTTS ", "GttsEngine"),
                                            ("edge", "EdgeEngine"), ("piper", "PiperEngine"),
                                            ("fake", "FakeEngine")])
def test_create_engine_by_name(name, cls_name):
    engine = create_engine(name, EngineOptions())
    assert type(engine).__name__ == cls_name


@pytest.mark.parametrize("name, delay, waits", [("gtts", 0.0, True), ("edge", 0.0, True), ("espeak", 0.0, False),
                                               ("piper", 0.0, False), ("fake", 0.0, False), ("fake", 0.3, True)])
def test_an_engine_says_whether_its_time_is_spent_waiting(name, delay, waits):
    # a province build speaks many texts at once for an engine that waits, `cores` for one that computes
    assert create_engine(name, EngineOptions(fake_delay_s=delay)).waits() is waits


def test_unknown_engine_lists_the_valid_names():
    with pytest.raises(InputError) as err:
        create_engine("vbee", EngineOptions())
    assert "'vbee'" in str(err.value)
    assert "espeak, gtts, edge, piper, fake" in str(err.value)


def test_report_lists_configured_first_then_every_other_engine(google, tmp_path):
    google.add(responses.HEAD, f"{GOOGLE}/", status=200)
    rows = engine_report(["gtts", "espeak"], EngineOptions(voices_dir=str(tmp_path)))
    assert [name for name, _ok, _why in rows] == ["gtts", "espeak", "edge", "piper", "fake"]
    assert rows[:2] == [("gtts", True, ""), ("espeak", True, "")]
    assert rows[2][:2] == ("edge", False) and "không có mạng" in rows[2][2]       # tests reach no internet
    assert rows[3][:2] == ("piper", False) and "chưa cài giọng Piper" in rows[3][2]
    assert rows[4] == ("fake", True, "")


def test_report_explains_what_is_not_available(google):
    rows = dict((name, (ok, why)) for name, ok, why in
                engine_report(["espeak", "vbee"], EngineOptions(voice="vi-hue")))
    assert rows["gtts"] == (False, "không có mạng (không kết nối được translate.google.com.vn: "
                                   "ConnectionError)")
    assert rows["espeak"][0] is False and "vi-vn-x-south" in rows["espeak"][1]
    assert rows["vbee"][0] is False and "Các máy đọc có" in rows["vbee"][1]
    assert rows["fake"] == (True, "")
