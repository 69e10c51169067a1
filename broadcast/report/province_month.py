"""The province's month table per commune as a DOCX for the Sở (python-docx, the station report's layout).

One A4 portrait page per ~25 communes, laid out as the station's report (`docx_layout`): Times New
Roman with its Vietnamese metric alternates, the NĐ 30/2020 header (the Sở under "UBND TỈNH …" on
the left, the national name and motto on the right, a rule under each),
the place and date, a title, the table (its header row repeated on every page, rows never split),
a "Cộng" row, a note on how the figures are counted, recipients and the signer.

`month_docx(rows, ...)` takes the rows `province.bulletins.dashboard.month` returns (plain dicts:
this package does not import the province) and returns the file's bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from broadcast.publish.plaintext import plain as _nfc
from broadcast.report.docx_layout import (
    CELL_PADDING_MM,
    FOOTER_COLUMNS_MM,
    HEADER_COLUMNS_MM,
    MOTTO,
    MOTTO_PT,
    NATIONAL_NAME,
    NATIONAL_PT,
    TEXT_WIDTH_MM,
    fix_widths,
    keep_row,
    new_document,
    para,
    rule,
)
from broadcast.report.docx_layout import cell_lines as shared_cell_lines
from broadcast.report.wording import date_line, format_number

BODY_PT, TABLE_PT, TITLE_PT = 13, 11, 14
BLANK = "…………"
# STT, Xã, phút đã phát, phút kế hoạch, tỷ lệ, bản tin đã phát, bản tin khẩn, trễ p50, trễ max, cụm loa: 165 mm
COLUMNS_MM = (12, 31, 16, 16, 13, 15, 14, 16, 16, 16)
HEADERS = ("STT", "Xã", "Phút đã phát", "Phút theo kế hoạch", "Tỷ lệ (%)", "Bản tin đã phát",
           "Bản tin khẩn cấp", "Độ trễ khẩn p50 (giây)", "Độ trễ khẩn lớn nhất (giây)", "Cụm loa trực tuyến")
NOTE = ("Ghi chú: số liệu lấy từ báo cáo phát sóng có ký số các đài xã tự động gửi lên hệ thống thông tin "
        "nguồn của tỉnh. Phút đã phát: tổng thời lượng các chương trình theo lịch đã phát xong; phút theo "
        "kế hoạch: tổng thời lượng các chương trình của những ngày xã đã có chương trình. Độ trễ khẩn: từ "
        "lúc bản tin khẩn cấp có hiệu lực đến lần phát đầu tiên ở xã. Cụm loa trực tuyến: theo báo cáo "
        "gần nhất trong tháng (trực tuyến/tổng số).")


@dataclass(frozen=True)
class MonthHeader:
    """Who issues the table, for whom, where and when."""

    province: str                                   # "Quảng Trị"
    unit: str = "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"
    number: str = "      /BC-SVHTTDL"
    recipient: str = "Ủy ban nhân dân tỉnh"
    place: str = ""                                 # the date line's place; the province when empty
    signer_title: str = "GIÁM ĐỐC"
    signer_name: str = ""


def _figure(value: Any) -> str:
    return "" if value is None else format_number(value)


def table_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    """The table's cells, one list per commune, then the 'Cộng' row (sums; the worst delay)."""
    out = []
    for k, r in enumerate(rows, start=1):
        share = round(100 * r["minutes_aired"] / r["minutes_planned"], 1) if r.get("minutes_planned") else None
        clusters = ("" if r.get("clusters_total") is None
                    else f"{r.get('clusters_online') or 0}/{r['clusters_total']}")
        out.append([str(k), r["commune"], _figure(r["minutes_aired"]), _figure(r["minutes_planned"]), _figure(share),
                    _figure(r["bulletins_aired"]), _figure(r["urgent"]), _figure(r["urgent_delay_p50_s"]),
                    _figure(r["urgent_delay_max_s"]), clusters])
    aired = round(sum(r["minutes_aired"] for r in rows), 1)
    planned = round(sum(r["minutes_planned"] for r in rows), 1)
    worst = [r["urgent_delay_max_s"] for r in rows if r["urgent_delay_max_s"] is not None]
    online = [r for r in rows if r.get("clusters_total") is not None]
    out.append(["", "Cộng", _figure(aired), _figure(planned),
                _figure(round(100 * aired / planned, 1) if planned else None),
                _figure(sum(r["bulletins_aired"] for r in rows)), _figure(sum(r["urgent"] for r in rows)), "",
                _figure(max(worst)) if worst else "",
                f"{sum(r.get('clusters_online') or 0 for r in online)}/{sum(r['clusters_total'] for r in online)}"
                if online else ""])
    return out


