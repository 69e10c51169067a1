"""The periodic report: periods and cut-offs, every counting rule, and the Markdown/CSV/DOCX writers."""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from datetime import date
from pathlib import Path

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
    ("tiep_am_vov", 4.0), ("tiep_am_tinh", 1.5),
    ("thoi_luong_tu_san_xuat", 22.5),
    ("khan_cap", 2),                           # an item of kind khan-cap + one of priority khan-cap
    ("ct_phat_cham", 1), ("ct_gian_doan", 1), ("ct_khong_phat", 2), ("luot_gian_doan", 1),
    # group B: self-produced content, distinct items; one airing per programme, readings apart
    ("tin_bai", 1), ("luot_tin_bai", 1), ("doc_tin_bai", 1),
    ("thong_bao", 4), ("luot_thong_bao", 5),   # tb-tiem in 2 programmes, tra-kq, tra-kq-2, tb-so-tan
    ("doc_thong_bao", 9),                      # tb-tiem 2+2, tra-kq 2, tra-kq-2 1, tb-so-tan 2
    ("thong_bao_khan_cap", 1), ("luot_thong_bao_khan_cap", 1), ("doc_thong_bao_khan_cap", 3),
    ("chuyen_muc", 2), ("luot_chuyen_muc", 3), ("doc_chuyen_muc", 3),
    ("tong_luot", 10), ("tong_doc", 16),
    ("noi_dung_cap_tren", 1), ("luot_noi_dung_cap_tren", 1),
    # group C
    ("chuyen_muc_cchc", 2), ("luot_chuyen_muc_cchc", 3), ("thoi_luong_chuyen_muc_cchc", 14.0),
    ("tin_bai_cchc", 2), ("luot_cchc", 3),
    ("huong_dan_dvctt", 2),
    ("thu_tuc", 2),                            # presented in CCHC episodes; results handed out are not
    ("tiep_cong_dan_tra_ket_qua", 1),
])
def test_indicator_values(report, code, expected):
    assert report.value(code) == expected


def test_groups_are_in_order_and_codes_unique(report):
    assert [i.group for i in report.indicators] == sorted(i.group for i in report.indicators)
    codes = [i.code for i in report.indicators]
    assert len(codes) == len(set(codes))
    assert "tiep_am_khac" not in codes                 # shown only when there is such audio


def test_procedures_distinct_from_values_and_records(report):
    assert report.procedures == ("Đăng ký khai sinh", "Chứng thực bản sao từ bản chính")


def test_cchc_episodes(report):
    assert [(e.episode, e.airings, e.minutes) for e in report.cchc] == [("cchc-01", 2, 10.0),
                                                                         ("cchc-le", 1, 4.0)]
    assert report.cchc[0].dates == (D(2026, 12, 1),)
    assert report.cchc[0].title == unicodedata.normalize("NFC", NFD_TITLE)


def test_topics_by_tag_with_labels(report):
    rows = {t.tag: (t.label, t.items, t.airings) for t in report.topics}
    assert rows["cchc"] == ("Cải cách hành chính", 2, 3)
    assert rows["dvctt"] == ("Dịch vụ công trực tuyến", 1, 2)
    assert rows["yte"] == ("Y tế", 1, 2)
    assert rows["pctt"] == ("Phòng, chống thiên tai", 2, 2)
    assert rows["thue"] == ("Thuế", 1, 1)              # content from tỉnh counts in topics
    assert rows["khac"] == ("Chủ đề khác", 1, 1)       # a tag without a name is never shown raw
    assert "la-tag" not in rows and "atgt" not in rows  # atgt: only interrupted
    assert [t.tag for t in report.topics][-1] == "khac"
    assert any("la-tag" in w and "chu-de.tsv" in w for w in report.warnings)


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
    rows = [p, item(p, "x", "chuyen-muc", tags=["tthc"], values="{không phải json")]
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
    texts = [p.text.replace("\n", " ") for p in document.paragraphs]      # a line break reads as a space
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
    assert [p.name for p in paths] == ["report-2026-12.md", "report-2026-12.csv", "report-2026-12.xlsx",
                                       "report-2026-12.docx", "report-2026-12-bieu-do.png"]
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)      # no temp files left
    assert paths[1].read_bytes().startswith(b"\xef\xbb\xbf")              # BOM: Excel reads UTF-8
    assert "Số ngày phát sóng" in paths[0].read_text(encoding="utf-8")
    docx.Document(str(paths[3]))                                           # opens
    write_report_files(report, SETTINGS, out)                              # overwrite in place
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("broadcast.atomic.os.replace", boom)
    with pytest.raises(OSError):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["report.md"]


