"""Periodic report to the level above: indicators from the as-run log, as Markdown, CSV and DOCX.

The XLSX writer (`report_xlsx`) and the airtime chart (`report_chart`) are modules of their own.

`compute_report(rows, period, generated_on=...)` is a pure aggregation over as-run rows (the dicts
`AsRunLog.rows(start, end)` returns); the writers turn a `Report` into the files the office sends.

Counting rules (DOMAIN.md §4.2, groups A–C):

- **Only the loudspeakers count**: rows whose as-run ``origin`` is ``scheduled`` or ``urgent`` (a log
  without the column is all ``scheduled``). Plays started by hand (``manual``) and rehearsals are
  left out, and the report says how many it left out. A log holding only ``rehearsal`` rows (the one
  ``simulate`` writes) is counted as such, and the report says "BẢN DIỄN TẬP" on its first line.
- **Aired** means status ``played`` or ``late``. A programme ``interrupted`` after it started
  aired in part: its day, its session and its minutes up to the cut count (a programme resumed
  after the cut is one session: sessions are distinct programme ids), and it is counted apart as
  interrupted; ``missed``/``failed``/``skipped`` are listed in the operations section;
  ``playing`` (still on air when the report was made) is ignored. Items count by their own status.
- **Lượt phát** (airings): one per item aired in a programme, however many readings ("Xin nhắc
  lại"); the readings (``repeat``) are counted apart as **số lần đọc**.
- **Số tin / thông báo / kỳ chuyên mục** count distinct items by ``item_kind``: distinct
  ``item_id`` for bản tin, thông báo and khẩn cấp; distinct ``episode`` for chuyên mục (the
  ``item_id`` when a column item has no episode). Furniture (nhạc hiệu, mở đầu, chuyển tiếp,
  lời kết) and relays are not content.
- **Group A**: days on air = distinct dates with at least one programme aired; sessions per
  ``session`` (sáng / trưa / chiều / đột xuất); total minutes = aired programme durations; relay
  minutes = aired items of those programmes with kind ``tiep-am`` or a ``source`` other than
  ``tu-san-xuat`` (split by source); self-produced minutes = total − relay, so the "trong đó" rows add up; urgent =
  airings with priority ``khan-cap`` or kind ``khan-cap``; late, interrupted and not-aired
  (missed + failed) programmes are shown for honesty about reliability.
- **Group B** counts self-produced content (``source`` ``tu-san-xuat``); content from the
  levels above is one separate row. The **topic table** counts aired content of any source by tag.
- **Group C** (CCHC, any source): column episodes = distinct ``episode`` of ``chuyen-muc`` items
  tagged ``cchc``, with their airings and minutes; CCHC items and airings = content tagged
  ``cchc``; online-public-service guidance = airings of items tagged ``dvctt``; procedures
  introduced = distinct ``ten_thu_tuc`` values (text or list; case- and space-insensitive) of
  column episodes (``chuyen-muc``) tagged ``tthc`` or ``cchc``: procedures presented, never the
  results handed out (``thu_tuc`` of a result-return list); citizen-reception / result-return
  notices = airings tagged ``tiep-cong-dan`` or ``tra-ket-qua``.
- **Topics**: each tag under its Vietnamese name (``TOPIC_LABELS``, or the station's
  ``scripts_vi/chu-de.tsv``); a tag without a name goes under "Chủ đề khác", never shown raw.
- **Notices** (printed in the document, section 5): a period not begun or not ended, nothing aired,
  or days of the period the log has no record for (neither airings nor daemon events).
- **Group D** (records received at the one-stop desk, loudspeaker clusters) is not in the log:
  the documents carry those rows blank for the officer to fill in.

Periods: ``calendar`` cut-off = 1st to last day; ``nd09`` = Nghị định 09/2019/NĐ-CP: a month runs
from the 15th of the previous month to the 14th, a quarter from the 15th of the month before it to
the 14th of its last month (quý I năm 2027 = 15/12/2026 → 14/03/2027).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.atomic import write_bytes_atomic
from broadcast.errors import InputError

CUTOFFS = ("calendar", "nd09")

AIRED = frozenset({"played", "late"})
CONTENT_KINDS = ("ban-tin", "thong-bao", "khan-cap", "chuyen-muc")
SELF_PRODUCED = "tu-san-xuat"
# Since 1 July 2025 local government has two levels (tỉnh, xã): no district station to relay.
RELAY_SOURCES = (("vov", "Đài Tiếng nói Việt Nam (VOV)"), ("tinh", "Đài Phát thanh - Truyền hình tỉnh"))
# As-run `origin` (contract 1): only what went out on the loudspeakers is a broadcast.
BROADCAST_ORIGINS = frozenset({"scheduled", "urgent"})
REHEARSAL = "rehearsal"
ORIGIN_LABELS = {"manual": "phát bằng tay ngoài lịch (lệnh play, announce khi không chạy đài)",
                 "rehearsal": "diễn tập"}
OTHER_TOPIC = "khac"
SESSIONS = (("sang", "Buổi sáng"), ("trua", "Buổi trưa"), ("chieu", "Buổi chiều"),
            ("dot-xuat", "Phát đột xuất"))

TOPIC_LABELS: dict[str, str] = {
    "cchc": "Cải cách hành chính",
    "dvctt": "Dịch vụ công trực tuyến",
    "tthc": "Thủ tục hành chính",
    "pbgdpl": "Phổ biến, giáo dục pháp luật",
    "atgt": "An toàn giao thông",
    "pctt": "Phòng, chống thiên tai",
    "yte": "Y tế",
    "nvqs": "Nghĩa vụ quân sự",
    "pccc": "Phòng cháy, chữa cháy",
    "vsmt": "Vệ sinh môi trường",
    "thue": "Thuế",
    "bhyt": "Bảo hiểm y tế",
    "cds": "Chuyển đổi số",
    "ntm": "Nông thôn mới",
    "tiep-cong-dan": "Tiếp công dân",
    "tra-ket-qua": "Trả kết quả thủ tục hành chính",
    # Topic tags used by the script library (scripts_vi/).
    "mot-cua": "Bộ phận một cửa",
    "ho-tich": "Hộ tịch",
    "chung-thuc": "Chứng thực",
    "dat-dai": "Đất đai",
    "kinh-doanh": "Đăng ký kinh doanh",
    "hai-long": "Chỉ số hài lòng",
    "xin-loi": "Xin lỗi do trễ hẹn hồ sơ",
    "vneid": "Định danh điện tử VNeID",
    "chuyen-doi-so": "Chuyển đổi số",
    "an-ninh": "An ninh trật tự",
    "lua-dao": "Phòng chống lừa đảo",
    "quoc-phong": "Quốc phòng",
    "bao-lu": "Bão, lũ",
    "tiem-chung": "Tiêm chủng",
    "moi-truong": "Môi trường",
    "dien": "Điện",
    "hop-thon": "Họp thôn",
    "dan-chu-co-so": "Dân chủ ở cơ sở",
    "an-sinh": "An sinh xã hội",
    "buu-chinh-cong-ich": "Bưu chính công ích",
    "that-lac": "Tìm đồ thất lạc",
    "le-tet": "Lễ, Tết",
    "thong-bao": "Thông báo chung",
    "khan-cap": "Thông báo khẩn cấp",
    "nhac-lai": "Nhắc lại thông báo",
    "mo-dau": "Lời mở đầu",
    "loi-ket": "Lời kết",
    "chuyen-tiep": "Lời chuyển tiếp",
    OTHER_TOPIC: "Chủ đề khác",
}
PROCEDURE_TAGS = frozenset({"tthc", "cchc"})
RECEPTION_TAGS = frozenset({"tiep-cong-dan", "tra-ket-qua"})

GROUP_TITLES = {
    "A": "Hoạt động chung",
    "B": "Nội dung tự sản xuất",
    "C": "Tuyên truyền cải cách hành chính",
    "D": "Số liệu bổ sung (cán bộ điền)",
}
# Rows the log cannot know: written blank in the documents for the officer.
MANUAL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("D", "Số cụm loa đang hoạt động / tổng số cụm loa", "cụm"),
    ("D", "Số hồ sơ thủ tục hành chính tiếp nhận", "hồ sơ"),
    ("D", "– Trong đó: tiếp nhận trực tuyến", "hồ sơ"),
    ("D", "Tỷ lệ hồ sơ giải quyết đúng hạn", "%"),
)
STATUS_LABELS = {"missed": "lỡ giờ, không phát", "failed": "lỗi, không phát được",
                 "interrupted": "bị gián đoạn", "skipped": "bỏ qua theo lệnh"}
NOT_AIRED = frozenset(STATUS_LABELS)

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_DOTS = "…" * 34          # one line of the text block at 13 pt, for the officer to write on


# ---------------------------------------------------------------------------------------- periods

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
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise InputError(f"tháng '{month}' không hợp lệ",
                             hint="viết NĂM-THÁNG với tháng từ 1 đến 12, ví dụ 2026-12")
        return period_for_month(int(m.group(1)), int(m.group(2)), cutoff)
    if quarter:
        q = re.fullmatch(r"\s*(\d{4})-[Qq]([1-9])\s*", quarter)
        if not q or not 1 <= int(q.group(2)) <= 4:
            raise InputError(f"quý '{quarter}' không hợp lệ",
                             hint="viết NĂM-Qn với n từ 1 đến 4, ví dụ 2026-Q4")
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


# ---------------------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class ReportSettings:
    """Who writes the report, to whom, and who signs it (from broadcast.toml [report])."""

    station_name: str = "Hòa An"
    unit_name: str = "ỦY BAN NHÂN DÂN XÃ HÒA AN"
    place: str = ""                       # empty: the commune name
    recipient: str = "Ủy ban nhân dân tỉnh"
    signer_title: str = "CHỦ TỊCH"        # "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" for a deputy: one line each
    signer_name: str = ""
    number: str = "…/BC-UBND"

    @classmethod
    def from_station(cls, station: Any) -> ReportSettings:
        """Settings from a loaded `broadcast.config.Station`."""
        name = station.station.name
        rep = station.report
        return cls(station_name=name, unit_name=f"ỦY BAN NHÂN DÂN XÃ {name.upper()}",
                   place=rep.place or name, recipient=rep.recipient, signer_title=rep.signer_title,
                   signer_name=rep.signer_name, number=rep.number)

    @property
    def place_name(self) -> str:
        return self.place or self.station_name


# ---------------------------------------------------------------------------------------- report

@dataclass(frozen=True)
class Indicator:
    """One row of an indicator table; `level` 1 ("– ...") and 2 ("+ ...") are "trong đó" sub-rows."""

    group: str
    code: str
    label: str
    unit: str
    value: int | float
    level: int = 0


@dataclass(frozen=True)
class TopicRow:
    tag: str
    label: str
    items: int          # distinct tin/bài/thông báo/kỳ
    airings: int        # lượt phát
    minutes: float


@dataclass(frozen=True)
class CchcEpisode:
    episode: str
    title: str
    airings: int
    minutes: float
    dates: tuple[date, ...]


@dataclass(frozen=True)
class ProgrammeIssue:
    """A programme that did not go out as planned."""

    programme_id: str
    date: date
    session: str
    time: str           # scheduled time "05:30", empty when unknown
    title: str
    status: str
    error: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class WeekRow:
    """Airtime of one calendar week (Monday to Sunday), clipped to the period."""

    start: date
    end: date
    minutes: float

    @property
    def label(self) -> str:
        return f"{self.start:%d/%m}–{self.end:%d/%m}"


@dataclass(frozen=True)
class Report:
    period: Period
    indicators: tuple[Indicator, ...]
    topics: tuple[TopicRow, ...]
    cchc: tuple[CchcEpisode, ...]
    procedures: tuple[str, ...]
    missed: tuple[ProgrammeIssue, ...]
    generated_on: date
    warnings: tuple[str, ...] = ()       # for the officer making the report (stderr, notes)
    notices: tuple[str, ...] = ()        # about the data itself: printed in the document
    rehearsal: bool = False              # made from a rehearsal log: says so on its first line
    excluded: tuple[tuple[str, int], ...] = ()   # (origin, programmes) not counted as broadcasts
    weeks: tuple[WeekRow, ...] = ()

    def value(self, code: str) -> int | float:
        """The value of one indicator by code, e.g. report.value('ngay_phat_song')."""
        for ind in self.indicators:
            if ind.code == code:
                return ind.value
        raise KeyError(code)

    def group(self, group: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.group == group)


def compute_report(rows: Iterable[Mapping], period: Period, *, generated_on: date,
                   covered_days: Iterable[date] | None = None,
                   topic_labels: Mapping[str, str] | None = None) -> Report:
    """Aggregate as-run rows into the indicators of groups A–C (pure; rules in the module docstring).

    `covered_days`: the days the log holds any record for (airings or daemon events); days of the
    period before `generated_on` outside it make a notice that the log covers the period in part.
    `topic_labels`: the station's own names for its tags, over `TOPIC_LABELS`.
    """
    warnings: list[str] = []
    in_period = [r for r in rows if _row_date(r, warnings) in period]
    rehearsal = (not any(_origin(r) in BROADCAST_ORIGINS for r in in_period)
                 and any(_origin(r) == REHEARSAL for r in in_period))
    counted = frozenset({REHEARSAL}) if rehearsal else BROADCAST_ORIGINS
    excluded: dict[str, int] = defaultdict(int)
    for r in in_period:
        if r.get("kind") == "programme" and _origin(r) not in counted:
            excluded[_origin(r)] += 1
    selected = [r for r in in_period if _origin(r) in counted]
    selected.sort(key=lambda r: (str(r.get("date")), str(r.get("scheduled_at") or ""), _int(r.get("id"))))
    programmes = [r for r in selected if r.get("kind") == "programme"]
    items = [r for r in selected if r.get("kind") == "item"]

    aired_progs = [r for r in programmes if r.get("status") in AIRED]
    aired_items = [r for r in items if r.get("status") in AIRED]
    playing = sum(1 for r in programmes if r.get("status") == "playing")
    if playing:
        warnings.append(f"{playing} chương trình còn ở trạng thái 'đang phát' (đang phát, hoặc máy dừng "
                        "giữa chừng): chưa được tính.")

    indicators = _group_a(programmes, aired_progs, aired_items, items, warnings)
    content = [r for r in aired_items if r.get("item_kind") in CONTENT_KINDS]
    indicators += _group_b(content)
    episodes = _cchc_episodes(content)
    procedures = _procedures(aired_items, warnings)
    indicators += _group_c(content, aired_items, episodes, procedures)
    labels = {**TOPIC_LABELS, **(topic_labels or {})}

    resumed = {r.get("programme_id") for r in aired_progs}
    missed = tuple(
        ProgrammeIssue(programme_id=str(r.get("programme_id") or ""), date=_row_date(r, []),
                       session=str(r.get("session") or ""), time=_hhmm(r.get("scheduled_at")),
                       title=_nfc(r.get("title")), status=str(r.get("status")),
                       error="; ".join(filter(None, [_nfc(r.get("error")), "đã phát tiếp sau đó"
                                                     if r.get("status") == "interrupted"
                                                     and r.get("programme_id") in resumed else ""])))
        for r in programmes if r.get("status") in NOT_AIRED)
    days = set(covered_days) if covered_days is not None else {_row_date(r, []) for r in in_period}
    return Report(period=period, indicators=tuple(indicators), topics=_topics(content, labels, warnings),
                  cchc=episodes, procedures=procedures, missed=missed, generated_on=generated_on,
                  warnings=tuple(dict.fromkeys(warnings)),
                  notices=tuple(coverage_notices(period, generated_on, days, bool(aired_progs))),
                  rehearsal=rehearsal, excluded=tuple(sorted(excluded.items())),
                  weeks=_weeks(aired_progs, period))


def coverage_notices(period: Period, today: date, covered: set[date], any_aired: bool) -> list[str]:
    """Why the figures may not tell the whole period: future, empty, or only partly logged."""
    if period.start > today:
        return [f"Kỳ báo cáo chưa bắt đầu (hôm nay là ngày {today:%d/%m/%Y}): chưa có số liệu."]
    notices = []
    last = min(period.end, today)
    if period.end > today:
        notices.append(f"Kỳ báo cáo chưa kết thúc: số liệu chỉ tính đến ngày {today:%d/%m/%Y}.")
    days = [period.start + timedelta(days=n) for n in range((last - period.start).days + 1)]
    gaps = [d for d in days if d not in covered]
    if not any_aired:
        notices.append("Nhật ký phát sóng không có chương trình nào đã phát trong kỳ: các chỉ tiêu bằng 0 "
                       "không có nghĩa là đài hoạt động bình thường; cần kiểm tra máy phát và nhật ký.")
    elif gaps:
        notices.append(f"Nhật ký không có ghi chép nào trong {len(gaps)}/{len(days)} ngày của kỳ "
                       f"({_day_spans(gaps)}): số liệu có thể thiếu.")
    return notices


def _day_spans(days: list[date], limit: int = 6) -> str:
    """[1, 2, 3, 5 Dec] → '01/12–03/12, 05/12' (at most `limit` spans, then '…')."""
    spans: list[list[date]] = []
    for d in days:
        if spans and d - spans[-1][1] == timedelta(days=1):
            spans[-1][1] = d
        else:
            spans.append([d, d])
    text = [f"{a:%d/%m}" if a == b else f"{a:%d/%m}–{b:%d/%m}" for a, b in spans[:limit]]
    return ", ".join(text) + (", …" if len(spans) > limit else "")


def _weeks(aired_progs: list[Mapping], period: Period) -> tuple[WeekRow, ...]:
    seconds: dict[date, float] = defaultdict(float)
    for r in aired_progs:
        day = _row_date(r, [])
        seconds[day - timedelta(days=day.weekday())] += _duration(r)
    out = []
    monday = period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        out.append(WeekRow(max(monday, period.start), min(monday + timedelta(days=6), period.end),
                           _minutes(seconds.get(monday, 0.0))))
        monday += timedelta(days=7)
    return tuple(out)


def _group_a(programmes: list[Mapping], aired_progs: list[Mapping], aired_items: list[Mapping],
             items: list[Mapping], warnings: list[str]) -> list[Indicator]:
    # A programme cut on air (interrupted after it started) went out in part: its day, its session
    # and the minutes before the cut count; resumed later, it is still one session (one programme id).
    partial = [r for r in programmes if r.get("status") == "interrupted" and r.get("started_at")]
    on_air = aired_progs + partial
    days = {_row_date(r, []) for r in on_air}
    sessions: dict[str, int] = defaultdict(int)
    for session, _ in dict.fromkeys((str(r.get("session")), str(r.get("programme_id") or r.get("id")))
                                    for r in on_air):
        sessions[session] += 1
    known = {key for key, _ in SESSIONS}
    for other in sorted(set(sessions) - known):
        warnings.append(f"Buổi phát '{other}' không thuộc sáng/trưa/chiều/đột xuất: chỉ tính vào tổng.")
    total_s = sum(_duration(r) for r in aired_progs) + sum(_elapsed(r) for r in partial)
    relay_s: dict[str, float] = defaultdict(float)
    # Relay minutes are a part of the total, so only items of programmes counted in it.
    aired_ids = {r.get("id") for r in on_air}
    for r in aired_items:
        if r.get("parent_id") is not None and r.get("parent_id") not in aired_ids:
            continue
        source = str(r.get("source") or SELF_PRODUCED)
        if r.get("item_kind") == "tiep-am" or source != SELF_PRODUCED:
            relay_s[source if source in dict(RELAY_SOURCES) else "khac"] += _duration(r)
    relay_total = sum(relay_s.values())
    urgent = sum(1 for r in aired_items if r.get("priority") == "khan-cap" or r.get("item_kind") == "khan-cap")
    status_count = defaultdict(int)
    for r in programmes:
        status_count[r.get("status")] += 1

    rows = [
        Indicator("A", "ngay_phat_song", "Số ngày phát sóng", "ngày", len(days)),
        Indicator("A", "buoi_phat", "Số buổi phát", "buổi", sum(sessions.values())),
    ]
    rows += [Indicator("A", f"buoi_{key.replace('-', '_')}", f"– {label}", "buổi",
                       sessions.get(key, 0), 1) for key, label in SESSIONS]
    rows += [
        Indicator("A", "thoi_luong", "Tổng thời lượng phát sóng", "phút", _minutes(total_s)),
        Indicator("A", "thoi_luong_tu_san_xuat", "– Chương trình tự sản xuất", "phút",
                  _minutes(max(0.0, total_s - relay_total)), 1),
        Indicator("A", "thoi_luong_tiep_am", "– Tiếp âm, tiếp sóng", "phút",
                  _minutes(relay_total), 1),
    ]
    rows += [Indicator("A", f"tiep_am_{key}", f"+ {label}", "phút", _minutes(relay_s.get(key, 0.0)), 2)
             for key, label in RELAY_SOURCES]
    if relay_s.get("khac"):
        rows.append(Indicator("A", "tiep_am_khac", "+ Tệp ghi âm, nguồn khác", "phút",
                              _minutes(relay_s["khac"]), 2))
    rows += [
        Indicator("A", "khan_cap", "Số lần phát thông báo khẩn cấp", "lần", urgent),
        Indicator("A", "ct_phat_cham", "Số chương trình phát chậm giờ", "chương trình",
                  status_count["late"]),
        Indicator("A", "ct_gian_doan", "Số chương trình bị gián đoạn", "chương trình",
                  status_count["interrupted"]),
        Indicator("A", "ct_khong_phat", "Số chương trình không phát được (lỡ giờ, lỗi)", "chương trình",
                  status_count["missed"] + status_count["failed"]),
        Indicator("A", "luot_gian_doan", "Số lượt tin, bài, thông báo bị gián đoạn", "lượt",
                  sum(1 for r in items
                      if r.get("status") == "interrupted" and r.get("item_kind") in CONTENT_KINDS)),
    ]
    return rows


def _group_b(content: list[Mapping]) -> list[Indicator]:
    own = [r for r in content if (r.get("source") or SELF_PRODUCED) == SELF_PRODUCED]
    upper = [r for r in content if (r.get("source") or SELF_PRODUCED) != SELF_PRODUCED]
    rows: list[Indicator] = []
    for kind, code, label, unit in (
            ("ban-tin", "tin_bai", "Số tin, bài (bản tin của xã)", "tin, bài"),
            ("thong-bao", "thong_bao", "Số thông báo", "thông báo"),
            ("khan-cap", "thong_bao_khan_cap", "Số thông báo khẩn cấp", "thông báo"),
            ("chuyen-muc", "chuyen_muc", "Số kỳ chuyên mục", "kỳ")):
        of_kind = [r for r in own if r.get("item_kind") == kind]
        rows.append(Indicator("B", code, label, unit, len({_content_key(r) for r in of_kind})))
        rows.append(Indicator("B", f"luot_{code}", "– Số lượt phát", "lượt", len(of_kind), 1))
        rows.append(Indicator("B", f"doc_{code}", "– Số lần đọc (kể cả đọc nhắc lại)", "lần",
                              sum(_repeat(r) for r in of_kind), 1))
    rows.append(Indicator("B", "tong_luot", "Tổng số lượt phát tin, bài, thông báo, chuyên mục", "lượt",
                          len(own)))
    rows.append(Indicator("B", "tong_doc", "– Số lần đọc (kể cả đọc nhắc lại)", "lần",
                          sum(_repeat(r) for r in own), 1))
    rows.append(Indicator("B", "noi_dung_cap_tren", "Tin, bài, thông báo của cấp trên phát trên loa",
                          "tin, bài", len({_content_key(r) for r in upper})))
    rows.append(Indicator("B", "luot_noi_dung_cap_tren", "– Số lượt phát", "lượt", len(upper), 1))
    return rows


def _group_c(content: list[Mapping], aired_items: list[Mapping], episodes: tuple[CchcEpisode, ...],
             procedures: tuple[str, ...]) -> list[Indicator]:
    cchc = [r for r in content if "cchc" in _tags(r)]
    return [
        Indicator("C", "chuyen_muc_cchc", "Số kỳ chuyên mục Cải cách hành chính", "kỳ", len(episodes)),
        Indicator("C", "luot_chuyen_muc_cchc", "– Số lượt phát", "lượt",
                  sum(e.airings for e in episodes), 1),
        Indicator("C", "thoi_luong_chuyen_muc_cchc", "– Thời lượng", "phút",
                  round(sum(e.minutes for e in episodes), 1), 1),
        Indicator("C", "tin_bai_cchc", "Số tin, bài, thông báo về cải cách hành chính", "tin, bài",
                  len({_content_key(r) for r in cchc})),
        Indicator("C", "luot_cchc", "– Số lượt phát", "lượt", len(cchc), 1),
        Indicator("C", "huong_dan_dvctt", "Số lần hướng dẫn sử dụng dịch vụ công trực tuyến", "lần",
                  sum(1 for r in aired_items if "dvctt" in _tags(r))),
        Indicator("C", "thu_tuc", "Số thủ tục hành chính được giới thiệu, công khai trên loa", "thủ tục",
                  len(procedures)),
        Indicator("C", "tiep_cong_dan_tra_ket_qua", "Số lần thông báo lịch tiếp công dân, trả kết quả "
                  "thủ tục hành chính", "lần",
                  sum(1 for r in aired_items if RECEPTION_TAGS & set(_tags(r)))),
    ]


def _cchc_episodes(content: list[Mapping]) -> tuple[CchcEpisode, ...]:
    found: dict[str, dict[str, Any]] = {}
    for r in content:
        if r.get("item_kind") != "chuyen-muc" or "cchc" not in _tags(r):
            continue
        key = _content_key(r)
        ep = found.setdefault(key, {"title": _nfc(r.get("title")), "airings": 0, "seconds": 0.0,
                                    "dates": []})
        ep["airings"] += 1
        ep["seconds"] += _duration(r)
        day = _row_date(r, [])
        if day not in ep["dates"]:
            ep["dates"].append(day)
    return tuple(CchcEpisode(key, v["title"], v["airings"], _minutes(v["seconds"]), tuple(v["dates"]))
                 for key, v in found.items())


def _topics(content: list[Mapping], labels: Mapping[str, str], warnings: list[str]) -> tuple[TopicRow, ...]:
    """One row per named tag; tags without a Vietnamese name go together under 'Chủ đề khác'."""
    keys: dict[str, set[str]] = defaultdict(set)
    airings: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    unnamed: set[str] = set()
    for r in content:
        topics = []
        for tag in _tags(r):
            if tag not in labels:
                unnamed.add(tag)
                tag = OTHER_TOPIC
            topics.append(tag)
        for tag in dict.fromkeys(topics):
            keys[tag].add(_content_key(r))
            airings[tag] += 1
            seconds[tag] += _duration(r)
    if unnamed:
        warnings.append(f"Nhãn chủ đề chưa có tên tiếng Việt, tính vào 'Chủ đề khác': {', '.join(sorted(unnamed))}. "
                        f"Đặt tên cho nhãn trong tệp {TOPIC_FILE} của thư mục mẫu (mỗi dòng: nhãn, dấu tab, tên).")
    order = [t for t in labels if t in keys and t != OTHER_TOPIC] + sorted(t for t in keys if t not in labels)
    order += [OTHER_TOPIC] if OTHER_TOPIC in keys else []
    return tuple(TopicRow(t, labels.get(t, TOPIC_LABELS[OTHER_TOPIC]), len(keys[t]), airings[t],
                          _minutes(seconds[t])) for t in order)


TOPIC_FILE = "chu-de.tsv"


def parse_topic_labels(text: str, path: str = TOPIC_FILE) -> dict[str, str]:
    """The station's names for its tags: 'tag<TAB>Tên chủ đề' per line, '#' comments.

    >>> parse_topic_labels("# nhãn\ttên\nkhuyen-nong\tKhuyến nông\n")
    {'khuyen-nong': 'Khuyến nông'}
    """
    labels: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = _nfc(line).strip()
        if not line or line.startswith("#"):
            continue
        tag, sep, name = line.partition("\t")
        if not sep or not tag.strip() or not name.strip():
            raise InputError("dòng tên chủ đề phải có nhãn, dấu tab, rồi tên tiếng Việt", path=path,
                             line=number, hint="ví dụ: khuyen-nong<TAB>Khuyến nông")
        labels[tag.strip()] = name.strip()
    return labels


def _procedures(aired_items: list[Mapping], warnings: list[str]) -> tuple[str, ...]:
    """Procedures presented in CCHC column episodes (`ten_thu_tuc`), never results handed out."""
    names: dict[str, str] = {}
    for r in aired_items:
        if r.get("item_kind") != "chuyen-muc" or not PROCEDURE_TAGS & set(_tags(r)):
            continue
        for name in _procedure_names(r, warnings):
            names.setdefault(_fold(name), name)
    return tuple(names.values())


def _procedure_names(row: Mapping, warnings: list[str]) -> list[str]:
    raw = row.get("values_json")
    if raw in (None, ""):
        return []
    values = raw
    if isinstance(raw, (str, bytes)):
        try:
            values = json.loads(raw)
        except ValueError:
            warnings.append(f"Không đọc được giá trị của mục '{row.get('item_id')}' "
                            f"({row.get('date')}): bỏ qua khi đếm thủ tục.")
            return []
    if not isinstance(values, Mapping):
        return []
    value = _maybe_json_list(values.get("ten_thu_tuc"))
    out = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    return [n for n in (_clean(v) for v in out) if n]


def _maybe_json_list(value: Any) -> Any:
    """Values are stored as strings: a list may arrive JSON-encoded ("[...]")."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, list) else value
    return value


