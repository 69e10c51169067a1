"""What the week page shows beyond the plan: the planner's warnings in the page's words, why a
programme is out of date, and the days in the order a phone shows them (one at a time).

The planner speaks to `broadcast plan` users (ids, "ghi 'status: approved'", "tăng 'max_minutes'");
the page names announcements by title and offers the page's own action instead.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from broadcast.web.stale import rebuild_when, stale_reasons

_WAITING = re.compile(r"^(\d+) thông báo chưa được duyệt nên chưa phát: (.+?)\. Sửa:.*$")
_NAMED = re.compile(r"“([^”]*)” \(([a-z0-9-]+)\)")
_FIX = re.compile(r"\s*Sửa: .*$")


def page_warning(text: str, titles: dict[str, str], role: str) -> dict[str, Any]:
    """One planner warning as {text, href, action}: titles for ids, the page's action for the fix."""
    waiting = _WAITING.match(text)
    if waiting:
        names = ", ".join(f"\"{titles.get(i.strip(), 'một thông báo')}\"" for i in waiting.group(2).split(","))
        if role == "duyet":
            return {"text": f"{waiting.group(1)} thông báo chưa được duyệt nên chưa phát: {names}.",
                    "href": "/duyet", "action": "Vào trang Duyệt"}
        return {"text": f"{waiting.group(1)} thông báo chưa được duyệt nên chưa phát: {names}. "
                        "Lãnh đạo duyệt trên trang Duyệt.", "href": "/thong-bao?trang-thai=pending",
                "action": "Xem thông báo chờ duyệt"}
    shown = _NAMED.sub(lambda m: f"\"{m.group(1)}\"", text)
    too_long = "dài hơn thời lượng" in shown
    shown = _FIX.sub("", shown)
    if too_long:
        shown += " Bớt nội dung (rút hoặc dời một thông báo), hoặc nhờ quản trị tăng thời lượng của buổi."
        return {"text": shown, "href": "/thong-bao", "action": "Xem thông báo"}
    return {"text": shown, "href": "", "action": ""}


def decorate(console: Any, days: list[dict], *, role: str, daemon_alive: bool, schedule: Any) -> None:
    """Add `warnings` (page words) and, for a stale programme, `why`, `old_s`, `new_s`, `when`."""
    titles = {a.id: a.title or a.id for a in schedule.announcements}
    for d in days:
        generated_at, written = d.get("generated_at", ""), d.get("manifest_mtime")
        for prog in d["programmes"]:
            p = prog["p"]
            prog["warnings"] = [page_warning(w, titles, role) for w in p.warnings]
            build = prog["build"]
            if build["state"] == "stale" and build["entry"]:
                build["why"] = stale_reasons(console, p, build["entry"], generated_at, schedule, written)
                build["old_s"] = build["entry"].get("duration_s")
                build["new_s"] = p.est_duration_s
                build["when"] = rebuild_when(console, p.date, daemon_alive)


def shown_day(days: list[dict], today: date, wanted: date | None) -> date:
    """The day a phone shows: the one asked for, else today when it is in the week, else the first."""
    in_week = [d["day"] for d in days]
    if wanted in in_week:
        return wanted
    return today if today in in_week else (in_week[0] if in_week else today)
