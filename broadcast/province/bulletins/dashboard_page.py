"""The province dashboard as one read-only HTML page (no script, every value escaped), the month XLSX and DOCX.

The page lists the communes (state, last contact, programmes aired/planned today, disk), the days
the province built for each commune against the build each commune fetched and when, every
bulletin's delivery and first airing per commune with its delay, and the month table with its
XLSX and DOCX links. openpyxl is imported in `month_xlsx` only, python-docx in
`report.province_month` only, when a file is asked for.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from broadcast.province.bulletins.dashboard import ago, communes, days, deliveries, month

STATE_CLASS = {"đang phát": "on", "im lặng": "idle", "mất kết nối": "off"}
LEVELS = {"khan-cap": "khẩn cấp", "uu-tien": "ưu tiên", "thong-thuong": "thông thường"}
MONTH_COLUMNS = (("commune", "Xã"), ("minutes_aired", "Phút đã phát"), ("minutes_planned", "Phút theo kế hoạch"),
                 ("bulletins_aired", "Bản tin đã phát"), ("urgent", "Bản tin khẩn"),
                 ("urgent_delay_p50_s", "Độ trễ khẩn p50 (giây)"), ("urgent_delay_max_s", "Độ trễ khẩn lớn nhất (giây)"),
                 ("clusters", "Cụm loa trực tuyến"))
_STYLE = ("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:2em}"
          "td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left}th{background:#eee}"
          ".on{color:#060;font-weight:bold}.idle{color:#555}.off{color:#b00;font-weight:bold}")


def page(store: Any, now: datetime, *, names: list[str] | None = None, province: str = "",
         published: dict[str, dict[str, str | None]] | None = None) -> str:
    """The whole page for `now` (the month table is the month of `now`); `published` is what the
    province serves (commune -> day -> build time: `server.published_builds`), shown from yesterday on
    (`/api/dashboard` has them all)."""
    rows = communes(store, now, names=names)
    parts = [f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><meta http-equiv='refresh' content='60'>"
             f"<title>Bảng theo dõi đài xã {escape(province)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>Bảng theo dõi các đài truyền thanh xã {escape(province)}</h1>",
             f"<p>Cập nhật lúc {now:%H:%M %d/%m/%Y}. Trang tự tải lại mỗi phút.</p>",
             "<h2>Các xã</h2><table><tr><th>Xã</th><th>Trạng thái</th><th>Liên lạc gần nhất</th>"
             "<th>Chương trình hôm nay (đã phát/kế hoạch)</th><th>Đĩa trống</th><th>Máy đọc</th></tr>"]
    for c in rows:
        planned = "?" if c.planned_today is None else str(c.planned_today)
        disk = "" if c.disk_free_mb is None else f"{c.disk_free_mb / 1024:.1f} GB"
        parts.append(f"<tr><td>{escape(c.name)}</td><td class='{STATE_CLASS[c.state]}'>{escape(c.state)}</td>"
                     f"<td>{escape(ago(c.last_contact, now))}</td><td>{c.aired_today}/{escape(planned)}</td>"
                     f"<td>{escape(disk)}</td><td>{escape(', '.join(c.engines))}</td></tr>")
    parts.append("</table><h2>Chương trình tỉnh dựng: xã đã tải chưa</h2><table><tr><th>Xã</th><th>Ngày</th>"
                 "<th>Tỉnh dựng lúc</th><th>Bản xã đã tải (dựng lúc)</th><th>Xã tải lúc</th><th>Tình trạng</th></tr>")
    since = (now.date() - timedelta(days=1)).isoformat()        # yesterday on: the page stays short
    for d in (d for d in days(store, published or {}, names) if d["date"] >= since):
        parts.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
            d["commune"], _day(d["date"]), _clock(d["built_at"]), _clock(d["fetched_build"]), _clock(d["fetched_at"]),
            d["state"])) + "</tr>")
    parts.append("</table><h2>Bản tin: nhận và phát ở từng xã</h2><table><tr><th>Bản tin</th><th>Mức</th>"
                 "<th>Xã</th><th>Trạng thái</th><th>Nhận lúc</th><th>Phát lần đầu</th><th>Độ trễ</th>"
                 "<th>Số lần phát</th></tr>")
    for d in deliveries(store):
        delay = "" if d["delay_s"] is None else f"{d['delay_s']:.0f} giây"
        parts.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
            d["bulletin"], LEVELS.get(d["level"], d["level"] or ""), d["commune"], d["state"] or "",
            _clock(d["received_at"]), _clock(d["first_aired_at"]), delay, d["airings"] or 0)) + "</tr>")
    parts.append(f"</table><h2>Tháng {now:%m/%Y}</h2><p><a href='/bang-dieu-khien/thang-{now:%Y-%m}.xlsx'>"
                 "Tải bảng tháng (XLSX)</a> · "
                 f"<a href='/bang-dieu-khien/thang-{now:%Y-%m}.docx'>Tải bảng tháng gửi Sở (DOCX)</a></p><table><tr>"
                 + "".join(f"<th>{escape(title)}</th>" for _, title in MONTH_COLUMNS) + "</tr>")
    for row in month_rows(store, now.year, now.month):
        parts.append("<tr>" + "".join(f"<td>{escape('' if row[k] is None else str(row[k]))}</td>"
                                      for k, _ in MONTH_COLUMNS) + "</tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def month_xlsx(store: Any, year: int, month_number: int) -> bytes:
    """The month table as a workbook (one row per commune) for the Sở's report."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"Tháng {month_number:02d}-{year}"
    sheet.append([title for _, title in MONTH_COLUMNS])
    for row in month_rows(store, year, month_number):
        sheet.append([row[k] for k, _ in MONTH_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, width in enumerate((16, 14, 20, 16, 14, 22, 26, 18), start=1):
        sheet.column_dimensions[chr(64 + n)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def month_rows(store: Any, year: int, month_number: int) -> list[dict[str, Any]]:
    """`dashboard.month` with the clusters as one cell ('3/4', or empty when not reported)."""
    rows = month(store, year, month_number)
    for row in rows:
        total = row["clusters_total"]
        row["clusters"] = None if total is None else f"{row['clusters_online'] or 0}/{total}"
    return rows


def month_docx_bytes(store: Any, year: int, month_number: int, *, province: str = "", made_on: date,
                     **header: str) -> bytes:
    """The month table as the Sở's DOCX (`report.province_month`); `header` overrides `MonthHeader` fields."""
    from broadcast.report.province_month import MonthHeader, month_docx

    return month_docx(month(store, year, month_number), year, month_number,
                      MonthHeader(province=province, **header), made_on=made_on)


def _day(text: str) -> str:
    try:
        return f"{date.fromisoformat(text):%d/%m/%Y}"
    except ValueError:
        return text


def _clock(text: str | None) -> str:
    if not text:
        return ""
    try:
        return f"{datetime.fromisoformat(text):%H:%M:%S %d/%m}"
    except ValueError:
        return text
