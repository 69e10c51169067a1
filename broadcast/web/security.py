"""Console security pieces: the session secret, CSRF tokens, login rate limiting, response headers."""

from __future__ import annotations

import hmac
import os
import secrets
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path

from broadcast.atomic import write_text_atomic

SECRET_FILE = "web-secret"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No inline script or style anywhere: every script and stylesheet is a file under /static/.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'; frame-ancestors 'none'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def session_secret(state_dir: Path) -> str:
    """The signing key of session cookies: made once into `var/web-secret` (0600), then reused."""
    path = Path(state_dir) / SECRET_FILE
    if path.is_file():
        secret = path.read_text(encoding="utf-8").strip()
        if len(secret) >= 32:
            return secret
    secret = secrets.token_urlsafe(48)
    write_text_atomic(path, secret + "\n")
    if os.name == "posix":
        os.chmod(path, 0o600)
    return secret


def csrf_token(session: dict) -> str:
    """This session's CSRF token (made on first use; kept across login so the login form works)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_ok(session: dict, sent: str | None) -> bool:
    expected = session.get(CSRF_FIELD)
    return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


class LoginLimiter:
    """Failed logins counted per account and per client address, each against its own limit.

    An account is locked after `attempts` failures in `window` (from any address: guessing one
    password from many machines is stopped too); an address after `address_attempts` failures
    (much higher: one office shares one address, and one mistyping chairman must not lock out the
    officer beside him). A locked account locks nobody else.
    """

    def __init__(self, attempts: int, window: timedelta, address_attempts: int | None = None) -> None:
        self.attempts = attempts
        self.address_attempts = address_attempts if address_attempts is not None else attempts * 10
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] >= self.window:
            q.popleft()
        return q

    def _keys(self, account: str, address: str) -> tuple[tuple[str, int], ...]:
        return ((f"user:{account}", self.attempts), (f"ip:{address}", self.address_attempts))

    def blocked(self, account: str, address: str, now: datetime) -> timedelta | None:
        """How long until this account may try again from this address, or None when it may now."""
        waits = [self.window - (now - q[0]) for key, limit in self._keys(account, address)
                 if len(q := self._recent(key, now)) >= limit]
        return max(waits) if waits else None

    def failed(self, account: str, address: str, now: datetime) -> None:
        for key, _limit in self._keys(account, address):
            self._recent(key, now).append(now)
        if len(self._failures) > 10_000:          # bounded memory under a flood of names
            for key in [k for k, q in self._failures.items() if not self._recent(k, now)]:
                del self._failures[key]

    def succeeded(self, account: str) -> None:
        """A right password clears the account's count (not the address's: others may be guessing)."""
        self._failures.pop(f"user:{account}", None)


class RateLimit:
    """At most `per_minute` requests per address in any minute (the public listening page)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[datetime]] = {}

    def allow(self, address: str, now: datetime) -> bool:
        q = self._hits.setdefault(address, deque())
        while q and now - q[0] >= timedelta(minutes=1):
            q.popleft()
        if len(q) >= self.per_minute:
            return False
        q.append(now)
        if len(self._hits) > 10_000:              # bounded memory under many addresses
            for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= timedelta(minutes=1)]:
                del self._hits[key]
        return True


class SecurityHeaders:
    """ASGI middleware adding CSP, nosniff and frame denial to every response; HTML is not cached.

    With an https `[web] public_url` (`hsts`), browsers are also told to use https only (HSTS).
    """

    def __init__(self, app, hsts: bool = False) -> None:
        self.app = app
        self.headers = HEADERS + (((b"strict-transport-security", b"max-age=31536000"),) if hsts else ())

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                if not scope["path"].startswith("/static/") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
