"""Ordering a province ưu tiên bulletin among the commune's own ưu tiên notices of a slot (Hộp thư tỉnh).

Thông tư 39/2020: a province ưu tiên bulletin airs with priority, and where it meets the
commune's own priority items the commune decides the order. The planner airs notices of one
priority by their file's `order` (1 first; none: after the numbered ones), then by `from` and id.
For each slot a province bulletin airs in, `slot_lists` gives the ưu tiên notices of that slot
still valid today in the order the planner will air them; `move` swaps the bulletin with its
neighbour and writes `order: 10, 20, 30...` into every file of the list the console can write
(one notice per file in `schedules/thong-bao/`, the province's `tinh-*.yaml` included) as one
change through the notice store: checked by the schedule loader together, versioned, all written or none. A notice
kept in a file of several notices keeps its place at the end of its priority (the page shows it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import RedirectResponse

from broadcast.model import Priority
from broadcast.schedule.vocabulary import ANNOUNCEMENT_FOLDER
from broadcast.web.auth import route
from broadcast.web.html import flash

OFFICERS = ("bien-tap", "duyet")
UNORDERED = 1000                    # as the planner counts a notice without `order`
STEP = 10
PREFIX = "tinh-"


def _priority(spec: Any, library: Any) -> Priority | None:
    if spec.priority is not None:
        return spec.priority
    if library is None or spec.template is None:
        return None
    try:
        raw = getattr(library.get(spec.template), "priority", None)
        return raw if isinstance(raw, Priority) or raw is None else Priority.parse(str(raw))
    except Exception:  # noqa: BLE001 - an unreadable template is the loader's to report, not this page's
        return None


def _key(spec: Any) -> tuple:
    return (UNORDERED if spec.order is None else spec.order, spec.valid_from, spec.id)


def slot_lists(console: Any, bulletin_id: str, today: date) -> list[dict[str, Any]]:
    """[{slot, title, items: [{id, title, province, writable, mine}]}] for each slot the province
    bulletin `bulletin_id` (its file `tinh-<id>.yaml`) airs in; empty when it is not ưu tiên."""
    schedule = console.store.schedule()
    library = getattr(console.store, "library", None)
    specs = [a for a in schedule.announcements
             if (a.valid_until is None or a.valid_until >= today) and _priority(a, library) is Priority.UU_TIEN]
    mine = next((a for a in specs if a.id == PREFIX + bulletin_id), None)
    if mine is None:
        return []
    titles = {s.name: s.title or s.name for s in schedule.slots}
    out = []
    for slot in mine.slots:
        items = sorted((a for a in specs if slot in a.slots), key=_key)
        out.append({"slot": slot, "title": titles.get(slot, slot),
                    "items": [{"id": a.id, "title": a.title or a.template or a.id, "province": a.id.startswith(PREFIX),
                               "writable": _writable(console, a), "mine": a.id == mine.id} for a in items]})
    return out


def _writable(console: Any, spec: Any) -> bool:
    store = console.store
    return store.exists(spec.id) and str(spec.path).replace("\\", "/").endswith(f"{ANNOUNCEMENT_FOLDER}/{spec.id}.yaml")


def move(console: Any, bulletin_id: str, slot: str, step: int, today: date) -> list[str]:
    """Move the bulletin one place up (-1) or down (+1) in `slot`; returns the ids now written."""
    from broadcast.errors import InputError

    lists = {entry["slot"]: entry for entry in slot_lists(console, bulletin_id, today)}
    if slot not in lists:
        raise InputError(f"bản tin '{bulletin_id}' không phải bản tin ưu tiên của buổi '{slot}'",
                         hint="tải lại trang Hộp thư tỉnh")
    items = [i for i in lists[slot]["items"] if i["writable"]]
    ids = [i["id"] for i in items]
    here = ids.index(PREFIX + bulletin_id)
    there = here + step
    if not 0 <= there < len(ids):
        return []
    ids[here], ids[there] = ids[there], ids[here]
    store = console.store
    changed = []
    for n, notice_id in enumerate(ids, start=1):
        entry = store.load(notice_id)
        if entry.get("order") != n * STEP:
            changed.append({**entry, "order": n * STEP, "version": entry.get("version", 1)})
    store.save_many(changed)            # all renumbered or none
    return [str(entry["id"]) for entry in changed]


def reorder(request, form):
    console = request.app.state.console
    bulletin_id = request.path_params["notice_id"]
    slot = str(form.get("slot") or "")
    step = {"len": -1, "xuong": 1}.get(str(form.get("huong") or ""))
    if step is None:
        flash(request, "Chọn lên hoặc xuống.")
        return RedirectResponse("/hop-thu-tinh", status_code=303)
    today = console.now().date()
    written = move(console, bulletin_id, slot, step, today)
    flash(request, f"Đã đổi thứ tự bản tin {bulletin_id} trong buổi {slot}." if written
          else f"Bản tin {bulletin_id} đã ở {'đầu' if step < 0 else 'cuối'} các mục ưu tiên của buổi {slot}.")
    return RedirectResponse(f"/hop-thu-tinh#tinh-{bulletin_id}", status_code=303)


ROUTES = [route("/hop-thu-tinh/{notice_id}/thu-tu", reorder, roles=OFFICERS, methods=("POST",))]
