"""Plain-text views of a plan for the officer (pure: programmes in, text out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from broadcast.model import ItemKind, Programme

KIND_LABELS = {
    ItemKind.TUNE: "Nhạc hiệu", ItemKind.OPENING: "Mở đầu", ItemKind.NEWS: "Bản tin",
    ItemKind.COLUMN: "Chuyên mục", ItemKind.TRANSITION: "Chuyển tiếp", ItemKind.NOTICE: "Thông báo",
    ItemKind.CLOSING: "Lời kết", ItemKind.RELAY: "Tiếp âm", ItemKind.URGENT: "Khẩn cấp",
}


def minutes(seconds: float) -> str:
    total = int(round(seconds))
    return f"{total // 60}:{total % 60:02d}"


def format_plan(day: date, programmes: Sequence[Programme]) -> str:
    """A table per programme: start, kind, priority, repeats, estimated length, title; then every deferred notice."""
    from broadcast.normalize.numbers import weekday_name
    from broadcast.plan.planner import NAMES_SHOWN  # not at the top: `build`'s fast path prints minutes()

    name = weekday_name(day)
    head = f"{name[0].upper()}{name[1:]}, {day:%d/%m/%Y}"
    if not programmes:
        return f"{head}: không có buổi phát nào.\n"
    lines = [head]
    for p in programmes:
        festive = " (chương trình ngày lễ)" if p.festive else ""
        lines.append(f"  {p.start:%H:%M} {p.title}{festive} — ước tính {minutes(p.est_duration_s)}"
                     f" / tối đa {minutes(p.max_duration_s)}")
        elapsed = 0.0
        for item in p.items:
            repeat = f"×{item.repeat}" if item.repeat > 1 else ""
            prio = item.priority.label if item.kind in (ItemKind.NOTICE, ItemKind.URGENT) else ""
            lines.append(f"    +{minutes(elapsed):>6}  {KIND_LABELS[item.kind]:<11} {prio:<9} {repeat:<3}"
                         f" {minutes(item.est_duration_s):>6}  {item.title}")
            elapsed += item.est_duration_s
        for warning in p.warnings:
            lines.append(f"    ! {warning}")
        if len(p.deferred) > NAMES_SHOWN:     # the warning named only the first few: here is every one
            lines.append(f"    Hoãn {len(p.deferred)} thông báo sang buổi sau:")
            lines += [f"      - {item.title} ({item.id})" for item in p.deferred]
    return "\n".join(lines) + "\n"
