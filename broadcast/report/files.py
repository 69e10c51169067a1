"""Writing a report's files: Markdown, CSV, XLSX, DOCX and the chart, side by side, atomically."""

from __future__ import annotations

import os
from pathlib import Path

from broadcast.atomic import write_bytes_atomic
from broadcast.report.csv_table import to_csv
from broadcast.report.docx_layout import write_docx
from broadcast.report.markdown import to_markdown
from broadcast.report.model import Report, ReportSettings


def write_report_files(report: Report, settings: ReportSettings, out_dir: str | os.PathLike) -> list[Path]:
    """report-<period>.md, .csv (UTF-8 with BOM, so Excel shows Vietnamese), .xlsx, .docx and, when
    anything aired, the chart -bieu-do.png that the Markdown links and the DOCX embeds, in out_dir."""
    from broadcast.report.chart import airtime_chart
    from broadcast.report.xlsx import to_xlsx

    out = Path(out_dir)
    stem = f"report-{report.period.slug}"
    md, csv_path, xlsx_path, docx_path = (out / f"{stem}.{ext}" for ext in ("md", "csv", "xlsx", "docx"))
    chart = airtime_chart(report)
    chart_path = out / f"{stem}-bieu-do.png"
    files = [md, csv_path, xlsx_path, docx_path]
    if chart is not None:
        write_bytes_atomic(chart_path, chart)
        files.append(chart_path)
    write_bytes_atomic(md, to_markdown(report, settings, chart_path.name if chart else None).encode("utf-8"))
    write_bytes_atomic(csv_path, to_csv(report).encode("utf-8-sig"))
    write_bytes_atomic(xlsx_path, to_xlsx(report, settings))
    write_docx(report, settings, docx_path, chart)
    return files
