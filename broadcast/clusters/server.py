"""The station's HTTP endpoint for its clusters' receivers (`broadcast clusters serve`).

    POST /pair                               {"code", "public_key"} -> the cluster's name, zone and the
                                             station's public key (the one unsigned request: the code is
                                             the secret, used once)
    GET  /ngay/                              the days published for the cluster's zone, with the SHA-256
                                             of each day's zone manifest (a day held already is skipped)
    GET  /ngay/<YYYY-MM-DD>/manifest.json    that day as the cluster's zone hears it, signed by the station
    GET  /ngay/<YYYY-MM-DD>/manifest.json.sig
    GET  /ngay/<YYYY-MM-DD>/<file>           a programme file the zone's manifest lists (Range: resumes)
    GET  /day-kenh?after=N&wait=S            long polling: the station-signed pushes (urgent, cancellation)
                                             for the cluster's zone after sequence N, answered at once when
                                             there are some, else when one comes or after S seconds (<= 60)
    GET  /day-kenh/<file>                    the audio an urgent push names
    POST /heartbeat                          the receiver's state (with the ids of the orders it applied);
                                             the answer: the station's time, the remote control, the
                                             signed orders not applied yet (a restart)
    POST /asrun                              {"rows": [...]}: what the village heard, idempotent by uid,
                                             kept in the registry and merged into the station's as-run
                                             log (origin 'cluster', `log.clusters`)

Every request but /pair is signed by a paired, unrevoked receiver (`protocol.check_request`). It is
its own small server, not a console route: receivers on the 4G network never reach the officer's
pages, and the console's sessions and CSRF tokens have nothing to say to a machine.
A request path never reaches the file system unchecked: the day must be a date, the file a name
the zone's manifest lists.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from broadcast.clusters import protocol
from broadcast.clusters.orders import Orders
from broadcast.clusters.pushes import Pushes
from broadcast.clusters.registry import ClusterRegistry
from broadcast.errors import InputError
from broadcast.log.clusters import ClusterLog, merge_registry
from broadcast.province.serve import _DAY, _FILE, DayHandler
from broadcast.publish.day import MANIFEST, SIGNATURE

MAX_BODY = 1 << 20
MAX_WAIT_S = 60.0
INLINE_BYTES = 512 << 10   # an urgent's audio up to this (about 10 s) rides in the poll's answer (receivers take ≤ 1 MB)
POLL_S = 0.02          # how often the station looks for a new push (another process records them)


def zone_manifest(manifest: dict[str, Any], zone: str) -> dict[str, Any]:
    """The day as one zone hears it: the programmes naming that zone (a manifest without zones: all)."""
    programmes = [p for p in manifest.get("programmes", []) if zone in p.get("zones", [zone])]
    return {**manifest, "programmes": programmes, "zone": zone}


def _zone_hashes(audio_out: Path, days: list[str], zone: str) -> dict[str, str]:
    """Each day's SHA-256 of the zone's manifest as served: a receiver holding that day already fetches nothing."""
    found = {}
    for day in days:
        try:
            manifest = json.loads((audio_out / day / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found[day] = hashlib.sha256(protocol.canonical(zone_manifest(manifest, zone))).hexdigest()
    return found


class ClusterHandler(DayHandler):
    """Answers receivers from `server.registry` and `server.audio_out`."""

    server_version = "broadcast-station"

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "nội dung quá lớn"})
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path == "/pair":
            return self._pair(body)
        cluster = self._authenticated("POST", body)
        if cluster is None:
            return None
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            return self._send_json(HTTPStatus.BAD_REQUEST, {"error": "nội dung không phải JSON"})
        registry: ClusterRegistry = self.server.registry           # type: ignore[attr-defined]
        if path == "/heartbeat" and isinstance(data, dict):
            registry.record_heartbeat(cluster.name, data)
            orders: Orders = self.server.orders                    # type: ignore[attr-defined]
            if isinstance(data.get("orders_done"), list):
                orders.acknowledge(cluster.name, data["orders_done"][-20:])
            control = registry.control(cluster.name)
            return self._send_json(HTTPStatus.OK, {"ok": True, "station_time": time.time(), "control": control,
                                                   "control_signed": orders.signed_control(cluster.name, control),
                                                   "orders": orders.pending(cluster.name)})
        if path == "/asrun" and isinstance(data, dict) and isinstance(data.get("rows"), list):
            rows = [r for r in data["rows"] if isinstance(r, dict)]
            added = registry.record_rows(cluster.name, rows)
            log: ClusterLog | None = self.server.asrun             # type: ignore[attr-defined]
            if log is not None:            # the station's as-run log, origin 'cluster' (idempotent by uid)
                log.merge(cluster.name, rows)
            return self._send_json(HTTPStatus.OK, {"added": added})
        return self._not_found(True)

    def _pair(self, body: bytes) -> None:
        registry: ClusterRegistry = self.server.registry           # type: ignore[attr-defined]
        try:
            data = json.loads(body.decode("utf-8"))
            cluster = registry.pair(str(data["code"]), str(data["public_key"]))
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            return self._send_json(HTTPStatus.BAD_REQUEST, {"error": "yêu cầu ghép không hợp lệ"})
        except InputError as exc:
            return self._send_json(HTTPStatus.FORBIDDEN, {"error": exc.message})
        self._send_json(HTTPStatus.OK, {"cluster": cluster.name, "zone": cluster.zone,
                                        "station": self.server.station_name,               # type: ignore[attr-defined]
                                        "station_public_key": registry.station_public_key()})

    def _authenticated(self, method: str, body: bytes = b""):
        registry: ClusterRegistry = self.server.registry           # type: ignore[attr-defined]
        cluster, problem = registry.authenticate(self.headers, method, self.path, body, time.time())
        if cluster is None:
            self._send_json(HTTPStatus.FORBIDDEN, {"error": problem})
        return cluster

    def _answer(self, *, body: bool) -> None:
        cluster = self._authenticated("HEAD" if not body else "GET")
        if cluster is None:
            return None
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/")[1:] if p]
        if parts[:1] == ["day-kenh"]:
            return self._pushes(cluster, parts, body)
        audio_out: Path = self.server.audio_out                    # type: ignore[attr-defined]
        if parts == ["ngay"]:
            days = sorted(p.name for p in audio_out.iterdir()
                          if _DAY.fullmatch(p.name) and (p / MANIFEST).is_file()) if audio_out.is_dir() else []
            return self._send_json(HTTPStatus.OK, {"zone": cluster.zone, "days": days,
                                                   "sha256": _zone_hashes(audio_out, days, cluster.zone)}, body=body)
        if len(parts) != 3 or parts[0] != "ngay" or not _DAY.fullmatch(parts[1]) or not _FILE.fullmatch(parts[2]):
            return self._not_found(body)
        folder = audio_out / parts[1]
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return self._not_found(body)
        document = protocol.canonical(zone_manifest(manifest, cluster.zone))
        if parts[2] == MANIFEST:
            return self._send_bytes(document, "application/json", body)
        if parts[2] == SIGNATURE:
            key = self.server.registry.station_key()               # type: ignore[attr-defined]
            return self._send_bytes((protocol.sign_bytes(document, key) + "\n").encode("ascii"), "text/plain", body)
        if parts[2] not in {str(p.get("file")) for p in zone_manifest(manifest, cluster.zone)["programmes"]}:
            return self._not_found(body)
        self._send_file(folder / parts[2], body=body)

    def _pushes(self, cluster, parts: list[str], body: bool) -> None:
        pushes: Pushes = self.server.pushes                        # type: ignore[attr-defined]
        if len(parts) == 2 and _FILE.fullmatch(parts[1]):
            path = pushes.audio_for(cluster.zone, parts[1])
            return self._send_file(path, body=body) if path else self._not_found(body)
        if len(parts) != 1:
            return self._not_found(body)
        query = parse_qs(urlsplit(self.path).query)
        try:
            after = int(query.get("after", ["0"])[0])
            wait = min(MAX_WAIT_S, max(0.0, float(query.get("wait", ["0"])[0])))
        except ValueError:
            return self._send_json(HTTPStatus.BAD_REQUEST, {"error": "after và wait phải là số"})
        deadline = time.monotonic() + wait
        watch: PushWatch = self.server.watch                       # type: ignore[attr-defined]
        while True:
            seen = watch.seq
            found = pushes.after(cluster.zone, after, now=datetime.now(UTC), inline_bytes=INLINE_BYTES)
            remaining = deadline - time.monotonic()
            if found or remaining <= 0:
                return self._send_json(HTTPStatus.OK, {"pushes": found, "station_time": time.time()}, body=body)
            watch.wait_beyond(seen, remaining)

    def _send_bytes(self, data: bytes, kind: str, body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)


class PushWatch:
    """One thread notices a new push (recorded by this process or another) and wakes every waiting long poll.

    A waiting poll costs nothing until then: the database is read once per `POLL_S` by this
    thread, not once per waiting receiver, and the answer goes out the moment the push is seen.
    """

    def __init__(self, pushes: Pushes, interval: float = POLL_S) -> None:
        self.pushes, self.interval = pushes, interval
        self.seq = pushes.last_signed_seq()
        self._changed = threading.Condition()
        self._closed = threading.Event()
        threading.Thread(target=self._watch, daemon=True, name="push-watch").start()

    def _watch(self) -> None:
        while not self._closed.wait(self.interval):
            try:
                seq = self.pushes.last_signed_seq()
            except sqlite3.Error:            # the registry was closed: the server is gone
                return
            if seq != self.seq:
                with self._changed:
                    self.seq = seq
                    self._changed.notify_all()

    def wait_beyond(self, seq: int, timeout: float) -> None:
        """Return when a push newer than `seq` was recorded, or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.seq != seq, timeout)

    def close(self) -> None:
        self._closed.set()


