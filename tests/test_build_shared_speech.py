"""Zones' programmes share their speech as it is made: an encoder waiting for a text another programme is speaking
takes the clip at once (no idle core while the first programme is spoken); a clip in another voice still supersedes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from broadcast.build.day import _Shared, _speak_and_encode
from broadcast.build.programme import SpeechStream


def test_an_offered_clip_resolves_a_waiting_text_and_its_own_delivery_later_changes_nothing():
    stream = SpeechStream(["mở đầu", "họp thôn Tây", "lời kết"])
    stream.offer("mở đầu", Path("a.wav"))
    stream.offer("không có ở đây", Path("x.wav"))               # a text this programme does not read
    assert stream.futures[0].result() == Path("a.wav") and not stream.futures[1].done()
    stream.deliver(0, Path("a.wav"))                             # its own speech: the same cached clip
    stream.deliver(1, Path("b.wav"))
    stream.deliver(2, Path("c.wav"))
    stream.close()
    assert not stream.superseded and [f.result() for f in stream.futures] == [Path(p) for p in ("a.wav", "b.wav", "c.wav")]


def test_a_clip_in_another_voice_after_an_offer_supersedes_the_stream():
    stream = SpeechStream(["mở đầu", "lời kết"])
    stream.offer("mở đầu", Path("espeak/a.wav"))
    stream.deliver(0, Path("du-phong/a.wav"))                     # its own speech fell back to another engine
    assert stream.superseded


def test_speech_is_offered_to_the_other_programmes_only_in_the_first_voice():
    own, other = SpeechStream(["mở đầu", "họp thôn Đông"]), SpeechStream(["mở đầu", "họp thôn Tây"])
    shared = _Shared(own, ["mở đầu", "họp thôn Đông"], [other])
    shared.deliver(0, Path("a.wav"))
    assert other.futures[0].result() == Path("a.wav") and not other.futures[1].done()
    shared.deliver(0, Path("fallback-a.wav"))                    # a fallback restarts from text 0: own is superseded
    assert own.superseded
    third = SpeechStream(["họp thôn Đông"])
    _Shared(own, ["mở đầu", "họp thôn Đông"], [third]).deliver(1, Path("fallback-b.wav"))
    assert not third.futures[0].done()                           # nothing in the fallback voice is offered


class _Toolkit:
    """What `_speak_and_encode` needs, with a speaker that holds each programme's last text until told."""

    def __init__(self, release: threading.Event, fed: dict[str, list[str]], rate: int | None = None) -> None:
        self.release, self.fed, self.rate = release, fed, rate
        self.station = type("S", (), {"programme": type("P", (), {"gap_s": 0.0})()})()
        self.spoken: list[str] = []

    def speech_rate(self) -> int | None:
        """None: the engine's rate is known only from its first clip; a number: encoders start at once."""
        return self.rate

    def speak(self, texts, ready):
        for index, text in enumerate(texts):
            if index == len(texts) - 1 and not self.spoken:
                assert self.release.wait(30), "the second programme's encoder never took the shared clip"
            ready(index, Path(f"{text}.wav"))
        self.spoken.append(texts[0])
        return type("Spoken", (), {"engine_calls": len(texts), "files": [Path(f"{t}.wav") for t in texts]})()


@pytest.mark.parametrize("rate", [None, 22050])
def test_the_second_programmes_encoder_gets_shared_clips_while_the_first_is_still_spoken(monkeypatch, rate):
    """The first programme's speech stops before its last text until the second's encoder has its first clip:
    on the old build (clips only from a programme's own speech) the second waited for its own turn and this hung."""
    import broadcast.build.day as day

    release = threading.Event()
    fed: dict[str, list[str]] = {}

    class Composed:
        def __init__(self, pid: str, texts: list[str]) -> None:
            self.programme = type("Pr", (), {"id": pid, "start": None, "title": pid})()
            self._texts = texts

        def texts(self):
            return self._texts

    def segments(c, gap, clip_for):
        return [clip_for(t) for t in c.texts()], []

    def encode(toolkit, c, staging, pending, fed_seconds):
        for clip in pending:
            path = clip.future.result(30)
            fed.setdefault(c.programme.id, []).append(path.name)
            if c.programme.id == "chieu-thon-tay":
                release.set()
        return "audio"

    monkeypatch.setattr(day, "programme_segments", segments)
    monkeypatch.setattr(day, "programme_audio", encode)
    monkeypatch.setattr(day, "programme_entry", lambda toolkit, c, digest, result, owner, spoken: {"id": c.programme.id})
    monkeypatch.setattr(day.os, "cpu_count", lambda: 2)          # two encoders side by side, as on the station PC
    monkeypatch.setattr(day, "MAX_PARALLEL_ENCODES", 2)
    first = Composed("chieu-thon-dong", ["mở đầu", "bản tin", "họp thôn Đông"])
    second = Composed("chieu-thon-tay", ["mở đầu", "bản tin", "họp thôn Tây"])
    toolkit = _Toolkit(release, fed, rate)
    built, _ = _speak_and_encode(toolkit, [(first, "h1"), (second, "h2")], Path("."),
                                 {"chieu-thon-dong": 1.0, "chieu-thon-tay": 1.0}, None)
    assert set(built) == {"chieu-thon-dong", "chieu-thon-tay"}
    assert fed["chieu-thon-tay"] == ["mở đầu.wav", "bản tin.wav", "họp thôn Tây.wav"]