# ---------------------------------------------------------------------------------------- row helpers

def _row_date(row: Mapping, warnings: list[str]) -> date | None:
    raw = row.get("date")
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        warnings.append(f"Dòng nhật ký có ngày không hợp lệ '{raw}': bỏ qua.")
        return None


def _duration(row: Mapping) -> float:
    raw = row.get("duration_s")
    if raw is not None:
        try:
            return max(0.0, float(raw))
        except (TypeError, ValueError):
            pass
    start, end = row.get("started_at"), row.get("ended_at")
    if start and end:
        try:
            return max(0.0, (datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start)))
                       .total_seconds())
        except (TypeError, ValueError):
            return 0.0
    return 0.0


def _origin(row: Mapping) -> str:
    """As-run origin; logs written before the column existed hold only scheduled playout."""
    return str(row.get("origin") or "scheduled")


def _elapsed(row: Mapping) -> float:
    """Seconds between a row's start and end (0 when either is missing): what a cut programme aired."""
    try:
        return max(0.0, (datetime.fromisoformat(str(row["ended_at"]))
                         - datetime.fromisoformat(str(row["started_at"]))).total_seconds())
    except (KeyError, TypeError, ValueError):
        return 0.0


def _repeat(row: Mapping) -> int:
    return max(1, _int(row.get("repeat"), 1))


