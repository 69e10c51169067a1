"""The receiver's requests to its station: pairing, and every later request signed with its key."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from broadcast.atomic import write_bytes_atomic
from broadcast.clusters import protocol
from broadcast.errors import DeliveryError, InputError
from broadcast.receiver.config import ReceiverConfig

TIMEOUT_S = 20.0
MAX_ANSWER = 1 << 20
CHUNK = 64 << 10


def pair_request(station_url: str, code: str, public_key: str, timeout: float = TIMEOUT_S) -> dict[str, Any]:
    """POST /pair; the station's answer (cluster, zone, station, station_public_key) or an error."""
    if not re.match(r"https?://", station_url):
        raise InputError(f"địa chỉ đài '{station_url}' không hợp lệ", hint="ví dụ: http://10.0.0.2:8791")
    return _call("POST", station_url.rstrip("/") + "/pair", {"code": code, "public_key": public_key}, {}, timeout)


class StationLink:
    """Signed requests of one paired receiver."""

    def __init__(self, config: ReceiverConfig, timeout: float = TIMEOUT_S) -> None:
        self.config = config
        self.key = config.key()
        self.timeout = timeout

    def headers(self, url: str, method: str = "GET", body: bytes = b"") -> Mapping[str, str]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return protocol.signed_headers(self.config.cluster, self.key, method, path, body)

    def get(self, path: str, timeout: float | None = None) -> dict[str, Any]:
        url = self.config.station_url.rstrip("/") + path
        return _call("GET", url, None, self.headers(url), timeout or self.timeout)

    def download(self, path: str, target: Path, limit: int, *, within_s: float | None = None) -> None:
        """A signed GET of a file into `target` (at most `limit` bytes, all of it within `within_s` seconds when
        given: a link that drips is given up); DeliveryError when it fails. A body cut short is written as it
        came: the caller checks its size and hash."""
        url = self.config.station_url.rstrip("/") + path
        request = urllib.request.Request(url, headers=dict(self.headers(url)))
        give_up = None if within_s is None else time.monotonic() + within_s
        parts, got = [], 0
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:   # noqa: S310 - scheme checked
                while got <= limit and (part := response.read1(min(CHUNK, limit + 1 - got))):
                    parts.append(part)
                    got += len(part)
                    if give_up is not None and time.monotonic() > give_up and got < limit:
                        raise DeliveryError(f"tệp {path} đến quá chậm: sau {within_s:g} giây mới nhận {got} byte",
                                            path=url, hint="kiểm tra mạng 4G; đài sẽ gửi lại khi còn hạn")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise DeliveryError(f"không tải được {path}: {getattr(exc, 'reason', exc)}", path=url) from None
        data = b"".join(parts)
        if len(data) > limit:
            raise DeliveryError(f"tệp {path} lớn hơn đài báo", path=url)
        write_bytes_atomic(target, data, durable=False)      # checked by its hash before use: no fsync

    def post(self, path: str, data: Mapping[str, Any]) -> dict[str, Any]:
        url = self.config.station_url.rstrip("/") + path
        body = json.dumps(dict(data), ensure_ascii=False).encode("utf-8")
        return _call("POST", url, body, self.headers(url, "POST", body), self.timeout)


def _call(method: str, url: str, data: Any, headers: Mapping[str, str], timeout: float) -> dict[str, Any]:
    body = data if isinstance(data, bytes) or data is None else json.dumps(data, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:   # noqa: S310 - scheme checked
            raw = response.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        try:
            why = json.loads(exc.read(4096).decode("utf-8")).get("error")
        except (ValueError, UnicodeDecodeError, AttributeError):
            why = None
        raise DeliveryError(f"đài từ chối ({exc.code}): {why or exc.reason}", path=url) from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"không kết nối được đài: {getattr(exc, 'reason', exc)}", path=url,
                            hint="kiểm tra mạng 4G và địa chỉ đài; cụm loa vẫn phát theo lịch đã tải") from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError("đài trả lời không phải JSON", path=url) from None
    if not isinstance(answer, dict):
        raise DeliveryError("đài trả lời sai cấu trúc", path=url)
    return answer
