"""The report as Markdown: the text the office reads and the CLI prints."""

from __future__ import annotations

from broadcast.publish.plaintext import markdown_line
from broadcast.report import clusters
from broadcast.report.model import GROUP_TITLES, Report, ReportSettings
from broadcast.report.rows import _nfc
from broadcast.report.wording import (
    _DOTS,
    CHART_CAPTION,
    REHEARSAL_BANNER,
    ZONES_CAPTION,
    _closing,
    _intro,
    _manual_rows,
    _numbered,
    _signer_lines,
    _title_line,
    date_line,
    display_value,
    format_number,
    operations_lines,
    scope_sentence,
)


def to_markdown(report: Report, settings: ReportSettings, chart: str | None = None) -> str:
    """The report as Markdown (for the officer's review and the station's archive).

    `chart`: the file name of the airtime chart (a PNG beside the Markdown file), shown in group A.
    """
    md: list[str] = [f"**{REHEARSAL_BANNER}**", ""] if report.rehearsal else []
    md += [
        f"**{settings.unit_name}**  ",
        f"Số: {settings.number}",
        "",
        "**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**  ",
        "**Độc lập - Tự do - Hạnh phúc**",
        "",
        f"*{date_line(settings.place_name, report.generated_on)}*",
        "",
        "# BÁO CÁO",
        "",
        f"## {_title_line(report, settings)}",
        "",
        f"Kính gửi: {settings.recipient}",
        "",
        _intro(report, settings),
        "",
        scope_sentence(report),
        "",
        "### I. KẾT QUẢ THỰC HIỆN",
    ]
    for n, group in enumerate("ABC", start=1):
        md += ["", f"#### {n}. {GROUP_TITLES[group]}", "",
               "| STT | Chỉ tiêu | Đơn vị tính | Kết quả |", "|---|---|---|---|"]
        md += [f"| {stt} | {_md(i.label)} | {i.unit} | {display_value(i)} |"
               for stt, i in _numbered(report.group(group))]
        if group == "A" and chart:
            md += ["", f"![{CHART_CAPTION}]({chart})", "", f"*{CHART_CAPTION}*"]
        if group == "A" and report.zones:
            md += ["", f"{ZONES_CAPTION}:", ""] + _md_zones(report)
        if group == "A" and report.clusters:
            md += ["", f"{clusters.CAPTION}:", ""] + clusters.markdown_lines(report.clusters)
        if group == "B":
            md += ["", "Phân theo chủ đề:", ""]
            md += _md_topics(report)
        if group == "C":
            md += _md_cchc(report)
    md += ["", f"#### 4. {GROUP_TITLES['D']}", "",
           "| STT | Chỉ tiêu | Đơn vị tính | Kết quả |", "|---|---|---|---|"]
    md += [f"| {stt} | {label} | {unit} | {value} |" for stt, label, unit, value in _manual_rows(report)]
    md += ["", "#### 5. Tình hình vận hành", ""]
    md += [f"- {_md(line)}" for line in operations_lines(report)]
    md += ["", "### II. ĐÁNH GIÁ CHUNG", "", "1. Ưu điểm:", "", _DOTS, "",
           "2. Hạn chế, khó khăn:", "", _DOTS, "",
           "### III. ĐỀ XUẤT, KIẾN NGHỊ", "", _DOTS, "", _closing(settings), "",
           "**Nơi nhận:**", "", "- Như trên;", "- Lưu: VT.", ""]
    md += [f"**{line}**  " for line in _signer_lines(settings)]
    md += ["", "", f"**{settings.signer_name}**" if settings.signer_name else "(ký, ghi rõ họ tên, đóng dấu)", ""]
    if report.warnings:
        md += ["---", "", "Ghi chú khi lập báo cáo (không gửi kèm):", ""]
        md += [f"- {_md(w)}" for w in report.warnings]
        md.append("")
    return _nfc("\n".join(md))


def _md_zones(report: Report) -> list[str]:
    rows = ["| STT | Vùng phát | Số buổi phát | Thời lượng (phút) | Số tin, bài | Số lượt phát | "
            "Lượt khẩn cấp | Chương trình không phát được |", "|---|---|---|---|---|---|---|---|"]
    rows += [f"| {n} | {_md(z.title)} | {z.sessions} | {format_number(z.minutes)} | {z.items} | {z.airings} | "
             f"{z.urgent} | {z.not_aired} |" for n, z in enumerate(report.zones, start=1)]
    return rows


def _md_topics(report: Report) -> list[str]:
    if not report.topics:
        return ["Không có tin, bài nào được gắn chủ đề."]
    rows = ["| STT | Chủ đề | Số tin, bài | Số lượt phát | Thời lượng (phút) |", "|---|---|---|---|---|"]
    rows += [f"| {n} | {_md(t.label)} | {format_number(t.items)} | {format_number(t.airings)} | "
             f"{format_number(t.minutes)} |" for n, t in enumerate(report.topics, start=1)]
    return rows


def _md_cchc(report: Report) -> list[str]:
    md = ["", "Các kỳ chuyên mục Cải cách hành chính:", ""]
    if report.cchc:
        md += ["| STT | Kỳ | Nội dung | Số lượt phát | Thời lượng (phút) | Ngày phát |", "|---|---|---|---|---|---|"]
        md += [f"| {n} | {_md(e.episode)} | {_md(e.title)} | {e.airings} | {format_number(e.minutes)} | "
               f"{', '.join(f'{d:%d/%m}' for d in e.dates)} |" for n, e in enumerate(report.cchc, start=1)]
    else:
        md.append("Không có kỳ chuyên mục nào được phát trong kỳ.")
    md += ["", "Các thủ tục hành chính đã giới thiệu trên loa:", ""]
    md += [f"{n}. {_md(p)}" for n, p in enumerate(report.procedures, start=1)] or ["(không có)"]
    return md


def _md(text: str) -> str:
    """Text from the log (titles, procedures, tags) as Markdown text on one line: no tag, link or '|'."""
    return markdown_line(text)
