"""Online engine: Google Translate's Vietnamese voice through gTTS (the only module importing gtts)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

from broadcast.errors import EngineError, InputError
from broadcast.speak.base import Engine, EngineOptions, Speech, require_text, speakable

_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+")
_RETRY_STATUS = {429, 500, 502, 503, 504}
_MAX_BACKOFF_S = 30.0


class GttsEngine(Engine):
    """gTTS, one request series per sentence, with timeout, retries and backoff.

    It fails fast when offline: the first failed connection ends the programme for this engine
    ("không có mạng") instead of waiting through every retry of every sentence.
    """

    name = "gtts"
    online = True
    audio_format = "mp3"

    def __init__(self, options: EngineOptions, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(options)
        if options.timeout_s <= 0 or options.retries < 0:
            raise InputError("gtts: timeout_s phải lớn hơn 0 và retries không được âm "
                             f"(đang là {options.timeout_s} và {options.retries}).")
        self._sleep = sleep
        self._reached_google = False   # after one answer, a connection error is worth retrying

    @property
    def host(self) -> str:
        return f"translate.google.{self.options.tld}"

    def availability(self) -> tuple[bool, str]:
        """Checks that gTTS is installed and Google answers (one HEAD request, short timeout)."""
        try:
            import gtts  # noqa: F401
            import requests
        except ImportError:
            return False, "chưa cài gói gTTS (pip install gTTS)"
        try:
            requests.head(f"https://{self.host}/", timeout=min(self.options.timeout_s, 3.0),
                          allow_redirects=False)
        except requests.exceptions.SSLError:
            pass   # something answered (a TLS-inspecting proxy); gTTS does not verify certificates
        except requests.exceptions.RequestException as e:
            return False, self._offline_reason(e)
        return True, ""

    def synthesize(self, text: str) -> Speech:
        text = require_text(text)
        audio = b"".join(self._speak_sentence(s) for s in split_sentences(text))
        return Speech(audio, "mp3")

    def cache_key_parts(self) -> dict:
        return {"engine": self.name, "lang": "vi", "slow": self.options.slow, "tld": self.options.tld}

    def _speak_sentence(self, sentence: str) -> bytes:
        from gtts import gTTS, gTTSError
        from gtts.tokenizer import pre_processors

        attempt = 0
        while True:
            out = io.BytesIO()
            try:
                timeout = (min(self.options.timeout_s, 5.0), self.options.timeout_s)   # (connect, read)
                tts = gTTS(sentence, lang="vi", tld=self.options.tld, slow=self.options.slow,
                           lang_check=False, timeout=timeout,
                           # the default list also holds English abbreviation rules
                           pre_processor_funcs=[pre_processors.tone_marks, pre_processors.end_of_line])
                tts.write_to_fp(out)
            except AssertionError as e:   # gTTS asserts on text it finds empty after its own cleaning
                raise EngineError(f"gTTS không nhận đoạn văn bản {sentence[:60]!r}") from e
            except gTTSError as e:
                retry, reason = self._judge(e)
                if not retry or attempt >= self.options.retries:
                    raise EngineError(reason) from e
                self._sleep(self._backoff(attempt, e))
                attempt += 1
                continue
            self._reached_google = True
            audio = out.getvalue()
            if not _looks_like_mp3(audio):
                raise EngineError(f"máy chủ Google trả về dữ liệu không phải âm thanh MP3 "
                                  f"cho đoạn {sentence[:40]!r}")
            return audio

    def _judge(self, error) -> tuple[bool, str]:
        """(worth retrying, reason for the officer) for a gTTSError."""
        import requests

        response = error.rsp
        if response is None:
            cause = error.__context__
            if isinstance(cause, requests.exceptions.ConnectionError) and not self._reached_google:
                return False, self._offline_reason(cause)   # includes ConnectTimeout
            if isinstance(cause, requests.exceptions.Timeout):
                return True, (f"máy chủ Google không trả lời sau {self.options.timeout_s:g} giây "
                              f"({self.host})")
            return True, f"mất kết nối tới máy chủ Google ({type(cause).__name__})"
        status = response.status_code
        if status == 429:
            return True, "Google từ chối vì gửi quá nhiều yêu cầu (HTTP 429); hãy thử lại sau"
        if status >= 500:
            return True, f"máy chủ Google đang lỗi (HTTP {status}); hãy thử lại sau"
        if status == 200:
            return False, "máy chủ Google trả lời nhưng không có âm thanh (có thể Google đã đổi giao thức)"
        return False, f"máy chủ Google từ chối yêu cầu (HTTP {status}: {error})"

    def _offline_reason(self, cause: BaseException | None) -> str:
        detail = type(cause).__name__ if cause is not None else "lỗi kết nối"
        return f"không có mạng (không kết nối được {self.host}: {detail})"

    def _backoff(self, attempt: int, error) -> float:
        retry_after = error.rsp.headers.get("Retry-After", "") if error.rsp is not None else ""
        if retry_after.isdigit():
            return min(float(retry_after), _MAX_BACKOFF_S)
        return min(1.0 * 2 ** attempt, _MAX_BACKOFF_S)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, each still ending with its punctuation; pieces with nothing to say dropped.

    "Xin chào bà con. Sáng mai họp thôn!" → ["Xin chào bà con.", "Sáng mai họp thôn!"]
    """
    return [s.strip() for s in _SENTENCE_END.split(text) if speakable(s)]


def _looks_like_mp3(data: bytes) -> bool:
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
