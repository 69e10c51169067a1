"""The periodic report: periods and cut-offs, every counting rule, and the Markdown/CSV/DOCX writers."""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from datetime import date

import docx
import pytest

from broadcast import report as rpt
from broadcast.errors import InputError
from broadcast.report import (
    MANUAL_ROWS,
    ReportSettings,
    compute_report,
    date_line,
    format_number,
    parse_period,
    period_for_month,
    period_for_quarter,
    period_for_range,
    to_csv,
    to_markdown,
    write_bytes_atomic,
    write_docx,
    write_report_files,
)

D = date


# ---------------------------------------------------------------------------------------- periods

@pytest.mark.parametrize("year, month, cutoff, start, end, label", [
    (2026, 12, "calendar", D(2026, 12, 1), D(2026, 12, 31), "tháng 12 năm 2026"),
    (2028, 2, "calendar", D(2028, 2, 1), D(2028, 2, 29), "tháng 2 năm 2028"),
    (2026, 12, "nd09", D(2026, 11, 15), D(2026, 12, 14), "tháng 12 năm 2026"),
    (2027, 1, "nd09", D(2026, 12, 15), D(2027, 1, 14), "tháng 1 năm 2027"),
    (2027, 3, "nd09", D(2027, 2, 15), D(2027, 3, 14), "tháng 3 năm 2027"),
])
def test_period_for_month(year, month, cutoff, start, end, label):
    p = period_for_month(year, month, cutoff)
    assert (p.start, p.end, p.label, p.kind) == (start, end, label, "month")
    assert p.slug == f"{year}-{month:02d}"


@pytest.mark.parametrize("year, q, cutoff, start, end, label", [
    (2026, 4, "calendar", D(2026, 10, 1), D(2026, 12, 31), "quý IV năm 2026"),
    (2026, 3, "calendar", D(2026, 7, 1), D(2026, 9, 30), "quý III năm 2026"),
    (2027, 1, "calendar", D(2027, 1, 1), D(2027, 3, 31), "quý I năm 2027"),
    (2027, 1, "nd09", D(2026, 12, 15), D(2027, 3, 14), "quý I năm 2027"),
    (2027, 2, "nd09", D(2027, 3, 15), D(2027, 6, 14), "quý II năm 2027"),
    (2026, 4, "nd09", D(2026, 9, 15), D(2026, 12, 14), "quý IV năm 2026"),
])
def test_period_for_quarter(year, q, cutoff, start, end, label):
    p = period_for_quarter(year, q, cutoff)
    assert (p.start, p.end, p.label, p.kind) == (start, end, label, "quarter")
    assert p.slug == f"{year}-Q{q}"


def test_period_for_range_label_slug_and_order():
    p = period_for_range(D(2026, 12, 1), D(2026, 12, 14))
    assert p.label == "từ ngày 01/12/2026 đến ngày 14/12/2026"
    assert (p.slug, p.days, p.kind) == ("2026-12-01_2026-12-14", 14, "range")
    assert D(2026, 12, 14) in p and D(2026, 12, 15) not in p
    with pytest.raises(InputError, match="sau ngày kết thúc"):
        period_for_range(D(2026, 12, 14), D(2026, 12, 1))


@pytest.mark.parametrize("args, start, end", [
    (("2026-12", None, None, None, "calendar"), D(2026, 12, 1), D(2026, 12, 31)),
    (("2026-1", None, None, None, "nd09"), D(2025, 12, 15), D(2026, 1, 14)),
    ((None, "2026-Q4", None, None, "calendar"), D(2026, 10, 1), D(2026, 12, 31)),
    ((None, "2027-q1", None, None, "nd09"), D(2026, 12, 15), D(2027, 3, 14)),
    ((None, None, "2026-12-01", "2026-12-07", "nd09"), D(2026, 12, 1), D(2026, 12, 7)),
    ((None, None, "01/12/2026", "07/12/2026", "calendar"), D(2026, 12, 1), D(2026, 12, 7)),
])
def test_parse_period_accepts(args, start, end):
    p = parse_period(*args)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize("args, words", [
    (("2026-13", None, None, None, "calendar"), ["tháng '2026-13' không hợp lệ", "2026-12"]),
    (("2026/12", None, None, None, "calendar"), ["tháng '2026/12' không hợp lệ"]),
    ((None, "2026-Q5", None, None, "calendar"), ["quý '2026-Q5' không hợp lệ", "2026-Q4"]),
    ((None, "2026-4", None, None, "calendar"), ["quý '2026-4' không hợp lệ"]),
    ((None, None, None, None, "calendar"), ["chưa chọn kỳ báo cáo"]),
    (("2026-12", "2026-Q4", None, None, "calendar"), ["chỉ chọn một kỳ báo cáo", "--month", "--quarter"]),
    ((None, None, "2026-12-01", None, "calendar"), ["cần cả --from và --to"]),
    ((None, None, "2026-12-01", "2026-12-32", "calendar"), ["--to: ngày '2026-12-32' không hợp lệ"]),
    ((None, None, "2026-12-09", "2026-12-01", "calendar"), ["sau ngày kết thúc"]),
    (("2026-12", None, None, None, "fiscal"), ["'fiscal' không hợp lệ", "nd09"]),
])
def test_parse_period_rejects_with_clear_message(args, words):
    with pytest.raises(InputError) as caught:
        parse_period(*args)
    assert caught.value.exit_code == 2
    for word in words:
        assert word in str(caught.value)


