"""Where the console is reached from: the Host names it answers and whether its cookie is Secure.

`[web] public_url` (e.g. "https://dai.xa-hoa-an.vn", the address a TLS reverse proxy serves)
makes the session cookie Secure and limits the Host header to that name, the loopback names
and `[web] hosts`. Without it the console answers the loopback names, `[web] hosts` and any IP
address (a LAN over plain HTTP: `--host 0.0.0.0`), never another name, so a page of a foreign
site cannot reach it through a DNS name pointed at the station (DNS rebinding).
Any other Host gets 400 before a route runs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Origin:
    secure: bool                     # the session cookie gets Secure
    names: frozenset[str]            # Host names answered (lower case, no port)
    any_ip: bool                     # any IP literal answered too (no public_url: LAN over HTTP)


def origin_of(public_url: str, hosts: list[str] | tuple[str, ...] = ()) -> Origin:
    """The Host policy for `[web] public_url` and `[web] hosts`."""
    names = set(LOOPBACK_NAMES) | {_bare(h) for h in hosts if str(h).strip()}
    if public_url:
        parts = urlsplit(public_url)
        names.add(_bare(parts.hostname or ""))
        return Origin(secure=parts.scheme == "https", names=frozenset(names), any_ip=False)
    return Origin(secure=False, names=frozenset(names), any_ip=True)


def _bare(name: str) -> str:
    return name.strip().lower().rstrip(".").strip("[]")


def host_name(header: str) -> str | None:
    """'Dai.Xa.vn:443' -> 'dai.xa.vn', '[::1]:8080' -> '::1'; None for an empty or malformed Host."""
    header = header.strip()
    if not header or any(c in header for c in " /\\@?#"):
        return None
    if header.startswith("["):
        end = header.find("]")
        if end < 0 or (header[end + 1:] and not header[end + 1:].startswith(":")):
            return None
        name, port = header[1:end], header[end + 2:]
    else:
        name, _, port = header.partition(":")
    if port and not port.isdigit():
        return None
    return _bare(name) or None


def allowed(origin: Origin, header: str) -> bool:
    name = host_name(header)
    if name is None:
        return False
    if name in origin.names:
        return True
    if origin.any_ip:
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True
    return False


class HostCheck:
    """ASGI middleware: a request whose Host the console does not answer gets 400, nothing else runs."""

    def __init__(self, app, origin: Origin) -> None:
        self.app = app
        self.origin = origin

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
            if not allowed(self.origin, host):
                body = ("Địa chỉ máy (Host) không đúng với bảng điều khiển của đài. Mở bằng địa chỉ đã "
                        "cấu hình ([web] public_url) hoặc báo người quản trị.\n").encode()
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode()),
                                        (b"cache-control", b"no-store")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