class ClusterServer(ThreadingHTTPServer):
    """One thread per request; a listen backlog for hundreds of receivers (the default 5 drops connections
    when many come at once, after the station restarts or the 4G network comes back)."""

    request_queue_size = 256


def make_cluster_server(registry: ClusterRegistry, audio_out: Path, station_name: str, host: str = "127.0.0.1",
                        port: int = 0, *, asrun: Path | None = None) -> ThreadingHTTPServer:
    """The receivers' endpoint for one station; port 0 picks a free one.

    With `asrun` (the station's as-run log), every row a cluster sends is merged there too, and
    rows the registry got before are brought in once at the start.
    """
    server = ClusterServer((host, port), ClusterHandler)
    server.daemon_threads = True
    server.registry = registry                 # type: ignore[attr-defined]
    server.pushes = Pushes(registry)           # type: ignore[attr-defined]
    server.watch = PushWatch(server.pushes)    # type: ignore[attr-defined]
    server.orders = Orders(registry)           # type: ignore[attr-defined]
    server.asrun = ClusterLog(asrun) if asrun is not None else None      # type: ignore[attr-defined]
    if server.asrun is not None:
        merge_registry(server.asrun, registry)
    server.audio_out = Path(audio_out)         # type: ignore[attr-defined]
    server.station_name = station_name         # type: ignore[attr-defined]
    server.verbose = False                     # type: ignore[attr-defined]
    return server