# ---------------------------------------------------------------------------------------- rows

_ids = iter(range(1, 10_000))


def prog(day, session, status="played", duration_s=600.0, title=None, error=None):
    pid = f"{day}-{session}"
    return {"id": next(_ids), "kind": "programme", "parent_id": None, "programme_id": pid, "date": day,
            "slot": session, "session": session, "scheduled_at": f"{day}T05:30:00+07:00",
            "started_at": None, "ended_at": None, "item_id": None, "item_kind": None, "template": None,
            "title": title or f"Chương trình {session}", "tags": [], "priority": "thuong",
            "episode": None, "source": "tu-san-xuat", "repeat": 1, "duration_s": duration_s,
            "status": status, "error": error, "output": "file", "file": None, "values_json": "{}"}


def item(parent, item_id, kind, *, status=None, repeat=1, duration_s=60.0, tags=(), priority="thuong",
         episode=None, source="tu-san-xuat", values=None, title=None):
    row = dict(parent)
    row.update({"id": next(_ids), "kind": "item", "parent_id": parent["id"], "item_id": item_id,
                "item_kind": kind, "title": title or item_id, "tags": list(tags), "priority": priority,
                "episode": episode, "source": source, "repeat": repeat, "duration_s": duration_s,
                "status": status or parent["status"], "error": None,
                "values_json": values if isinstance(values, str) else json.dumps(values or {},
                                                                                 ensure_ascii=False)})
    return row


NFD_TITLE = unicodedata.normalize("NFD", "Cải cách hành chính: đăng ký khai sinh trực tuyến")


def sample_rows():
    rows = []
    p1 = prog("2026-12-01", "sang", duration_s=900)
    rows += [p1,
             item(p1, "nhac-hieu", "nhac-hieu", duration_s=20),
             item(p1, "tin-01", "ban-tin", duration_s=120, tags=["ntm"]),
             item(p1, "cchc", "chuyen-muc", episode="cchc-01", duration_s=300, tags=["cchc", "dvctt"],
                  values={"ten_thu_tuc": "Đăng ký khai sinh"}, title=NFD_TITLE),
             item(p1, "tb-tiem", "thong-bao", repeat=2, tags=["yte"], priority="uu-tien",
                  values={"ten_thu_tuc": "Không phải thủ tục"}),   # not tagged tthc/cchc: not counted
             item(p1, "tiep-am-vov", "tiep-am", duration_s=240, source="vov")]
    p2 = prog("2026-12-01", "chieu", status="late", duration_s=600)
    records = [{"ho_ten": "Nguyễn Văn Bình", "thon": "Đông",
                "thu_tuc": "Cấp giấy chứng nhận quyền sử dụng đất"},
               {"ho_ten": "Trần Thị Lan", "thon": "Trung", "thu_tuc": "Trích lục khai sinh"}]
    rows += [p2,
             item(p2, "tb-tiem", "thong-bao", repeat=2, tags=["yte"], priority="uu-tien"),
             # records as a real list, and (values stored as strings) as a JSON-encoded list
             item(p2, "tra-kq", "thong-bao", repeat=2, tags=["tthc", "tra-ket-qua"],
                  values={"danh_sach": records[:1]}),
             item(p2, "tra-kq", "thong-bao", status="missed", repeat=2, tags=["tthc"],
                  values={"danh_sach": json.dumps(records[1:], ensure_ascii=False)}),
             item(p2, "tra-kq-2", "thong-bao", repeat=1, tags=["tthc"],
                  values={"danh_sach": json.dumps(records[1:], ensure_ascii=False)}),
             item(p2, "cchc", "chuyen-muc", episode="cchc-01", duration_s=300, tags=["cchc", "dvctt"],
                  values={"ten_thu_tuc": "Đăng ký khai sinh"}),
             item(p2, "cchc-le", "chuyen-muc", duration_s=240, tags=["cchc"],
                  values={"ten_thu_tuc": ["Chứng thực bản sao từ bản chính", "đăng ký  KHAI SINH"]}),
             item(p2, "tb-thue", "thong-bao", duration_s=90, tags=["thue", "la-tag"], source="tinh")]
    p3 = prog("2026-12-02", "sang", status="missed", duration_s=0)
    rows += [p3, item(p3, "tin-02", "ban-tin", tags=["tthc"], values={"ten_thu_tuc": "Thủ tục lỡ giờ"})]
    p4 = prog("2026-12-02", "dot-xuat", duration_s=180, title="Thông báo khẩn cấp")
    rows += [p4,
             item(p4, "bao-so-12", "khan-cap", repeat=3, duration_s=150, tags=["pctt"], priority="khan-cap"),
             item(p4, "tb-so-tan", "thong-bao", repeat=2, tags=["pctt"], priority="khan-cap")]
    p5 = prog("2026-12-03", "sang", status="interrupted", duration_s=400)
    rows += [p5,
             item(p5, "tb-x", "thong-bao", status="interrupted", repeat=2, tags=["atgt"]),
             item(p5, "tiep-am-tinh", "tiep-am", duration_s=300, source="tinh")]   # not in the total
    rows.append(prog("2026-12-04", "sang", status="failed", duration_s=0,
                     error="không mở được thiết bị âm thanh"))
    rows.append(prog("2026-11-30", "sang", duration_s=900))                     # outside the period
    rows.append(prog("2026-12-05", "sang", status="playing"))
    return rows


