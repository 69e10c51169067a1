"""Offline engine: libespeak-ng from the espeakng-loader wheel, driven through ctypes."""

from __future__ import annotations

import _ctypes
import ctypes
import os
import threading
import unicodedata
from importlib import metadata
from pathlib import Path

from broadcast.errors import EngineError, InputError
from broadcast.speak.base import Engine, EngineOptions, Speech, require_text, wav_bytes

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
_RATE, _PITCH = 1, 3
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

# libespeak-ng is one global state and not thread-safe: every call goes through this lock.
_LOCK = threading.Lock()


class EspeakEngine(Engine):
    """espeak-ng Vietnamese voices; always available where the wheel installs (Linux, Windows)."""

    name = "espeak"
    online = False
    audio_format = "wav"

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        voice = options.voice.lower()
        if voice not in VOICES:
            valid = ", ".join(f"{v} ({label})" for v, label in VOICES.items())
            raise InputError(f"espeak không có giọng '{options.voice}'. Các giọng có: {valid}.")
        for label, value, (low, high) in (("tốc độ đọc (rate)", options.rate, RATE_RANGE),
                                          ("cao độ (pitch)", options.pitch, PITCH_RANGE)):
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
        text = require_text(text)
        with _LOCK:
            pcm = _synthesize_fresh(text, self.voice, self.options.rate, self.options.pitch)
        if not pcm:
            raise EngineError(f"espeak không tạo ra âm thanh cho đoạn: {text[:60]!r}")
        return Speech(wav_bytes(pcm, SAMPLE_RATE), "wav")

    def cache_key_parts(self) -> dict:
        return {"engine": self.name, "voice": self.voice, "rate": self.options.rate,
                "pitch": self.options.pitch, "library": _loader_version()}


def _library_paths() -> tuple[str, str]:
    try:
        import espeakng_loader
        return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except (ImportError, RuntimeError) as e:
        raise EngineError(f"chưa cài gói espeakng-loader hoặc gói bị hỏng ({e})",
                          hint="Cài lại: pip install espeakng-loader") from e


def _loader_version() -> str:
    try:
        return metadata.version("espeakng-loader")
    except metadata.PackageNotFoundError:
        return "?"


def _synthesize_fresh(text: str, voice: str, rate: int, pitch: int) -> bytes:
    """Load the library, speak, unload: raw 16-bit samples at 22050 Hz. Call with _LOCK held.

    espeak-ng keeps synthesis state in C statics (pitch flutter phase, gain control, cycle
    count) that espeak_Terminate does not reset, so the same text spoken twice in one process
    gives different samples. Unloading the library after each text resets them, which makes
    the output depend only on (text, voice, rate, pitch); it costs about 3 ms per text.
    """
    lib_path, data_path = _library_paths()
    try:
        lib = ctypes.CDLL(lib_path)
    except OSError as e:
        raise EngineError(f"không nạp được thư viện libespeak-ng ({e})") from e
    chunks: list[bytes] = []

    def collect(samples, count, _events):
        if samples and count > 0:
            chunks.append(ctypes.string_at(samples, count * 2))
        return 0

    callback = _SynthCallback(collect)   # must stay referenced until the library is unloaded
    try:
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        rate_hz = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, _c_path(data_path),
                                        _INITIALIZE_DONT_EXIT)
        if rate_hz != SAMPLE_RATE:
            raise EngineError(f"espeak không khởi động được với dữ liệu ở {data_path} (mã {rate_hz})")
        try:
            lib.espeak_SetSynthCallback(callback)
            if lib.espeak_SetVoiceByName(voice.encode("ascii")) != 0:
                raise EngineError(f"thư viện espeak không nạp được giọng '{voice}'")
            lib.espeak_SetParameter(_RATE, rate, 0)
            lib.espeak_SetParameter(_PITCH, pitch, 0)
            data = unicodedata.normalize("NFC", text).encode("utf-8") + b"\0"
            status = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if status != 0:
                raise EngineError(f"espeak báo lỗi khi đọc (mã {status})")
            lib.espeak_Synchronize()
        finally:
            lib.espeak_Terminate()
    finally:
        _unload(lib)
    return b"".join(chunks)


def _c_path(path: str) -> bytes:
    # espeak-ng opens files with the narrow C API: the ANSI code page on Windows.
    return path.encode("mbcs") if os.name == "nt" else os.fsencode(path)


def _unload(lib: ctypes.CDLL) -> None:
    if os.name == "nt":
        _ctypes.FreeLibrary(lib._handle)
    else:
        _ctypes.dlclose(lib._handle)
