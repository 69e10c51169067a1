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
