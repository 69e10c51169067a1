"""An empty schedule file is allowed but probably a mistake: every command that loads the schedules
names it, once, as 'Cảnh báo: ...' (check, plan, build cold and warm, export, simulate, the
calendar export, and `run` as it starts)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.errors import StationWarning
from broadcast.schedule import load_schedule

EMPTY = {"khong-byte": "", "ghi-chu": "# Lịch tháng sau: chưa có gì\n", "dong-trong": "\n  \n\n",
         "dau-tai-lieu": "---\n", "anh-xa-rong": "{}\n", "null": "~\n", "bom": "\ufeff# ghi chú\n"}
SAID = "schedules/trong.yaml: Tệp lịch phát trống"


@pytest.mark.parametrize("text", list(EMPTY.values()), ids=list(EMPTY))
def test_every_kind_of_empty_file_is_a_warning_naming_it(station_dir, text):
    (station_dir / "schedules" / "trong.yaml").write_text(text, encoding="utf-8")
    with pytest.warns(StationWarning, match=SAID):
        schedule = load_schedule(station_dir / "schedules", station_root=station_dir)
    assert [w for w in schedule.warnings if w.startswith(SAID)]


def test_a_file_with_content_says_nothing(station_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error", StationWarning)
        assert not load_schedule(station_dir / "schedules", station_root=station_dir).warnings


@pytest.fixture(scope="module")
def station(tmp_path_factory, station_copier):
    folder = station_copier(tmp_path_factory.mktemp("trong") / "station")
    (folder / "schedules" / "trong.yaml").write_text("# chưa có gì\n", encoding="utf-8")
    return folder


COMMANDS = [
    ["check"],
    ["plan", "--date", "2026-12-07"],
    ["plan", "--date", "2026-12-07", "--days", "3"],
    ["build", "--date", "2026-12-07"],                 # cold: the loader says it
    ["build", "--date", "2026-12-07"],                 # warm: the build stamp says it
    ["build", "--date", "2026-12-07", "--days", "2"],
    ["export", "--date", "2026-12-07"],
    ["simulate", "--date", "2026-12-07"],
    ["schedule", "ical", "--from", "2026-12-07", "--to", "2026-12-08", "-o", "lich.ics"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_every_command_that_loads_schedules_names_the_empty_file_once(station, args):
    if args[0] == "schedule":
        args = [*args[:-1], str(station / args[-1])]
    result = CliRunner().invoke(cli, ["--station", str(station), *args])
    assert result.exit_code == 0, result.output
    assert result.output.count(SAID) == 1, result.output
    assert "Cảnh báo: " + SAID in result.output


def test_run_names_it_as_it_starts(station, tmp_path):
    """The daemon's start-up build loads the schedules: its stderr says it, within a deadline."""
    config = station / "broadcast.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('output = "device"', 'output = "null"'),
                      encoding="utf-8")
    err = tmp_path / "run.err"
    with err.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "broadcast", "--station", str(station), "run"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sink,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 90
        while SAID not in err.read_text(encoding="utf-8", errors="replace") and time.monotonic() < deadline:
            assert proc.poll() is None, err.read_text(encoding="utf-8", errors="replace")
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(30)
    text = err.read_text(encoding="utf-8", errors="replace")
    assert text.count("Cảnh báo: " + SAID) == 1, text
