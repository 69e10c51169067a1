"""Playout from the command line: Vietnamese failures, --output/--realtime, origins, rehearsal log, resume."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.daemon import output_for_station, write_silence_wav
from broadcast.station.config import load_station


def run(args, station: Path):
    return CliRunner().invoke(cli, ["--station", str(station), *args], catch_exceptions=False)


def origins(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT kind, status, origin FROM airings ORDER BY id").fetchall()


def test_no_sound_card_is_one_vietnamese_line_and_exit_1(station_dir, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse/native")     # a sound server that is not there
    result = run(["announce", "--text", "Mất điện thôn Đông đến 17 giờ.", "--priority", "uu-tien",
                  "--output", "device"], station_dir)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Lỗi:")]
    assert len(errors) == 1 and "ra loa máy" in errors[0] and "card âm thanh" in errors[0]
    assert "--output file" in errors[0]
    assert "Nothing was written" not in result.output and "failed" not in result.output
    assert "Traceback" not in result.output


def test_play_with_a_one_off_null_output_runs_as_fast_as_it_can_and_logs_manual(station_dir):
    wav = write_silence_wav(station_dir / "thu.wav", seconds=1.0)
    result = run(["play", str(wav), "--output", "null"], station_dir)
    assert result.exit_code == 0, result.output
    assert "Đã phát xong" in result.output
    assert origins(station_dir / "var" / "asrun.sqlite") == [("programme", "played", "manual")]
    station = load_station(station_dir)
    assert output_for_station(station, name="null", realtime=False).realtime is False
    assert output_for_station(station, name="null", realtime=True).realtime is True
    assert output_for_station(station).name == "device"                 # broadcast.toml itself is unchanged


def test_announce_without_daemon_is_logged_manual(station_dir):
    result = run(["announce", "--text", "Họp thôn lúc 19 giờ.", "--priority", "uu-tien", "--output", "file"],
                 station_dir)
    assert result.exit_code == 0, result.output
    assert {o for _, _, o in origins(station_dir / "var" / "asrun.sqlite")} == {"manual"}


def test_announce_refuses_text_over_the_limit_like_say_and_airs_nothing(station_dir):
    text = "Mất điện đột xuất tại thôn Đông. " * 400             # 13,200 characters
    result = run(["announce", "--text", text, "--priority", "uu-tien", "--output", "file"], station_dir)
    assert result.exit_code == 2
    assert "Văn bản cần đọc dài 13.200 ký tự, quá giới hạn 10.000 ký tự của một mục" in result.output
    assert "text_max_chars" in result.output and "Traceback" not in result.output
    assert not (station_dir / "var" / "asrun.sqlite").exists()
    assert not list((station_dir / "var").glob("announcements/*"))          # nothing was spoken


def test_announce_refuses_a_nul_byte(station_dir):
    result = run(["announce", "--text", "Họp thôn\x00 lúc 19 giờ.", "--output", "file"], station_dir)
    assert result.exit_code == 2
    assert "ký tự điều khiển NUL" in result.output and "Traceback" not in result.output


def test_readme_rehearsal_airs_the_rest_of_the_programme_and_log_shows_it(station_dir):
    result = run(["simulate", "--date", "2026-12-14", "--inject", "05:40 canh_bao_bao_lu"], station_dir)
    assert result.exit_code == 0, result.output
    db = station_dir / "var" / "simulate" / "2026-12-14" / "asrun.sqlite"
    with sqlite3.connect(db) as conn:
        sang = conn.execute("SELECT id, status, note FROM airings WHERE kind = 'programme' AND slot = 'sang' "
                            "ORDER BY id").fetchall()
        assert [s[1] for s in sang] == ["interrupted", "played"] and sang[1][2].startswith("phát tiếp từ mục")
        rest = conn.execute("SELECT item_kind, status FROM airings WHERE parent_id = ? ORDER BY id",
                            (sang[1][0],)).fetchall()
        assert rest[-2:] == [("loi-ket", "played"), ("nhac-hieu", "played")]      # the closing aired
        assert {r[0] for r in conn.execute("SELECT DISTINCT origin FROM airings")} == {"rehearsal"}
    assert not (station_dir / "var" / "asrun.sqlite").exists()                  # the real log untouched

    shown = run(["log", "--rehearsal"], station_dir)
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == f"Nhật ký diễn tập (không phải phát thật): {db}"
    assert "diễn tập" in shown.output and "phát tiếp từ mục" in shown.output
    assert "Chưa có gì" in run(["log", "--date", "2026-12-14"], station_dir).output    # the real log has none


def test_log_rehearsal_without_one_says_so(station_dir):
    result = run(["log", "--rehearsal"], station_dir)
    assert result.exit_code == 2 and "chưa có lần diễn tập" in result.output


def test_simulate_refuses_to_write_over_the_real_log(station_dir):
    result = run(["simulate", "--date", "2026-12-14", "--output", str(station_dir / "var")], station_dir)
    assert result.exit_code == 2 and "nhật ký phát thật" in result.output


def test_a_live_relay_is_published_in_the_manifest(station_dir):
    slots = station_dir / "schedules" / "slots.yaml"
    text = slots.read_text(encoding="utf-8").replace(
        "    max_minutes: 25\n", "    max_minutes: 25\n"
        '    relay: {url: "http://127.0.0.1:9/vov1.mp3", title: Tiếp âm Đài Tiếng nói Việt Nam, minutes: 10}\n')
    slots.write_text(text, encoding="utf-8")
    assert run(["check"], station_dir).exit_code == 0
    result = run(["build", "--date", "2026-12-07"], station_dir)
    assert result.exit_code == 0, result.output
    import json

    manifest = json.loads((station_dir / "audio_out" / "2026-12-07" / "manifest.json").read_text(encoding="utf-8"))
    chieu = next(p for p in manifest["programmes"] if p["slot"] == "chieu")
    sang = next(p for p in manifest["programmes"] if p["slot"] == "sang")
    assert chieu["live"] == {"url": "http://127.0.0.1:9/vov1.mp3", "title": "Tiếp âm Đài Tiếng nói Việt Nam",
                             "source": "vov", "minutes": 10.0, "fallback": None,
                             "until": "2026-12-07T17:25:00+07:00"}
    assert "tiep-am" not in {i["kind"] for i in chieu["items"]} and "live" not in sang



@pytest.mark.parametrize(("zone", "words"), [("toan-xaa", "có phải 'toan-xa'"), ("khong-co", "các vùng của đài")])
def test_announce_for_an_unknown_zone_is_one_vietnamese_line_and_airs_nothing(station_dir, zone, words):
    result = run(["announce", "--text", "Mất điện thôn Đông.", "--zone", zone, "--output", "null"], station_dir)
    assert result.exit_code == 2 and f"không có vùng '{zone}'" in result.output and words in result.output
    assert "Traceback" not in result.output
    assert not (station_dir / "var" / "asrun.sqlite").exists() or origins(station_dir / "var" / "asrun.sqlite") == []


def test_announce_for_a_zone_plays_on_that_zones_outputs_and_says_where(station_dir):
    toml = station_dir / "broadcast.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('output = "device"', 'output = "null"'), encoding="utf-8")
    result = run(["announce", "--text", "Họp thôn lúc 19 giờ.", "--priority", "uu-tien", "--zone", "toan-xa"],
                 station_dir)
    assert result.exit_code == 0, result.output
    assert "Chỉ phát ở: Toàn xã." in result.output and "Đã phát xong" in result.output
    assert origins(station_dir / "var" / "asrun.sqlite")[0] == ("programme", "played", "manual")


def test_announce_for_a_zone_when_the_schedules_have_an_error_says_so_not_that_the_zone_is_unknown(station_dir):
    (station_dir / "schedules" / "vung.yaml").write_text(
        "zones:\n  - name: thon-dong\n    title: Thôn Đông\n    outputs: [file]\n    gains: {khong-co: -6}\n",
        encoding="utf-8")
    result = run(["announce", "--text", "Mất điện thôn Đông.", "--zone", "thon-dong", "--output", "null"], station_dir)
    assert result.exit_code == 2 and "lịch phát đang có lỗi nên chưa biết vùng 'thon-dong'" in result.output
    assert "broadcast check" in result.output and "không có vùng" not in result.output
