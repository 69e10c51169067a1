"""The province console's ASGI app: the station console's Host check, headers, sessions and static files."""

from __future__ import annotations

from starlette.applications import Starlette

from broadcast.province.console import capupload, ending, pages
from broadcast.province.console.html import page
from broadcast.province.console.state import ProvinceConsole
from broadcast.web.app import console_app
from broadcast.web.routes.login import login_routes

SESSION_COOKIE = "broadcast_tinh_session"      # not the station console's: both may run on one machine
ROUTES = [*login_routes(render=page, home="/ban-tin"), *pages.ROUTES, *ending.ROUTES, *capupload.ROUTES]


def create_app(console: ProvinceConsole) -> Starlette:
    """The bulletin pages over one province database; `console.now` is the only clock they read."""
    return console_app(console, ROUTES, render=page, cookie=SESSION_COOKIE, back="về trang Bản tin")