PERIOD = period_for_month(2026, 12)
GENERATED = D(2027, 1, 5)


@pytest.fixture(scope="module")
def report():
    return compute_report(sample_rows(), PERIOD, generated_on=GENERATED)


@pytest.mark.parametrize("code, expected", [
    # group A: only played/late programmes count; interrupted, missed, failed are shown apart
    ("ngay_phat_song", 2),
    ("buoi_phat", 3), ("buoi_sang", 1), ("buoi_trua", 0), ("buoi_chieu", 1), ("buoi_dot_xuat", 1),
    ("thoi_luong", 28.0),                      # 900 + 600 + 180 s
    ("thoi_luong_tiep_am", 5.5),               # VOV 240 s + tỉnh 90 s (the tỉnh relay in P5 is not aired)
    ("tiep_am_vov", 4.0), ("tiep_am_tinh", 1.5), ("tiep_am_huyen", 0.0),
    ("thoi_luong_tu_san_xuat", 22.5),
    ("khan_cap", 5),                           # kind khan-cap ×3 + priority khan-cap ×2
    ("ct_phat_cham", 1), ("ct_gian_doan", 1), ("ct_khong_phat", 2), ("luot_gian_doan", 2),
    # group B: self-produced content, distinct items, each reading is one lượt
    ("tin_bai", 1), ("luot_tin_bai", 1),
    ("thong_bao", 4), ("luot_thong_bao", 9),   # tb-tiem 2+2, tra-kq 2, tra-kq-2 1, tb-so-tan 2
    ("thong_bao_khan_cap", 1), ("luot_thong_bao_khan_cap", 3),
    ("chuyen_muc", 2), ("luot_chuyen_muc", 3),
    ("tong_luot", 16),
    ("noi_dung_cap_tren", 1), ("luot_noi_dung_cap_tren", 1),
    # group C
    ("chuyen_muc_cchc", 2), ("luot_chuyen_muc_cchc", 3), ("thoi_luong_chuyen_muc_cchc", 14.0),
    ("tin_bai_cchc", 2), ("luot_cchc", 3),
    ("huong_dan_dvctt", 2),
    ("thu_tuc", 4),
    ("tiep_cong_dan_tra_ket_qua", 2),
])
def test_indicator_values(report, code, expected):
    assert report.value(code) == expected


def test_groups_are_in_order_and_codes_unique(report):
    assert [i.group for i in report.indicators] == sorted(i.group for i in report.indicators)
    codes = [i.code for i in report.indicators]
    assert len(codes) == len(set(codes))
    assert "tiep_am_khac" not in codes                 # shown only when there is such audio


