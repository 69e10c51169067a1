"""Bounded inputs end to end: one Vietnamese line naming the file, the right exit code, nothing published."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from broadcast.cli import cli


def run(args, station: Path, input: str | None = None):
    return CliRunner().invoke(cli, ["--station", str(station), *args], input=input,
                              catch_exceptions=False)


def add_schedule(station: Path, name: str, text: str) -> Path:
    path = station / "schedules" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_refuses_a_relay_outside_the_station(station_dir):
    add_schedule(station_dir, "tiep-am.yaml",
                 "slots:\n  - name: toi\n    start: '20:00'\n    max_minutes: 10\n"
                 "    structure: [tiep-am]\n    relay: {file: ../../etc/passwd, title: Tiếp âm}\n")
    result = run(["check"], station_dir)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "schedules/tiep-am.yaml:6:" in result.output and "nằm ngoài thư mục đài" in result.output


def test_check_warns_about_an_empty_schedule_file(station_dir):
    add_schedule(station_dir, "trong.yaml", "")
    result = run(["check"], station_dir)
    assert result.exit_code == 0
    assert "Cảnh báo: schedules/trong.yaml: Tệp lịch phát trống" in result.output