def month_docx(rows: list[dict[str, Any]], year: int, month: int, header: MonthHeader, *, made_on: date) -> bytes:
    """The month table as an A4 DOCX (NĐ 30/2020 layout) the Sở can edit, sign and send."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    center, left, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY
    document = new_document()

    def cell_lines(cell, lines, *, size=BODY_PT, align=center, **style):
        """The shared `cell_lines`, centred at body size unless told otherwise."""
        shared_cell_lines(cell, lines, size=size, align=align, **style)

    province = _nfc(header.province).strip() or BLANK        # left for the Sở to fill in by hand
    head = document.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell_lines(head.cell(0, 0), [f"UBND TỈNH {province.upper()}".strip()])   # NĐ 30/2020: the superior body abbreviated
    para(head.cell(0, 0), header.unit.upper(), bold=True, size=BODY_PT, align=center, after=0)
    rule(head.cell(0, 0), 25, HEADER_COLUMNS_MM[0] - 2 * CELL_PADDING_MM)
    cell_lines(head.cell(0, 1), [NATIONAL_NAME], bold=True, size=NATIONAL_PT)
    para(head.cell(0, 1), MOTTO, bold=True, size=MOTTO_PT, align=center, after=0)
    rule(head.cell(0, 1), 60, HEADER_COLUMNS_MM[1] - 2 * CELL_PADDING_MM)
    cell_lines(head.cell(1, 0), [f"Số: {header.number}"])
    cell_lines(head.cell(1, 1), [date_line(header.place or province, made_on)], italic=True)
    fix_widths(head, HEADER_COLUMNS_MM)

    para(document, after=0)
    para(document, "BẢNG TỔNG HỢP", bold=True, size=TITLE_PT, align=center, after=0)
    para(document, f"Hoạt động các đài truyền thanh cấp xã tỉnh {province} tháng {month:02d}/{year}".replace("  ", " "),
         bold=True, size=TITLE_PT, align=center, after=0)
    rule(document, 45, TEXT_WIDTH_MM)
    para(document, f"Kính gửi: {header.recipient} {province}".strip(), size=TITLE_PT, align=center)

    table = document.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        cell_lines(cell, [text], bold=True, size=TABLE_PT)
    keep_row(table.rows[0], header=True)
    cells = table_rows(rows)
    for n, values in enumerate(cells):
        row = table.add_row()
        total = n == len(cells) - 1
        for col, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell_lines(cell, [text], bold=total, size=TABLE_PT, align=left if col == 1 else center)
        keep_row(row)
    fix_widths(table, COLUMNS_MM)
    if not rows:
        para(document, "Chưa xã nào gửi báo cáo trong tháng.", italic=True)
    para(document, NOTE, italic=True, size=12, align=justify).paragraph_format.space_before = Pt(6)

    foot = document.add_table(rows=1, cols=2)
    keep_row(foot.rows[0])
    left_cell, right_cell = foot.rows[0].cells
    cell_lines(left_cell, ["Nơi nhận:"], bold=True, italic=True, size=12, align=left)
    for line in ("- Như trên;", "- Lưu: VT."):
        para(left_cell, line, size=11, after=0)
    cell_lines(right_cell, [line for line in header.signer_title.splitlines() if line.strip()], bold=True)
    if not header.signer_name:
        para(right_cell, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=12, align=center, after=0)
    for _ in range(5):
        para(right_cell, after=0)
    para(right_cell, header.signer_name, bold=True, size=BODY_PT, align=center, after=0)
    fix_widths(foot, FOOTER_COLUMNS_MM)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