def test_procedures_distinct_from_values_and_records(report):
    assert report.procedures == ("Đăng ký khai sinh", "Cấp giấy chứng nhận quyền sử dụng đất",
                                 "Trích lục khai sinh", "Chứng thực bản sao từ bản chính")


def test_cchc_episodes(report):
    assert [(e.episode, e.airings, e.minutes) for e in report.cchc] == [("cchc-01", 2, 10.0),
                                                                         ("cchc-le", 1, 4.0)]
    assert report.cchc[0].dates == (D(2026, 12, 1),)
    assert report.cchc[0].title == unicodedata.normalize("NFC", NFD_TITLE)


def test_topics_by_tag_with_labels(report):
    rows = {t.tag: (t.label, t.items, t.airings) for t in report.topics}
    assert rows["cchc"] == ("Cải cách hành chính", 2, 3)
    assert rows["dvctt"] == ("Dịch vụ công trực tuyến", 1, 2)
    assert rows["yte"] == ("Y tế", 1, 4)
    assert rows["pctt"] == ("Phòng, chống thiên tai", 2, 5)
    assert rows["thue"] == ("Thuế", 1, 1)              # content from tỉnh counts in topics
    assert rows["la-tag"] == ("la-tag", 1, 1)          # unknown tag shown as-is, last
    assert "atgt" not in rows                          # only interrupted
    assert [t.tag for t in report.topics][-1] == "la-tag"


def test_missed_and_warnings(report):
    assert [(m.programme_id, m.status) for m in report.missed] == [
        ("2026-12-02-sang", "missed"), ("2026-12-03-sang", "interrupted"), ("2026-12-04-sang", "failed")]
    assert report.missed[2].error == "không mở được thiết bị âm thanh"
    assert any("đang phát" in w for w in report.warnings)


def test_empty_log_gives_zeros():
    empty = compute_report([], PERIOD, generated_on=GENERATED)
    assert all(i.value == 0 for i in empty.indicators)
    assert (empty.topics, empty.cchc, empty.procedures, empty.missed) == ((), (), (), ())


def test_bad_values_json_is_a_warning_not_a_crash():
    p = prog("2026-12-01", "sang")
    rows = [p, item(p, "x", "thong-bao", tags=["tthc"], values="{không phải json")]
    result = compute_report(rows, PERIOD, generated_on=GENERATED)
    assert result.procedures == ()
    assert any("Không đọc được giá trị" in w for w in result.warnings)


def test_duration_falls_back_to_start_end():
    p = prog("2026-12-01", "sang", duration_s=None)
    p.update(started_at="2026-12-01T05:30:00+07:00", ended_at="2026-12-01T05:45:30+07:00")
    assert compute_report([p], PERIOD, generated_on=GENERATED).value("thoi_luong") == 15.5


# ---------------------------------------------------------------------------------------- formatting

@pytest.mark.parametrize("value, text", [(0, "0"), (1340, "1.340"), (12.5, "12,5"), (28.0, "28"),
                                         (1234.5, "1.234,5"), (1000000, "1.000.000")])
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize("day, text", [
    (D(2027, 1, 5), "Hòa An, ngày 05 tháng 01 năm 2027"),
    (D(2026, 12, 15), "Hòa An, ngày 15 tháng 12 năm 2026"),
    (D(2026, 3, 9), "Hòa An, ngày 09 tháng 3 năm 2026"),
    (D(2026, 2, 28), "Hòa An, ngày 28 tháng 02 năm 2026"),
])
def test_date_line(day, text):
    assert date_line("Hòa An", day) == text


SETTINGS = ReportSettings(station_name="Hòa An", unit_name="ỦY BAN NHÂN DÂN XÃ HÒA AN", place="Hòa An",
                          recipient="Ủy ban nhân dân tỉnh Quảng Trị", signer_title="CHỦ TỊCH",
                          signer_name="Nguyễn Anh Tuấn", number="…/BC-UBND")


