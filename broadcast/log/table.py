"""The as-run log as a readable table for `broadcast log`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from broadcast.log.asrun import ORIGIN_LABELS, STATUS_LABELS, parse_moment
from broadcast.log.causes import raw_error, shown_error


def format_log(rows: Iterable[Mapping[str, Any]], *, verbose: bool = False) -> str:
    """A readable table for `broadcast log`: one line per programme, its items indented.

        Ngày        Giờ       Buổi   Nguồn      Trạng thái  Thời lượng  Nội dung
        2026-12-01  05:30:00  sang   theo lịch  đã phát          13:32  Chương trình phát thanh buổi sáng
                    05:31:35                    đã phát           1:01    · Thông báo tiêm chủng

    A failure shows its Vietnamese cause; `verbose` adds the tool's own words on the line below.
    """
    header = (f"{'Ngày':<10}  {'Giờ':<8}  {'Buổi':<8}  {'Nguồn':<9}  {'Trạng thái':<10}  {'Thời lượng':>10}  "
              "Nội dung")
    lines = [header, "-" * len(header)]
    rows = list(rows)
    if not rows:
        return "\n".join(lines + ["(chưa có gì trong nhật ký cho khoảng ngày này)"])
    for row in rows:
        moment = row.get("started_at") or row.get("scheduled_at") or ""
        clock = moment[11:19] if len(moment) >= 19 else ""
        status = STATUS_LABELS.get(row["status"], row["status"])
        length = _duration_text(row)
        if row["kind"] == "programme":
            title = row.get("title") or row.get("programme_id")
            if row.get("note"):
                title += f"  ({row['note']})"
            if shown_error(row):
                title += f"  [{shown_error(row)}]"
            origin = ORIGIN_LABELS.get(row.get("origin") or "scheduled", row.get("origin"))
            lines.append(f"{row['date']:<10}  {clock:<8}  {row.get('session') or '':<8}  {origin:<9}  {status:<10}  "
                         f"{length:>10}  {title}")
        else:
            lines.append(f"{'':<10}  {clock:<8}  {'':<8}  {'':<9}  {status:<10}  {length:>10}    · "
                         f"{row.get('title') or ''}")
        if verbose and raw_error(row):
            lines.append(f"{'':<10}  {'':<8}  {'':<8}  {'':<9}  {'':<10}  {'':>10}    chi tiết: {raw_error(row)}")
    return "\n".join(lines)


def _duration_text(row: Mapping[str, Any]) -> str:
    start, end = parse_moment(row.get("started_at")), parse_moment(row.get("ended_at"))
    seconds = (end - start).total_seconds() if start and end else row.get("duration_s")
    if seconds is None:
        return ""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
