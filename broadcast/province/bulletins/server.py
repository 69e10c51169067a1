"""The province's link endpoints, served beside the day delivery by `broadcast province serve --db`.

    GET  /api/bulletins?after=N&wait=S   signed documents numbered above N, oldest first (at most 200):
                                         {"bulletins": [envelope...], "last": highest number}.
                                         With none yet and S > 0 the request stays open up to S
                                         seconds (at most 60: long polling) and answers as soon as
                                         one is signed; S = 0 answers at once (plain polling, proxies)
    GET  /api/bulletins/stream?after=N   the same documents as Server-Sent Events (`id:` = seq; a
                                         reconnecting client's `Last-Event-ID` wins): see `sse`
    GET  /api/recordings/<sha256>        a bulletin's recording (the commune checks the hash)
    GET  /api/status                     {"province": ..., "last": N, "time": ISO}
    GET  /api/dashboard                  the dashboard as JSON (docs/schemas/status.schema.json)
    GET  /bang-dieu-khien                the dashboard page (read-only HTML, no script), and
         /bang-dieu-khien/thang-YYYY-MM.xlsx  the month table per commune (and .docx: for the Sở)
    POST /api/reports                    a commune's signed report (see `reportstore`); 200 with
                                         {"stored": true|false} (false: already had it), 4xx refused

Everything else is the day delivery of `province.serve.DayHandler`. A `bulletin add` in another
process writes the same SQLite file; one watcher thread notices a new number (every 100 ms) and
wakes every waiting request at once, so a hundred open requests cost one query per tick.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from broadcast.province.bulletins.registry import Registry
from broadcast.province.serve import DayHandler, make_server
from broadcast.publish.day import MANIFEST

MAX_WAIT_S = 60.0
PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_REPORT_BYTES = 1 << 20
_DAY_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
OFFICE_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class Watcher:
    """Wakes long-polling requests when the registry's highest number grows."""

    def __init__(self, registry: Registry, poll_s: float = 0.1) -> None:
        self.registry = registry
        self.poll_s = poll_s
        self.last = registry.last_seq()
        self.changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bulletin-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                last = self.registry.last_seq()
            except Exception:  # noqa: BLE001 - a locked database this tick: try the next
                continue
            if last != self.last:
                with self.changed:
                    self.last = last
                    self.changed.notify_all()

    def wait_above(self, seq: int, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.last > seq, timeout)

    def stop(self) -> None:
        self._stop.set()
        with self.changed:                          # open streams see the stop at once
            self.changed.notify_all()

    def stopped(self) -> bool:
        return self._stop.is_set()


