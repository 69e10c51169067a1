"""Đăng nhập / đăng xuất, with failed logins limited per account and, higher, per address.

`login_routes(render, home)` gives both consoles the same four routes: the station console's
(home `/tuan`) and the province console's (`broadcast.province.console`, home `/ban-tin`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from starlette.responses import RedirectResponse

from broadcast.web.auth import EVERYONE, PUBLIC, end_session, route, signed_in, start_session
from broadcast.web.html import page


def safe_next(raw: str | None, home: str) -> str:
    """Only a path on this site (never '//host' or a scheme): no open redirect."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return home


def login_routes(*, render: Callable = page, home: str = "/tuan") -> list:
    """/login (form and POST), /logout and / for a console whose pages `render` draws."""

    def login_form(request, form):
        if signed_in(request) is not None:
            return RedirectResponse(safe_next(request.query_params.get("next"), home), status_code=303)
        return render(request, "login.html", {"next": safe_next(request.query_params.get("next"), home), "error": ""})

    def login(request, form):
        console = request.app.state.console
        name = str(form.get("username", "")).strip().lower()[:64]
        password = str(form.get("password", ""))[:1024]
        client = request.client.host if request.client else "?"
        now = console.now()
        wait = console.limiter.blocked(name, client, now)
        if wait is not None:
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            return render(request, "login.html", {
                "next": safe_next(form.get("next"), home),
                "error": f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút."}, status=429)
        account = console.accounts.verify(name, password) if name else None
        if account is None:
            console.limiter.failed(name, client, now)
            console.audit.record(now, name or "?", "login-failed", detail=client)
            return render(request, "login.html", {"next": safe_next(form.get("next"), home),
                                                  "error": "Sai tên đăng nhập hoặc mật khẩu."}, status=400)
        console.limiter.succeeded(name)
        start_session(request, account)
        console.audit.record(now, account.name, "login", detail=client)
        return RedirectResponse(safe_next(form.get("next"), home), status_code=303)

    def logout(request, form):
        """Đăng xuất: the session is revoked on the server; "mọi nơi" revokes every session of the account."""
        console = request.app.state.console
        everywhere = form.get("everywhere") == "1"
        ended = end_session(request, everywhere=everywhere)
        console.audit.record(console.now(), request.scope["user"].name, "logout",
                             detail=f"mọi nơi ({ended} phiên)" if everywhere else "")
        return RedirectResponse("/login", status_code=303)

    def start(request, form):
        return RedirectResponse(home, status_code=303)

    return [
        route("/login", login_form, roles=PUBLIC, render=render),
        route("/login", login, roles=PUBLIC, methods=("POST",), render=render),
        route("/logout", logout, roles=EVERYONE, methods=("POST",), render=render),
        route("/", start, roles=EVERYONE, render=render),
    ]


ROUTES = login_routes()
