"""The report as a CSV table: one row per indicator, for the province to stack."""

from __future__ import annotations

import csv
import io
from typing import Any

from broadcast.publish.plaintext import plain, spreadsheet_cell
from broadcast.report.model import Indicator, Report
from broadcast.report.rows import _nfc

CSV_COLUMNS = ("ky_bao_cao", "tu_ngay", "den_ngay", "nhom", "ma", "chi_tieu", "don_vi", "gia_tri")


def to_csv(report: Report) -> str:
    """One row per indicator and per topic; dot decimals so spreadsheets and scripts can sum them.

    Every row carries the period, so the files of several periods can be concatenated. Text cells
    never start as a formula (`plaintext.spreadsheet_cell`).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(table_rows(report))
    return _nfc(buf.getvalue())


def table_rows(report: Report) -> list[list[Any]]:
    """The rows under CSV_COLUMNS (shared by the CSV and the XLSX): indicators, topics, then zones."""
    p = report.period
    head = [p.label, p.start.isoformat(), p.end.isoformat()]
    rows = [head + [ind.group, ind.code, spreadsheet_cell(" – ".join(_label_chain(report, ind))), ind.unit,
                    ind.value] for ind in report.indicators]
    for t in report.topics:
        tag, label = plain(t.tag), plain(t.label)
        rows.append(head + ["B", f"chu_de.{tag}.tin_bai", f"Chủ đề {label}: số tin, bài", "tin, bài", t.items])
        rows.append(head + ["B", f"chu_de.{tag}.luot", f"Chủ đề {label}: số lượt phát", "lượt", t.airings])
        rows.append(head + ["B", f"chu_de.{tag}.phut", f"Chủ đề {label}: thời lượng", "phút", t.minutes])
    for z in report.zones:
        key = f"vung.{plain(z.zone or 'toan-xa')}"
        title = plain(z.title)
        rows += [head + ["A", f"{key}.{code}", f"Vùng {title}: {label}", unit, value]
                 for code, label, unit, value in (
                     ("buoi", "số buổi phát", "buổi", z.sessions), ("phut", "thời lượng", "phút", z.minutes),
                     ("tin_bai", "số tin, bài", "tin, bài", z.items), ("luot", "số lượt phát", "lượt", z.airings),
                     ("khan_cap", "số lượt phát khẩn cấp", "lượt", z.urgent),
                     ("khong_phat", "số chương trình không phát được", "chương trình", z.not_aired))]
    return rows


def _label_chain(report: Report, child: Indicator) -> list[str]:
    """'Tổng thời lượng phát sóng – Tiếp âm, tiếp sóng – Đài Tiếng nói Việt Nam (VOV)'."""
    chain: list[str] = []
    for ind in report.indicators:
        if ind.group == child.group:
            del chain[ind.level:]
            chain.append(ind.label.lstrip("–+ "))
        if ind is child:
            break
    return chain
