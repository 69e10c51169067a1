"""The province console (`broadcast province console`): the bulletin pages, behind the station console's security.

Sessions, CSRF, roles, login limits, argon2 accounts and security headers are the station
console's own code (`broadcast.web`), imported, not copied; only the pages are the province's.
Sending goes through the same reader and registry as `broadcast province bulletin add`.

    state.py      what the pages share: the registry, reports, drafts, accounts, sessions, signing key, clock
    drafts.py     bulletins written but not sent yet (the YAML `bulletin add` reads), in SQLite
    form.py       the bulletin form ⇄ that YAML, each problem beside its field (pure)
    html.py       the province's pages in the station console's frame and style
    app.py        the ASGI app: Host check, sessions, security headers, static files, routes
    pages.py      Bản tin: the list, write, review, send
    ending.py     cancel and replace a bulletin already sent
    capupload.py  a draft from a CAP alert upload
"""

from broadcast.province.console.app import create_app
from broadcast.province.console.state import ProvinceConsole

__all__ = ["ProvinceConsole", "create_app"]
