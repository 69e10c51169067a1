"""Offline engine: libespeak-ng from the espeakng-loader wheel, driven through ctypes."""

from __future__ import annotations

import _ctypes
import ctypes
import functools
import io
import os
import threading
import unicodedata
from pathlib import Path
from typing import BinaryIO

from broadcast.audio.wavheader import HEADER_BYTES, wav_header
from broadcast.errors import EngineError, InputError
from broadcast.speak.base import Engine, EngineOptions, Speech, require_text

VOICES = {
    "vi": "giọng Bắc",
    "vi-vn-x-central": "giọng Trung (Huế)",
    "vi-vn-x-south": "giọng Nam (Sài Gòn)",
}
RATE_RANGE = (80, 450)       # words per minute, espeakRATE_MINIMUM..espeakRATE_MAXIMUM
PITCH_RANGE = (0, 99)
SAMPLE_RATE = 22050

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000   # without it a broken data folder calls exit() inside the library
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_RATE, _PITCH, _RANGE, _WORDGAP = 1, 3, 4, 7
PITCH_RANGE_RANGE = (0, 99)
WORD_GAP_RANGE = (0, 50)      # tens of milliseconds: up to half a second between words
# (samples, count, events): the samples as an address, which costs less per call than a POINTER object
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)

# libespeak-ng is one global state and not thread-safe: every call goes through this lock.
_LOCK = threading.Lock()


class EspeakEngine(Engine):
    """espeak-ng Vietnamese voices; always available where the wheel installs (Linux, Windows)."""

    name = "espeak"
    online = False
    audio_format = "wav"
    sample_rate = SAMPLE_RATE

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        voice = options.voice.lower()
        if voice not in VOICES:
            valid = ", ".join(f"{v} ({label})" for v, label in VOICES.items())
            raise InputError(f"espeak không có giọng '{options.voice}'. Các giọng có: {valid}.")
        for label, value, (low, high) in (("tốc độ đọc (rate)", options.rate, RATE_RANGE),
                                          ("cao độ (pitch)", options.pitch, PITCH_RANGE),
                                          ("biên độ cao độ (pitch_range)", options.pitch_range,
                                           PITCH_RANGE_RANGE),
                                          ("khoảng nghỉ giữa các từ (word_gap)", options.word_gap,
                                           WORD_GAP_RANGE)):
            if not low <= value <= high:
                raise InputError(f"espeak: {label} phải từ {low} đến {high}, đang là {value}.")
        self.voice = voice

    def availability(self) -> tuple[bool, str]:
        try:
            lib, data = _library_paths()
        except EngineError as e:
            return False, e.message
        if not Path(lib).is_file():
            return False, f"không thấy thư viện libespeak-ng ở {lib}"
        if not (Path(data) / "vi_dict").is_file():
            return False, f"thiếu từ điển tiếng Việt (vi_dict) trong {data}"
        with _LOCK:
            try:
                _unload(ctypes.CDLL(lib))
            except OSError as e:
                return False, f"không nạp được thư viện libespeak-ng ({e})"
        return True, ""

    def synthesize(self, text: str) -> Speech:
        out = io.BytesIO()
        self.synthesize_to(text, out)
        return Speech(out.getvalue(), "wav")

    def synthesize_to(self, text: str, out: BinaryIO) -> None:
        """The WAV written into `out` as the library hands the samples over (see `_synthesize_fresh`)."""
        text = require_text(text)
        with _LOCK:
            samples = _synthesize_fresh(text, self.voice, self._parameters(), out)
        if not samples:
            raise EngineError(f"espeak không tạo ra âm thanh cho đoạn: {text[:60]!r}")

    def cache_key_parts(self) -> dict:
        return {"engine": self.name, "voice": self.voice, "rate": self.options.rate,
                "pitch": self.options.pitch, "pitch_range": self.options.pitch_range,
                "word_gap": self.options.word_gap, "library": _loader_version()}

    def _parameters(self) -> tuple[tuple[int, int], ...]:
        o = self.options
        return ((_RATE, o.rate), (_PITCH, o.pitch), (_RANGE, o.pitch_range), (_WORDGAP, o.word_gap))


@functools.lru_cache(maxsize=1)
def _library_paths() -> tuple[str, str]:
    """(library, data folder) of the installed wheel; found once per process (0.2 ms a call, asked at
    every load and cache key). An error is not kept: a repaired install is seen at the next call."""
    try:
        import espeakng_loader
        return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except (ImportError, RuntimeError) as e:
        raise EngineError(f"chưa cài gói espeakng-loader hoặc gói bị hỏng ({e})",
                          hint="Cài lại: pip install espeakng-loader") from e


def _loader_version() -> str:
    """espeakng-loader's version, in the cache key (another library speaks differently).

    Read once per installed library file: importlib.metadata finds and parses the package's
    METADATA at every call (0.2 ms; a cold build asks 46 times). A library replaced while the
    daemon runs (an upgrade) has another inode, size or time, so its version is read again.
    """
    try:
        found = os.stat(_library_paths()[0])
        stamp = (found.st_ino, found.st_size, found.st_mtime_ns)
    except (EngineError, OSError):
        stamp = None
    return _version_of_loader(stamp)


@functools.lru_cache(maxsize=4)
def _version_of_loader(_stamp: tuple[int, int, int] | None) -> str:
    from importlib import metadata

    try:
        return metadata.version("espeakng-loader")
    except metadata.PackageNotFoundError:
        return "?"


