"""Why a built programme is out of date ("Cần dựng lại"), in the officer's words, and when it is rebuilt.

Compared with what was built (the day's manifest entry and its `generated_at`): items added or
dropped since (an announcement approved at 08:57), templates or schedule files changed after the
build (file times against the manifest file's own time: both from the file system's clock),
otherwise the voice or sound settings. The old length is the built file's; the new one is
the plan's estimate.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any


def _at(moment: datetime, day: date) -> str:
    return f"{moment:%H:%M}" if moment.date() == day else f"{moment:%H:%M %d/%m}"


def _changed_after(path: Path, written: float | None, tz: Any) -> datetime | None:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(mtime, tz) if written is not None and mtime > written else None


def stale_reasons(console: Any, programme: Any, entry: dict, generated_at: str, schedule: Any,
                  manifest_mtime: float | None = None) -> list[str]:
    """Sentences saying what changed since `entry` was built; never empty for a stale programme."""
    try:
        built = datetime.fromisoformat(generated_at)
    except (TypeError, ValueError):
        return ["Có thay đổi sau lần dựng trước."]
    tz = console.station.tz
    today = console.now().date()
    old = {i.get("id"): i.get("title") or "" for i in entry.get("items") or []}
    new = {i.id: i.title for i in programme.items}
    specs = {a.id: a for a in schedule.announcements}
    reasons = []
    for item_id, title in new.items():
        if item_id in old:
            continue
        spec = specs.get(item_id)
        approved_at = (getattr(spec, "review", None) or {}).get("approved_at") if spec else None
        if approved_at:
            try:
                when = datetime.fromisoformat(str(approved_at))
                reasons.append(f"Thông báo \"{title}\" được duyệt lúc {_at(when, today)}, sau lần dựng "
                               f"lúc {_at(built, today)}.")
                continue
            except ValueError:
                pass
        reasons.append(f"Thêm \"{title}\" sau lần dựng lúc {_at(built, today)}.")
    for item_id, title in old.items():
        if item_id not in new:
            reasons.append(f"Bỏ \"{title}\" (hết hạn, bị rút hoặc đổi lịch) sau lần dựng.")
    library = console.toolkit.library
    for template in dict.fromkeys(i.template for i in programme.items if getattr(i, "template", None)):
        try:
            info = library.get(template)
        except Exception:                  # a broken template is the week page's own error
            continue
        changed = _changed_after(info.path, manifest_mtime, tz)
        if changed:
            reasons.append(f"Mẫu \"{info.title}\" được sửa lúc {_at(changed, today)}.")
    if not reasons:
        schedules = console.station.path(console.station.paths.schedules)
        latest = max((c for p in schedules.rglob("*.yaml") if (c := _changed_after(p, manifest_mtime, tz))),
                     default=None)
        if latest:
            reasons.append(f"Lịch phát được sửa lúc {_at(latest, today)}, sau lần dựng lúc {_at(built, today)}.")
    return reasons or ["Giọng đọc hoặc cài đặt âm thanh của đài đã đổi sau lần dựng."]


def rebuild_when(console: Any, day: date, daemon_alive: bool) -> str:
    """When the player rebuilds by itself, or that it will not."""
    now = console.now()
    if not daemon_alive:
        return "Trình phát tự động đang không chạy nên sẽ không tự dựng lại: bấm Dựng lại."
    build_ahead = console.station.playout.build_ahead
    if day <= now.date() + timedelta(days=1):
        return ("Trình phát đang chạy tự dựng lại trong khoảng nửa phút sau mỗi lần lịch hoặc mẫu thay đổi; "
                "bấm Dựng lại để làm ngay.")
    return f"Trình phát tự dựng ngày này lúc {build_ahead} tối hôm trước; bấm Dựng lại để làm ngay."
