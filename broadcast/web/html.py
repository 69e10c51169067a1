"""Server-rendered pages: one autoescaping Jinja2 environment over `broadcast/web/templates/`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from broadcast.errors import BroadcastError
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
    ("/cum-loa", "Cụm loa", ("bien-tap", "duyet", "quan-tri")),
    ("/hop-thu-tinh", "Hộp thư tỉnh", ("bien-tap", "duyet", "quan-tri")),
    ("/nghe-lai", "Nghe lại", ("bien-tap", "duyet", "quan-tri")),
    ("/quan-tri", "Tài khoản", ("quan-tri",)),
    ("/lich-phat", "Lịch phát", ("quan-tri",)),
    ("/ghi-am", "Ghi âm", ("bien-tap", "quan-tri")),
)


def _has_clusters(console: Any) -> bool:
    station = console.station
    return (station.path(station.paths.state) / "cum-loa" / "clusters.sqlite").is_file()


# Entries shown only where they have something to show (the page itself stays reachable).
NAV_ONLY_WHEN = {"/cum-loa": _has_clusters}


def _duration(seconds: Any) -> str:
    if seconds in (None, ""):
        return ""
    total = int(round(float(seconds)))
    return f"{total // 60}:{total % 60:02d}"


def _when(stamp: Any) -> str:
    """An ISO timestamp as the officer reads it: DD/MM/YYYY HH:MM (ISO stays in the files)."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return moment.strftime("%d/%m/%Y %H:%M")


def _capital(text: Any) -> str:
    text = str(text or "")
    return text[:1].upper() + text[1:]


def environment(*folders: Path) -> jinja2.Environment:
    """An autoescaping environment over `folders` (the first holding a name wins) with the console's
    filters; the province console puts its own templates before these."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=True,                       # every page, every value: no |safe anywhere
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(mmss=_duration, when=_when, cap=_capital)
    env.globals.update(ROLES=ROLES, STATUS_LABELS=STATUS_LABELS)
    return env


_ENV = environment(TEMPLATES)


_SESSION_WORD = re.compile(r"\bbuổi (sáng|trưa|chiều|tối)\b", re.IGNORECASE)


def slot_label(slot: Any) -> str:
    """A slot as the officer names it: 'Buổi sáng 05:30' (its title shortened), never its file name."""
    found = _SESSION_WORD.search(slot.title or "")
    short = f"Buổi {found.group(1).lower()}" if found else (slot.title or "Buổi phát")
    return f"{short} {slot.start:%H:%M}"


def slot_labels(console: Any) -> Callable[[Any], str]:
    """For templates: slot names (one or a list) to their labels, the schedule read once per page."""
    cache: dict[str, str] = {}

    def labels(names: Any) -> str:
        if not cache:
            try:
                cache.update({s.name: slot_label(s) for s in console.store.schedule().slots})
            except BroadcastError:
                cache["\0"] = ""
        names = [names] if isinstance(names, str) else list(names or ())
        return ", ".join(cache.get(n, n) for n in names) if names else "mọi buổi"

    return labels


def base_context(request: Request, nav: tuple = NAV) -> dict[str, Any]:
    """What every signed-in page's frame reads: user, CSRF token, the navigation of the user's role, flash."""
    user = request.scope.get("user")
    return {
        "request": request, "user": user, "csrf": csrf_token(request.session),
        "nav": [(path, label) for path, label, roles in nav if user is not None and user.role in roles],
        "path": request.url.path,
        "notice": request.session.pop("flash", None) if user is not None else None,
    }


def page(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
    """Render templates/NAME with the signed-in user, the CSRF token and the navigation."""
    console = request.app.state.console
    ctx = {**base_context(request), "station_title": console.station.station_title,
           "slot_titles": slot_labels(console), "home": ("/tuan", "Về trang Tuần này"),
           "no_account": "Nhờ người quản trị của đài tạo cho bạn ở trang Tài khoản."}
    ctx["nav"] = [(path, label) for path, label in ctx["nav"] if NAV_ONLY_WHEN.get(path, lambda _: True)(console)]
    ctx.update(context or {})
    return HTMLResponse(_ENV.get_template(name).render(ctx), status_code=status)


def public_page(name: str, context: dict[str, Any], *, status: int = 200,
                headers: dict[str, str] | None = None) -> HTMLResponse:
    """A page for anyone (no session touched, no CSRF token, no navigation): the listening page."""
    return HTMLResponse(_ENV.get_template(name).render(context), status_code=status, headers=headers)


def page_text(exc: BaseException) -> str:
    """An error as a page says it: each problem's own sentence, without file names and line numbers."""
    problems = getattr(exc, "errors", None) or [exc]
    lines = []
    for problem in problems:
        text = getattr(problem, "message", None) or str(problem)
        hint = getattr(problem, "hint", None)
        if hint and ".yaml" not in hint and "broadcast " not in hint:
            text += f" ({hint})"
        lines.append(text[:1].upper() + text[1:])
    return " ".join(lines)


def flash(request: Request, message: str) -> None:
    """A one-line message shown on the next page (after a redirect)."""
    request.session["flash"] = message
