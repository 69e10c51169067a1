"""Online engine: Google Translate's Vietnamese voice through gTTS (the only module importing gtts)."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable

from broadcast.errors import EngineError, InputError
from broadcast.speak.base import Engine, EngineOptions, Speech, require_text
from broadcast.speak.online import Verdict, looks_like_mp3, split_sentences, with_retries

_RETRY_STATUS = {429, 500, 502, 503, 504}
_AUDIO_LINE = re.compile(r'jQ1olc","\[\\"(.*)\\"]')   # what gtts/tts.py stream() looks for
TLS_REFUSED = ("chứng chỉ TLS của máy chủ không hợp lệ: có thể có thiết bị chen giữa đường truyền "
               "(không dùng âm thanh từ nguồn chưa xác thực)")

__all__ = ["GttsEngine", "split_sentences"]


class GttsEngine(Engine):
    """gTTS, one request series per sentence, with timeout, retries and backoff.

    It fails fast when offline: the first failed connection ends the programme for this engine
    ("không có mạng") instead of waiting through every retry of every sentence.

    gTTS itself sends with certificate verification off (`verify=False` in `gtts/tts.py`) and
    silences urllib3's warning for the whole process: anyone on the path could substitute
    the audio that airs. So gTTS only prepares the requests; they go out through a session of
    ours with verification on, and its `stream()` is never called.
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
            return False, TLS_REFUSED
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
        from gtts import gTTS
        from gtts.tokenizer import pre_processors

        try:
            tts = gTTS(sentence, lang="vi", tld=self.options.tld, slow=self.options.slow, lang_check=False,
                       # the default list also holds English abbreviation rules
                       pre_processor_funcs=[pre_processors.tone_marks, pre_processors.end_of_line])
            prepared = tts._prepare_requests()   # gTTS 2.5.4 (pinned): one request per chunk
        except AssertionError as e:   # gTTS asserts on text it finds empty after its own cleaning
            raise EngineError(f"gTTS không nhận đoạn văn bản {sentence[:60]!r}") from e
        audio = b"".join(with_retries(lambda pr=pr: self._send(pr), self._judge,
                                      retries=self.options.retries, sleep=self._sleep)
                         for pr in prepared)
        if not looks_like_mp3(audio):
            raise EngineError(f"máy chủ Google trả về dữ liệu không phải âm thanh MP3 "
                              f"cho đoạn {sentence[:40]!r}")
        return audio

    def _send(self, prepared) -> bytes:
        """One prepared request through our own session: certificates verified, timeouts set."""
        import urllib.request

        import requests

        timeout = (min(self.options.timeout_s, 5.0), self.options.timeout_s)   # (connect, read)
        with requests.Session() as session:
            response = session.send(prepared, verify=True, proxies=urllib.request.getproxies(),
                                    timeout=timeout)
            response.raise_for_status()
            self._reached_google = True
            for line in response.iter_lines(chunk_size=1024):
                decoded = line.decode("utf-8", errors="replace")
                if "jQ1olc" in decoded:
                    found = _AUDIO_LINE.search(decoded)
                    if not found:
                        raise _NoAudio()
                    return base64.b64decode(found.group(1).encode("ascii"))
        return b""   # no RPC line at all (a captcha page ...): the caller finds no MP3 in it

    def _judge(self, error: Exception) -> Verdict | None:
        """Whether a failed request is worth retrying, and the reason for the officer."""
        import binascii

        import requests

        if isinstance(error, (_NoAudio, binascii.Error)):
            return Verdict(False, "máy chủ Google trả lời nhưng không có âm thanh "
                                  "(có thể Google đã đổi giao thức)")
        if isinstance(error, requests.exceptions.SSLError):
            return Verdict(False, TLS_REFUSED)
        if isinstance(error, requests.exceptions.HTTPError):
            response = error.response
            status = response.status_code
            retry_after = response.headers.get("Retry-After", "")
            wait = float(retry_after) if retry_after.isdigit() else None
            if status == 429:
                return Verdict(True, "Google từ chối vì gửi quá nhiều yêu cầu (HTTP 429); hãy thử lại sau", wait)
            if status >= 500:
                return Verdict(True, f"máy chủ Google đang lỗi (HTTP {status}); hãy thử lại sau", wait)
            return Verdict(False, f"máy chủ Google từ chối yêu cầu (HTTP {status}: {response.reason})")
        if isinstance(error, requests.exceptions.ConnectionError) and not self._reached_google:
            return Verdict(False, self._offline_reason(error))   # includes ConnectTimeout
        if isinstance(error, requests.exceptions.Timeout):
            return Verdict(True, f"máy chủ Google không trả lời sau {self.options.timeout_s:g} giây "
                                 f"({self.host})")
        if isinstance(error, requests.exceptions.RequestException):
            return Verdict(True, f"mất kết nối tới máy chủ Google ({type(error).__name__})")
        return None

    def _offline_reason(self, cause: BaseException | None) -> str:
        detail = type(cause).__name__ if cause is not None else "lỗi kết nối"
        return f"không có mạng (không kết nối được {self.host}: {detail})"


class _NoAudio(Exception):
    """Google answered 200 without the audio line."""
