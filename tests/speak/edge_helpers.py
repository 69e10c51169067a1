"""A scripted stand-in for edge-tts's websocket: each call speaks, fails or stalls as the test says."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from speak_helpers import FRAME_SECONDS, mp3_frames


class ScriptedTransport:
    """Answers call n with script[n] (the last one repeats): bytes, an exception, "speak" or "stall"."""

    def __init__(self, *script) -> None:
        self.script = list(script) or ["speak"]
        self.calls: list[tuple[str, str, str, float]] = []

    async def __call__(self, sentence: str, voice: str, rate: str, timeout_s: float):
        self.calls.append((sentence, voice, rate, timeout_s))
        step = self.script[min(len(self.calls), len(self.script)) - 1]
        if step == "stall":
            await asyncio.Event().wait()
        if isinstance(step, BaseException):
            raise step
        audio = mp3_frames(max(1, round(len(sentence) * 0.06 / FRAME_SECONDS))) if step == "speak" else step
        half = len(audio) // 2
        yield audio[:half]      # the service sends audio in several binary messages
        await asyncio.sleep(0)
        yield audio[half:]


def handshake_error(status: int):
    import aiohttp

    return aiohttp.WSServerHandshakeError(SimpleNamespace(real_url="wss://x"), (), status=status)


def offline_error():
    import aiohttp

    key = SimpleNamespace(host="speech.platform.bing.com", port=443, ssl=True)
    return aiohttp.ClientConnectorDNSError(key, OSError(-3, "Temporary failure in name resolution"))
