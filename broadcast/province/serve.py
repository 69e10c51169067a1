"""Read-only HTTP of the province's published days, for communes to fetch (`broadcast province serve`).

    GET /                                  {"stations": ["xa-001", ...]}
    GET /<station>/                        {"station": ..., "days": ["2026-12-07", ...]}
    GET /<station>/<YYYY-MM-DD>/<file>     manifest.json, manifest.json.sig, playlist.m3u8, or a
                                           programme file named in that day's manifest

GET and HEAD only (any other method: 405); byte ranges (`Range: bytes=A-` or `A-B`) answer 206,
so an interrupted download resumes. A request path never reaches the file system unchecked:
the station is looked up in the configured set, the day must be a date, and a file name must be
one the day's manifest lists.

Everything it sends is data, never a page: every answer carries `X-Content-Type-Options: nosniff`
and a `Content-Security-Policy` of `default-src 'none'; sandbox`, so a title typed with markup in a
commune's console cannot run in a browser that opens the feed; its JSON writes < > & as \\u escapes
(as the published manifest does: `broadcast.publish.day.json_text`).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from broadcast.publish.day import MANIFEST, PLAYLIST, SIGNATURE, json_text

FIXED_FILES = (MANIFEST, SIGNATURE, PLAYLIST)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
CHUNK = 1 << 16
DATA_ONLY = (("X-Content-Type-Options", "nosniff"), ("Content-Security-Policy", "default-src 'none'; sandbox"))


def published_files(day_folder: Path) -> set[str]:
    """The names a day may serve: the fixed files and every programme file of its manifest."""
    try:
        manifest = json.loads((day_folder / MANIFEST).read_text(encoding="utf-8"))
        names = {str(p["file"]) for p in manifest["programmes"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {n for n in names if _FILE.fullmatch(n)} | set(FIXED_FILES)


class DayHandler(BaseHTTPRequestHandler):
    """Answers from `server.stations` (name -> audio_out folder) and nothing else."""

    server_version = "broadcast-province"
    protocol_version = "HTTP/1.1"

    def end_headers(self) -> None:
        for name, value in DATA_ONLY:
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _refuse(self) -> None:
        self._send_json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "chỉ cho phép GET và HEAD"},
                        extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the http.server signature
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    # -- routing

    def _answer(self, *, body: bool) -> None:
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/")]
        parts = [p for p in parts[1:] if p != ""] if parts else []
        stations: Mapping[str, Path] = self.server.stations          # type: ignore[attr-defined]
        if not parts:
            return self._send_json(HTTPStatus.OK, {"stations": sorted(stations)}, body=body)
        if parts[0] not in stations:
            return self._not_found(body)
        audio_out = stations[parts[0]]
        if len(parts) == 1:
            days = sorted(p.name for p in audio_out.iterdir()
                          if _DAY.fullmatch(p.name) and (p / MANIFEST).is_file()) if audio_out.is_dir() else []
            return self._send_json(HTTPStatus.OK, {"station": parts[0], "days": days}, body=body)
        if len(parts) != 3 or not _DAY.fullmatch(parts[1]) or parts[2] not in published_files(audio_out / parts[1]):
            return self._not_found(body)
        self._send_file(audio_out / parts[1] / parts[2], body=body)

    # -- answers

    def _not_found(self, body: bool) -> None:
        self._send_json(HTTPStatus.NOT_FOUND, {"error": "không có"}, body=body)

    def _send_json(self, status: HTTPStatus, data: dict, *, body: bool = True,
                   extra: Mapping[str, str] | None = None) -> None:
        payload = json_text(data).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def _send_file(self, path: Path, *, body: bool) -> None:
        try:
            handle = path.open("rb")
        except OSError:
            return self._not_found(body)
        with handle:
            size = path.stat().st_size
            start, end = 0, size - 1
            status = HTTPStatus.OK
            wanted = self.headers.get("Range")
            if wanted:
                match = _RANGE.fullmatch(wanted.strip())
                first = int(match.group(1)) if match and match.group(1) else None
                last = int(match.group(2)) if match and match.group(2) else None
                if match is None or first is None or first >= size or (last is not None and last < first):
                    self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                start, end = first, min(size - 1, last if last is not None else size - 1)
                status = HTTPStatus.PARTIAL_CONTENT
            length = max(0, end - start + 1)
            self.send_response(status)
            self.send_header("Content-Type", _content_type(path.name))
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            if status == HTTPStatus.PARTIAL_CONTENT:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            if body:
                handle.seek(start)
                self.copy_body(handle, length)

    def copy_body(self, handle, length: int) -> None:
        """Send `length` bytes of the open file (a test server overrides it to cut a transfer)."""
        shutil.copyfileobj(_Limited(handle, length), self.wfile, CHUNK)


class _Limited:
    def __init__(self, handle, remaining: int) -> None:
        self.handle, self.remaining = handle, remaining

    def read(self, n: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        data = self.handle.read(min(n if n > 0 else CHUNK, self.remaining))
        self.remaining -= len(data)
        return data


def _content_type(name: str) -> str:
    return {".json": "application/json", ".sig": "text/plain; charset=ascii", ".m3u8": "audio/x-mpegurl",
            ".mp3": "audio/mpeg", ".wav": "audio/wav"}.get(Path(name).suffix, "application/octet-stream")


class _Server(ThreadingHTTPServer):
    """A backlog for a province's communes connecting at once (socketserver's default is 5)."""

    request_queue_size = 256


def make_server(stations: Mapping[str, Path], host: str = "127.0.0.1", port: int = 0, *,
                handler: type[DayHandler] = DayHandler, verbose: bool = False) -> ThreadingHTTPServer:
    """A server for `stations` (URL name -> that station's audio_out folder); port 0 picks a free one."""
    server = _Server((host, port), handler)
    server.daemon_threads = True
    server.stations = dict(stations)            # type: ignore[attr-defined]
    server.verbose = verbose                    # type: ignore[attr-defined]
    return server
