"""Online engine: Microsoft Edge's neural Vietnamese voices through edge-tts (the only module importing it)."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import AsyncIterator, Callable

from broadcast.errors import EngineError, InputError
from broadcast.speak.base import Engine, EngineOptions, Speech, require_text
from broadcast.speak.online import Verdict, looks_like_mp3, split_sentences, with_retries

VOICES = {
    "vi-VN-HoaiMyNeural": "giọng nữ Hoài My (Bắc)",
    "vi-VN-NamMinhNeural": "giọng nam Nam Minh (Bắc)",
}
HOST = "speech.platform.bing.com"
TLS_REFUSED = ("chứng chỉ TLS của máy chủ Microsoft không hợp lệ: có thể có thiết bị chen giữa đường "
               "truyền (không dùng âm thanh từ nguồn chưa xác thực)")
_RETRY_STATUS = {429, 500, 502, 503, 504}

# transport(sentence, voice, rate, timeout_s) -> the MP3 chunks Microsoft sends. Tests pass their own.
Transport = Callable[[str, str, str, float], AsyncIterator[bytes]]


async def edge_transport(sentence: str, voice: str, rate: str, timeout_s: float) -> AsyncIterator[bytes]:
    """The real service: edge-tts's websocket, certificates verified (its own certifi SSL context)."""
    import edge_tts

    seconds = max(1, math.ceil(timeout_s))
    communicate = edge_tts.Communicate(sentence, voice, rate=rate, connect_timeout=seconds,
                                       receive_timeout=seconds)
    async for chunk in communicate.stream():
        if chunk["type"] == "audio":
            yield chunk["data"]


class EdgeEngine(Engine):
    """edge-tts, one websocket turn per sentence, with timeout, retries and backoff.

    Like gtts it fails fast when offline, and it never accepts a server whose certificate does
    not verify. edge-tts is asyncio: each sentence runs in an event loop of its own, so the
    engine works from any thread (the daemon's) and inside a running loop.
    """

    name = "edge"
    online = True
    audio_format = "mp3"

    def __init__(self, options: EngineOptions, *, transport: Transport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(options)
        if options.edge_voice not in VOICES:
            valid = ", ".join(f"{v} ({label})" for v, label in VOICES.items())
            raise InputError(f"edge không có giọng '{options.edge_voice}'. Các giọng có: {valid}.")
        if not -50 <= options.edge_rate <= 50:
            raise InputError(f"edge: edge_rate phải từ -50 đến 50 (%), đang là {options.edge_rate}.")
        if options.timeout_s <= 0 or options.retries < 0:
            raise InputError("edge: timeout_s phải lớn hơn 0 và retries không được âm "
                             f"(đang là {options.timeout_s} và {options.retries}).")
        self._transport = transport or edge_transport
        self._sleep = sleep
        self._reached = False     # after one answer, a connection error is worth retrying

    def availability(self) -> tuple[bool, str]:
        """edge-tts installed, and the service's host takes a verified TLS connection (short timeout)."""
        try:
            import edge_tts  # noqa: F401
        except ImportError:
            return False, "chưa cài gói edge-tts (pip install edge-tts)"
        if self._transport is not edge_transport:
            return True, ""    # a test's transport: nothing to probe
        return _probe_tls(HOST, min(self.options.timeout_s, 3.0))

    def synthesize(self, text: str) -> Speech:
        text = require_text(text)
        audio = b"".join(self._speak_sentence(s) for s in split_sentences(text))
        return Speech(audio, "mp3")

    def cache_key_parts(self) -> dict:
        return {"engine": self.name, "voice": self.options.edge_voice, "rate": self.options.edge_rate}

    def _speak_sentence(self, sentence: str) -> bytes:
        audio = with_retries(lambda: self._attempt(sentence), self._judge,
                             retries=self.options.retries, sleep=self._sleep)
        if not looks_like_mp3(audio):
            raise EngineError(f"máy chủ Microsoft trả về dữ liệu không phải âm thanh MP3 "
                              f"cho đoạn {sentence[:40]!r}")
        return audio

    def _attempt(self, sentence: str) -> bytes:
        rate = f"{self.options.edge_rate:+d}%"
        # A whole sentence may not take longer than three timeouts, whatever trickles in.
        limit = 3 * self.options.timeout_s

        async def collect() -> bytes:
            chunks = [c async for c in self._transport(sentence, self.options.edge_voice, rate,
                                                       self.options.timeout_s)]
            return b"".join(chunks)

        audio = run_isolated(lambda: asyncio.wait_for(collect(), limit))
        self._reached = True
        return audio

    def _judge(self, error: Exception) -> Verdict | None:
        import aiohttp
        from edge_tts import exceptions as edge_errors

        if isinstance(error, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
            return Verdict(False, TLS_REFUSED)
        if isinstance(error, aiohttp.ClientResponseError):   # WSServerHandshakeError among them
            status = error.status
            if status in _RETRY_STATUS:
                return Verdict(True, f"máy chủ Microsoft đang bận hoặc lỗi (HTTP {status}); hãy thử lại sau")
            return Verdict(False, f"máy chủ Microsoft từ chối yêu cầu (HTTP {status})")
        offline = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)   # DNS, refused, no route
        if isinstance(error, offline) and not self._reached:
            return Verdict(False, f"không có mạng (không kết nối được {HOST}: {type(error).__name__})")
        if isinstance(error, TimeoutError):   # asyncio's too, and aiohttp's read timeouts
            return Verdict(True, f"máy chủ Microsoft không trả lời sau {self.options.timeout_s:g} giây")
        if isinstance(error, edge_errors.NoAudioReceived):
            return Verdict(False, "máy chủ Microsoft trả lời nhưng không có âm thanh")
        if isinstance(error, (aiohttp.ClientError, OSError, edge_errors.EdgeTTSException)):
            return Verdict(True, f"mất kết nối tới máy chủ Microsoft ({type(error).__name__})")
        return None


def run_isolated(make_coroutine: Callable):
    """Run a coroutine to the end in a fresh event loop; in a thread of its own when this one has a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    result: dict = {}

    def worker() -> None:
        try:
            result["value"] = asyncio.run(make_coroutine())
        except BaseException as e:   # handed to the caller's thread below
            result["error"] = e

    thread = threading.Thread(target=worker, name="edge-tts", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _probe_tls(host: str, timeout_s: float, port: int = 443) -> tuple[bool, str]:
    """(True, "") when `host` completes a TLS handshake whose certificate verifies."""
    import socket
    import ssl

    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            with context.wrap_socket(sock, server_hostname=host):
                return True, ""
    except ssl.SSLCertVerificationError:
        return False, TLS_REFUSED
    except OSError as e:
        return False, f"không có mạng (không kết nối được {host}: {type(e).__name__})"