def _int(raw: Any, default: int = 0) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _tags(row: Mapping) -> tuple[str, ...]:
    raw = row.get("tags") or ()
    if isinstance(raw, str):
        raw = _maybe_json_list(raw)
        if isinstance(raw, str):
            raw = raw.split(",")
    return tuple(dict.fromkeys(t.strip() for t in raw if isinstance(t, str) and t.strip()))


def _content_key(row: Mapping) -> str:
    if row.get("item_kind") == "chuyen-muc" and row.get("episode"):
        return str(row["episode"])
    return str(row.get("item_id") or row.get("title") or row.get("id"))


def _hhmm(raw: Any) -> str:
    try:
        return f"{datetime.fromisoformat(str(raw)):%H:%M}"
    except (TypeError, ValueError):
        return ""


def _minutes(seconds: float) -> float:
    return round(seconds / 60.0, 1)


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text)) if text is not None else ""


def _clean(text: str) -> str:
    return " ".join(_nfc(text).split())


def _fold(text: str) -> str:
    return _clean(text).casefold()


# ---------------------------------------------------------------------------------------- formatting

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


def _manual_rows() -> list[tuple[str, str, str]]:
    out, n = [], 0
    for _, label, unit in MANUAL_ROWS:
        sub = label.startswith("–")
        n += 0 if sub else 1
        out.append(("" if sub else str(n), label, unit))
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


