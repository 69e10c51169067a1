"""Periodic report to the level above: indicators from the as-run log, as Markdown, CSV, XLSX and DOCX.

`compute_report(rows, period, generated_on=...)` is a pure aggregation over as-run rows (the dicts
`AsRunLog.rows(start, end)` returns); the writers turn a `Report` into the files the office sends.
The package reads as the pipeline does:

- `period`: the month, quarter or range reported on, with its cut-off (calendar or NĐ 09/2019);
- `model`: the counting vocabulary, `ReportSettings` and the `Report` values;
- `rows`: reading one as-run row; `compute`: the counting rules (its docstring), `compute_report`;
- `wording`: sentences every writer shares; `markdown`, `csv_table`, `xlsx` (openpyxl),
  `docx_layout` (python-docx, Decree 30/2020 layout), `chart` (matplotlib): one writer each;
- `files`: `write_report_files`, every file of a period side by side.

The heavy libraries are imported lazily, each in its own writer, so importing this package is cheap.
"""

from __future__ import annotations

from broadcast.atomic import write_bytes_atomic
from broadcast.report.compute import (
    TOPIC_FILE,
    compute_report,
    coverage_notices,
    parse_topic_labels,
)
from broadcast.report.csv_table import CSV_COLUMNS, table_rows, to_csv
from broadcast.report.docx_layout import (
    BODY_PT,
    CELL_PADDING_MM,
    EM_MM,
    FOOTER_COLUMNS_MM,
    HEADER_COLUMNS_MM,
    MARGINS_MM,
    MOTTO,
    MOTTO_PT,
    NATIONAL_NAME,
    NATIONAL_PT,
    PAGE_MM,
    SIGNATURE_LINES,
    TABLE_PT,
    TEXT_WIDTH_MM,
    TITLE_PT,
    column_widths,
    text_width_mm,
    write_docx,
)
from broadcast.report.files import write_report_files
from broadcast.report.markdown import to_markdown
from broadcast.report.model import (
    AIRED,
    BROADCAST_ORIGINS,
    CONTENT_KINDS,
    GROUP_TITLES,
    MANUAL_ROWS,
    NOT_AIRED,
    ORIGIN_LABELS,
    OTHER_TOPIC,
    PROCEDURE_TAGS,
    RECEPTION_TAGS,
    REHEARSAL,
    RELAY_SOURCES,
    SELF_PRODUCED,
    SESSIONS,
    STATUS_LABELS,
    TOPIC_LABELS,
    CchcEpisode,
    Indicator,
    ProgrammeIssue,
    Report,
    ReportSettings,
    TopicRow,
    WeekRow,
)
from broadcast.report.period import (
    CUTOFFS,
    Period,
    parse_period,
    period_for_month,
    period_for_quarter,
    period_for_range,
)
from broadcast.report.wording import (
    CHART_CAPTION,
    REHEARSAL_BANNER,
    date_line,
    display_value,
    format_number,
    operations_lines,
    scope_sentence,
)

__all__ = [
    "AIRED", "BODY_PT", "BROADCAST_ORIGINS", "CELL_PADDING_MM", "CHART_CAPTION", "CONTENT_KINDS", "CSV_COLUMNS",
    "CUTOFFS", "EM_MM", "FOOTER_COLUMNS_MM", "GROUP_TITLES", "HEADER_COLUMNS_MM", "MANUAL_ROWS", "MARGINS_MM",
    "MOTTO", "MOTTO_PT", "NATIONAL_NAME", "NATIONAL_PT", "NOT_AIRED", "ORIGIN_LABELS", "OTHER_TOPIC", "PAGE_MM",
    "PROCEDURE_TAGS", "RECEPTION_TAGS", "REHEARSAL", "REHEARSAL_BANNER", "RELAY_SOURCES", "SELF_PRODUCED",
    "SESSIONS", "SIGNATURE_LINES", "STATUS_LABELS", "TABLE_PT", "TEXT_WIDTH_MM", "TITLE_PT", "TOPIC_FILE",
    "TOPIC_LABELS", "CchcEpisode", "Indicator", "Period", "ProgrammeIssue", "Report", "ReportSettings",
    "TopicRow", "WeekRow", "column_widths", "compute_report", "coverage_notices", "date_line", "display_value",
    "format_number", "operations_lines", "parse_period", "parse_topic_labels", "period_for_month",
    "period_for_quarter", "period_for_range", "scope_sentence", "table_rows", "text_width_mm", "to_csv",
    "to_markdown", "write_bytes_atomic", "write_docx", "write_report_files",
]
