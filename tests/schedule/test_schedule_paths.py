"""Relay and data files named in a schedule must stay inside the station folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from broadcast.errors import MultiError
from broadcast.schedule import load_schedule

RELAY = """\
slots:
  - name: chieu
    start: "17:00"
    max_minutes: 45
    structure: [nhac-hieu, tiep-am]
    relay: {file: PATH, title: Tiếp âm}
"""

DATA = """\
announcements:
  - id: a1
    template: t
    from: 2026-12-01
    data: PATH
"""


def write(root: Path, text: str) -> Path:
    schedules = root / "schedules"
    schedules.mkdir(parents=True, exist_ok=True)
    (schedules / "lich.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return schedules


def only_problem(schedules: Path):
    with pytest.raises(MultiError) as caught:
        load_schedule(schedules)
    assert len(caught.value.errors) == 1, caught.value.errors
    return caught.value.errors[0]


@pytest.mark.parametrize("template, line", [(RELAY, 6), (DATA, 5)])
@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd"])
def test_a_path_leaving_the_station_is_refused_with_file_and_line(tmp_path, template, line, bad):
    station = tmp_path / "station"
    schedules = write(station, template.replace("PATH", bad))
    problem = only_problem(schedules)
    assert problem.path == "schedules/lich.yaml" and problem.line == line
    assert "nằm ngoài thư mục đài" in problem.message and bad in problem.message


def test_an_existing_file_outside_is_refused_not_read(tmp_path):
    """Even a real YAML file outside the station is never opened as data."""
    (tmp_path / "outside.yaml").write_text("ngay: 05/12/2026\n", encoding="utf-8")
    schedules = write(tmp_path / "station", DATA.replace("PATH", "../../outside.yaml"))
    problem = only_problem(schedules)
    assert "ngoài thư mục đài" in problem.message


def test_paths_inside_still_work(tmp_path):
    station = tmp_path / "station"
    schedules = write(station, RELAY.replace("PATH", "../station/audio/vov.mp3"))
    (station / "audio").mkdir()
    (station / "audio/vov.mp3").write_bytes(b"ID3")
    schedule = load_schedule(schedules)
    assert schedule.slots[0].relay.file.resolve() == (station / "audio/vov.mp3").resolve()


# --- bounded files ---------------------------------------------------------------------------

BOMB = 'a0: &a0 "lol"\n' + "".join(
    f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]\n" for n in range(1, 10))


def test_alias_bomb_in_a_schedule_is_one_error_with_file_and_line(tmp_path):
    schedules = write(tmp_path / "station", "slots: []\n")
    (schedules / "bom.yaml").write_text(BOMB, encoding="utf-8")
    problem = only_problem(schedules)
    assert problem.path == "schedules/bom.yaml" and problem.line is not None
    assert "quá nhiều giá trị" in problem.message


def test_alias_bomb_in_a_data_file_is_refused(tmp_path):
    schedules = write(tmp_path / "station", DATA.replace("PATH", "data/bom.yaml"))
    (schedules / "data").mkdir()
    (schedules / "data/bom.yaml").write_text(BOMB, encoding="utf-8")
    problem = only_problem(schedules)
    assert problem.path == "schedules/data/bom.yaml"


def test_a_file_over_the_size_limit_is_refused_unparsed(tmp_path):
    from broadcast.station.bounded_yaml import YamlLimits

    schedules = write(tmp_path / "station", "slots: []\n")
    (schedules / "to.yaml").write_text("# " + "x" * 20_000 + "\n", encoding="utf-8")
    with pytest.raises(MultiError) as caught:
        load_schedule(schedules, limits=YamlLimits(max_bytes=16 * 1024))
    (problem,) = caught.value.errors
    assert problem.path == "schedules/to.yaml" and "Tệp quá lớn" in problem.message
    assert "tối đa 16 KB" in problem.message


def test_an_empty_schedule_file_is_a_warning_naming_it(tmp_path):
    schedules = write(tmp_path / "station", "slots: []\n")
    (schedules / "trong.yaml").write_text("# chưa viết gì\n", encoding="utf-8")
    schedule = load_schedule(schedules)
    assert len(schedule.warnings) == 1
    assert schedule.warnings[0].startswith("schedules/trong.yaml: Tệp lịch phát trống")
