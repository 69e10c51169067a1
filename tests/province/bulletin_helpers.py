"""Helpers of the bulletin tests: a key pair, a fake clock, a bulletin YAML, a commune with recorded airings,
and what the loopback tests share (a free port, waiting for a condition)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from served import free_port, port_taken

from broadcast.province.bulletins.actions import Commune
from broadcast.province.bulletins.inbox import Inbox
from broadcast.province.signing import generate_key, load_private_key, load_public_key

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BROADCAST = [sys.executable, "-m", "broadcast"]
WAIT_S = 60.0                       # generous: the machine is shared and loaded
T0 = datetime(2026, 12, 7, 14, 0, tzinfo=TZ)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


def keys(folder: Path, name: str = "tinh.key"):
    """(private key, public key text, key path)."""
    path = folder / name
    public = generate_key(path)
    return load_private_key(path), public, path


def bulletin_yaml(folder: Path, name: str = "ban-tin.yaml", **fields) -> Path:
    base = {"id": "bao-so-9", "level": "khẩn cấp", "title": "Bão số 9 đổ bộ",
            "text": "Bão số 9 đang đổ bộ vào đất liền, bà con ở yên trong nhà.",
            "from": "2026-12-07 14:00", "expires": "2026-12-08 14:00", "issued": "2026-12-07 14:00",
            "targets": "all", "repeat_every": "2h"}
    base.update(fields)
    lines = [f"{k}: {v}" for k, v in base.items() if v is not None]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Airings:
    """The `air` callable of a commune in the unit tests: records (id, sentence) and says handed over."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.daemon_running = True

    def __call__(self, document, sentence) -> bool:
        if not self.daemon_running:
            return False
        self.calls.append((document["id"], sentence))
        return True


def make_commune(root: Path, public: str, clock: FakeClock, *, name: str = "xa-001", tags=(), approve=False,
                 air=None) -> Commune:
    def speak(text: str, base: Path) -> Path:           # stands in for the TTS in the unit tests only
        out = base.with_name(base.name + ".wav")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"RIFF")
        return out

    return Commune(inbox=Inbox(root / "var" / "inbox.sqlite"), public_key=load_public_key(public), name=name,
                   root=root, now=clock, air=air or Airings(), speak=speak, tags=tuple(tags), approve=approve)


def province_serve(args: list[str], port: int, configs: list[Path]) -> tuple[subprocess.Popen, int]:
    """`broadcast province serve ARGS --port PORT` once it says it serves, and its port. A port taken by
    another process since `free_port()` (any process may bind it in between) is replaced by a new one,
    written into `configs` (their `127.0.0.1:PORT/`) before the next try."""
    said = ""
    for _attempt in range(3):
        process = subprocess.Popen([*BROADCAST, "province", "serve", *args, "--port", str(port)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if "Đang phục vụ" in process.stdout.readline():
            return process, port
        process.wait(WAIT_S)
        said = process.stderr.read()
        process.stdout.close()
        process.stderr.close()
        if not port_taken(said):
            raise AssertionError(said)
        new = free_port()
        for config in configs:
            text = config.read_text(encoding="utf-8")
            config.write_text(text.replace(f"127.0.0.1:{port}/", f"127.0.0.1:{new}/"), encoding="utf-8")
        port = new
    raise AssertionError(f"three free ports taken before the province server bound one: {said}")


def wait_for(predicate, timeout=WAIT_S, step=0.05):
    """The predicate's first true value, polled (an upper bound for a process to react, never a speed test)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")