def _synthesize_fresh(text: str, voice: str, parameters: tuple[tuple[int, int], ...], out: BinaryIO) -> int:
    """Load the library, speak into `out` a 16-bit mono WAV at 22050 Hz, unload; the bytes of samples
    written (0: no sound). `out` is seekable: the header, whose lengths are known at the end, is
    written last over the 44 bytes kept for it. Call with _LOCK held.

    The samples go into `out` as the library hands them over, 60 ms at a time, straight from the
    library's buffer (no copy of the clip in memory when `out` is the speech cache's file: a
    column episode of several minutes is megabytes, and a cold build's peak memory was theirs).
    A write that fails (a full disk) stops the library, and its error is raised here.

    espeak-ng keeps synthesis state in C statics (pitch flutter phase, gain control, cycle
    count) that espeak_Terminate does not reset, so the same text spoken twice in one process
    gives different samples. Unloading the library after each text resets them, which makes
    the output depend only on (text, voice, parameters); it costs about 0.3 ms per text.
    """
    start = out.tell()
    out.write(bytes(HEADER_BYTES))          # the header, once the length is known
    write, char = out.write, ctypes.c_char
    written = 0
    failed: list[BaseException] = []

    def collect(samples, count, _events):
        nonlocal written
        if samples and count > 0:
            try:
                write((char * (count * 2)).from_address(samples))
            except BaseException as e:      # ctypes would print it and go on: stop the library instead
                failed.append(e)
                return 1
            written += count * 2
        return 0

    callback = _SynthCallback(collect)   # must stay referenced until the library is unloaded
    lib = _initialized(voice)
    try:
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_SetSynthCallback(callback)
        for parameter, value in parameters:
            lib.espeak_SetParameter(parameter, value, 0)
        data = unicodedata.normalize("NFC", text).encode("utf-8") + b"\0"
        status = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if failed:
            raise failed[0]
        if status != 0:
            raise EngineError(f"espeak báo lỗi khi đọc (mã {status})")
        lib.espeak_Synchronize()
    finally:
        lib.espeak_Terminate()
        _unload(lib)
    out.seek(start)
    out.write(wav_header(rate=SAMPLE_RATE, channels=1, sample_width=2, data_bytes=written))
    out.seek(0, io.SEEK_END)
    return written


def phonemize(clauses: list[str], voice: str) -> list[str]:
    """IPA phonemes of each clause (espeak_TextToPhonemes), in one load of the library, under _LOCK.

    For voices that read with espeak's phonemes (Piper): "xin chào" → "sˈin tʃˈaːw"-like IPA.
    espeak returns one clause per call and drops the punctuation; the caller splits and keeps it.
    """
    with _LOCK:
        lib = _initialized(voice)
        try:
            lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
            lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
            out = []
            for clause in clauses:
                buffer = ctypes.create_string_buffer(unicodedata.normalize("NFC", clause).encode("utf-8"))
                pointer = ctypes.c_char_p(ctypes.addressof(buffer))
                pieces = []
                while pointer.value:
                    result = lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA)
                    if result:
                        pieces.append(result.decode("utf-8", errors="replace").strip())
                out.append(" ".join(p for p in pieces if p))
            return out
        finally:
            lib.espeak_Terminate()
            _unload(lib)


def _initialized(voice: str) -> ctypes.CDLL:
    """The library loaded and initialized with `voice`; the caller terminates and unloads it. Under _LOCK."""
    lib_path, data_path = _library_paths()
    try:
        lib = ctypes.CDLL(lib_path)
    except OSError as e:
        raise EngineError(f"không nạp được thư viện libespeak-ng ({e})") from e
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    rate_hz = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, _c_path(data_path), _INITIALIZE_DONT_EXIT)
    if rate_hz != SAMPLE_RATE:
        _unload(lib)
        raise EngineError(f"espeak không khởi động được với dữ liệu ở {data_path} (mã {rate_hz})")
    if lib.espeak_SetVoiceByName(_voice_file(voice, data_path).encode("ascii", errors="replace")) != 0:
        lib.espeak_Terminate()
        _unload(lib)
        raise EngineError(f"thư viện espeak không nạp được giọng '{voice}'")
    return lib


@functools.lru_cache(maxsize=16)
def _voice_file(voice: str, data_path: str) -> str:
    """The voice as the library finds it fastest: its file under lang/ ("aav/vi") when there is one.

    espeak_SetVoiceByName first opens the name (lower-cased) as a file under voices/ and lang/;
    only when there is none does it read all ~250 voice files of the data folder to find the
    voice by name, at every load (1.2 ms, most of the kernel time of a text). The same file is
    read either way, so the samples are the same (tests/speak/test_espeak_loading.py).
    """
    lang = Path(data_path) / "lang"
    if voice.isascii() and voice.replace("-", "").isalnum() and lang.is_dir():
        for family in sorted(lang.iterdir()):
            if (family / voice).is_file():
                return f"{family.name}/{voice}"
    return voice


def _c_path(path: str) -> bytes:
    # espeak-ng opens files with the narrow C API: the ANSI code page on Windows.
    return path.encode("mbcs") if os.name == "nt" else os.fsencode(path)


def _unload(lib: ctypes.CDLL) -> None:
    if os.name == "nt":
        _ctypes.FreeLibrary(lib._handle)
    else:
        _ctypes.dlclose(lib._handle)
