"""A `plan` that plans (not a reprint) from kept schedules, texts and template headers imports no
template engine, no YAML parser and no holiday package; an edited template header is seen."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from plan_imports import modules_imported

from broadcast.cli import cli

ARGS = ["plan", "--date", "2026-12-07"]


def run(station_dir, *args):
    shutil.rmtree(station_dir / "var" / "plan", ignore_errors=True)      # plan again, never reprint
    result = CliRunner().invoke(cli, ["--station", str(station_dir), *(args or ARGS)])
    assert result.exit_code == 0, result.output
    return result.output


def imported(station_dir) -> list[str]:
    shutil.rmtree(station_dir / "var" / "plan", ignore_errors=True)
    return modules_imported(station_dir, ARGS, ("jinja2", "yaml", "holidays", "broadcast.render"))


def test_a_planned_plan_from_kept_inputs_imports_no_heavy_library(station_dir):
    first = run(station_dir)
    assert imported(station_dir) == []
    assert run(station_dir) == first


def test_an_edited_template_title_is_planned_with(station_dir):
    first = run(station_dir)
    assert "Lời kết chương trình" in first
    path = station_dir / "scripts_vi" / "loi_ket.j2"
    text = path.read_text(encoding="utf-8")
    assert "Lời kết chương trình" in text.split("---#}", 1)[0]
    path.write_text(text.replace("Lời kết chương trình", "Lời chào tạm biệt", 1), encoding="utf-8")
    after = run(station_dir)
    assert "Lời chào tạm biệt" in after and "Lời kết chương trình" not in after
    assert run(station_dir) == after                        # the new header kept, the same plan


def test_the_first_plan_after_a_build_reads_the_texts_the_build_timed(station_dir):
    """A build times the notices as `plan` does and keeps what it read: the plan after it renders nothing."""
    built = CliRunner().invoke(cli, ["--station", str(station_dir), "build", "--date", "2026-12-07"])
    assert built.exit_code == 0, built.output
    assert (station_dir / "var" / "readings.json").is_file()
    assert imported(station_dir) == []
    assert "Lời kết chương trình" in run(station_dir)
