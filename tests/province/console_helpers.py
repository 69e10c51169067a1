"""Helpers of the province console tests: a console over a scratch province database, and signed-in clients."""

from __future__ import annotations

from console_signin import PASSWORD, SignedClient, light_hashes
from starlette.testclient import TestClient

from broadcast.province.console import ProvinceConsole, create_app
from broadcast.province.signing import load_private_key

__all__ = ["PASSWORD", "USERS", "Client", "bulletin_form", "client_for", "light_hashes", "open_console"]

USERS = {"bien-tap": "can-bo-tinh", "duyet": "lanh-dao", "quan-tri": "quan-tri"}


def open_console(db, key_path, clock, *, with_key: bool = True) -> ProvinceConsole:
    console = ProvinceConsole.open(db, key=load_private_key(key_path) if with_key else None, province="Quảng Trị",
                                   now=clock)
    for role, name in USERS.items():
        if console.accounts.get(name) is None:
            console.accounts.add(name, role, PASSWORD)
    return console


class Client(SignedClient):
    """A province console session on `app`; after login the bulletin list gives the token."""

    home = "/ban-tin"

    def __init__(self, app) -> None:
        super().__init__(TestClient(app, base_url="http://127.0.0.1"))


def client_for(console, role: str | None = None) -> Client:
    client = Client(create_app(console))
    if role is not None:
        assert client.login(USERS[role]).status_code == 303
    return client


def bulletin_form(**fields) -> dict[str, str]:
    """A khẩn cấp bulletin to every commune, as the page's form sends it (T0 + 1 day valid)."""
    base = {"level": "khan-cap", "title": "Bão số 9 đổ bộ", "content": "text",
            "text": "Bão số 9 đang đổ bộ vào đất liền, bà con ở yên trong nhà.", "from": "",
            "expires": "08/12/2026 14:00", "targets": "all", "communes": "", "tag": "", "zones": "",
            "repeat_every": "2 giờ", "id": "bao-so-9", "template": "", "values": "", "replaces": ""}
    base.update(fields)
    return base
