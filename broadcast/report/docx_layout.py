"""The report as a DOCX laid out per Decree 30/2020/NĐ-CP (python-docx, imported only here)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from broadcast.atomic import write_bytes_atomic
from broadcast.publish.plaintext import plain as _nfc  # every run: NFC, no markup, XML-safe
from broadcast.report.model import GROUP_TITLES, Report, ReportSettings
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

# Decree 30/2020/NĐ-CP, Phụ lục I: A4, margins top/bottom 20–25, left 30–35, right 15–20 mm; Times New
# Roman; quốc hiệu 12–13 bold capitals, tiêu ngữ 13–14 bold under it with a rule as long as the line;
# the issuing body bold capitals with a rule of 1/3–1/2 its line; place and date italic; body 13–14,
# paragraphs at least 6 pt apart; "Nơi nhận:" 12 bold italic, its list 11; page numbers centred in the
# top margin from page 2.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]      # 165
BODY_PT, TABLE_PT, NATIONAL_PT, MOTTO_PT, TITLE_PT = 13, 13, 13, 14, 14
# "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in Times New Roman bold 13 pt is 96 mm wide (measured with
# the metric-compatible Liberation Serif): the right header column leaves it room on one line.
HEADER_COLUMNS_MM = (60, 105)
FOOTER_COLUMNS_MM = (75, 90)
SIGNATURE_LINES = 5                 # empty 13 pt lines between the signer's title and name: ~30 mm
CELL_PADDING_MM = 1.9               # Word's and LibreOffice's default left/right cell margin
EM_MM = TABLE_PT * 25.4 / 72       # 4.6 mm at 13 pt
# The face every run names (Word on Windows and macOS has it, with Vietnamese), then the faces with
# its metrics that hold every Vietnamese letter (U+1EA0..U+1EF9): Liberation Serif 2.x (Debian/Ubuntu
# `fonts-liberation2`; 1.07 in `fonts-liberation` has none) and Tinos (`fonts-croscore`). They go in
# the font table's `altName` for the readers that honour it; LibreOffice does not (checked: 7.4), it
# asks fontconfig for Times New Roman, whose metric aliases give the same faces. DejaVu Serif holds
# Vietnamese too but is wider: the national motto would wrap. docs/huong-dan/cai-dat.md says so.
FONT = "Times New Roman"
FONT_ALTERNATES = ("Liberation Serif", "Tinos")
LANGUAGE = "vi-VN"                  # proofing and hyphenation in Word and LibreOffice


def text_width_mm(text: str, bold: bool = False) -> float:
    """About how wide `text` is in Times New Roman at TABLE_PT: capitals and digits wider than
    lowercase, spaces and punctuation narrow (a rough rule, with room to spare; the layout test checks)."""
    ems = sum(0.72 if ch.isupper() else 0.3 if ch in " ,.;:()/'-–" else 0.5 for ch in text)
    return ems * EM_MM * (1.06 if bold else 1.0)


def column_widths(headers: list[str], rows: list[list[str]], *, flexible: int = 1,
                  total_mm: float = TEXT_WIDTH_MM, cap_mm: float = 36.0, header_cap_mm: float = 32.0
                  ) -> list[float]:
    """Widths that follow the content: each column as wide as its longest cell, and its header on
    one line where that takes at most `header_cap_mm` (else its longest word), all capped at
    `cap_mm`; the `flexible` column takes the rest of the text block."""
    widths = []
    pad = 2 * CELL_PADDING_MM + 1
    for col, header in enumerate(headers):
        whole = text_width_mm(header, bold=True) + pad
        head = whole if whole <= header_cap_mm else max(text_width_mm(w, True) for w in header.split()) + pad
        cells = max([text_width_mm(r[col]) + pad for r in rows] + [0.0])
        widths.append(min(cap_mm, max(head, cells)))
    widths[flexible] = 0.0
    widths[flexible] = max(40.0, total_mm - sum(widths))
    scale = min(1.0, total_mm / sum(widths))
    return [round(w * scale, 1) for w in widths]


def _name_font_alternates(document, qn) -> None:
    """Give FONT's entry in the font table its metric-compatible Vietnamese alternates."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from lxml import etree

    part = document.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE)
    fonts = etree.fromstring(part.blob)
    entry = next((f for f in fonts.iter(qn("w:font")) if f.get(qn("w:name")) == FONT), None)
    if entry is None:
        entry = etree.SubElement(fonts, qn("w:font"))
        entry.set(qn("w:name"), FONT)
    for old in entry.findall(qn("w:altName")):
        entry.remove(old)
    alternates = etree.Element(qn("w:altName"))
    alternates.set(qn("w:val"), ",".join(FONT_ALTERNATES))
    entry.insert(0, alternates)                 # CT_Font: altName comes first
    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def new_document():
    """An empty A4 document with the decree's margins, its Normal style in FONT (with its
    alternates) at BODY_PT, marked vi-VN, 6 pt after each paragraph, single spacing."""
    import docx  # python-docx: only the DOCX writers need it
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal_rpr = normal.element.get_or_add_rPr()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        normal_rpr.get_or_add_rFonts().set(qn(slot), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE)
    normal_rpr.append(language)
    _name_font_alternates(document, qn)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.0
    return document


