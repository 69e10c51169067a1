"""A `broadcast` server process on a free loopback port for the tests that drive it over HTTP or in Chromium."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

ATTEMPTS = 3            # a free port can be taken by another process between free_port() and the server's bind


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broadcast_cmd() -> list[str]:
    script = Path(sys.executable).parent / "broadcast"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "broadcast"]


class PortTaken(Exception):
    """The server stopped at once because its port was no longer free (taken since free_port())."""


def port_taken(said: str) -> bool:
    """What a server said when it stopped because its port was no longer free."""
    return "address already in use" in said.lower() or "errno 98" in said.lower()


def start_server(args: Sequence[str], port: int, what: str = "broadcast web") -> subprocess.Popen:
    """`broadcast ARGS` started, returned once `port` answers (bounded by attempts, never a speed assertion).
    PortTaken when it stopped because the port was taken meanwhile (the caller picks another)."""
    proc = subprocess.Popen([*broadcast_cmd(), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(600):
        if proc.poll() is not None:
            said = proc.stdout.read()
            if port_taken(said):
                raise PortTaken(said)
            pytest.fail(f"{what} stopped: {said}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0 and proc.poll() is None:
                return proc
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    pytest.fail(f"{what} did not open its port")


def start_on_free_port(args: Sequence[str], what: str = "broadcast web") -> tuple[subprocess.Popen, int]:
    """`broadcast ARGS --port N` on a free port N, another one if N was taken before the server bound it."""
    said = ""
    for _ in range(ATTEMPTS):
        port = free_port()
        try:
            return start_server([*args, "--port", str(port)], port, what), port
        except PortTaken as taken:
            said = str(taken)
    pytest.fail(f"{what}: {ATTEMPTS} free ports taken before it could bind one: {said}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def serving(args: Sequence[str], what: str = "broadcast web") -> Iterator[str]:
    """`broadcast ARGS --port N` on a free port: its base URL once the port answers; stopped after."""
    proc, port = start_on_free_port(args, what)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)
