"""`province build --workers 0`: each commune's build_day with one shared cache; the same days, failures alone."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

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


def test_in_process_days_equal_single_builds_and_shared_speech_is_made_once(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 2)
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
