"""Cụm loa: every loudspeaker cluster with its state in colour and words, and its volume and mute.

Everyone signed in sees the page; quản trị and biên tập change a cluster's volume or mute it,
through the same `broadcast.clusters.control.set_remote` as `broadcast clusters set` (the receiver
takes it with its next heartbeat's answer).
"""

from __future__ import annotations

from starlette.responses import RedirectResponse

from broadcast.clusters.control import set_remote
from broadcast.errors import InputError
from broadcast.web.auth import EVERYONE, route
from broadcast.web.clusterview import cluster_cards, open_registry, zone_titles
from broadcast.web.html import flash, page

CONTROLLERS = ("quan-tri", "bien-tap")


def clusters(request, form):
    console = request.app.state.console
    cards = cluster_cards(console, zone_titles(console))
    counts = {state: sum(1 for c in cards if c["state"] == state) for state in ("online", "late", "offline")}
    return page(request, "clusters.html", {"cards": cards, "counts": counts,
                                           "can_control": request.scope["user"].role in CONTROLLERS})


def control(request, form):
    """Volume (0-100) and mute for one cluster; the officer's action is in the audit log."""
    console = request.app.state.console
    name = str(form.get("cum", ""))
    volume = str(form.get("am-luong", "")).strip()
    mute = form.get("tat-tieng") == "1"
    with open_registry(console.station) as registry:
        cluster = registry.get(name) if registry is not None else None
        if cluster is None:
            raise InputError("Không có cụm loa này trong danh sách của đài", hint="tải lại trang Cụm loa")
        try:
            settings = set_remote(registry, name, volume=volume or None, mute=mute)
        except InputError as exc:
            raise InputError(f"Âm lượng \"{volume[:10]}\" không hợp lệ", hint="ghi một số từ 0 đến 100") from exc
    console.audit.record(console.now(), request.scope["user"].name, "cluster-control", name,
                         f"âm lượng {settings.get('volume', 100)}, {'tắt tiếng' if settings.get('mute') else 'có tiếng'}")
    state = "tắt tiếng" if settings.get("mute") else f"âm lượng {settings.get('volume', 100)}"
    flash(request, f"Đã đặt cho cụm loa {name}: {state}. Cụm loa nhận lệnh trong vòng 30 giây.")
    return RedirectResponse(f"/cum-loa#cum-{name}", status_code=303)


ROUTES = [
    route("/cum-loa", clusters, roles=EVERYONE),
    route("/cum-loa/dieu-khien", control, roles=CONTROLLERS, methods=("POST",)),
]