class LinkHandler(DayHandler):
    """The day delivery plus `/api/...`: bulletins, recordings, status and reports."""

    def _answer(self, *, body: bool) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") == "/bang-dieu-khien" or url.path.startswith("/bang-dieu-khien/"):
            return self._dashboard(url.path, body=body)
        if not url.path.startswith("/api/"):
            return super()._answer(body=body)
        query = parse_qs(url.query)
        registry: Registry = self.server.registry            # type: ignore[attr-defined]
        if url.path == "/api/bulletins":
            try:
                after = int(query.get("after", ["0"])[0])
                wait = min(MAX_WAIT_S, max(0.0, float(query.get("wait", ["0"])[0])))
            except ValueError:
                return self._send_json(HTTPStatus.BAD_REQUEST, {"error": "after và wait phải là số"}, body=body)
            if wait and registry.last_seq() <= after:
                self.server.watcher.wait_above(after, wait)  # type: ignore[attr-defined]
            found = registry.after(after)
            return self._send_json(HTTPStatus.OK, {"bulletins": found, "last": registry.last_seq()}, body=body)
        if url.path == "/api/bulletins/stream":
            return self._stream(query, registry, body=body)
        if url.path == "/api/status":
            return self._send_json(HTTPStatus.OK, {"province": self.server.province,  # type: ignore[attr-defined]
                                                   "last": registry.last_seq(),
                                                   "time": datetime.now(UTC).isoformat(timespec="seconds")},
                                   body=body)
        if url.path == "/api/dashboard" and self.server.reports is not None:  # type: ignore[attr-defined]
            from broadcast.province.bulletins.dashboard import status_document

            now, stations = _now(), self.server.stations  # type: ignore[attr-defined]
            document = status_document(self.server.reports, now, sorted(stations),  # type: ignore[attr-defined]
                                       published_builds(stations))
            return self._send_json(HTTPStatus.OK, document, body=body)
        if url.path.startswith("/api/recordings/"):
            path = registry.recording_path(url.path.rsplit("/", 1)[-1])
            return self._send_file(path, body=body) if path else self._not_found(body)
        return self._not_found(body)

    def _stream(self, query: dict[str, list[str]], registry: Registry, *, body: bool) -> None:
        """Server-Sent Events until the stream's lifetime ends (`sse.write_stream`); the connection closes."""
        from broadcast.province.bulletins import sse

        try:
            after = sse.resume_point(query.get("after", [None])[0], self.headers.get("Last-Event-ID"))
        except ValueError:
            return self._send_json(HTTPStatus.BAD_REQUEST, {"error": "after và Last-Event-ID phải là số"}, body=body)
        watcher: Watcher = self.server.watcher        # type: ignore[attr-defined]
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", f"{sse.CONTENT_TYPE}; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Accel-Buffering", "no")    # nginx: pass events on, do not buffer them
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            sse.write_stream(self.wfile, after, documents=registry.after, wait_above=watcher.wait_above,
                             stopped=watcher.stopped, **getattr(self.server, "stream_options", {}))

    def _dashboard(self, path: str, *, body: bool) -> None:
        """The read-only dashboard page, or a month's XLSX (`/bang-dieu-khien/thang-2026-12.xlsx`)."""
        from broadcast.province.bulletins.dashboard_page import month_docx_bytes, month_xlsx, page

        reports = self.server.reports                  # type: ignore[attr-defined]
        if reports is None:
            return self._not_found(body)
        match = re.fullmatch(r"/bang-dieu-khien/thang-(\d{4})-(\d{2})\.(xlsx|docx)", path)
        if match and 1 <= int(match.group(2)) <= 12:
            year, number, ext = int(match.group(1)), int(match.group(2)), match.group(3)
            if ext == "xlsx":
                data = month_xlsx(reports, year, number)
            else:
                data = month_docx_bytes(reports, year, number, province=self.server.province,  # type: ignore[attr-defined]
                                        made_on=_now().date())
            kind = OFFICE_TYPES[ext]
            extra = {"Content-Disposition": f"attachment; filename=thang-{year}-{number:02d}.{ext}"}
        elif path.rstrip("/") == "/bang-dieu-khien":
            now = _now()
            data = page(reports, now, names=sorted(self.server.stations),  # type: ignore[attr-defined]
                        province=self.server.province,  # type: ignore[attr-defined]
                        published=published_builds(self.server.stations)).encode("utf-8")  # type: ignore[attr-defined]
            kind, extra = "text/html; charset=utf-8", {}
        else:
            return self._not_found(body)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        if urlsplit(self.path).path != "/api/reports" or self.server.reports is None:  # type: ignore[attr-defined]
            return self._refuse()
        try:
            length = int(self.headers.get("Content-Length", "-1"))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_REPORT_BYTES:
            self.close_connection = True            # the unread body must not be taken for the next request
            return self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > 0 else HTTPStatus.LENGTH_REQUIRED,
                                   {"error": f"báo cáo phải có độ dài, tối đa {MAX_REPORT_BYTES} byte"})
        data = self.rfile.read(length)
        status, answer = self.server.reports.receive(data)  # type: ignore[attr-defined]
        self._send_json(status, answer)


def _now() -> datetime:
    return datetime.now(PROVINCE_TZ)


def published_builds(stations: Mapping[str, Path], *, keep: int = 8) -> dict[str, dict[str, str | None]]:
    """commune -> day -> the `generated_at` of the day the province serves it (the latest `keep`
    published days of each commune), read from each published manifest."""
    out: dict[str, dict[str, str | None]] = {}
    for name, audio_out in stations.items():
        try:
            found = sorted(p.name for p in Path(audio_out).iterdir() if _DAY_NAME.fullmatch(p.name))
        except OSError:
            continue
        for day in found[-keep:]:
            try:
                manifest = json.loads((Path(audio_out) / day / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            stamp = manifest.get("generated_at") if isinstance(manifest, dict) else None
            out.setdefault(name, {})[day] = stamp if isinstance(stamp, str) else None
    return out


def make_link_server(stations: Mapping[str, Path], registry: Registry, host: str = "127.0.0.1", port: int = 0, *,
                     reports: Any = None, province: str = "", poll_s: float = 0.1,
                     handler: type[LinkHandler] | None = None) -> ThreadingHTTPServer:
    """The day delivery and the link on one port; `reports` is a `reportstore.ReportStore` (or None)."""
    server = make_server(stations, host, port, handler=handler or LinkHandler)
    server.registry = registry                 # type: ignore[attr-defined]
    server.reports = reports                   # type: ignore[attr-defined]
    server.province = province                 # type: ignore[attr-defined]
    server.watcher = Watcher(registry, poll_s)  # type: ignore[attr-defined]
    return server


def stop_link_server(server: ThreadingHTTPServer) -> None:
    server.watcher.stop()                      # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()



def open_link_server(stations: Mapping[str, Path], db_path: Path, host: str = "127.0.0.1",
                     port: int = 0, *, province: str = "") -> ThreadingHTTPServer:
    """`broadcast province serve --db`: the registry and the report store on `db_path`; reports
    are taken from the served communes only."""
    from broadcast.province.bulletins.reportstore import ReportStore

    registry = Registry(db_path)
    return make_link_server(stations, registry, host, port, province=province,
                            reports=ReportStore(db_path, known=stations))
