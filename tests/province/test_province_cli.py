"""`broadcast province build --json`, `province keygen` and `broadcast fetch` end to end with CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from broadcast.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_province_build_json_summary_and_one_failed_station(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 2)
    broken = province.stations[1]
    (broken / "schedules" / "slots.yaml").write_text("slots: [\n", encoding="utf-8")
    listing = tmp_path / "danh-sach.txt"
    listing.write_text(f"# các xã\n{province.stations[0].name}\n\n{broken.name}\n", encoding="utf-8")
    result = run("province", "build", "--stations-from", str(listing), "--date", "2026-12-07",
                 "--workers", "1", "--json")
    assert result.exit_code == 2, result.output
    summary = json.loads(result.output)
    for key in ("stations", "programmes", "speech_items", "synthesized", "seconds", "failures"):
        assert key in summary
    assert summary["stations"] == 2 and summary["published"] == 1 and summary["programmes"] == 2
    assert summary["synthesized"] == summary["distinct_texts"] > 0
    [failure] = summary["failures"]
    assert failure["station"].endswith(broken.name) and "slots.yaml" in failure["message"]
    assert (province.stations[0] / "audio_out" / "2026-12-07" / "manifest.json").is_file()


def test_province_build_without_stations_is_bad_input(tmp_path):
    result = run("province", "build", "--stations", str(tmp_path / "khong-co"), "--date", "2026-12-07")
    assert result.exit_code == 2 and "không phải thư mục đài" in result.output


def test_keygen_prints_the_line_for_broadcast_toml(tmp_path):
    result = run("province", "keygen", str(tmp_path / "k" / "tinh.key"))
    assert result.exit_code == 0
    assert 'public_key = "' in result.output and (tmp_path / "k" / "tinh.key").is_file()
    again = run("province", "keygen", str(tmp_path / "k" / "tinh.key"))
    assert again.exit_code == 2 and "đã có" in again.output
