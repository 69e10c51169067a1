"""Helpers for the speak tests: decode audio, and speak like Google's batchexecute endpoint."""

from __future__ import annotations

import base64
import io
import json
import urllib.parse
import wave

GOOGLE = "https://translate.google.com.vn"
BATCH_URL = f"{GOOGLE}/_/TranslateWebserverUi/data/batchexecute"

# One MPEG-2 Layer III frame, 32 kbit/s, 24 kHz, mono, as Google sends: 96 bytes, 24 ms.
_FRAME_HEADER = bytes([0xFF, 0xF3, 0x44, 0xC4])
_FRAME_BYTES = 96
FRAME_SECONDS = 576 / 24000


def mp3_frames(count: int, fill: int = 0) -> bytes:
    """`count` frames whose payload bytes are all `fill` (lets a test tell answers apart)."""
    return (_FRAME_HEADER + bytes([fill]) * (_FRAME_BYTES - 4)) * count


def batchexecute_body(audio: bytes) -> str:
    """What gTTS 2.5.4 parses: a line holding jQ1olc","[\\"<base64>\\"]" (see gtts/tts.py stream())."""
    payload = json.dumps([base64.b64encode(audio).decode("ascii")])
    return _rpc_answer(payload)


def garbage_body() -> str:
    """A 200 answer with the RPC name but no audio: gTTS raises gTTSError for it."""
    return _rpc_answer(None)


def _rpc_answer(payload: str | None) -> str:
    rpc = [["wrb.fr", "jQ1olc", payload, None, None, None, "generic"]]
    return ")]}'\n\n" + json.dumps(rpc, separators=(",", ":")) + "\n"


def request_text(request) -> str:
    """The text gTTS put in one batchexecute request."""
    freq = urllib.parse.parse_qs(request.body)["f.req"][0]
    return json.loads(json.loads(freq)[0][0][1])[0]


def speaking_callback(request):
    """Answers like Google: audio about 60 ms per character of the requested text."""
    frames = max(1, round(len(request_text(request)) * 0.06 / FRAME_SECONDS))
    return 200, {}, batchexecute_body(mp3_frames(frames))


def mp3_seconds(data: bytes) -> float:
    """Duration of our MPEG-2 Layer III stream by walking frame headers; AssertionError if broken."""
    assert data[:2] == b"\xff\xf3", "no MP3 frame sync at start"
    offset = frames = 0
    while offset < len(data):
        assert data[offset] == 0xFF and data[offset + 1] & 0xE0 == 0xE0, f"lost frame sync at {offset}"
        offset += _FRAME_BYTES
        frames += 1
    return frames * FRAME_SECONDS


def wav_info(data: bytes) -> tuple[int, int, int, float]:
    """(channels, sample width, rate, seconds) from a WAV header."""
    with wave.open(io.BytesIO(data)) as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes() / w.getframerate()


def audio_seconds(speech) -> float:
    if speech.format == "wav":
        channels, width, _rate, seconds = wav_info(speech.data)
        assert (channels, width) == (1, 2)
        return seconds
    assert speech.format == "mp3"
    return mp3_seconds(speech.data)
