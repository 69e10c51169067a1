"""The terminal in Vietnamese: Click's own words, did-you-mean, --station on either side, report, pipes, `run`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.cli.run import say_what_happens, start_line
from broadcast.log.asrun import AsRunLog
from broadcast.station.config import load_station

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ENGLISH = ("Usage:", "Options:", "Show this message and exit.", "Error:", "No such command", "[default:",
           "Commands:", "Try '", "[OPTIONS]")


def run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["users", "--help"], ["users", "add", "--help"],
                                  ["biuld"], ["build", "--bogus"], ["plan", "--days", "x"],
                                  ["report", "--cutoff", "x"], ["announce", "--repeat", "9", "--text", "a"]])
def test_clicks_own_words_are_vietnamese(args):
    result = run(args)
    for word in ENGLISH:
        assert word not in result.output, (args, word, result.output)


def test_a_mistyped_command_gets_a_did_you_mean():
    result = run(["biuld"])
    assert result.exit_code == 2 and "Không có lệnh 'biuld'. Có phải ý bạn là 'build'?" in result.output
    assert "Có phải ý bạn là" not in run(["xyzzy"]).output


def test_station_works_after_the_command_name_too(station_dir, tmp_path):
    before = run(["--station", str(station_dir), "plan", "--date", "2026-12-07"])
    after = run(["plan", "--date", "2026-12-07", "--station", str(station_dir)])
    joined = run(["plan", f"--station={station_dir}", "--date", "2026-12-07"])
    assert before.exit_code == after.exit_code == joined.exit_code == 0, after.output
    assert before.output == after.output == joined.output


@pytest.mark.parametrize(("option", "value", "slug"), [
    ("--month", "12/2026", "2026-12"), ("--month", "T12/2026", "2026-12"), ("--month", "2026-12", "2026-12"),
    ("--quarter", "Q4/2026", "2026-Q4"), ("--quarter", "4/2026", "2026-Q4"), ("--quarter", "2026-Q4", "2026-Q4"),
])
def test_report_takes_the_officers_month_and_prints_where_it_wrote(station_dir, tmp_path, option, value, slug):
    out = tmp_path / "bao-cao"
    result = run(["--station", str(station_dir), "report", option, value, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Đã ghi vào {out}:" in result.output and f"report-{slug}.docx" in result.output
    assert "**CỘNG HÒA" not in result.output and "| STT |" not in result.output     # not the whole Markdown
    assert "Số buổi phát" in result.output


@pytest.mark.parametrize("bad", ["13/2026", "12/26", "2026/12"])
def test_a_bad_month_is_one_line(station_dir, bad):
    result = run(["--station", str(station_dir), "report", "--month", bad])
    assert result.exit_code == 2 and "12/2026" in result.output and "Traceback" not in result.output


def test_piping_into_head_ends_quietly(station_dir):
    script = Path(sys.executable).parent / "broadcast"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "broadcast"]
    proc = subprocess.Popen([*command, "--station", str(station_dir), "plan", "--date", "2026-12-07", "--days", "30"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()                                     # what `head -1` does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err.decode() == ""


def test_run_says_each_airing_build_failure_and_the_stop(tmp_path):
    lines: list[str] = []
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        say_what_happens(log, lines.append, output="device")
        at = datetime(2026, 12, 7, 5, 30, tzinfo=TZ)
        log.event("start", at, "Bắt đầu chạy")
        log.event("heartbeat", at, "chờ")
        log.event("build", at, "Đã dựng chương trình ngày 2026-12-08 (build-ahead)")
        row = log.programme_started(programme_id="2026-12-07-sang", day=date(2026, 12, 7), slot="sang",
                                    session="sang", scheduled_at=at, title="Chương trình buổi sáng", started_at=at)
        log.finish(row, "played", at.replace(minute=45))
        row = log.programme_started(programme_id="2026-12-07-chieu", day=date(2026, 12, 7), slot="chieu",
                                    session="chieu", scheduled_at=at.replace(hour=17), title="Buổi chiều",
                                    started_at=at.replace(hour=17))
        log.finish(row, "failed", at.replace(hour=17, minute=1), "ffmpeg: [pulse] Nothing was written")
        log.event("stop", at.replace(hour=18), "Dừng (SIGTERM)")
        assert log.last_event(["stop"])["message"] == "Dừng (SIGTERM)"       # still written to the log
    assert lines == [
        "[05:30:00] Bắt đầu: Bắt đầu chạy",
        "[05:30:00] Dựng: Đã dựng chương trình ngày 2026-12-08 (build-ahead)",
        "[05:30:00] Đang phát: Chương trình buổi sáng",
        "[05:45:00] Chương trình buổi sáng: đã phát xong",
        "[17:30:00] Đang phát: Buổi chiều",
        "[17:01:00] Buổi chiều: PHÁT LỖI (không mở được thiết bị âm thanh (máy không có card âm thanh, hoặc dịch vụ "
        "âm thanh PulseAudio/ALSA chưa chạy))",
        "[18:30:00] Dừng: Dừng (SIGTERM)",
    ]


def test_the_start_line_names_station_output_and_next_programme(station_dir):
    station = load_station(station_dir)
    line = start_line(station, datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    assert station.station_title in line and "loa máy" in line and "sẽ dựng ngay" in line


def test_the_start_line_of_a_zoned_station_names_its_zones_not_the_playout_output(station_dir):
    from zoned import add_zones

    add_zones(station_dir)
    line = start_line(load_station(station_dir), datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    assert "phát ra 4 vùng (Thôn Đông, Thôn Trung, Thôn Tây, Xóm Bãi);" in line and "loa máy" not in line


@pytest.mark.parametrize("width", [40, 80, 120])
def test_the_build_line_fits_the_terminal_and_says_time_left(width):
    import io

    from broadcast.cli.build import ProgressLine

    ticks = iter([0.0, 30.0, 60.0])
    out = io.StringIO()
    line = ProgressLine(out, width=width, clock=lambda: next(ticks))
    label = "ngày 1/2 · 07/12/2026 · 05:30 Chương trình phát thanh buổi sáng: mã hóa"
    line.show(0.25, label)                   # 30 s for a quarter: 90 s left
    line.show(0.5, label)                    # 60 s for a half: 60 s left
    line.close()
    shown = out.getvalue().split("\r")[1:]
    assert all(len(s.rstrip("\n")) <= width - 1 for s in shown)
    assert "\n" not in "".join(shown[:-1])                       # one line rewritten, never wrapped
    assert shown[0].startswith("Dựng  25% còn ~2 phút") and shown[1].startswith("Dựng  50% còn ~60 giây")


def test_run_on_a_zoned_station_says_the_zone_of_each_airing(tmp_path):
    lines: list[str] = []
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        say_what_happens(log, lines.append, output="device", zone_titles={"thon-dong": "Thôn Đông", "xom-bai": "Xóm Bãi"})
        at = datetime(2026, 12, 7, 16, 12, tzinfo=TZ)
        for zone in ("thon-dong", "xom-bai"):
            row = log.programme_started(programme_id=f"2026-12-07-thu-{zone}", day=date(2026, 12, 7), slot="thu",
                                        session="chieu", scheduled_at=at, title="Chương trình thử", started_at=at,
                                        zone=zone)
            log.finish(row, "played", at.replace(minute=15))
    assert lines == ["[16:12:00] Đang phát: Chương trình thử (Thôn Đông)",
                     "[16:15:00] Chương trình thử (Thôn Đông): đã phát xong",
                     "[16:12:00] Đang phát: Chương trình thử (Xóm Bãi)",
                     "[16:15:00] Chương trình thử (Xóm Bãi): đã phát xong"]
