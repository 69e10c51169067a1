"""The report as an XLSX workbook for the province's spreadsheet (openpyxl, imported only here).

Sheet 1 has the CSV's columns and rows, numbers as numbers, so the province can stack the files of
every commune; sheet 2 the airtime per week; sheet 3 what the figures count and any notice.
"""

from __future__ import annotations

import io
from datetime import datetime, time

from broadcast.publish.plaintext import spreadsheet_cell
from broadcast.report.csv_table import CSV_COLUMNS, table_rows
from broadcast.report.model import Report, ReportSettings
from broadcast.report.wording import REHEARSAL_BANNER, scope_sentence

COLUMN_WIDTHS = (22, 12, 12, 6, 34, 70, 12, 12)


def to_xlsx(report: Report, settings: ReportSettings) -> bytes:
    """The workbook's bytes (deterministic: its timestamps are the report's date)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "DIỄN TẬP - chỉ tiêu" if report.rehearsal else "Chỉ tiêu"
    sheet.append(list(CSV_COLUMNS))
    for row in table_rows(report):
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":           # openpyxl takes any '=…' string for a formula
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + n)].width = width
    sheet.freeze_panes = "A2"

    weeks = book.create_sheet("Theo tuần")
    weeks.append(["tu_ngay", "den_ngay", "thoi_luong_phut"])
    for week in report.weeks:
        weeks.append([week.start, week.end, week.minutes])
    for cell in weeks[1]:
        cell.font = Font(bold=True)
    for col in "ABC":
        weeks.column_dimensions[col].width = 16

    about = book.create_sheet("Ghi chú")
    lines = [REHEARSAL_BANNER] if report.rehearsal else []
    lines += [settings.unit_name, f"Kỳ báo cáo: {report.period.label}", scope_sentence(report)]
    lines += [f"Lưu ý: {n}" for n in report.notices]
    for line in lines:
        about.append([spreadsheet_cell(line)])
    about.column_dimensions["A"].width = 120

    stamp = datetime.combine(report.generated_on, time())
    book.properties.created = book.properties.modified = stamp
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