def para(container, text: str = "", *, bold=False, italic=False, size=None, align=None,
         indent=False, after=None):
    """A paragraph added to `container` (document or cell), its text as one NFC run."""
    from docx.shared import Mm, Pt

    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Mm(10)
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    if text:
        run = p.add_run(_nfc(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    return p


def cell_lines(cell, lines, **style):
    """A table cell holding `lines`, one paragraph each (no empty first paragraph)."""
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    for line in lines:
        para(cell, line, after=style.pop("after", 0), **style)


def rule(container, length_mm: float, width_mm: float):
    """A short centred line (the top border of a tiny paragraph indented from both sides)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    p = container.add_paragraph()
    border = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    border.append(top)
    # pBdr first: python-docx then inserts spacing and ind after it, in schema order.
    p._p.get_or_add_pPr().append(border)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Mm((width_mm - length_mm) / 2)
    p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(1), Pt(0)
    p.add_run().font.size = Pt(2)


def fix_widths(table, widths_mm):
    """Fixed layout with the grid, the cells and the table width all set: LibreOffice reads the
    grid, Word the cells; without both the columns come out equal."""
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table.autofit = False
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(sum(widths_mm) / 25.4 * 1440)))
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        col.w = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def keep_row(row, header=False):
    """A row never split across pages; a header row repeated on each page the table spans."""
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def write_docx(report: Report, settings: ReportSettings, path: str | os.PathLike,
               chart_png: bytes | None = None) -> None:
    """An A4 administrative report (NĐ 30/2020 layout, Times New Roman) the office can edit and sign."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    center, justify, left_align = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT
    document = new_document()
    section = document.sections[0]
    section.header_distance = Mm(10)

    # Page number centred in the top margin, not on the first page.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = center
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._p.append(field)

    def grid(headers: list[str], rows: list[list[str]], flexible: int = 1):
        table = document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell_lines(cell, [text], bold=True, align=center, size=TABLE_PT)
        keep_row(table.rows[0], header=True)
        for values in rows:
            row = table.add_row()
            for col, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
                cell_lines(cell, [text], size=TABLE_PT, align=left_align if col == flexible else center)
            keep_row(row)
        fix_widths(table, column_widths(headers, rows, flexible=flexible))
        para(document, after=0)
        return table

    if report.rehearsal:
        para(document, REHEARSAL_BANNER, bold=True, align=center, size=BODY_PT)

    # Header: issuing body and number on the left, national heading and date on the right.
    head = document.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left_mm, right_mm = HEADER_COLUMNS_MM
    cell_lines(head.cell(0, 0), _unit_lines(settings.unit_name), bold=True, align=center, size=BODY_PT)
    rule(head.cell(0, 0), 20, left_mm - 2 * CELL_PADDING_MM)
    cell_lines(head.cell(0, 1), [NATIONAL_NAME], bold=True, align=center, size=NATIONAL_PT)
    para(head.cell(0, 1), MOTTO, bold=True, align=center, size=MOTTO_PT, after=0)
    rule(head.cell(0, 1), 60, right_mm - 2 * CELL_PADDING_MM)
    cell_lines(head.cell(1, 0), [f"Số: {settings.number}"], align=center, size=BODY_PT)
    cell_lines(head.cell(1, 1), [date_line(settings.place_name, report.generated_on)], italic=True,
               align=center, size=BODY_PT)
    fix_widths(head, HEADER_COLUMNS_MM)

    para(document, after=0)
    para(document, "BÁO CÁO", bold=True, align=center, size=TITLE_PT, after=0)
    # Two lines broken before "xã", not wherever the words run out ("…xã Hòa / An tháng 12").
    title, sep, rest = _title_line(report, settings).partition(" xã ")
    title_p = para(document, title, bold=True, align=center, size=TITLE_PT, after=0)
    if sep:
        title_p.runs[0].add_break()
        tail = title_p.add_run(_nfc("xã " + rest))
        tail.bold, tail.font.size = True, Pt(TITLE_PT)
    rule(document, 45, TEXT_WIDTH_MM)
    para(document, f"Kính gửi: {settings.recipient}", align=center, size=TITLE_PT)
    para(document, _intro(report, settings), align=justify, indent=True)
    para(document, scope_sentence(report), align=justify, indent=True)

    para(document, "I. KẾT QUẢ THỰC HIỆN", bold=True)
    indicator_head = ["STT", "Chỉ tiêu", "Đơn vị tính", "Kết quả"]
    for n, group in enumerate("ABC", start=1):
        para(document, f"{n}. {GROUP_TITLES[group]}", bold=True)
        grid(indicator_head, [[stt, i.label, i.unit, display_value(i)]
                              for stt, i in _numbered(report.group(group))])
        if group == "A" and chart_png:
            document.add_picture(io.BytesIO(chart_png), width=Mm(TEXT_WIDTH_MM - 10))
            document.paragraphs[-1].alignment = center
            para(document, CHART_CAPTION, italic=True, align=center)
        if group == "A" and report.zones:
            para(document, f"{ZONES_CAPTION}:", italic=True)
            grid(["STT", "Vùng phát", "Số buổi", "Thời lượng (phút)", "Số tin, bài", "Số lượt phát",
                  "Lượt khẩn cấp", "Không phát được"],
                 [[str(k), z.title, str(z.sessions), format_number(z.minutes), str(z.items), str(z.airings),
                   str(z.urgent), str(z.not_aired)] for k, z in enumerate(report.zones, start=1)])
        if group == "B":
            para(document, "Phân theo chủ đề:", italic=True)
            if report.topics:
                grid(["STT", "Chủ đề", "Số tin, bài", "Số lượt phát", "Thời lượng (phút)"],
                     [[str(k), t.label, format_number(t.items), format_number(t.airings),
                       format_number(t.minutes)] for k, t in enumerate(report.topics, start=1)])
            else:
                para(document, "Không có tin, bài nào được gắn chủ đề.", indent=True)
        if group == "C":
            para(document, "Các kỳ chuyên mục Cải cách hành chính:", italic=True)
            if report.cchc:
                grid(["STT", "Kỳ / nội dung", "Số lượt phát", "Thời lượng (phút)", "Ngày phát"],
                     [[str(k), f"{e.title} ({e.episode})" if e.title not in ("", e.episode) else e.episode,
                       str(e.airings), format_number(e.minutes), ", ".join(f"{d:%d/%m}" for d in e.dates)]
                      for k, e in enumerate(report.cchc, start=1)])
            else:
                para(document, "Không có kỳ chuyên mục nào được phát trong kỳ.", indent=True)
            para(document, "Các thủ tục hành chính đã giới thiệu trên loa:", italic=True)
            for k, name in enumerate(report.procedures, start=1):
                para(document, f"{k}. {name}", indent=True)
            if not report.procedures:
                para(document, "(không có)", indent=True)
    para(document, f"4. {GROUP_TITLES['D']}", bold=True)
    grid(indicator_head, [list(row) for row in _manual_rows(report)])
    para(document, "5. Tình hình vận hành", bold=True)
    for line in operations_lines(report):
        para(document, f"- {line}", indent=True, align=justify)

    para(document, "II. ĐÁNH GIÁ CHUNG", bold=True)
    for heading in ("1. Ưu điểm:", "2. Hạn chế, khó khăn:"):
        para(document, heading, bold=True)
        para(document, _DOTS)
        para(document, _DOTS)
    para(document, "III. ĐỀ XUẤT, KIẾN NGHỊ", bold=True)
    para(document, _DOTS)
    para(document, _DOTS)
    para(document, _closing(settings), align=justify, indent=True)
    para(document, after=0)

    # Recipients bottom left, signer bottom right, in one row that never splits across pages.
    foot = document.add_table(rows=1, cols=2)
    keep_row(foot.rows[0])
    left, right = foot.rows[0].cells
    cell_lines(left, ["Nơi nhận:"], bold=True, italic=True, size=12)
    for line in ("- Như trên;", "- Lưu: VT."):
        para(left, line, size=11, after=0)
    cell_lines(right, _signer_lines(settings), bold=True, align=center, size=BODY_PT)
    if not settings.signer_name:
        para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, align=center, size=12, after=0)
    for _ in range(SIGNATURE_LINES):
        para(right, after=0)
    para(right, settings.signer_name, bold=True, align=center, size=BODY_PT, after=0)
    fix_widths(foot, FOOTER_COLUMNS_MM)

    buf = io.BytesIO()
    document.save(buf)
    write_bytes_atomic(Path(path), buf.getvalue())


NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def _unit_lines(unit_name: str) -> list[str]:
    """'ỦY BAN NHÂN DÂN XÃ HÒA AN' → two lines, as the header is written."""
    name = _nfc(unit_name).strip()
    for prefix in ("ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN"):
        if name.startswith(prefix + " "):
            return [prefix, name[len(prefix):].strip()]
    return [name]
