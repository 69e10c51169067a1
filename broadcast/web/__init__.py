"""The station console (`broadcast web`): the officer's and the approver's pages over the station folder.

The files stay the source of truth: announcements are written to `schedules/thong-bao/` after
the schedule loader accepts them, and every page calls the same pipeline functions as the CLI.

    app.py        the ASGI app: routes, sessions, security headers, static files
    console.py    what pages share: station, toolkit, accounts, audit, store, clock, "Nghe thử" cache
    auth.py       route declarations with roles, session checks, CSRF, body caps
    accounts.py   accounts and argon2 hashes (var/users.json)
    security.py   session secret, CSRF tokens, login rate limiting, CSP and other headers
    store.py      one announcement per YAML file, checked by the loader, versioned
    workflow.py   draft → pending → approved / returned (pure)
    forms.py      fields from a template's typed variables, parsed back with the CLI's parser
    meta.py       the airing fields of an announcement (window, slots, days, priority, repeat)
    uploads.py    recordings checked by content (ffmpeg) and stored under generated names
    files.py      files served only by a name matching a pattern inside one folder (Range requests)
    audit.py      who did what and when (var/web.sqlite)
    html.py       server-rendered Jinja2 pages (autoescaped)
    routes/       one module per page
"""

from broadcast.web.app import create_app
from broadcast.web.console import Console

__all__ = ["Console", "create_app"]
