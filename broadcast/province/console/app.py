"""The province console's ASGI app: the station console's Host check, headers, sessions and static files."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from broadcast.province.console import capupload, ending, pages
from broadcast.province.console.html import page
from broadcast.province.console.state import ProvinceConsole
from broadcast.web.app import STATIC
from broadcast.web.origin import HostCheck, origin_of
from broadcast.web.routes.login import login_routes
from broadcast.web.security import SecurityHeaders

SESSION_COOKIE = "broadcast_tinh_session"      # not the station console's: both may run on one machine
ROUTES = [*login_routes(render=page, home="/ban-tin"), *pages.ROUTES, *ending.ROUTES, *capupload.ROUTES]


async def _http_error(request, exc: HTTPException):
    request.scope.setdefault("user", None)
    titles = {404: "Không có trang này", 405: "Không dùng được cách gửi này"}
    return page(request, "error.html", {"title": titles.get(exc.status_code, "Lỗi"),
                                        "message": "Kiểm tra lại địa chỉ, hoặc về trang Bản tin."},
                status=exc.status_code)


def create_app(console: ProvinceConsole) -> Starlette:
    """The bulletin pages over one province database; `console.now` is the only clock they read."""
    origin = origin_of(console.web.public_url, console.web.hosts)
    app = Starlette(
        routes=[*ROUTES, Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=[
            Middleware(HostCheck, origin=origin),
            Middleware(SecurityHeaders, hsts=origin.secure),
            Middleware(SessionMiddleware, secret_key=console.secret, session_cookie=SESSION_COOKIE,
                       max_age=int(console.session_hours * 3600), same_site="lax", https_only=origin.secure),
        ],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.console = console
    return app
