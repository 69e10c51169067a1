"""Hộp thư tỉnh: the province's bulletins this commune received; the officer schedules or dismisses them."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import RedirectResponse

from broadcast.web.auth import EVERYONE, route
from broadcast.web.html import flash, page

OFFICERS = ("bien-tap", "duyet")
DAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
LEVELS = {"khan-cap": "khẩn cấp", "uu-tien": "ưu tiên", "thong-thuong": "thông thường"}


def _commune(console):
    from broadcast.province.bulletins.listener import commune_for_station

    commune, _ = commune_for_station(console.station, now=console.now, linked=False)
    return commune


def inbox(request, form):
    console = request.app.state.console
    from broadcast.province.bulletins.inbox import ACTIVE
    from broadcast.province.bulletins.listener import inbox_path

    rows = []
    if inbox_path(console.station).exists():
        commune = _commune(console)
        with commune.inbox:
            rows = commune.inbox.all()
    tz = console.station.tz
    items = []
    for row in rows:
        document = row["document"]
        items.append({"id": row["id"], "title": row["title"], "level": LEVELS.get(row["level"], row["level"]),
                      "urgent": row["level"] == "khan-cap", "state": row["state"], "state_name": row["state_name"],
                      "airings": row["airings"], "note": row.get("note") or "", "active": row["state"] in ACTIVE,
                      "text": document["content"].get("text") or "",
                      "from": datetime.fromisoformat(document["valid_from"]).astimezone(tz),
                      "expires": datetime.fromisoformat(document["expires"]).astimezone(tz)})
    slots = [(s.name, s.title or s.name) for s in console.store.schedule().slots]
    can_decide = request.scope["user"].role in OFFICERS
    from broadcast.web.routes.priority_order import slot_lists

    today = console.now().date()
    for item in items:      # an ưu tiên bulletin in the programmes: its place among the slot's ưu tiên items
        item["order"] = slot_lists(console, item["id"], today) if item["active"] and item["level"] == "ưu tiên" else []
    return page(request, "inbox_tinh.html", {"items": items[::-1], "slots": slots, "days": DAYS,
                                             "can_decide": can_decide})


def schedule(request, form):
    console = request.app.state.console
    bulletin_id = request.path_params["notice_id"]
    slots = [str(v) for v in form.getlist("slots")]
    days = [str(v) for v in form.getlist("days") if str(v) in DAYS]
    commune = _commune(console)
    with commune.inbox:
        commune.schedule(bulletin_id, slots=slots, days=days)
    flash(request, f"Đã xếp lịch bản tin {bulletin_id}: bản tin vào các chương trình kế tiếp.")
    return RedirectResponse("/hop-thu-tinh", status_code=303)


def dismiss(request, form):
    console = request.app.state.console
    bulletin_id = request.path_params["notice_id"]
    commune = _commune(console)
    with commune.inbox:
        commune.dismiss(bulletin_id)
    flash(request, f"Đã bỏ qua bản tin {bulletin_id}.")
    return RedirectResponse("/hop-thu-tinh", status_code=303)


ROUTES = [
    route("/hop-thu-tinh", inbox, roles=EVERYONE),
    route("/hop-thu-tinh/{notice_id}/xep-lich", schedule, roles=OFFICERS, methods=("POST",)),
    route("/hop-thu-tinh/{notice_id}/bo-qua", dismiss, roles=OFFICERS, methods=("POST",)),
]
