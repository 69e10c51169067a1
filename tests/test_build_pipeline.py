"""A cold build starts every programme's encoder at once, before a word is spoken."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import date
from pathlib import Path

import pytest

from broadcast.audio import Clip, Pending, Silence, assembly
from broadcast.build import Toolkit, build_day
from broadcast.station.config import load_station

DAY = date(2026, 12, 7)


class Unspoken(Future):
    """A clip nobody may wait for."""

    def result(self, timeout=None):
        raise AssertionError("the encoder waited for a clip to learn the rate")


def test_a_clip_spoken_at_a_known_rate_is_not_waited_for(tmp_path):
    segments = [Silence(0.5), Clip(tmp_path / "tune.wav"), Pending(Unspoken(), rate=22050)]
    assert assembly._working_rate(segments, 44100) == 22050


def test_every_programme_is_encoding_before_the_first_text_is_spoken(station_dir, monkeypatch):
    """Before, each encoder waited for its programme's first clip to learn the rate, and the
    second programme's clips come after all of the first's: its encoder sat idle meanwhile."""
    from broadcast.speak.fake import FakeEngine

    station = load_station(station_dir)
    started: list[Path] = []
    all_started = threading.Event()
    real_encode, real_synthesize = assembly.encode_pcm, FakeEngine.synthesize

    def encode_pcm(pcm, rate, dst, fmt, tags):
        started.append(dst)
        if len(started) == 2:
            all_started.set()
        return real_encode(pcm, rate, dst, fmt, tags)

    first_seen: list[int] = []

    def synthesize(self, text):
        if not first_seen:
            all_started.wait(timeout=60)           # a guard against a hang, not a measure of speed
            first_seen.append(len(started))
        return real_synthesize(self, text)

    monkeypatch.setattr(assembly, "encode_pcm", encode_pcm)
    monkeypatch.setattr(FakeEngine, "synthesize", synthesize)
    result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    assert first_seen == [2]
    assert result.encoded == 2
    for entry in result.programmes:
        assert entry["loudness_lufs"] == pytest.approx(station.audio.target_lufs, abs=1.0)
