"""The console's ASGI application: Host check, routes by page, signed sessions, security headers, static files."""

from __future__ import annotations

from collections.abc import Callable
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


def console_app(console, routes: list, *, render: Callable, cookie: str, back: str) -> Starlette:
    """A console's app: Host check, security headers, signed session cookie, static files, `routes`;
    an HTTP error is a page drawn by `render` that says `back` (where to go instead). `console`
    carries `web` ([web] settings: public_url, hosts) and `session_hours`, `secret`."""

    async def http_error(request, exc: HTTPException):
        request.scope.setdefault("user", None)
        titles = {404: "Không có trang này", 405: "Không dùng được cách gửi này"}
        return render(request, "error.html", {"title": titles.get(exc.status_code, "Lỗi"),
                                              "message": f"Kiểm tra lại địa chỉ, hoặc {back}."},
                      status=exc.status_code)

    origin = origin_of(console.web.public_url, console.web.hosts)
    app = Starlette(
        routes=[*routes, Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=[
            Middleware(HostCheck, origin=origin),
            Middleware(SecurityHeaders, hsts=origin.secure),
            Middleware(SessionMiddleware, secret_key=console.secret, session_cookie=cookie,
                       max_age=int(console.session_hours * 3600), same_site="lax", https_only=origin.secure),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.console = console
    return app


def create_app(console: Console) -> Starlette:
    """The console over one station; `console.now` is the only clock the pages read."""
    return console_app(console, ROUTES, render=page, cookie=SESSION_COOKIE, back="về trang Tuần này")