def test_settings_from_station(tmp_path):
    from broadcast.station.config import load_station
    (tmp_path / "broadcast.toml").write_text(
        '[station]\nname = "Hòa An"\n\n[report]\nrecipient = "Sở Văn hóa tỉnh Quảng Trị"\n'
        'signer_name = "Nguyễn Anh Tuấn"\n', encoding="utf-8")
    settings = ReportSettings.from_station(load_station(tmp_path))
    assert settings.unit_name == "ỦY BAN NHÂN DÂN XÃ HÒA AN"
    assert (settings.place_name, settings.recipient, settings.signer_name, settings.number) == (
        "Hòa An", "Sở Văn hóa tỉnh Quảng Trị", "Nguyễn Anh Tuấn", "…/BC-UBND")


def test_rows_from_the_real_as_run_log(tmp_path):
    """The contract with broadcast.log.asrun: rows it writes are counted by the same rules."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from broadcast.log.asrun import AsRunLog

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
    assert (result.value("buoi_sang"), result.value("buoi_chieu")) == (1, 1)   # the cut one aired 60 s
    assert result.value("thoi_luong") == 11.0
    assert (result.value("ct_gian_doan"), result.value("ct_khong_phat")) == (1, 1)
    assert result.value("luot_thong_bao") == 1          # the morning airing; the afternoon one was cut
    assert result.value("doc_thong_bao") == 2           # read twice in it
    assert result.value("luot_gian_doan") == 1
    assert (result.value("chuyen_muc_cchc"), result.value("huong_dan_dvctt")) == (1, 1)
    assert result.procedures == ("Đăng ký khai sinh",)


# ---------------------------------------------------------------------------------------- truth

def with_origin(rows, origin):
    return [dict(r, origin=origin) for r in rows]


def one_programme(day="2026-12-01", origin=None, repeat=2):
    p = prog(day, "sang")
    rows = [p, item(p, "tb-tiem", "thong-bao", repeat=repeat, tags=["yte"])]
    return rows if origin is None else with_origin(rows, origin)


def test_only_scheduled_and_urgent_count_and_the_report_says_what_it_left_out():
    rows = (one_programme("2026-12-01", "scheduled") + one_programme("2026-12-02", "urgent")
            + one_programme("2026-12-03", "manual") + one_programme("2026-12-04", "manual"))
    result = compute_report(rows, PERIOD, generated_on=GENERATED)
    assert (result.value("buoi_phat"), result.value("luot_thong_bao"), result.value("doc_thong_bao")) == (2, 2, 4)
    assert (result.excluded, result.rehearsal) == ((("manual", 2),), False)
    sentence = rpt.scope_sentence(result)
    assert "chỉ tính các chương trình đã phát trên loa theo lịch" in sentence
    assert "Không tính: 2 lần phát bằng tay ngoài lịch" in sentence
    assert sentence in to_markdown(result, SETTINGS)


def test_rows_without_origin_are_scheduled():
    old = compute_report(one_programme(), PERIOD, generated_on=GENERATED)
    new = compute_report(one_programme(origin="scheduled"), PERIOD, generated_on=GENERATED)
    assert old.indicators == new.indicators and old.value("buoi_phat") == 1
    assert old.excluded == () and "Không tính" not in rpt.scope_sentence(old)


def test_rehearsal_log_is_counted_and_says_so_on_the_first_line(tmp_path):
    result = compute_report(one_programme(origin="rehearsal"), PERIOD, generated_on=GENERATED)
    assert result.rehearsal and result.value("buoi_phat") == 1
    assert to_markdown(result, SETTINGS).splitlines()[0] == f"**{rpt.REHEARSAL_BANNER}**"
    write_docx(result, SETTINGS, tmp_path / "bc.docx")
    assert docx.Document(str(tmp_path / "bc.docx")).paragraphs[0].text == rpt.REHEARSAL_BANNER
    # a rehearsal row inside a real log is not a broadcast
    mixed = compute_report(one_programme(origin="scheduled") + one_programme("2026-12-02", "rehearsal"),
                           PERIOD, generated_on=GENERATED)
    assert not mixed.rehearsal and mixed.value("buoi_phat") == 1 and mixed.excluded == (("rehearsal", 1),)


def test_a_log_without_the_origin_column_is_read(tmp_path):
    """An as-run database made before the origin column: every row is scheduled playout."""
    import sqlite3

    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as con:       # the columns of the log as released before origin
        con.execute("CREATE TABLE airings (id INTEGER PRIMARY KEY, kind TEXT, parent_id INTEGER, "
                    "programme_id TEXT, date TEXT, session TEXT, status TEXT, duration_s REAL, title TEXT)")
        columns = [r[1] for r in con.execute("PRAGMA table_info(airings)")]
        con.execute("INSERT INTO airings (kind, programme_id, date, session, status, duration_s, title) "
                    "VALUES ('programme', 'p', '2026-12-01', 'sang', 'played', 600, 'Sáng')")
    rows = [dict(zip(columns, r)) for r in sqlite3.connect(db).execute("SELECT * FROM airings")]
    assert "origin" not in rows[0]
    assert compute_report(rows, PERIOD, generated_on=GENERATED).value("thoi_luong") == 10.0


@pytest.mark.parametrize("period, today, covered, words", [
    (period_for_month(2027, 2), D(2027, 1, 5), set(), ["chưa bắt đầu"]),
    (period_for_month(2026, 12), D(2026, 12, 10), None, ["chưa kết thúc", "đến ngày 10/12/2026"]),
    (period_for_month(2026, 12), GENERATED, set(), ["không có chương trình nào đã phát"]),
])
def test_future_and_empty_periods_get_a_notice_not_a_clean_bill(period, today, covered, words):
    rows = one_programme("2026-12-01") if covered is None else []
    result = compute_report(rows, period, generated_on=today, covered_days=covered)
    lines = rpt.operations_lines(result)
    for word in words:
        assert any(word in line for line in lines), (word, lines)
    assert not any("không có chương trình nào bị lỡ giờ" in line for line in lines)
    assert all(f"Lưu ý: {n}" in to_markdown(result, SETTINGS) for n in result.notices)


def test_a_partly_covered_period_names_the_missing_days():
    rows = one_programme("2026-12-01") + one_programme("2026-12-02")
    covered = {D(2026, 12, d) for d in range(1, 32) if d not in (5, 6, 7, 20)}
    result = compute_report(rows, PERIOD, generated_on=GENERATED, covered_days=covered)
    assert result.notices == ("Nhật ký không có ghi chép nào trong 4/31 ngày của kỳ (05/12–07/12, 20/12): "
                              "số liệu có thể thiếu.",)
    full = compute_report(rows, PERIOD, generated_on=GENERATED,
                          covered_days={D(2026, 12, d) for d in range(1, 32)})
    assert full.notices == ()
    assert rpt.operations_lines(full) == ["Trong kỳ không có chương trình nào bị lỡ giờ, lỗi hoặc gián đoạn."]


def test_weeks_split_the_period_monday_to_sunday(report):
    assert [(w.start, w.end) for w in report.weeks][:2] == [(D(2026, 12, 1), D(2026, 12, 6)),
                                                            (D(2026, 12, 7), D(2026, 12, 13))]
    assert report.weeks[-1].end == D(2026, 12, 31)
    assert report.weeks[0].minutes == report.value("thoi_luong") and report.weeks[0].label == "01/12–06/12"


def test_every_tag_of_the_script_library_has_a_vietnamese_name():
    from pathlib import Path

    from broadcast.render.library import TemplateLibrary
    root = Path(__file__).resolve().parents[1] / "scripts_vi"
    library = TemplateLibrary(root)
    tags = {t for name in library.names() for t in library.get(name).tags}
    assert tags and tags <= set(rpt.TOPIC_LABELS), sorted(tags - set(rpt.TOPIC_LABELS))


def test_station_topic_names_and_a_bad_line():
    assert rpt.parse_topic_labels("# nhãn\ttên\nkhuyen-nong\tKhuyến nông\n\n") == {"khuyen-nong": "Khuyến nông"}
    p = prog("2026-12-01", "sang")
    rows = [p, item(p, "x", "thong-bao", tags=["khuyen-nong"])]
    named = compute_report(rows, PERIOD, generated_on=GENERATED, topic_labels={"khuyen-nong": "Khuyến nông"})
    assert [(t.tag, t.label) for t in named.topics] == [("khuyen-nong", "Khuyến nông")]
    with pytest.raises(InputError) as caught:
        rpt.parse_topic_labels("khuyen-nong Khuyến nông\n", "scripts_vi/chu-de.tsv")
    assert "scripts_vi/chu-de.tsv:1:" in str(caught.value) and caught.value.exit_code == 2


def test_xlsx_has_the_csv_rows_as_numbers(report, tmp_path):
    import openpyxl

    from broadcast.report.xlsx import to_xlsx
    path = tmp_path / "bc.xlsx"
    path.write_bytes(to_xlsx(report, SETTINGS))
    book = openpyxl.load_workbook(path)
    sheet = book["Chỉ tiêu"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == rpt.CSV_COLUMNS
    assert [list(r) for r in rows[1:]] == rpt.table_rows(report)
    by_code = {r[4]: r[7] for r in rows[1:]}
    assert by_code["thoi_luong"] == 28.0 and isinstance(by_code["buoi_phat"], int)
    assert [r[2] for r in book["Theo tuần"].iter_rows(min_row=2, values_only=True)] == [w.minutes for w in report.weeks]
    assert book.properties.created.date() == GENERATED                    # the report's date, not the clock
    rehearsal = compute_report(one_programme(origin="rehearsal"), PERIOD, generated_on=GENERATED)
    assert openpyxl.load_workbook(io.BytesIO(to_xlsx(rehearsal, SETTINGS))).sheetnames[0].startswith("DIỄN TẬP")


def test_chart_is_a_png_in_the_markdown_and_the_docx(report, tmp_path):
    from broadcast.report.chart import airtime_chart
    png = airtime_chart(report)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == airtime_chart(report)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (945, 450)                                    # 6.3 × 3.0 in at 150 dpi
    assert airtime_chart(compute_report([], PERIOD, generated_on=GENERATED)) is None
    paths = write_report_files(report, SETTINGS, tmp_path)
    assert "![Thời lượng phát sóng theo tuần và theo chủ đề (phút)](report-2026-12-bieu-do.png)" in \
        paths[0].read_text(encoding="utf-8")
    images = [p for p in docx.Document(str(paths[3])).part.related_parts.values()
              if p.partname.endswith(".png")]
    assert [i.blob for i in images] == [png]


def test_chart_and_xlsx_modules_load_their_library_only_when_used():
    import subprocess
    import sys
    code = ("import sys, broadcast.report, broadcast.report.chart, broadcast.report.xlsx, broadcast.cli; "
            "print(any(m.split('.')[0] in ('matplotlib', 'openpyxl') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_district_station_row(report):
    assert not any("huyện" in i.label for i in report.indicators)
    assert "huyen" not in dict(rpt.RELAY_SOURCES)



def test_docx_names_times_new_roman_then_faces_with_vietnamese_letters(tmp_path):
    """Word finds Times New Roman; other readers get metric-compatible faces that hold Vietnamese."""
    import zipfile
    write_docx(compute_report(sample_rows(), PERIOD, generated_on=GENERATED), SETTINGS, tmp_path / "bc.docx")
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    normal = docx.Document(str(tmp_path / "bc.docx")).styles["Normal"].element.rPr
    fonts = normal.find(f"{w}rFonts")
    assert {slot: fonts.get(f"{w}{slot}") for slot in ("ascii", "hAnsi", "cs", "eastAsia")} == \
        dict.fromkeys(("ascii", "hAnsi", "cs", "eastAsia"), "Times New Roman")
    assert normal.find(f"{w}lang").get(f"{w}val") == "vi-VN"
    import xml.etree.ElementTree as ET
    table = ET.fromstring(zipfile.ZipFile(tmp_path / "bc.docx").read("word/fontTable.xml"))
    entry = next(f for f in table.iter(f"{w}font") if f.get(f"{w}name") == "Times New Roman")
    alternates = entry.find(f"{w}altName").get(f"{w}val").split(",")
    assert alternates == ["Liberation Serif", "Tinos"]
    assert list(entry)[0].tag == f"{w}altName"                  # first, as CT_Font orders it

# ---------------------------------------------------------------------------------------- layout
# The DOCX as LibreOffice lays it out: converted to PDF, words located with pdftotext -bbox-layout,
# page 1 rendered with pdftoppm. Set UPDATE_REPORT_PAGE=1 to refresh the committed page image.

MM = 72 / 25.4          # PDF points per millimetre
PAGE_IMAGE = Path(__file__).resolve().parents[1] / "docs" / "img" / "bao-cao-trang-1.png"
LAYOUT_TOOLS = ("soffice", "pdftotext", "pdftoppm", "pdffonts")


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory):
    import shutil
    import subprocess
    missing = [t for t in LAYOUT_TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"no {', '.join(missing)} (Debian: libreoffice-writer-nogui, poppler-utils)")
    from broadcast.report.chart import airtime_chart
    out = tmp_path_factory.mktemp("layout")
    result = compute_report(sample_rows(), PERIOD, generated_on=GENERATED)
    write_docx(result, SETTINGS, out / "bc.docx", airtime_chart(result))
    profile = (out / "lo-profile").as_uri()     # a private profile: never shares a running soffice
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(out / "bc.docx")], check=True, capture_output=True, timeout=180)
    subprocess.run(["pdftotext", "-bbox-layout", str(out / "bc.pdf"), str(out / "bc.html")], check=True)
    subprocess.run(["pdftoppm", "-r", "75", "-f", "1", "-l", "1", "-png", "-singlefile", str(out / "bc.pdf"),
                    str(out / "trang-1")], check=True)
    fonts = subprocess.run(["pdffonts", str(out / "bc.pdf")], check=True, capture_output=True, text=True)
    if os.environ.get("UPDATE_REPORT_PAGE"):
        PAGE_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "trang-1.png", PAGE_IMAGE)
    return {"dir": out, "pages": _pdf_words(out / "bc.html"), "fonts": fonts.stdout}


def _pdf_words(html_path):
    """[(page width, page height, [(text, xMin, yMin, xMax, yMax, line no)])] from pdftotext -bbox-layout."""
    import xml.etree.ElementTree as ET
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in ET.parse(html_path).getroot().iter(f"{{{ns['x']}}}page"):
        words, line_no = [], 0
        for line in page.iter(f"{{{ns['x']}}}line"):
            line_no += 1
            for w in line.iter(f"{{{ns['x']}}}word"):
                words.append((unicodedata.normalize("NFC", w.text or ""), *(float(w.get(k)) for k in
                              ("xMin", "yMin", "xMax", "yMax")), line_no))
        pages.append((float(page.get("width")), float(page.get("height")), words))
    return pages


def _find(words, phrase):
    """The words of `phrase` where they appear in sequence, or None."""
    wanted = phrase.split()
    texts = [w[0] for w in words]
    for i in range(len(texts) - len(wanted) + 1):
        if texts[i:i + len(wanted)] == wanted:
            return words[i:i + len(wanted)]
    return None


def test_layout_page_one_is_an_administrative_document(laid_out):
    width, height, words = laid_out["pages"][0]
    assert (round(width / MM), round(height / MM)) == (210, 297)                 # A4
    found = {}
    for phrase in ("ỦY BAN NHÂN DÂN", "XÃ HÒA AN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                   "Độc lập - Tự do - Hạnh phúc", "Số: …/BC-UBND", "Hòa An, ngày 05 tháng 01 năm 2027",
                   "BÁO CÁO", "Kính gửi: Ủy ban nhân dân tỉnh Quảng Trị"):
        found[phrase] = run = _find(words, phrase)
        assert run, f"{phrase!r} not on page 1"
        assert len({w[5] for w in run}) == 1, f"{phrase!r} wraps: {run}"           # each on one line
    unit, nation = found["ỦY BAN NHÂN DÂN"], found["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert unit[-1][3] < nation[0][1]                                             # issuing body left of it
    assert abs(unit[0][2] - nation[0][2]) < 3 * MM                                # on the same top line
    assert nation[0][2] < 40 * MM                                                 # at the top of the page
    assert found["Số: …/BC-UBND"][-1][3] < width / 2 < found["Hòa An, ngày 05 tháng 01 năm 2027"][0][1]
    title = found["BÁO CÁO"]
    centre = (30 * MM + (210 - 15) * MM) / 2                                      # middle of the text block
    assert abs((title[0][1] + title[-1][3]) / 2 - centre) < 2 * MM                # title centred
    assert found["Kính gửi: Ủy ban nhân dân tỉnh Quảng Trị"][0][2] > nation[0][4]


def test_layout_nothing_is_wider_than_the_text_block(laid_out):
    for n, (_, _, words) in enumerate(laid_out["pages"], start=1):
        body = [w for w in words if w[2] > 20 * MM]                               # below the page number
        assert body, f"page {n} is empty"
        assert min(w[1] for w in body) >= 30 * MM - 1, f"page {n}: text left of the 30 mm margin"
        assert max(w[3] for w in body) <= (210 - 15) * MM + 1, f"page {n}: text right of the 15 mm margin"
    for table in docx.Document(str(laid_out["dir"] / "bc.docx")).tables:
        grid = sum(col.w for col in table._tbl.tblGrid.gridCol_lst)
        assert grid <= rpt.TEXT_WIDTH_MM * 36000 + 36000, "table wider than the text block"


def test_layout_columns_follow_their_content(laid_out):
    tables = docx.Document(str(laid_out["dir"] / "bc.docx")).tables
    indicator = next(t for t in tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    widths = [col.w / 36000 for col in indicator._tbl.tblGrid.gridCol_lst]      # mm
    assert widths[0] < 17 and widths[1] > 2 * max(widths[2:]), widths            # STT narrow, label wide
    assert len(set(widths)) == len(widths)


def test_layout_signature_block_stays_together_with_room_to_sign(laid_out):
    pages = laid_out["pages"]
    where = {}
    for phrase in ("Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Anh Tuấn"):
        hits = [(n, run) for n, (_, _, words) in enumerate(pages) if (run := _find(words, phrase))]
        assert hits, phrase
        where[phrase] = hits[-1]
    assert {n for n, _ in where.values()} == {len(pages) - 1}                     # all on the last page
    receivers, signer = where["Nơi nhận:"][1], where["TM. ỦY BAN NHÂN DÂN"][1]
    assert receivers[-1][3] < signer[0][1] and signer[0][1] > 210 * MM / 2        # left, and right
    gap = where["Nguyễn Anh Tuấn"][1][0][2] - where["CHỦ TỊCH"][1][0][4]
    assert gap >= 25 * MM, f"only {gap / MM:.0f} mm to sign and seal"


def test_layout_font_and_page_image(laid_out):
    assert "Liberation Serif" in laid_out["fonts"].replace("LiberationSerif", "Liberation Serif") or \
        "Times" in laid_out["fonts"]
    # One face for every letter: a face for Times New Roman without Vietnamese (Debian's
    # fonts-liberation 1.07) makes LibreOffice take each accented letter from DejaVu, and words split.
    faces = {line.split()[0].split("+")[-1].split("-")[0] for line in laid_out["fonts"].splitlines()[2:]
             if line.strip()}
    assert len(faces) == 1, (f"the report is drawn in {sorted(faces)}: the face fontconfig gives for "
                             "Times New Roman lacks Vietnamese letters; install fonts-liberation2 "
                             "(docs/huong-dan/cai-dat.md, .ci/system-packages)")
    png = (laid_out["dir"] / "trang-1.png").read_bytes()
    size = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert abs(size[0] - 620) <= 1 and abs(size[1] - 877) <= 1, size                 # A4 at 75 dpi
    assert PAGE_IMAGE.read_bytes().startswith(b"\x89PNG"), "docs/img/bao-cao-trang-1.png is committed"


def test_a_programme_cut_and_resumed_is_one_session_with_all_its_minutes():
    """An urgent notice cuts the morning programme at 05:40; it resumes from the item it was cut in."""
    cut = prog("2026-12-01", "sang", status="interrupted", duration_s=900)
    cut.update(started_at="2026-12-01T05:30:00+07:00", ended_at="2026-12-01T05:40:00+07:00")
    first = [cut, item(cut, "tb-tiem", "thong-bao", status="played", repeat=2, tags=["yte"]),
             item(cut, "cchc", "chuyen-muc", status="interrupted", episode="cchc-01", tags=["cchc"])]
    urgent = prog("2026-12-01", "dot-xuat", duration_s=120, title="Thông báo khẩn")
    urgent = dict(urgent, origin="urgent")
    resumed = prog("2026-12-01", "sang", duration_s=300)                 # the remainder, from the cut item
    resumed.update(id=cut["id"] + 100, programme_id=cut["programme_id"], note="phát tiếp từ mục 'cchc'")
    rest = [resumed, item(resumed, "cchc", "chuyen-muc", episode="cchc-01", tags=["cchc"])]
    result = compute_report(first + [urgent, item(urgent, "bao", "khan-cap", priority="khan-cap")] + rest,
                            PERIOD, generated_on=GENERATED)
    assert (result.value("buoi_sang"), result.value("buoi_dot_xuat"), result.value("buoi_phat")) == (1, 1, 2)
    assert result.value("thoi_luong") == 17.0                             # 10 min before the cut + 2 + 5
    assert (result.value("luot_chuyen_muc"), result.value("luot_thong_bao")) == (1, 1)
    assert (result.value("ct_gian_doan"), result.value("khan_cap")) == (1, 1)
    assert result.missed[0].error == "đã phát tiếp sau đó"
