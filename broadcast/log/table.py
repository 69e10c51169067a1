"""The as-run log as a readable table for `broadcast log`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from broadcast.log.asrun import ORIGIN_LABELS, STATUS_LABELS, parse_moment


def format_log(rows: Iterable[Mapping[str, Any]], zone_titles: Mapping[str, str] | None = None) -> str:
    """A readable table for `broadcast log`: one line per programme, its items indented.

        Ngày        Giờ       Buổi   Nguồn      Trạng thái  Thời lượng  Nội dung
        2026-12-01  05:30:00  sang   theo lịch  đã phát          13:32  Chương trình phát thanh buổi sáng
                    05:31:35                    đã phát           1:01    · Thông báo tiêm chủng

    When the rows come from more than one zone, a 'Vùng' column (the zone's title from
    `zone_titles`, else its name; an old row of no zone: 'Toàn xã') follows the time.
    """
    rows = list(rows)
    zones = {r.get("zone") for r in rows}
    titles = dict(zone_titles or {})
    zone_width = max([len(titles.get(z, z) or "Toàn xã") for z in zones] + [4]) if len(zones) > 1 else 0

    def zone_cell(row: Mapping[str, Any], shown: bool = True) -> str:
        if not zone_width:
            return ""
        text = (titles.get(row.get("zone"), row.get("zone")) or "Toàn xã") if shown else ""
        return f"{text:<{zone_width}}  "

    header = (f"{'Ngày':<10}  {'Giờ':<8}  " + (f"{'Vùng':<{zone_width}}  " if zone_width else "") +
              f"{'Buổi':<8}  {'Nguồn':<9}  {'Trạng thái':<10}  {'Thời lượng':>10}  Nội dung")
    lines = [header, "-" * len(header)]
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
            if row.get("error"):
                title += f"  [{row['error']}]"
            origin = ORIGIN_LABELS.get(row.get("origin") or "scheduled", row.get("origin"))
            lines.append(f"{row['date']:<10}  {clock:<8}  {zone_cell(row)}{row.get('session') or '':<8}  "
                         f"{origin:<9}  {status:<10}  {length:>10}  {title}")
        else:
            lines.append(f"{'':<10}  {clock:<8}  {zone_cell(row, False)}{'':<8}  {'':<9}  {status:<10}  {length:>10}"
                         f"    · {row.get('title') or ''}")
    return "\n".join(lines)


def _duration_text(row: Mapping[str, Any]) -> str:
    start, end = parse_moment(row.get("started_at")), parse_moment(row.get("ended_at"))
    seconds = (end - start).total_seconds() if start and end else row.get("duration_s")
    if seconds is None:
        return ""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
