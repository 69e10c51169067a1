"""Report periods: a month, a quarter or a range of dates, with the calendar or NĐ 09/2019 cut-off.

``calendar`` cut-off = 1st to last day; ``nd09`` = Nghị định 09/2019/NĐ-CP: a month runs
from the 15th of the previous month to the 14th, a quarter from the 15th of the month before it to
the 14th of its last month (quý I năm 2027 = 15/12/2026 → 14/03/2027).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from broadcast.errors import InputError

CUTOFFS = ("calendar", "nd09")


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    """The dates a report covers (both inclusive) and how the title names them."""

    start: date
    end: date
    label: str          # "tháng 12 năm 2026", "quý IV năm 2026", "từ ngày 01/12/2026 đến ngày 14/12/2026"
    kind: str           # month | quarter | range

    @property
    def slug(self) -> str:
        """ASCII name for files: '2026-12', '2026-Q4', '2026-12-01_2026-12-14' (end month for nd09)."""
        if self.kind == "month":
            return f"{self.end:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.end.year}-Q{(self.end.month - 1) // 3 + 1}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def period_for_month(year: int, month: int, cutoff: str = "calendar") -> Period:
    """Tháng 12 năm 2026: 01/12–31/12 (calendar) or 15/11–14/12 (nd09)."""
    _check_cutoff(cutoff)
    if not 1 <= month <= 12:
        raise InputError(f"tháng {month} không hợp lệ", hint="tháng từ 1 đến 12")
    label = f"tháng {month} năm {year}"
    if cutoff == "nd09":
        return Period(_prev_month_15(year, month), date(year, month, 14), label, "month")
    return Period(date(year, month, 1), _month_end(year, month), label, "month")


def period_for_quarter(year: int, quarter: int, cutoff: str = "calendar") -> Period:
    """Quý IV năm 2026: 01/10–31/12 (calendar) or 15/09–14/12 (nd09)."""
    _check_cutoff(cutoff)
    if quarter not in _ROMAN:
        raise InputError(f"quý {quarter} không hợp lệ", hint="quý từ 1 đến 4")
    first, last = 3 * quarter - 2, 3 * quarter
    label = f"quý {_ROMAN[quarter]} năm {year}"
    if cutoff == "nd09":
        return Period(_prev_month_15(year, first), date(year, last, 14), label, "quarter")
    return Period(date(year, first, 1), _month_end(year, last), label, "quarter")


def period_for_range(start: date, end: date) -> Period:
    """Any span of days, e.g. for a campaign: 'từ ngày 01/12/2026 đến ngày 14/12/2026'."""
    if start > end:
        raise InputError(f"ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc {end:%d/%m/%Y}",
                         hint="đổi chỗ --from và --to")
    return Period(start, end, f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}", "range")


def parse_period(month: str | None, quarter: str | None, start: str | None, end: str | None,
                 cutoff: str = "calendar") -> Period:
    """Exactly one of --month 2026-12, --quarter 2026-Q4, or --from A --to B."""
    chosen = [name for name, value in (("--month", month), ("--quarter", quarter),
                                       ("--from/--to", start or end)) if value]
    example = "ví dụ --month 2026-12, --quarter 2026-Q4 hoặc --from 2026-12-01 --to 2026-12-31"
    if not chosen:
        raise InputError("chưa chọn kỳ báo cáo", hint=example)
    if len(chosen) > 1:
        raise InputError(f"chỉ chọn một kỳ báo cáo, đang có: {', '.join(chosen)}", hint=example)
    if month:
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
        officer = re.fullmatch(r"\s*[Tt]?(\d{1,2})[/-](\d{4})\s*", month)      # 12/2026, T12/2026
        year, number = (m.group(1), m.group(2)) if m else (officer.group(2), officer.group(1)) if officer else (0, 0)
        if not 1 <= int(number) <= 12:
            raise InputError(f"tháng '{month}' không hợp lệ",
                             hint="viết THÁNG/NĂM với tháng từ 1 đến 12, ví dụ 12/2026 hoặc 2026-12")
        return period_for_month(int(year), int(number), cutoff)
    if quarter:
        q = re.fullmatch(r"\s*(\d{4})-[Qq]([1-9])\s*", quarter) or re.fullmatch(
            r"\s*()[Qq]?([1-9])[/-](\d{4})\s*", quarter)                          # Q4/2026, 4/2026
        if q and not q.group(1):
            q = re.fullmatch(r"(\d{4})-[Qq]([1-9])", f"{q.group(3)}-Q{q.group(2)}")
        if not q or not 1 <= int(q.group(2)) <= 4:
            raise InputError(f"quý '{quarter}' không hợp lệ",
                             hint="viết Qn/NĂM với n từ 1 đến 4, ví dụ Q4/2026 hoặc 2026-Q4")
        return period_for_quarter(int(q.group(1)), int(q.group(2)), cutoff)
    if not (start and end):
        raise InputError("cần cả --from và --to", hint="ví dụ --from 2026-12-01 --to 2026-12-31")
    return period_for_range(_parse_date(start, "--from"), _parse_date(end, "--to"))


def _parse_date(raw: str, option: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise InputError(f"{option}: ngày '{raw}' không hợp lệ",
                     hint="viết YYYY-MM-DD hoặc DD/MM/YYYY, ví dụ 2026-12-05")


def _check_cutoff(cutoff: str) -> None:
    if cutoff not in CUTOFFS:
        raise InputError(f"cách tính kỳ báo cáo '{cutoff}' không hợp lệ",
                         hint="dùng 'calendar' (theo tháng dương lịch) hoặc 'nd09' (từ ngày 15 tháng "
                              "trước đến ngày 14, theo Nghị định 09/2019/NĐ-CP)")


def _month_end(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def _prev_month_15(year: int, month: int) -> date:
    return date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)
