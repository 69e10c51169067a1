"""The server helper (tests/served.py) survives a free port taken by another process before its server binds it.

`free_port()` closes its socket before the server binds the number: in between, any process on the
machine (a connection's own ephemeral port, another suite's server) may take it. On a shared CI
machine that was a test failing for no fault of the product.
"""

from __future__ import annotations

import socket
import urllib.request

import served


def test_a_port_taken_between_choosing_and_binding_is_replaced_by_another(station_dir, monkeypatch):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))                   # held, as an outgoing connection holds its port
    chosen = iter([taken.getsockname()[1]])
    real = served.free_port
    monkeypatch.setattr(served, "free_port", lambda: next(chosen, None) or real())
    with taken, served.serving(["--station", str(station_dir), "web"]) as base:
        assert not base.endswith(f":{taken.getsockname()[1]}")
        with urllib.request.urlopen(f"{base}/login", timeout=30) as answer:
            assert answer.status == 200
