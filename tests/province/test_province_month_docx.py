"""The province's month table as a DOCX for the Sở: from reports on loopback, read back with python-docx."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import urllib.request
from datetime import date, timedelta

import pytest
from bulletin_helpers import T0, TZ, bulletin_yaml, keys, make_commune
from test_bulletin_reports import Province, air, commune_with_log

from broadcast.province.bulletins.dashboard import month
from broadcast.province.bulletins.yamlfile import read_bulletin
from broadcast.report.province_month import HEADERS, MonthHeader, month_docx, table_rows


@pytest.fixture
def clock():
    from bulletin_helpers import FakeClock

    return FakeClock(T0)


def clusters_for(root, clock, online: int, offline: int) -> None:
    """A commune's paired loudspeaker clusters: `online` heard from just now, `offline` an hour ago."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from broadcast.clusters import protocol
    from broadcast.clusters.registry import ClusterRegistry

    registry = ClusterRegistry(root / "var" / "cum-loa")
    for n in range(online + offline):
        name = f"cum-{n}"
        code = registry.add(name, "thon-dong", now=clock())
        registry.pair(code, protocol.public_text(Ed25519PrivateKey.generate().public_key()), now=clock())
        seen = clock() if n < online else clock() - timedelta(hours=1)
        registry.record_heartbeat(name, {"playing": None}, now=seen)
    registry.close()


@pytest.fixture
def reported(tmp_path, clock):
    """A province on loopback with xa-001 (two programmes, a khẩn cấp bulletin after 4 s, 3 of 4
    clusters online) and xa-002 (one programme, no clusters) reporting to it."""
    province = Province(tmp_path / "tinh", clock)
    key, public, _ = keys(tmp_path)
    province.registry.add(read_bulletin(bulletin_yaml(tmp_path), tz=TZ, now=T0)[0], key, now=T0)
    clock.advance(seconds=4)
    first, log, reporter = commune_with_log(tmp_path, clock, province.base)
    first.public_key = make_commune(tmp_path / "k", public, clock).public_key
    assert first.receive(province.registry.after(0)[0]) == "dang-lap-lai"
    clusters_for(tmp_path / "xa-001", clock, online=3, offline=1)
    air(log, clock, 1)
    air(log, clock, 2)
    assert reporter.send_due() == 1
    _, log2, reporter2 = commune_with_log(tmp_path, clock, province.base, name="xa-002")
    air(log2, clock, 1)
    assert reporter2.send_due() == 1
    yield province
    province.stop()


