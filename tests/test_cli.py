"""The command line end to end with CliRunner: messages, exit codes, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcast.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-12-07"


def run(args, station: Path | None = None, input: str | None = None):
    base = ["--station", str(station)] if station else []
    return CliRunner().invoke(cli, base + list(args), input=input, catch_exceptions=False)


def test_normalize_one_line_per_line():
    result = run(["normalize"], station=ROOT, input="UBND xã\n\n15 người\n")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["Ủy ban nhân dân xã", "", "mười lăm người"]


def test_normalize_without_station(tmp_path):
    result = run(["normalize"], station=tmp_path, input="UBND xã\n")
    assert result.exit_code == 0
    assert result.output == "Ủy ban nhân dân xã\n"


def test_settings_lists_every_section():
    result = run(["settings"])
    assert result.exit_code == 0
    for section in ("[station]", "[speech]", "[audio]", "[playout]", "[report]"):
        assert section in result.output


def test_engines_lists_all():
    import responses

    # No request leaves the machine: the gTTS availability check meets a refusing HTTP layer.
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        result = run(["engines"], station=ROOT)
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.output.splitlines()}
    assert {"espeak", "gtts", "fake"} <= set(rows)
    assert rows["espeak"].split()[1] == "có"
    assert rows["gtts"].split()[1] == "không" and "mạng" in rows["gtts"]


def test_bad_config_is_one_plain_message(tmp_path):
    (tmp_path / "broadcast.toml").write_text("[speech]\nengines = [\"espeek\"]\n", encoding="utf-8")
    result = run(["plan", "--date", DAY], station=tmp_path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "broadcast.toml:2" in result.output and "espeak" in result.output


def test_missing_station_config(tmp_path):
    result = run(["build", "--date", DAY], station=tmp_path)
    assert result.exit_code == 2
    assert "broadcast.toml" in result.output


def test_bad_date_option(station_dir):
    result = run(["plan", "--date", "32/13/2026"], station=station_dir)
    assert result.exit_code == 2
    assert "32/13/2026" in result.output


def test_say_writes_audio(station_dir, tmp_path):
    out = tmp_path / "x.wav"
    result = run(["say", "Xin chào bà con", "-o", str(out)], station=station_dir)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000


def test_say_refuses_empty_text(station_dir, tmp_path):
    result = run(["say", " ... ", "-o", str(tmp_path / "x.mp3")], station=station_dir)
    assert result.exit_code == 2
    assert not (tmp_path / "x.mp3").exists()


def test_say_reads_stdin(station_dir, tmp_path):
    out = tmp_path / "x.mp3"
    result = run(["say", "-", "-o", str(out)], station=station_dir, input="UBND xã thông báo.\n")
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_preview_shows_written_and_spoken(station_dir):
    example = station_dir / "scripts_vi" / "examples" / "tiem_chung.yaml"
    result = run(["preview", "tiem_chung", "--data", str(example)], station=station_dir)
    assert result.exit_code == 0, result.output
    assert "== Văn bản ==" in result.output and "== Máy đọc ==" in result.output
    spoken = result.output.split("== Máy đọc ==")[1]
    assert not any(ch.isdigit() for ch in spoken.split("== Cảnh báo ==")[0])


def test_preview_bad_value_names_template(station_dir):
    example = station_dir / "scripts_vi" / "examples" / "tiem_chung.yaml"
    result = run(["preview", "tiem_chung", "--data", str(example), "-s", "ngay=32/13/2026"], station=station_dir)
    assert result.exit_code == 2
    assert "tiem_chung.j2" in result.output and "32/13/2026" in result.output
    assert "Traceback" not in result.output


def test_preview_unknown_template_suggests(station_dir):
    result = run(["preview", "tiem_chungg"], station=station_dir)
    assert result.exit_code == 2
    assert "tiem_chung" in result.output


def test_render_one_announcement(station_dir, tmp_path):
    example = station_dir / "scripts_vi" / "examples" / "cat_dien.yaml"
    out = tmp_path / "cat_dien.mp3"
    result = run(["render", "cat_dien", "--data", str(example), "-o", str(out)], station=station_dir)
    assert result.exit_code == 0, result.output
    assert out.exists() and "LUFS" in result.output


def test_set_option_needs_equals(station_dir, tmp_path):
    result = run(["render", "cat_dien", "-s", "ngay", "-o", str(tmp_path / "x.mp3")], station=station_dir)
    assert result.exit_code == 2
    assert "tên=giá_trị" in result.output


def test_plan_prints_programmes(station_dir):
    result = run(["plan", "--date", DAY], station=station_dir)
    assert result.exit_code == 0, result.output
    assert "05:30" in result.output and "17:00" in result.output
    assert "Thứ Hai, 07/12/2026" in result.output


def test_build_then_rebuild_is_unchanged(mp3_station_dir):
    station_dir = mp3_station_dir
    first = run(["build", "--date", DAY], station=station_dir)
    assert first.exit_code == 0, first.output
    day = station_dir / "audio_out" / DAY
    manifest = json.loads((day / "manifest.json").read_text(encoding="utf-8"))
    assert [p["file"] for p in manifest["programmes"]] == ["0530-sang.mp3", "1700-chieu.mp3"]
    assert (day / "playlist.m3u8").exists()
    second = run(["build", "--date", DAY], station=station_dir)
    assert second.exit_code == 0
    assert "không đổi" in second.output


def test_export_markdown(station_dir):
    result = run(["export", "--date", DAY, "--format", "md"], station=station_dir)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Đài Truyền thanh xã Hòa An")
    assert "## " in result.output


@pytest.mark.parametrize("args", [["check"]])
def test_check_sample_station_is_clean(args):
    result = run(args, station=ROOT)
    assert result.exit_code == 0, result.output


def test_bad_schedule_exit_2_lists_every_problem_publishes_nothing(station_dir):
    (station_dir / "schedules" / "loi.yaml").write_text(
        "announcements:\n"
        "  - id: sai-gio\n    template: cat_dien\n    values: {ngay: 32/13/2026}\n"
        "    from: 2026-12-07\n    until: 2026-12-01\n"
        "  - id: khong-mau\n    template: cat_dienn\n    from: 2026-12-07\n",
        encoding="utf-8")
    result = run(["build", "--date", DAY], station=station_dir)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "schedules/loi.yaml:" in result.output
    assert "32/13/2026" in result.output and "cat_dien" in result.output
    assert not (station_dir / "audio_out").exists() or not any((station_dir / "audio_out").iterdir())


def test_announce_without_daemon_plays_and_logs(station_dir):
    toml = station_dir / "broadcast.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('output = "device"', 'output = "file"'), encoding="utf-8")
    example = station_dir / "scripts_vi" / "examples" / "canh_bao_bao_lu.yaml"
    result = run(["announce", "canh_bao_bao_lu", "--data", str(example)], station=station_dir)
    assert result.exit_code == 0, result.output
    assert "phát trực tiếp" in result.output and "Đã phát xong" in result.output
    played = (station_dir / "var" / "playout" / "playout.txt").read_text(encoding="utf-8")
    assert "Thông báo khẩn về bão, lũ" in played
    import sqlite3
    rows = sqlite3.connect(station_dir / "var" / "asrun.sqlite").execute(
        "select session, status, priority from airings where kind = 'item'").fetchall()
    assert rows == [("dot-xuat", "played", "khan-cap")]


def test_announce_free_text_needs_text(station_dir):
    result = run(["announce"], station=station_dir)
    assert result.exit_code == 2
    assert "--text" in result.output


def test_simulate_with_urgent_injection_then_report(station_dir, tmp_path):
    out = tmp_path / "rehearsal"
    result = run(["simulate", "--date", "2026-12-14", "--output", str(out),
                  "--inject", "05:35 canh_bao_bao_lu"], station=station_dir)
    assert result.exit_code == 0, result.output
    assert "bị ngắt" in result.output or "interrupted" in result.output.lower()
    assert (out / "asrun.sqlite").exists() and (out / "playout.txt").exists()
    report = run(["report", "--month", "2026-12", "--db", str(out / "asrun.sqlite"),
                  "-o", str(tmp_path / "reports")], station=station_dir)
    assert report.exit_code == 0, report.output
    assert "Số lần phát thông báo khẩn cấp" in report.output
    assert sorted(p.suffix for p in (tmp_path / "reports").iterdir()) == [".csv", ".docx", ".md", ".png", ".xlsx"]


def test_schedule_ical_and_reversed_span(station_dir, tmp_path):
    out = tmp_path / "thang-12.ics"
    result = run(["schedule", "ical", "--from", "2026-12-07", "--to", "2026-12-08", "-o", str(out)],
                 station=station_dir)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().count(b"BEGIN:VEVENT") == 4
    for args in (["schedule", "ical", "--from", "2026-12-08", "--to", "2026-12-07"],
                 ["log", "--from", "2026-12-08", "--to", "2026-12-07"]):
        bad = run(args, station=station_dir)
        assert bad.exit_code == 2 and "trước --from" in bad.output
