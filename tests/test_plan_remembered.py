"""`broadcast plan` reprints a day nothing has touched without planning it, and plans again after any edit."""

from __future__ import annotations

import json
import wave

import pytest
from click.testing import CliRunner
from plan_imports import modules_imported

import broadcast.cli.plan as plan_command
from broadcast.cli import cli
from broadcast.plan import remembered
from broadcast.publish import freshness
from broadcast.station.config import load_station

ARGS = ["plan", "--date", "2026-12-07"]


@pytest.fixture
def planned(monkeypatch):
    """Each time the slow path planned: the days it was asked for."""
    calls = []
    real = plan_command._planned

    def counting(station, first, days, zone):
        calls.append((first, days, zone))
        return real(station, first, days, zone)

    monkeypatch.setattr(plan_command, "_planned", counting)
    return calls


def run(station_dir, *args, code=0):
    result = CliRunner().invoke(cli, ["--station", str(station_dir), *(args or ARGS)])
    assert result.exit_code == code, result.output
    return result.output


def unremembered(station_dir, monkeypatch, *args):
    """What `plan` prints when it keeps nothing: the slow path every time."""
    with monkeypatch.context() as m:
        m.setattr(remembered, "recall", lambda *a: None)
        m.setattr(remembered, "remember", lambda *a: None)
        return run(station_dir, *args)


@pytest.mark.parametrize("args", [ARGS, ["plan", "--date", "2026-12-01", "--days", "3"],
                                  ["plan", "--date", "2026-12-07", "--zone", "toan-xa"]])
def test_the_second_plan_is_reprinted_word_for_word(station_dir, planned, monkeypatch, args):
    first = run(station_dir, *args)
    assert len(planned) == 1
    assert run(station_dir, *args) == first and len(planned) == 1
    assert unremembered(station_dir, monkeypatch, *args) == first and len(planned) == 2


def test_other_days_or_zones_are_planned_on_their_own(station_dir, planned):
    run(station_dir)
    run(station_dir, "plan", "--date", "2026-12-08")
    run(station_dir, "plan", "--date", "2026-12-07", "--days", "2")
    assert len(planned) == 3


def _append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _edit(station_dir, what):
    station = load_station(station_dir)
    if what == "template text":            # a longer notice: a longer estimate
        _append(station_dir / "scripts_vi" / "lich_tiep_cong_dan.j2", " Xin trân trọng cảm ơn bà con." * 20)
    elif what == "schedule":
        path = station_dir / "schedules" / "thuong-xuyen.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("Lịch tiếp công dân định kỳ",
                                                                 "Lịch tiếp dân tháng 12"), encoding="utf-8")
    elif what == "new schedule file":
        (station_dir / "schedules" / "them.yaml").write_text("# trống\n", encoding="utf-8")
    elif what == "pronunciation":
        _append(station_dir / "pronunciations.tsv", "tiếp công dân\ttiếp đón công dân đến làm việc\n")
    elif what == "settings":
        path = station_dir / "broadcast.toml"
        path.write_text(path.read_text(encoding="utf-8").replace("[programme]\n", "[programme]\ngap_s = 9.5\n", 1),
                        encoding="utf-8")
    elif what == "calibration":
        cache = station.path(station.speech.cache_dir)
        cache.mkdir(parents=True, exist_ok=True)
        from broadcast.build.toolkit import engine_options_for

        key = f"{station.speech.engines[0]} {engine_options_for(station)!r}"
        clips = {f"c{n}.wav": [10 + n, 9.0 + n] for n in range(10)}
        (cache / freshness.CALIBRATION_FILE).write_text(json.dumps({key: clips}), encoding="utf-8")
    elif what == "signature tune":          # a longer tune file, same name
        tune = station.path(station.audio.signature_tune)
        with wave.open(str(tune), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(station.audio.sample_rate)
            w.writeframes(b"\0\1" * station.audio.sample_rate * 40)


EDITS = ["template text", "schedule", "new schedule file", "pronunciation", "settings", "calibration", "signature tune"]


@pytest.mark.parametrize("what", EDITS)
def test_any_edit_is_planned_again_and_shown(station_dir, planned, monkeypatch, what):
    before = run(station_dir)
    _edit(station_dir, what)
    after = run(station_dir)
    assert len(planned) == 2                               # the edit sent it the slow way
    assert after == unremembered(station_dir, monkeypatch)  # ... and it shows what a fresh plan shows
    if what == "new schedule file":
        assert "them.yaml" in after and "them.yaml" not in before
    else:
        assert after != before
    assert run(station_dir) == after and len(planned) == 3  # then it is remembered again (3: the fresh plan)


def test_a_broken_template_is_reported_not_reprinted(station_dir, planned):
    run(station_dir)
    _append(station_dir / "scripts_vi" / "lich_tiep_cong_dan.j2", "{{ khong_co_bien_nay }}")
    out = run(station_dir, code=2)
    assert "thuong-xuyen.yaml:5" in out and "khong_co_bien_nay" in out and "Traceback" not in out
    assert run(station_dir, code=2) == out                 # an error is never remembered
    assert len(planned) == 3


def test_a_file_moved_while_planning_is_not_remembered(station_dir, planned, monkeypatch):
    real = remembered.begin

    def then_edit(station):
        found = real(station)
        _edit(station_dir, "schedule")                     # after the inputs were read, before planning ends
        return found

    monkeypatch.setattr(remembered, "begin", then_edit)
    run(station_dir)
    monkeypatch.setattr(remembered, "begin", real)
    run(station_dir)
    assert len(planned) == 2


def test_the_fast_path_reads_no_schedule_and_imports_no_planner(station_dir):
    run(station_dir)
    assert modules_imported(station_dir, ARGS, ("jinja2", "yaml", "broadcast.schedule", "broadcast.build",
                                                "broadcast.render", "holidays")) == []
