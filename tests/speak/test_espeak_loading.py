"""What espeak does at every text, kept cheap: the voice loaded by its file (the same samples), the
library's version read once."""

from __future__ import annotations

import io

import pytest

from broadcast.speak import EngineOptions, espeak
from broadcast.speak.espeak import VOICES

TEXTS = [
    "Xin chào bà con.",
    "UBND xã thông báo: lịch tiêm chủng ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu.",
    "Facebook, Zalo và COVID: những từ tiếng Anh trong câu tiếng Việt.",
    "một hai ba bốn năm sáu bảy tám chín mười; mười một, hai mươi mốt, một trăm linh năm.",
    "Ừ, ờ, ạ, ậy; ngẫm nghĩ, ngỡ ngàng, khuỷu tay, nguệch ngoạc!",
    "A",
    "?!... xin chào ...",
]
PARAMETERS = [((1, 120), (3, 50), (4, 99), (7, 6)),     # the station's defaults
              ((1, 450), (3, 0), (4, 0), (7, 0)),
              ((1, 80), (3, 99), (4, 50), (7, 50))]


def test_the_northern_voice_is_named_by_its_file():
    _, data = espeak._library_paths()
    assert espeak._voice_file("vi", data).endswith("/vi")      # "aav/vi": opened directly


def spoken(text: str, voice: str, parameters) -> bytes:
    out = io.BytesIO()
    with espeak._LOCK:
        espeak._synthesize_fresh(text, voice, parameters, out)
    return out.getvalue()


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_the_samples_are_those_of_the_voice_found_by_name(voice, monkeypatch):
    fast = [spoken(text, voice, p) for p in PARAMETERS for text in TEXTS]
    monkeypatch.setattr(espeak, "_voice_file", lambda voice, data_path: voice)   # the library's own search
    by_name = [spoken(text, voice, p) for p in PARAMETERS for text in TEXTS]
    assert fast == by_name
    assert len(set(fast)) == len(fast)                  # every text and setting sounds different


@pytest.mark.parametrize("name", ["../vi", "aav/vi", "", "vi\0"])
def test_a_name_that_is_not_a_plain_voice_name_is_passed_on_as_it_is(name):
    _, data = espeak._library_paths()
    assert espeak._voice_file(name, data) == name


def test_the_library_version_is_read_once_per_installed_library(tmp_path, monkeypatch):
    from importlib import metadata

    reads: list[str] = []
    real_version = metadata.version

    def version(name):
        reads.append(name)
        return real_version(name)

    library = tmp_path / "libespeak-ng.so"
    library.write_bytes(b"one")
    monkeypatch.setattr(metadata, "version", version)
    monkeypatch.setattr(espeak, "_library_paths", lambda: (str(library), str(tmp_path)))
    espeak._version_of_loader.cache_clear()
    engine = espeak.EspeakEngine(EngineOptions())
    keys = [engine.cache_key_parts() for _ in range(5)]
    assert reads == ["espeakng-loader"] and keys == keys[:1] * 5
    library.unlink()
    library.write_bytes(b"an upgrade")                       # another file where the library was
    engine.cache_key_parts()
    assert reads == ["espeakng-loader"] * 2
    espeak._version_of_loader.cache_clear()


def test_a_broken_install_is_reported_and_a_repaired_one_is_seen(monkeypatch):
    import espeakng_loader

    real = espeakng_loader.get_data_path

    def missing():
        raise RuntimeError("data path not exists")

    espeak._library_paths.cache_clear()
    monkeypatch.setattr(espeakng_loader, "get_data_path", missing)
    ok, why = espeak.EspeakEngine(EngineOptions()).availability()
    assert not ok and "espeakng-loader" in why
    monkeypatch.setattr(espeakng_loader, "get_data_path", real)
    assert espeak.EspeakEngine(EngineOptions()).availability() == (True, "")
