"""The report's shared wording: numbers, dates, title, introduction, scope and operations sentences."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from broadcast.report.clusters import operating
from broadcast.report.model import (
    CLUSTER_COUNT_LABEL,
    MANUAL_ROWS,
    ORIGIN_LABELS,
    Indicator,
    ProgrammeIssue,
    Report,
    ReportSettings,
)

# ---------------------------------------------------------------------------------------- formatting

_DOTS = "…" * 34          # one line of the text block at 13 pt, for the officer to write on


def format_number(value: int | float) -> str:
    """Vietnamese digits: 1.340 and 12,5."""
    if isinstance(value, float) and not value.is_integer():
        whole, frac = f"{value:,.1f}".split(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def display_value(ind: Indicator) -> str:
    text = format_number(ind.value)
    if ind.unit == "phút" and ind.value >= 60:
        hours, mins = divmod(int(round(ind.value)), 60)
        text += f" ({hours} giờ {mins} phút)" if mins else f" ({hours} giờ)"
    return text


def date_line(place: str, day: date) -> str:
    """'Hòa An, ngày 05 tháng 02 năm 2027' (leading zero for days < 10 and months 1–2, NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _title_line(report: Report, settings: ReportSettings) -> str:
    return (f"Kết quả công tác thông tin, tuyên truyền trên hệ thống truyền thanh xã "
            f"{settings.station_name} {report.period.label}")


def _intro(report: Report, settings: ReportSettings) -> str:
    p = report.period
    span = "" if p.kind == "range" else f" (số liệu từ ngày {p.start:%d/%m/%Y} đến ngày {p.end:%d/%m/%Y})"
    return (f"Ủy ban nhân dân xã {settings.station_name} báo cáo kết quả công tác thông tin, tuyên truyền "
            f"trên hệ thống truyền thanh xã {p.label}{span} như sau:")


def _numbered(indicators: Iterable[Indicator]) -> list[tuple[str, Indicator]]:
    out, n = [], 0
    for ind in indicators:
        if ind.level == 0:
            n += 1
        out.append((str(n) if ind.level == 0 else "", ind))
    return out


def _manual_rows(report: Report) -> list[tuple[str, str, str, str]]:
    """Group D's rows (number, label, unit, result): blank for the officer to fill, except the count of
    loudspeaker clusters when the station has any (those that aired in the period / those in service)."""
    counts = operating(report.clusters)
    out, n = [], 0
    for _, label, unit in MANUAL_ROWS:
        sub = label.startswith("–")
        n += 0 if sub else 1
        value = f"{counts[0]}/{counts[1]}" if label == CLUSTER_COUNT_LABEL and counts else ""
        out.append(("" if sub else str(n), label, unit, value))
    return out


def _closing(settings: ReportSettings) -> str:
    return (f"Trên đây là báo cáo kết quả công tác thông tin, tuyên truyền trên hệ thống truyền thanh "
            f"của Ủy ban nhân dân xã {settings.station_name}./.")


def _signer_lines(settings: ReportSettings) -> list[str]:
    lines = ["TM. ỦY BAN NHÂN DÂN"]
    lines += [line.strip() for line in settings.signer_title.splitlines() if line.strip()]
    return lines


def _issue_text(issue: ProgrammeIssue) -> str:
    when = f"{issue.date:%d/%m/%Y}" + (f" lúc {issue.time}" if issue.time else "")
    text = f"{when}, {issue.title or issue.programme_id}: {issue.status_label}"
    return text + (f" ({issue.error})" if issue.error else "")


REHEARSAL_BANNER = ("BẢN DIỄN TẬP: số liệu lấy từ nhật ký diễn tập (broadcast simulate), "
                    "không phải các buổi phát thật trên loa; không gửi cấp trên.")
ZONES_CAPTION = "Phân theo vùng phát (mỗi thôn, khu vực nghe chương trình của mình)"
CHART_CAPTION = "Thời lượng phát sóng theo tuần và theo chủ đề (phút)"


def scope_sentence(report: Report) -> str:
    """What the figures count, said in the report itself."""
    if report.rehearsal:
        text = ("Số liệu trong báo cáo này là của một lần diễn tập trên đồng hồ ảo, "
                "không phải các buổi phát thật trên loa.")
    else:
        text = ("Số liệu chỉ tính các chương trình đã phát trên loa theo lịch và các thông báo khẩn cấp, "
                "lấy từ nhật ký phát sóng.")
    text += (" Một lượt phát là một lần tin, bài, thông báo có trong một buổi phát; đọc nhắc lại trong "
             "cùng buổi không tính thêm lượt mà tính vào số lần đọc.")
    skipped = [f"{n} lần {ORIGIN_LABELS.get(origin, origin)}" for origin, n in report.excluded]
    if skipped:
        text += " Không tính: " + "; ".join(skipped) + "."
    return text


def operations_lines(report: Report) -> list[str]:
    """Section 5: notices about the data first, then every programme that did not go out as planned."""
    lines = [f"Lưu ý: {n}" for n in report.notices] + [_issue_text(i) for i in report.missed]
    return lines or ["Trong kỳ không có chương trình nào bị lỡ giờ, lỗi hoặc gián đoạn."]
