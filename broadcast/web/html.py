"""Server-rendered pages: one autoescaping Jinja2 environment over `broadcast/web/templates/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from broadcast.web.accounts import ROLES
from broadcast.web.security import csrf_token
from broadcast.web.workflow import STATUS_LABELS

TEMPLATES = Path(__file__).parent / "templates"

# Navigation: (path, label, roles that see it).
NAV = (
    ("/tuan", "Tuần này", ("bien-tap", "duyet", "quan-tri")),
    ("/thong-bao", "Thông báo", ("bien-tap", "duyet", "quan-tri")),
    ("/soan", "Soạn thông báo", ("bien-tap",)),
    ("/duyet", "Duyệt", ("duyet",)),
    ("/khan-cap", "Phát khẩn cấp", ("bien-tap", "duyet")),
    ("/da-phat", "Đã phát", ("bien-tap", "duyet", "quan-tri")),
    ("/bao-cao", "Báo cáo", ("bien-tap", "duyet", "quan-tri")),
    ("/trang-thai", "Trạng thái", ("bien-tap", "duyet", "quan-tri")),
    ("/hop-thu-tinh", "Hộp thư tỉnh", ("bien-tap", "duyet", "quan-tri")),
    ("/nghe-lai", "Nghe lại", ("bien-tap", "duyet", "quan-tri")),
    ("/quan-tri", "Tài khoản", ("quan-tri",)),
)

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,                       # every page, every value: no |safe anywhere
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _duration(seconds: Any) -> str:
    if seconds in (None, ""):
        return ""
    total = int(round(float(seconds)))
    return f"{total // 60}:{total % 60:02d}"


_ENV.filters["mmss"] = _duration
_ENV.globals.update(ROLES=ROLES, STATUS_LABELS=STATUS_LABELS)


def page(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
    """Render templates/NAME with the signed-in user, the CSRF token and the navigation."""
    console = request.app.state.console
    user = request.scope.get("user")
    ctx = {
        "request": request, "user": user, "csrf": csrf_token(request.session),
        "nav": [(path, label) for path, label, roles in NAV if user is not None and user.role in roles],
        "station_title": console.station.station_title, "path": request.url.path,
        "notice": request.session.pop("flash", None) if user is not None else None,
    }
    ctx.update(context or {})
    return HTMLResponse(_ENV.get_template(name).render(ctx), status_code=status)


def public_page(name: str, context: dict[str, Any], *, status: int = 200,
                headers: dict[str, str] | None = None) -> HTMLResponse:
    """A page for anyone (no session touched, no CSRF token, no navigation): the listening page."""
    return HTMLResponse(_ENV.get_template(name).render(context), status_code=status, headers=headers)


def flash(request: Request, message: str) -> None:
    """A one-line message shown on the next page (after a redirect)."""
    request.session["flash"] = message
