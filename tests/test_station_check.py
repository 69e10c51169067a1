"""`broadcast check`: drafts airing soon, the sample station clean, every problem listed."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

import broadcast.cli.check as check_command
from broadcast.build import Toolkit
from broadcast.build.checks import check_station
from broadcast.cli import cli
from broadcast.station.config import load_station

DRAFT = """\
announcements:
  - id: hop-thon-nhap
    template: hop_thon
    from: 2026-12-09
    until: 2026-12-10
    status: STATUS
    values: {thon: Đông, ngay: 10/12/2026, gio: 19h30, dia_diem: nhà văn hóa thôn, noi_dung: họp}
"""


def report_for(station_dir, today, status="draft"):
    (station_dir / "schedules" / "nhap.yaml").write_text(DRAFT.replace("STATUS", status), encoding="utf-8")
    return check_station(Toolkit.from_station(load_station(station_dir)), today=today)


def test_the_sample_station_is_clean(station_dir):
    report = check_station(Toolkit.from_station(load_station(station_dir)), today=date(2026, 12, 7))
    assert report.problems == [] and report.warnings == []


@pytest.mark.parametrize("status, word", [("draft", "ở dạng nháp"), ("pending", "đang chờ duyệt"),
                                          ("returned", "bị trả lại")])
def test_an_unapproved_notice_airing_within_seven_days_is_a_warning(station_dir, status, word):
    report = report_for(station_dir, date(2026, 12, 7), status)
    assert report.problems == []
    assert report.warnings == [
        f"schedules/nhap.yaml:2: Thông báo 'hop-thon-nhap' còn {word} nhưng có lịch phát từ 09/12/2026 "
        "(trong 7 ngày tới); chưa duyệt thì không được phát. (Sửa: khi lãnh đạo đã duyệt, ghi "
        "'status: approved')"]


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2026, 12, 11)])
def test_a_draft_outside_the_next_seven_days_is_quiet(station_dir, today):
    assert report_for(station_dir, today).warnings == []


def test_an_approved_notice_is_quiet(station_dir):
    assert report_for(station_dir, date(2026, 12, 7), "approved").warnings == []


def test_check_command_uses_the_station_date(station_dir, monkeypatch):
    monkeypatch.setattr(check_command, "station_today", lambda station: date(2026, 12, 8))
    (station_dir / "schedules" / "nhap.yaml").write_text(DRAFT.replace("STATUS", "draft"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "check"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Cảnh báo: schedules/nhap.yaml:2: Thông báo 'hop-thon-nhap' còn ở dạng nháp" in result.output


def test_a_phone_that_is_no_number_is_an_error_with_file_and_line(station_dir):
    (station_dir / "schedules" / "so.yaml").write_text(
        "announcements:\n  - id: cat-dien-123\n    template: cat_dien\n    from: 2026-12-01\n"
        "    status: approved\n"
        "    values: {ngay: 12/12/2026, gio: 7h-9h, khu_vuc: [thôn Đông], so_dien_thoai: 123}\n",
        encoding="utf-8")
    report = check_station(Toolkit.from_station(load_station(station_dir)), today=date(2026, 12, 7))
    assert len(report.problems) == 1
    assert report.problems[0].startswith("schedules/so.yaml:6:") and "so_dien_thoai" in report.problems[0]
    assert "111, 112, 113, 114, 115, 1022" in report.problems[0]


def test_a_record_missing_a_field_is_one_line_naming_row_and_field(station_dir):
    (station_dir / "schedules" / "kq.yaml").write_text(
        "announcements:\n  - id: tra-kq\n    template: tra_ket_qua\n    from: 2026-12-01\n"
        "    status: approved\n    values:\n      thoi_gian: 01/12/2026-05/12/2026\n      nguoi_nhan:\n"
        "        - {ho_ten: Nguyễn Văn Bình, thon: Đông, thu_tuc: chứng thực}\n"
        "        - {ho_ten: Trần Thị Lan, thu_tuc: khai sinh}\n", encoding="utf-8")
    report = check_station(Toolkit.from_station(load_station(station_dir)), today=date(2026, 12, 7))
    (problem,) = report.problems
    assert "mục thứ 2 (Trần Thị Lan) thiếu trường 'thon'" in problem
    assert "{" not in problem and "\n" not in problem
