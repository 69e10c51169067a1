"""A `broadcast` server process on a free loopback port for the tests that drive it over HTTP or in Chromium."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broadcast_cmd() -> list[str]:
    script = Path(sys.executable).parent / "broadcast"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "broadcast"]


def start_server(args: Sequence[str], port: int, what: str = "broadcast web") -> subprocess.Popen:
    """`broadcast ARGS` started, returned once `port` answers (bounded by attempts, never a speed assertion)."""
    proc = subprocess.Popen([*broadcast_cmd(), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(600):
        if proc.poll() is not None:
            pytest.fail(f"{what} stopped: {proc.stdout.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    pytest.fail(f"{what} did not open its port")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def serving(args: Sequence[str], what: str = "broadcast web") -> Iterator[str]:
    """`broadcast ARGS --port N` on a free port: its base URL once the port answers; stopped after."""
    port = free_port()
    proc = start_server([*args, "--port", str(port)], port, what)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)