# ---------------------------------------------------------------------------------------- Markdown

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
        if group == "B":
            md += ["", "Phân theo chủ đề:", ""]
            md += _md_topics(report)
        if group == "C":
            md += _md_cchc(report)
    md += ["", f"#### 4. {GROUP_TITLES['D']}", "",
           "| STT | Chỉ tiêu | Đơn vị tính | Kết quả |", "|---|---|---|---|"]
    md += [f"| {stt} | {label} | {unit} |  |" for stt, label, unit in _manual_rows()]
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


REHEARSAL_BANNER = ("BẢN DIỄN TẬP: số liệu lấy từ nhật ký diễn tập (broadcast simulate), "
                    "không phải các buổi phát thật trên loa; không gửi cấp trên.")
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
    return str(text).replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------- CSV

CSV_COLUMNS = ("ky_bao_cao", "tu_ngay", "den_ngay", "nhom", "ma", "chi_tieu", "don_vi", "gia_tri")


def to_csv(report: Report) -> str:
    """One row per indicator and per topic; dot decimals so spreadsheets and scripts can sum them.

    Every row carries the period, so the files of several periods can be concatenated.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(table_rows(report))
    return _nfc(buf.getvalue())


def table_rows(report: Report) -> list[list[Any]]:
    """The rows under CSV_COLUMNS (shared by the CSV and the XLSX): indicators, then topics."""
    p = report.period
    head = [p.label, p.start.isoformat(), p.end.isoformat()]
    rows = [head + [ind.group, ind.code, " – ".join(_label_chain(report, ind)), ind.unit, ind.value]
            for ind in report.indicators]
    for t in report.topics:
        rows.append(head + ["B", f"chu_de.{t.tag}.tin_bai", f"Chủ đề {t.label}: số tin, bài",
                            "tin, bài", t.items])
        rows.append(head + ["B", f"chu_de.{t.tag}.luot", f"Chủ đề {t.label}: số lượt phát", "lượt",
                            t.airings])
        rows.append(head + ["B", f"chu_de.{t.tag}.phut", f"Chủ đề {t.label}: thời lượng", "phút",
                            t.minutes])
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


# ---------------------------------------------------------------------------------------- DOCX

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


def write_docx(report: Report, settings: ReportSettings, path: str | os.PathLike,
               chart_png: bytes | None = None) -> None:
    """An A4 administrative report (NĐ 30/2020 layout, Times New Roman) the office can edit and sign."""
    import docx  # python-docx: only the DOCX writer needs it
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    center, justify, left_align = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    section.header_distance = Mm(10)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.0

    # Page number centred in the top margin, not on the first page.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = center
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._p.append(field)

    def para(container, text: str = "", *, bold=False, italic=False, size=None, align=None,
             indent=False, after=None):
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
        cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
        for line in lines:
            para(cell, line, after=style.pop("after", 0), **style)

    def rule(container, length_mm: float, width_mm: float):
        """A short centred line (the top border of a tiny paragraph indented from both sides)."""
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
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if header:
            tr_pr.append(OxmlElement("w:tblHeader"))     # repeated on each page the table spans

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
    grid(indicator_head, [[stt, label, unit, ""] for stt, label, unit in _manual_rows()])
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


# ---------------------------------------------------------------------------------------- files

def write_report_files(report: Report, settings: ReportSettings, out_dir: str | os.PathLike) -> list[Path]:
    """report-<period>.md, .csv (UTF-8 with BOM, so Excel shows Vietnamese), .xlsx, .docx and, when
    anything aired, the chart -bieu-do.png that the Markdown links and the DOCX embeds, in out_dir."""
    from broadcast.report_chart import airtime_chart
    from broadcast.report_xlsx import to_xlsx

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
