"""Server-Sent Events, the link's second transport: the province's side writes the stream, the commune's reads it.

    GET /api/bulletins/stream?after=N        (or the `Last-Event-ID: N` header, which wins)

    retry: 3000

    id: 12
    event: bulletin
    data: {"document": "...", "signature": "...", "seq": 12}

    : giu-ket-noi

Each signed envelope numbered above N is one event, oldest first, its `id:` the sequence number,
so a browser's `EventSource` or any SSE client resumes where it stopped by sending back the last
id it got (`Last-Event-ID`). Nothing new for `KEEPALIVE_S` sends a comment line, so a proxy or
NAT keeps the connection; after `LIFETIME_S` the server ends the stream and the client
reconnects (bounded threads on the server, and a proxy that buffers sees the end of a response).
The long poll (`/api/bulletins?after=N&wait=S`) stays: it is plain HTTP request/answer, what
proxies that buffer whole answers pass.

Only transport lives here: an event's data is the envelope exactly as the long poll answers it;
checking its signature (`envelope`) and acting on the document (`actions`) are the caller's.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPException
from typing import Any, BinaryIO

from broadcast.errors import DeliveryError

KEEPALIVE_S = 15.0
LIFETIME_S = 300.0
RETRY_MS = 3000
MAX_LINE_BYTES = 1 << 20                # an envelope is at most 256 KiB of document, escaped
CONTENT_TYPE = "text/event-stream"


# -- the province's side

def event_text(envelope: dict[str, Any]) -> bytes:
    """One envelope as an SSE event (`data:` is one line: JSON without newlines)."""
    data = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    return f"id: {int(envelope['seq'])}\nevent: bulletin\ndata: {data}\n\n".encode()


def resume_point(query_after: str | None, last_event_id: str | None) -> int:
    """Where a stream starts: the `Last-Event-ID` header of a reconnecting client, else `?after=`."""
    for text in (last_event_id, query_after):
        if text is not None and text.strip() != "":
            value = int(text.strip())           # ValueError: the caller answers 400
            if value < 0:
                raise ValueError(text)
            return value
    return 0


def write_stream(out: BinaryIO, after: int, *, documents: Callable[[int], list[dict[str, Any]]],
                 wait_above: Callable[[int, float], None], stopped: Callable[[], bool],
                 keepalive_s: float = KEEPALIVE_S, lifetime_s: float = LIFETIME_S,
                 clock: Callable[[], float] = time.monotonic) -> int:
    """Write events numbered above `after` as they are signed, until `lifetime_s` passes, the server
    stops or the client goes; returns the last number sent."""
    last = after
    deadline = clock() + lifetime_s
    try:
        out.write(f"retry: {RETRY_MS}\n\n".encode())
        out.flush()
        while not stopped() and clock() < deadline:
            found = documents(last)
            for envelope in found:
                out.write(event_text(envelope))
                last = max(last, int(envelope["seq"]))
            if found:
                out.flush()
                continue                        # more than one page waiting: send the next at once
            wait_above(last, max(0.0, min(keepalive_s, deadline - clock())))
            if not documents(last):
                out.write(b": giu-ket-noi\n\n")
                out.flush()
    except (BrokenPipeError, ConnectionError, OSError):
        pass                                    # the commune went away: it reconnects with Last-Event-ID
    return last


# -- the commune's side

def read_events(lines: Callable[[], bytes]) -> Any:
    """(event, id, data) for each event of a stream read line by line; comments and retry skipped."""
    event, event_id, data = "message", None, []
    while True:
        raw = lines()
        if not raw:
            return
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield event, event_id, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            event_id = value


def stream_documents(base_url: str, after: int, on_envelope: Callable[[dict[str, Any], int], None], *,
                     timeout_s: float, stopped: Callable[[], bool],
                     on_open: Callable[[], None] | None = None) -> int:
    """Follow the province's stream from `after` until it ends, fails or `stopped()`; each envelope
    goes to `on_envelope(envelope, id)`. Returns the last id received (or `after`); a connection
    that cannot be made or answers wrong raises DeliveryError (the caller waits and reconnects)."""
    url = f"{base_url.rstrip('/')}/api/bulletins/stream?after={after}"
    request = urllib.request.Request(url, headers={"Accept": CONTENT_TYPE, "Last-Event-ID": str(after),
                                                   "Cache-Control": "no-cache"})
    last = after
    try:
        with urllib.request.urlopen(request, timeout=KEEPALIVE_S * 2 + timeout_s) as response:  # noqa: S310
            if not response.headers.get("Content-Type", "").startswith(CONTENT_TYPE):
                raise DeliveryError("máy chủ tỉnh không phát luồng sự kiện (SSE)", path=url,
                                    hint="máy chủ tỉnh cũ: dùng transport = \"long-poll\" trong [province]")
            if on_open is not None:
                on_open()
            for event, event_id, data in read_events(lambda: response.readline(MAX_LINE_BYTES)):
                if stopped():
                    break
                if event != "bulletin":
                    continue
                try:
                    envelope, number = json.loads(data), int(event_id or 0)
                except ValueError:
                    continue                    # not an envelope: the inbox would refuse it anyway
                on_envelope(envelope, number)
                last = max(last, number)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"máy chủ tỉnh trả lời lỗi {exc.code}", path=url) from None
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        if last == after:
            raise DeliveryError(f"không kết nối được máy chủ tỉnh: {getattr(exc, 'reason', exc)}",
                                path=url) from None
    return last
