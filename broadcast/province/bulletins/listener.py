"""The commune's end of the link: a thread keeping a long-poll request open to the province, and the ticks.

`[province] source` is the commune's day address on the province server,
`http://HOST:PORT/<name>`; the link lives on the same server under `/api/` and `<name>` is the
commune's name in the bulletins' targets. The listener asks
`/api/bulletins?after=<last number it has>&wait=25`, hands each signed document to
`Commune.receive` and asks again; with `[province] transport = "sse"` it follows
`/api/bulletins/stream` instead (`sse`: one open response, an event per document, reconnecting
with `Last-Event-ID`); a cut connection or an unreachable province waits a little
longer each time (up to a minute). A second thread runs `Commune.tick` every few seconds
(repeats, expiry) and, when a reporter is given, sends the report every `[province] report_every_s`.

`start_for_station` wires it for `broadcast run` (the hook in `daemon.station`) and
`sync_once` is `broadcast inbox --sync`: one plain request, no waiting.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any

from broadcast.errors import ConfigError, DeliveryError
from broadcast.province.bulletins.actions import Commune
from broadcast.province.bulletins.inbox import Inbox

MAX_ANSWER_BYTES = 64 << 20
INBOX_NAME = "inbox.sqlite"


def split_source(source: str) -> tuple[str, str]:
    """('http://10.0.0.5:8790', 'xa-hoa-an') from 'http://10.0.0.5:8790/xa-hoa-an'."""
    match = re.fullmatch(r"(https?://[^/]+)((?:/[^/]+)*)/([A-Za-z0-9][A-Za-z0-9._-]*)/?", source.strip())
    if not match:
        raise ConfigError(f"[province] source '{source}' không có dạng http://MÁY:CỔNG/<tên xã>",
                          hint="ghi đúng địa chỉ tỉnh cấp, ví dụ http://10.0.0.5:8790/xa-hoa-an")
    return match.group(1) + match.group(2), match.group(3)


def fetch_documents(base_url: str, after: int, wait_s: float, timeout_s: float) -> list[dict[str, Any]]:
    """One request to the province: the signed documents numbered above `after`."""
    url = f"{base_url}/api/bulletins?after={after}&wait={wait_s:g}"
    try:
        with urllib.request.urlopen(url, timeout=wait_s + timeout_s) as response:   # noqa: S310 - http(s) checked
            data = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"máy chủ tỉnh trả lời lỗi {exc.code}", path=url) from None
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        raise DeliveryError(f"không kết nối được máy chủ tỉnh: {getattr(exc, 'reason', exc)}", path=url) from None
    try:
        answer = json.loads(data[:MAX_ANSWER_BYTES])
        documents = answer["bulletins"]
        if not isinstance(documents, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise DeliveryError("máy chủ tỉnh trả lời không đúng dạng", path=url) from None
    return documents


class Listener:
    """The long-poll thread and the tick thread of one commune."""

    def __init__(self, commune: Commune, base_url: str, *, wait_s: float = 25.0, timeout_s: float = 30.0,
                 tick_s: float = 5.0, reporter: Any = None, report_every_s: float = 300.0,
                 log: Callable[[str], None] | None = None, transport: str = "long-poll") -> None:
        self.commune = commune
        self.base_url = base_url.rstrip("/")
        self.wait_s, self.timeout_s, self.tick_s = wait_s, timeout_s, tick_s
        self.reporter, self.report_every_s = reporter, report_every_s
        self.log = log or (lambda message: None)
        self.lock = threading.Lock()            # one document or one tick at a time
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []
        self.connected = threading.Event()
        self.transport = transport
        self.last_event = 0                     # the highest id the stream gave, accepted or not

    def poll(self, wait_s: float) -> int:
        """Ask once; act on what came. Returns how many documents came."""
        documents = fetch_documents(self.base_url, self.commune.inbox.last_seq(), wait_s, self.timeout_s)
        self.connected.set()
        refused = 0
        for envelope in sorted(documents, key=lambda e: e.get("seq", 0) if isinstance(e, dict) else 0):
            with self.lock:
                refused += self.commune.receive(envelope) == "refused"
        self._drain()
        if documents and refused == len(documents):
            # Nothing accepted, so the next request would get the same answer at once: wait first.
            raise DeliveryError(f"máy chủ tỉnh gửi {refused} bản tin đều bị từ chối (xem 'broadcast inbox')",
                                path=self.base_url, hint="kiểm tra [province] public_key và địa chỉ source")
        return len(documents)

    def follow(self) -> int:
        """Follow the province's event stream until it ends; returns how many documents came."""
        from broadcast.province.bulletins.sse import stream_documents

        came = 0

        def take(envelope: dict[str, Any], number: int) -> None:
            nonlocal came
            with self.lock:
                self.commune.receive(envelope)
            self.last_event = max(self.last_event, number)
            came += 1
            self._drain()

        after = max(self.commune.inbox.last_seq(), self.last_event)
        stream_documents(self.base_url, after, take, timeout_s=self.timeout_s, stopped=self.stopped.is_set,
                         on_open=self.connected.set)
        return came

    def tick(self) -> None:
        with self.lock:
            self.commune.tick()
        self._drain()

    def start(self) -> Listener:
        for target, name in ((self._poll_loop, "province-link"), (self._tick_loop, "province-tick")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout)

    def _poll_loop(self) -> None:
        backoff = 1.0
        while not self.stopped.is_set():
            try:
                if self.transport == "sse":
                    self.follow()
                    self.stopped.wait(0.5)      # a stream that ends at once must not spin; ids resume it
                else:
                    self.poll(self.wait_s)
                backoff = 1.0
            except DeliveryError as exc:
                self.log(f"Liên lạc với tỉnh: {exc}")
                self.stopped.wait(backoff)
                backoff = min(60.0, backoff * 2)
            except Exception as exc:  # noqa: BLE001 - the link must never take the daemon down
                self.log(f"Lỗi khi nhận bản tin: {exc!r}")
                self.stopped.wait(backoff)

    def _tick_loop(self) -> None:
        last_report: float | None = None
        while not self.stopped.wait(self.tick_s):
            try:
                self.tick()
                now = self.commune.now().timestamp()
                if self.reporter is not None and (last_report is None or now - last_report >= self.report_every_s):
                    last_report = now
                    self.reporter.send_due()
            except Exception as exc:  # noqa: BLE001
                self.log(f"Lỗi khi xử lý bản tin: {exc!r}")

    def _drain(self) -> None:
        events, self.commune.events[:] = list(self.commune.events), []
        for event in events:
            self.log(event)


