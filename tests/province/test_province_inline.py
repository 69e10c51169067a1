"""`province build --workers 0`: each commune's build_day with one shared cache; the same days, failures alone."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import pytest
from click.testing import CliRunner

from broadcast.build import build_day
from broadcast.cli import cli
from broadcast.province.cores import usable_cores
from broadcast.province.inline import build_in_process
from broadcast.publish.day import read_manifest
from broadcast.station.config import load_station

MONDAY = date(2026, 12, 7)


def comparable(manifest):
    return [{k: p[k] for k in ("id", "file", "duration_s", "sha256", "bytes", "engine", "inputs_hash")}
            for p in manifest["programmes"]]


@pytest.mark.parametrize("delay", [0.0, 0.001])     # with a delay the engine waits: its texts are spoken ahead
def test_in_process_days_equal_single_builds_and_shared_speech_is_made_once(tmp_path, make_small_province, delay):
    province = make_small_province(tmp_path, 2, fake_delay_s=delay)
    result = build_in_process(province.stations, [MONDAY])
    assert result.exit_code == 0 and result.workers == 1 and [o for o in result.outcomes if not o.ok] == []
    for station_dir in province.stations:
        alone = shutil.copytree(station_dir, tmp_path / f"alone-{station_dir.name}",
                                ignore=shutil.ignore_patterns("audio_out"))
        build_day(load_station(alone), MONDAY)
        day = MONDAY.isoformat()
        assert comparable(read_manifest(station_dir / "audio_out" / day)) == \
            comparable(read_manifest(alone / "audio_out" / day))
        assert not list((station_dir / "audio_out").glob(".*"))
    cached = [p for p in (province.province / ".cache" / "tts" / "fake").rglob("*.wav")
              if re.fullmatch(r"[0-9a-f]{64}", p.stem)]
    assert result.synthesized == len(cached) < result.speech_items          # shared texts spoken once


def test_in_process_a_bad_station_fails_alone_on_the_command_line(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 2)
    (province.stations[1] / "schedules" / "slots.yaml").write_text("slots: [\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["province", "build", "--stations", *map(str, province.stations),
                                      "--date", "2026-12-07", "--workers", "0", "--json"])
    assert result.exit_code == 2, result.output
    summary = json.loads(result.output)
    assert summary["published"] == 1 and summary["workers"] == 1
    [failure] = summary["failures"]
    assert "slots.yaml" in failure["message"]


def test_a_text_two_communes_ask_for_at_once_is_synthesized_once(tmp_path):
    import threading

    from broadcast.province.inline import SharedCache
    from broadcast.speak import EngineOptions, create_engine

    engine = create_engine("fake", EngineOptions(fake_delay_s=0.2))
    calls = []
    real = engine.synthesize
    engine.synthesize = lambda text: calls.append(text) or real(text)
    cache = SharedCache(tmp_path / "tts")
    start = threading.Barrier(3)
    answers = []

    def ask() -> None:
        start.wait()
        answers.append(cache.get_or_make(engine, "Thông báo của tỉnh"))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["Thông báo của tỉnh"]
    assert sorted(made for _, made in answers) == [False, True, True] and len({p for p, _ in answers}) == 1


def test_the_default_province_build_runs_in_process_communes_side_by_side(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 3)
    result = CliRunner().invoke(cli, ["province", "build", "--stations", *map(str, province.stations),
                                      "--date", "2026-12-07", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["scheduler"] == "trong tiến trình" and summary["published"] == 3
    assert summary["synthesized"] == summary["distinct_texts"] < summary["speech_items"]
    for station_dir in province.stations:
        assert read_manifest(station_dir / "audio_out" / MONDAY.isoformat())["programmes"]


class Overlap:
    """Counts the syntheses in flight; the first ones wait until `target` are in flight together
    (or until one gives up), so a build that could overlap that many does."""

    def __init__(self, target: int) -> None:
        import threading

        self.target, self.active, self.peak = target, 0, 0
        self.lock, self.reached = threading.Lock(), threading.Event()

    def wrap(self, real):
        def synthesize(engine, text):
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
                if self.active >= self.target:
                    self.reached.set()
            try:
                if not self.reached.wait(timeout=20):      # never reached: stop holding the calls back
                    self.reached.set()
                return real(engine, text)
            finally:
                with self.lock:
                    self.active -= 1
        return synthesize


def test_a_waiting_engine_speaks_more_texts_at_once_than_communes_are_built(tmp_path, make_small_province,
                                                                             monkeypatch):
    from broadcast.province.inline import side_by_side
    from broadcast.speak.fake import FakeEngine

    province = make_small_province(tmp_path, 3, fake_delay_s=0.001)     # a delay: the engine waits
    width = side_by_side(3)
    overlap = Overlap(width + 1)
    monkeypatch.setattr(FakeEngine, "synthesize", overlap.wrap(FakeEngine.synthesize))
    result = build_in_process(province.stations, [MONDAY])
    assert result.exit_code == 0 and [o for o in result.outcomes if not o.ok] == []
    assert overlap.peak > width


def test_a_computing_engine_speaks_no_more_texts_at_once_than_communes_are_built(tmp_path, make_small_province,
                                                                                 monkeypatch):
    from broadcast.province.inline import side_by_side
    from broadcast.speak.fake import FakeEngine

    province = make_small_province(tmp_path, 3)                         # no delay: the engine computes
    width = side_by_side(3)
    overlap = Overlap(width)
    monkeypatch.setattr(FakeEngine, "synthesize", overlap.wrap(FakeEngine.synthesize))
    result = build_in_process(province.stations, [MONDAY])
    assert result.exit_code == 0 and [o for o in result.outcomes if not o.ok] == []
    assert overlap.peak == width


needs_two_cores = pytest.mark.skipif(len(usable_cores()) < 2, reason="pinning needs two cores this process may use")


@needs_two_cores
def test_communes_side_by_side_get_a_core_each_and_the_last_one_none():
    import os
    import threading

    from broadcast.province.cores import Cores

    everything = set(usable_cores())
    cores = Cores(3)
    seen, inside = {}, threading.Barrier(2, timeout=10)

    def commune(name, wait):
        with cores.commune() as core:
            seen[name] = (core, os.sched_getaffinity(0))
            if wait:
                inside.wait()           # the first two hold their cores at the same time
        seen[name + " after"] = os.sched_getaffinity(0)

    threads = [threading.Thread(target=commune, args=(name, True)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    commune("c", False)
    (core_a, mask_a), (core_b, mask_b) = seen["a"], seen["b"]
    assert core_a != core_b and mask_a == {core_a} and mask_b == {core_b}
    assert seen["c"] == (None, everything)                  # the last commune: every core
    assert seen["a after"] == seen["b after"] == everything


@needs_two_cores
@pytest.mark.parametrize("pin", [True, False])
def test_a_commune_s_encoders_start_on_its_core(tmp_path, make_small_province, monkeypatch, pin):
    """ffmpeg inherits the CPU mask of the thread that starts it: a pinned commune's encoders
    (and the encoder threads of ffmpeg) stay on one core; the last commune is not pinned."""
    import os
    import threading

    import broadcast.audio.assembly as assembly

    masks: dict[str, set[frozenset[int]]] = {}
    lock = threading.Lock()
    real = assembly.encode_pcm

    def encode_pcm(pcm, rate, dst, fmt, tags):
        station = next(part for part in dst.parts if part.startswith("xa-"))
        with lock:
            masks.setdefault(station, set()).add(frozenset(os.sched_getaffinity(0)))
        return real(pcm, rate, dst, fmt, tags)

    monkeypatch.setattr(assembly, "encode_pcm", encode_pcm)
    province = make_small_province(tmp_path, 3)
    result = build_in_process(province.stations, [MONDAY], width=2, pin=pin)
    assert result.exit_code == 0 and [o for o in result.outcomes if not o.ok] == []
    everything = frozenset(usable_cores())
    if not pin:
        assert all(found == {everything} for found in masks.values()) and len(masks) == 3
        return
    pinned = [found for found in masks.values() if found != {everything}]
    assert len(masks) == 3 and len(pinned) == 2                 # the last to start runs on every core
    assert all(len(found) == 1 and len(next(iter(found))) == 1 for found in pinned)   # each on one core
