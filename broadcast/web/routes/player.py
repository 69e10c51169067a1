"""'Khởi động trình phát' (quản trị): start the playout service named in `[web] player_unit`, logged."""

from __future__ import annotations

from starlette.responses import RedirectResponse

from broadcast.play import spool
from broadcast.play.state import state_paths
from broadcast.web.auth import route
from broadcast.web.html import flash
from broadcast.web.player import start_player


def start(request, form):
    console = request.app.state.console
    unit = console.station.web.player_unit
    if spool.daemon_alive(state_paths(console.station)[1]):
        flash(request, "Trình phát đang chạy.")
        return RedirectResponse("/trang-thai", status_code=303)
    if not unit:
        flash(request, "Bảng điều khiển không được cài để khởi động trình phát; nhờ người quản trị máy của đài "
                       "bật lại dịch vụ hoặc khởi động lại máy.")
        return RedirectResponse("/trang-thai#trinh-phat-dung", status_code=303)
    ok, message = start_player(unit)
    console.audit.record(console.now(), request.scope["user"].name, "player-start", unit,
                         "được" if ok else "không được")
    flash(request, message)
    return RedirectResponse("/trang-thai", status_code=303)


ROUTES = [route("/trang-thai/khoi-dong", start, roles=("quan-tri",), methods=("POST",))]
