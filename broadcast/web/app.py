"""The console's ASGI application: Host check, routes by page, signed sessions, security headers, static files."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from broadcast.web.console import Console
from broadcast.web.html import page
from broadcast.web.origin import HostCheck, origin_of
from broadcast.web.routes import ROUTES
from broadcast.web.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "broadcast_session"


async def _http_error(request, exc: HTTPException):
    request.scope.setdefault("user", None)
    titles = {404: "Không có trang này", 405: "Không dùng được cách gửi này"}
    return page(request, "error.html", {"title": titles.get(exc.status_code, "Lỗi"),
                                        "message": "Kiểm tra lại địa chỉ, hoặc về trang Tuần này."},
                status=exc.status_code)


def create_app(console: Console) -> Starlette:
    """The console over one station; `console.now` is the only clock the pages read."""
    web = console.station.web
    origin = origin_of(web.public_url, web.hosts)
    app = Starlette(
        routes=[*ROUTES, Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=[
            Middleware(HostCheck, origin=origin),
            Middleware(SecurityHeaders, hsts=origin.secure),
            Middleware(SessionMiddleware, secret_key=console.secret, session_cookie=SESSION_COOKIE,
                       max_age=int(web.session_hours * 3600), same_site="lax", https_only=origin.secure),
        ],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.console = console
    return app