def test_markdown_has_header_and_indicator_table(report):
    md = to_markdown(report, SETTINGS)
    for line in ("**ỦY BAN NHÂN DÂN XÃ HÒA AN**", "Số: …/BC-UBND", "**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**",
                 "Hòa An, ngày 05 tháng 01 năm 2027", "# BÁO CÁO",
                 "Kết quả công tác thông tin, tuyên truyền trên hệ thống truyền thanh xã Hòa An tháng 12 năm 2026",
                 "Kính gửi: Ủy ban nhân dân tỉnh Quảng Trị",
                 "| STT | Chỉ tiêu | Đơn vị tính | Kết quả |",
                 "| 1 | Số ngày phát sóng | ngày | 2 |",
                 "|  | – Buổi sáng | buổi | 1 |",
                 "|  | + Đài Tiếng nói Việt Nam (VOV) | phút | 4 |",
                 "| 3 | Tổng thời lượng phát sóng | phút | 28 |",
                 "| 1 | Cải cách hành chính | 2 | 3 | 14 |",
                 "1. Đăng ký khai sinh", "Ưu điểm", "Hạn chế", "ĐỀ XUẤT",
                 "| 2 | Số hồ sơ thủ tục hành chính tiếp nhận | hồ sơ |  |",
                 "|  | – Trong đó: tiếp nhận trực tuyến | hồ sơ |  |",
                 "TM. ỦY BAN NHÂN DÂN", "**Nguyễn Anh Tuấn**",
                 "02/12/2026 lúc 05:30, Chương trình sang: lỡ giờ, không phát"):
        assert line in md, line
    assert md == unicodedata.normalize("NFC", md)


def test_csv_parses_back(report):
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    by_code = {r["ma"]: r for r in rows}
    assert tuple(rows[0]) == rpt.CSV_COLUMNS
    assert len(by_code) == len(rows)
    for ind in report.indicators:
        assert float(by_code[ind.code]["gia_tri"]) == ind.value
    assert by_code["thoi_luong"]["gia_tri"] == "28.0"
    assert by_code["buoi_sang"]["chi_tieu"] == "Số buổi phát – Buổi sáng"
    assert by_code["tiep_am_vov"]["chi_tieu"] == (
        "Tổng thời lượng phát sóng – Tiếp âm, tiếp sóng – Đài Tiếng nói Việt Nam (VOV)")
    assert by_code["luot_thong_bao"]["chi_tieu"] == "Số thông báo – Số lượt phát"
    assert by_code["chu_de.cchc.luot"]["gia_tri"] == "3"
    assert {r["ky_bao_cao"] for r in rows} == {"tháng 12 năm 2026"}
    assert {(r["tu_ngay"], r["den_ngay"]) for r in rows} == {("2026-12-01", "2026-12-31")}


# ---------------------------------------------------------------------------------------- DOCX

def docx_texts(path):
    """Every paragraph of the document, including those inside table cells (nested once)."""
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    rows = []
    for table in document.tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            rows.append(cells)
            texts += [p.text for c in row.cells for p in c.paragraphs]
    return texts, rows


def test_docx_layout_and_text(report, tmp_path):
    path = tmp_path / "bc.docx"
    write_docx(report, SETTINGS, path)
    texts, rows = docx_texts(path)
    for line in ("ỦY BAN NHÂN DÂN", "XÃ HÒA AN", "Số: …/BC-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Hòa An, ngày 05 tháng 01 năm 2027", "BÁO CÁO",
                 "Kết quả công tác thông tin, tuyên truyền trên hệ thống truyền thanh xã Hòa An tháng 12 năm 2026",
                 "Kính gửi: Ủy ban nhân dân tỉnh Quảng Trị", "1. Ưu điểm:", "2. Hạn chế, khó khăn:",
                 "III. ĐỀ XUẤT, KIẾN NGHỊ", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Anh Tuấn",
                 "1. Đăng ký khai sinh"):
        assert line in texts, line
    assert ["1", "Số ngày phát sóng", "ngày", "2"] in rows
    assert ["", "– Buổi sáng", "buổi", "1"] in rows
    assert ["3", "Tổng thời lượng phát sóng", "phút", "28"] in rows
    assert ["1", "Cải cách hành chính", "2", "3", "14"] in rows
    for _, label, unit in MANUAL_ROWS:                   # group D left blank for the officer
        assert [label, unit, ""] in [r[1:] for r in rows]
    assert ["3", "Tỷ lệ hồ sơ giải quyết đúng hạn", "%", ""] in rows
    nfc_title = unicodedata.normalize("NFC", NFD_TITLE)
    assert any(nfc_title in cell for row in rows for cell in row)
    assert all(t == unicodedata.normalize("NFC", t) for t in texts)


