"""The province console's pages: its templates first, then the station console's (frame, login, error, style)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from broadcast.province.bulletins.document import LEVEL_NAMES
from broadcast.web.auth import EVERYONE, route
from broadcast.web.html import TEMPLATES as STATION_TEMPLATES
from broadcast.web.html import base_context, environment

TEMPLATES = Path(__file__).parent / "templates"
WRITERS = ("bien-tap", "duyet")          # write and edit drafts
SENDERS = ("duyet",)                     # the leader: send, cancel (roles checked on the server)
NAV = (
    ("/ban-tin", "Bản tin", EVERYONE),
    ("/viet", "Viết bản tin", WRITERS),
    ("/cap", "Từ cảnh báo CAP", WRITERS),
)
ROLE_WORK = {"bien-tap": "soạn nháp", "duyet": "soạn, gửi và hủy bản tin", "quan-tri": "xem"}
_ENV = environment(TEMPLATES, STATION_TEMPLATES)
_ENV.globals.update(LEVEL_NAMES=LEVEL_NAMES, SENDERS=SENDERS, WRITERS=WRITERS)


def page(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
    """Render NAME in the station console's frame, titled with the province."""
    console = request.app.state.console
    ctx = {**base_context(request, NAV), "station_title": " ".join(("Bản tin tỉnh", console.province)).strip(),
           "home": ("/ban-tin", "Về trang Bản tin"),
           "no_account": "Nhờ người quản trị máy chủ của tỉnh tạo tài khoản cho bạn."}
    ctx.update(context or {})
    return HTMLResponse(_ENV.get_template(name).render(ctx), status_code=status)


province_route = partial(route, render=page)