def commune_for_station(station: Any, *, now: Callable[[], datetime] | None = None,
                        inbox: Inbox | None = None, linked: bool = True) -> tuple[Commune, str]:
    """The `Commune` of a station with its real side effects, and the province's base URL.

    `linked=False` (the officer scheduling or dismissing what is already in the inbox) needs no
    province address or key."""
    from broadcast.province.bulletins.airing import recording_fetcher, schedule_checker, speaker, urgent_airer
    from broadcast.province.signing import load_public_key

    p = station.province
    clock = now or (lambda: datetime.now(station.tz))
    if not linked:
        return Commune(inbox=inbox or Inbox(inbox_path(station)), public_key=None, name="", root=station.root,
                       now=clock, air=urgent_airer(station, clock), speak=speaker(station),
                       approve=bool(p.approve_bulletins), schedules=str(station.paths.schedules),
                       check=schedule_checker(station)), ""
    if not p.source:
        raise ConfigError("chưa có [province] source: xã chưa nối với tỉnh",
                          hint="ghi địa chỉ tỉnh cấp vào broadcast.toml, ví dụ "
                               "source = \"http://10.0.0.5:8790/xa-hoa-an\"")
    if not p.public_key:
        raise ConfigError("chưa có khóa công khai của tỉnh ([province] public_key): không nhận bản tin",
                          hint="chép dòng khóa công khai tỉnh gửi vào broadcast.toml")
    base, name = split_source(p.source)
    fetch = recording_fetcher(base, float(p.timeout_s))
    commune = Commune(inbox=inbox or Inbox(inbox_path(station)), public_key=load_public_key(p.public_key),
                      name=name, root=station.root, now=clock, air=urgent_airer(station, clock, fetch),
                      speak=speaker(station), fetch_recording=fetch,
                      tags=tuple(p.tags), approve=bool(p.approve_bulletins),
                      schedules=str(station.paths.schedules), check=schedule_checker(station))
    return commune, base


def inbox_path(station: Any) -> Path:
    return station.path(station.paths.state) / INBOX_NAME


def start_for_station(station: Any, log: Callable[[str], None] | None = None) -> Listener | None:
    """The running listener of `broadcast run`, or None when the station is not linked to a province."""
    p = getattr(station, "province", None)
    if p is None or not p.source or not p.public_key:
        return None
    commune, base = commune_for_station(station)
    from broadcast.province.bulletins.reports import reporter_for_station

    reporter = reporter_for_station(station, base, commune.name, commune.inbox)
    return Listener(commune, base, timeout_s=float(p.timeout_s), reporter=reporter,
                    report_every_s=float(p.report_every_s), log=log,
                    transport=str(getattr(p, "transport", "long-poll"))).start()


def sync_once(station: Any) -> tuple[int, Commune]:
    """`broadcast inbox --sync`: one plain request to the province, then one tick."""
    commune, base = commune_for_station(station)
    listener = Listener(commune, base, timeout_s=float(station.province.timeout_s))
    count = listener.poll(0)
    listener.tick()
    return count, commune