def test_docx_deputy_signer_and_no_name(report, tmp_path):
    settings = ReportSettings(signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", signer_name="")
    write_docx(report, settings, tmp_path / "bc.docx")
    texts, _ = docx_texts(tmp_path / "bc.docx")
    i = texts.index("TM. ỦY BAN NHÂN DÂN")
    assert texts[i + 1:i + 3] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert "(Ký, ghi rõ họ tên, đóng dấu)" in texts
    assert "Kính gửi: Ủy ban nhân dân tỉnh" in texts


def test_write_report_files_atomic(report, tmp_path):
    out = tmp_path / "bao-cao"
    paths = write_report_files(report, SETTINGS, out)
    assert [p.name for p in paths] == ["report-2026-12.md", "report-2026-12.csv", "report-2026-12.docx"]
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)      # no temp files left
    assert paths[1].read_bytes().startswith(b"\xef\xbb\xbf")              # BOM: Excel reads UTF-8
    assert "Số ngày phát sóng" in paths[0].read_text(encoding="utf-8")
    docx.Document(str(paths[2]))                                           # opens
    write_report_files(report, SETTINGS, out)                              # overwrite in place
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(rpt.os, "replace", boom)
    with pytest.raises(OSError):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["report.md"]


def test_settings_from_station(tmp_path):
    from broadcast.config import load_station
    (tmp_path / "broadcast.toml").write_text(
        '[station]\nname = "Hòa An"\n\n[report]\nrecipient = "Sở Văn hóa tỉnh Quảng Trị"\n'
        'signer_name = "Nguyễn Anh Tuấn"\n', encoding="utf-8")
    settings = ReportSettings.from_station(load_station(tmp_path))
    assert settings.unit_name == "ỦY BAN NHÂN DÂN XÃ HÒA AN"
    assert (settings.place_name, settings.recipient, settings.signer_name, settings.number) == (
        "Hòa An", "Sở Văn hóa tỉnh Quảng Trị", "Nguyễn Anh Tuấn", "…/BC-UBND")


def test_rows_from_the_real_as_run_log(tmp_path):
    """The contract with broadcast.asrun: rows it writes are counted by the same rules."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from broadcast.asrun import AsRunLog

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    day = D(2026, 12, 7)
    entry = {"items": [
        {"id": "nhac-hieu", "kind": "nhac-hieu", "title": "Nhạc hiệu", "tags": [], "priority": "thuong",
         "repeat": 1, "source": "tu-san-xuat", "offset_s": 0.0, "duration_s": 20.0},
        {"id": "tiem-chung", "kind": "thong-bao", "title": "Thông báo tiêm chủng", "tags": ["yte"],
         "priority": "uu-tien", "repeat": 2, "source": "tu-san-xuat", "offset_s": 20.0, "duration_s": 120.0,
         "values": {"ngay": "05/12/2026"}},
        {"id": "cchc", "kind": "chuyen-muc", "title": "Hướng dẫn đăng ký khai sinh trực tuyến",
         "tags": ["cchc", "dvctt"], "priority": "thuong", "repeat": 1, "episode": "cchc-01",
         "source": "tu-san-xuat", "offset_s": 140.0, "duration_s": 300.0,
         "values": {"ten_thu_tuc": ["Đăng ký khai sinh"]}}]}
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        for slot, hour, status, ended in (("sang", 5, "played", 600), ("chieu", 17, "interrupted", 60)):
            start = datetime(2026, 12, 7, hour, 0, tzinfo=tz)
            row_id = log.programme_started(programme_id=f"{day}-{slot}", day=day, slot=slot, session=slot,
                                           scheduled_at=start, title=f"Chương trình {slot}",
                                           started_at=start, entry=entry, duration_s=ended)
            log.finish(row_id, status, start + timedelta(seconds=ended))
        missed_at = datetime(2026, 12, 8, 5, 0, tzinfo=tz)
        log.programme_started(programme_id="2026-12-08-sang", day=D(2026, 12, 8), slot="sang",
                              session="sang", scheduled_at=missed_at, title="Chương trình sang",
                              started_at=None, status="missed")
        rows = log.rows(D(2026, 12, 1), D(2026, 12, 31))
    result = compute_report(rows, PERIOD, generated_on=GENERATED)
    assert result.value("ngay_phat_song") == 1
    assert (result.value("buoi_sang"), result.value("buoi_chieu")) == (1, 0)
    assert result.value("thoi_luong") == 10.0
    assert (result.value("ct_gian_doan"), result.value("ct_khong_phat")) == (1, 1)
    assert result.value("luot_thong_bao") == 2          # the morning reading ×2; the afternoon one was cut
    assert result.value("luot_gian_doan") == 2
    assert (result.value("chuyen_muc_cchc"), result.value("huong_dan_dvctt")) == (1, 1)
    assert result.procedures == ("Đăng ký khai sinh",)
