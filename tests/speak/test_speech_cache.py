"""The speech cache: layout, keys, no second synthesis, atomic and concurrent writes."""

from __future__ import annotations

import multiprocessing
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from broadcast.errors import EngineError
from broadcast.speak import EngineOptions, SpeechCache
from broadcast.speak.fake import FakeEngine

TEXT = "Xin chào bà con"


class MeetingEngine(FakeEngine):
    """Fake engine whose callers all wait for each other inside synthesize: a guaranteed race."""

    def __init__(self, barrier) -> None:
        super().__init__(EngineOptions())
        self.barrier = barrier

    def synthesize(self, text):
        speech = super().synthesize(text)
        self.barrier.wait(timeout=30)
        return speech


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.suffix != ".wav"]


def test_path_is_engine_then_two_hex_then_sha256(tmp_path):
    path = SpeechCache(tmp_path).path_for(FakeEngine(EngineOptions()), TEXT)
    assert path.parent.parent == tmp_path / "fake"
    assert len(path.stem) == 64 and path.parent.name == path.stem[:2]
    assert path.suffix == ".wav"


def test_key_follows_text_options_and_engine_but_not_unicode_form(tmp_path):
    cache = SpeechCache(tmp_path)
    fake = FakeEngine(EngineOptions())
    key = cache.key(fake, TEXT)
    assert cache.key(fake, unicodedata.normalize("NFD", TEXT)) == key
    assert cache.key(fake, TEXT + ".") != key
    assert cache.key(FakeEngine(EngineOptions(rate=EngineOptions().rate + 20)), TEXT) != key   # another rate
    assert cache.key(FakeEngine(EngineOptions(voice="vi-vn-x-south")), TEXT) == key   # fake has no voices


def test_second_get_makes_no_engine_call(tmp_path):
    cache, fake = SpeechCache(tmp_path), FakeEngine(EngineOptions())
    path, cached = cache.get_or_make(fake, TEXT)
    assert (cached, fake.calls) == (False, 1)
    again, cached = cache.get_or_make(FakeEngine(EngineOptions()), TEXT)
    assert (again, cached, fake.calls) == (path, True, 1)
    assert path.read_bytes() == fake.synthesize(TEXT).data


def test_failed_synthesis_leaves_nothing(tmp_path):
    cache = SpeechCache(tmp_path)
    with pytest.raises(EngineError):
        cache.get_or_make(FakeEngine(EngineOptions(), fail_on=("chào",)), TEXT)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_empty_file_counts_as_missing(tmp_path):
    cache, fake = SpeechCache(tmp_path), FakeEngine(EngineOptions())
    path = cache.path_for(fake, TEXT)
    path.parent.mkdir(parents=True)
    path.touch()
    assert cache.get_or_make(fake, TEXT) == (path, False)
    assert path.stat().st_size > 0


def test_concurrent_threads_on_one_key_leave_one_valid_file(tmp_path):
    cache, engine = SpeechCache(tmp_path), MeetingEngine(threading.Barrier(6))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _i: cache.get_or_make(engine, TEXT), range(6)))
    assert {path for path, _ in results} == {cache.path_for(engine, TEXT)}
    assert engine.calls == 6
    assert results[0][0].read_bytes() == FakeEngine(EngineOptions()).synthesize(TEXT).data
    assert leftovers(tmp_path) == []


def _render_in_child(root: str, barrier) -> None:
    SpeechCache(Path(root)).get_or_make(MeetingEngine(barrier), TEXT)


def test_concurrent_processes_on_one_key_leave_one_valid_file(tmp_path):
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    barrier = ctx.Barrier(3)
    children = [ctx.Process(target=_render_in_child, args=(str(tmp_path), barrier)) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0, 0, 0]
    cache = SpeechCache(tmp_path)
    fake = FakeEngine(EngineOptions())
    assert cache.get_or_make(fake, TEXT) == (cache.path_for(fake, TEXT), True)
    assert cache.path_for(fake, TEXT).read_bytes() == fake.synthesize(TEXT).data
    assert leftovers(tmp_path) == []
