"""Sessions and roles: every route is declared with the roles it admits and checked on the server.

`route(path, handler, roles=...)` wraps a plain (synchronous) handler `handler(request, form)`:
it finds the signed-in account (the cookie names a session the server still holds, its epoch
still matches and the session is younger than `[web] session_hours` by the console's clock), refuses other roles with 403,
checks the CSRF token of every unsafe request, caps the request body, and runs the handler in
a worker thread (the pipeline it calls is blocking). Expected errors become a Vietnamese page.

The station console and the province console (`broadcast.province.console`) both declare their
routes here: `request.app.state.console` is whichever console the app serves; it needs
`accounts`, `sessions`, `now` and `session_hours`, and `render` draws its pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broadcast.errors import BroadcastError, InputError
from broadcast.web.accounts import ROLES, Account
from broadcast.web.html import page
from broadcast.web.security import CSRF_FIELD, CSRF_HEADER, UNSAFE_METHODS, csrf_ok

EVERYONE = tuple(ROLES)
PUBLIC = ()                      # the login page (and its static files) only
FORM_LIMIT = 1 << 20             # bytes of an ordinary form
log = logging.getLogger("broadcast.web")


def signed_in(request: Request) -> Account | None:
    """The account of a live session, else None (the cookie's session is then emptied).

    Live: the server's session table still holds the cookie's session id for this account (logout
    deletes it), the account's epoch matches, and the session began within `[web] session_hours`.
    """
    console = request.app.state.console
    session = request.session
    name = session.get("user")
    if not name:
        return None
    account = console.accounts.get(name)
    max_age = timedelta(hours=console.session_hours)
    if (account is None or account.epoch != session.get("epoch")
            or not console.sessions.valid(session.get("sid"), name, console.now(), max_age)):
        for key in ("user", "sid", "epoch"):
            session.pop(key, None)
        return None
    return account


def start_session(request: Request, account: Account) -> None:
    """A fresh session for this account (a new CSRF token, so a pre-login token is useless)."""
    console = request.app.state.console
    now = console.now()
    sid = console.sessions.open(account.name, now, timedelta(hours=console.session_hours))
    request.session.clear()
    request.session.update(user=account.name, epoch=account.epoch, sid=sid)


def end_session(request: Request, *, everywhere: bool = False) -> int:
    """Revoke this request's session on the server (or every session of its account); how many ended."""
    console = request.app.state.console
    name = request.session.get("user")
    ended = 0
    if everywhere and name:
        ended = console.sessions.close_all(name)
    else:
        console.sessions.close(request.session.get("sid"))
        ended = 1
    request.session.clear()
    return ended


def route(path: str, handler: Callable[[Request, FormData | None], Response], *, roles: tuple[str, ...],
          methods: tuple[str, ...] = ("GET",), max_body: int | Callable[[Any], int] = FORM_LIMIT,
          name: str | None = None, render: Callable[..., Response] = page) -> Route:
    """A route admitting `roles` (PUBLIC: anyone); `render(request, template, context, status=)` draws
    its refusals (the console's own `page`)."""

    async def endpoint(request: Request) -> Response:
        user = signed_in(request)
        request.scope["user"] = user
        if roles and user is None:
            if request.method == "GET":
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            return render(request, "error.html", {"title": "Chưa đăng nhập",
                                                "message": "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại."},
                        status=401)
        if roles and user.role not in roles:
            return render(request, "error.html", {"title": "Không có quyền",
                                                "message": "Tài khoản của bạn không được dùng trang này."},
                        status=403)
        form = None
        if request.method in UNSAFE_METHODS:
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return render(request, "error.html", {"title": "Yêu cầu không hợp lệ",
                                                    "message": "Thiếu độ dài nội dung."}, status=411)
            limit = max_body(request.app.state.console) if callable(max_body) else max_body
            if int(length) > limit:
                return render(request, "error.html", {
                    "title": "Tệp quá lớn",
                    "message": f"Nội dung gửi lên lớn quá {limit // (1 << 20)} MB."}, status=413)
            form = await request.form(max_files=1, max_fields=2000)
            sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
            if not csrf_ok(request.session, sent if isinstance(sent, str) else None):
                return render(request, "error.html", {
                    "title": "Biểu mẫu đã cũ",
                    "message": "Mã bảo vệ của biểu mẫu không đúng hoặc đã hết hạn; tải lại trang rồi làm lại."},
                    status=403)
        try:
            return await run_in_threadpool(handler, request, form)
        except InputError as exc:
            return render(request, "error.html", {"title": "Chưa làm được", "message": str(exc)}, status=400)
        except BroadcastError as exc:
            log.warning("console: %s", exc)
            return render(request, "error.html", {"title": "Lỗi", "message": str(exc)}, status=500)
        finally:
            if form is not None:
                await form.close()

    r = Route(path, endpoint, methods=list(methods), name=name)
    r.roles = roles                       # read by the route x role tests
    return r