def read_docx(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


def all_text(document) -> str:
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def test_the_month_docx_is_served_beside_the_xlsx_and_reads_back(reported):
    with urllib.request.urlopen(f"{reported.base}/bang-dieu-khien/thang-2026-12.docx", timeout=30) as response:
        kind, disposition, data = (response.headers["Content-Type"], response.headers["Content-Disposition"],
                                   response.read())
    assert kind == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert disposition == "attachment; filename=thang-2026-12.docx"
    document = read_docx(data)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.styles["Normal"].font.name == "Times New Roman"
    text = all_text(document)
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND TỈNH QUẢNG TRỊ",
                  "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "BẢNG TỔNG HỢP", "tỉnh Quảng Trị tháng 12/2026", "Nơi nhận:"):
        assert words in text, words
    table = document.tables[1]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert tuple(cells[0]) == HEADERS
    assert cells[1] == ["1", "xa-001", "20", "0", "", "1", "1", "4", "4", "3/4"]
    assert cells[2] == ["2", "xa-002", "10", "0", "", "0", "0", "", "", ""]
    assert cells[3] == ["", "Cộng", "30", "0", "", "1", "1", "", "4", "3/4"]
    with urllib.request.urlopen(f"{reported.base}/bang-dieu-khien", timeout=30) as response:
        page = response.read().decode("utf-8")
    # the page's month is the server's (wall clock): its links, not its figures, are checked here
    assert re.search(r"href='/bang-dieu-khien/thang-\d{4}-\d{2}\.docx'", page) and "Cụm loa trực tuyến" in page


@pytest.mark.parametrize(("rows", "expected_total"), [
    ([], ["", "Cộng", "0", "0", "", "0", "0", "", "", ""]),
    ([{"commune": "xa-001", "minutes_aired": 45.5, "minutes_planned": 60.0, "bulletins_aired": 3, "urgent": 2,
       "urgent_delay_p50_s": 3.5, "urgent_delay_max_s": 9.0, "clusters_online": 0, "clusters_total": 2}],
     ["", "Cộng", "45,5", "60", "75,8", "3", "2", "", "9", "0/2"]),
    ([{"commune": "xa-001", "minutes_aired": 1340.0, "minutes_planned": 1200.0, "bulletins_aired": 0, "urgent": 0,
       "urgent_delay_p50_s": None, "urgent_delay_max_s": None, "clusters_online": None, "clusters_total": None},
      {"commune": "xã-hòa-an", "minutes_aired": 10.0, "minutes_planned": 0, "bulletins_aired": 1, "urgent": 1,
       "urgent_delay_p50_s": 2.0, "urgent_delay_max_s": 2.0, "clusters_online": 5, "clusters_total": 5}],
     ["", "Cộng", "1.350", "1.200", "112,5", "1", "1", "", "2", "5/5"]),
])
def test_table_rows_of_variants(rows, expected_total):
    cells = table_rows(rows)
    assert cells[-1] == expected_total
    assert len(cells) == len(rows) + 1 and all(len(c) == len(HEADERS) for c in cells)
    document = read_docx(month_docx(rows, 2026, 2, MonthHeader(province="Quảng Trị"), made_on=date(2026, 3, 1)))
    text = all_text(document)
    assert "Quảng Trị, ngày 01 tháng 3 năm 2026" in text and "tháng 02/2026" in text
    assert ("Chưa xã nào gửi báo cáo trong tháng." in text) == (not rows)


def test_a_table_without_a_province_name_leaves_dots_to_fill_in():
    text = all_text(read_docx(month_docx([], 2026, 12, MonthHeader(province=""), made_on=date(2027, 1, 2))))
    assert "UBND TỈNH …………" in text and "…………, ngày 02 tháng 01 năm 2027" in text
    assert "tỉnh …………" in text and "tỉnh  " not in text


def test_the_cli_writes_the_docx_and_refuses_it_without_a_month(reported, tmp_path):
    from click.testing import CliRunner

    from broadcast.cli import cli

    out = tmp_path / "bao-cao" / "thang-12.docx"
    out.parent.mkdir()
    args = ["province", "dashboard", "--db", str(reported.db)]
    done = CliRunner().invoke(cli, [*args, "--month", "2026-12", "--docx", str(out), "--province", "Quảng Trị"])
    assert done.exit_code == 0, done.output
    assert "UBND TỈNH QUẢNG TRỊ" in all_text(read_docx(out.read_bytes()))
    assert [p.name for p in out.parent.iterdir()] == ["thang-12.docx"]          # atomic: nothing left beside it
    refused = CliRunner().invoke(cli, [*args, "--docx", str(out)])
    assert refused.exit_code == 2 and "--docx cần --month" in refused.output and "Traceback" not in refused.output
    assert month(reported.store, 2026, 12)[0]["clusters_total"] == 4


def test_libreoffice_lays_the_month_table_out_on_one_a4_page(reported, tmp_path):
    if any(shutil.which(t) is None for t in ("soffice", "pdftotext", "pdfinfo")):
        pytest.skip("no soffice/pdftotext/pdfinfo (Debian: libreoffice-writer-nogui, poppler-utils)")
    from broadcast.province.bulletins.dashboard_page import month_docx_bytes

    path = tmp_path / "thang.docx"
    path.write_bytes(month_docx_bytes(reported.store, 2026, 12, province="Quảng Trị", made_on=date(2027, 1, 2)))
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(tmp_path / "thang.pdf")], check=True, capture_output=True, text=True).stdout
    assert "Pages:           1" in info and "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "thang.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text                            # on one line, not wrapped
    assert "xa-001" in text and "3/4" in text and "Quảng Trị, ngày 02 tháng 01 năm 2027" in text
