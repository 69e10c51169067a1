"""PulseAudio from the player process itself (libpulse through ctypes): a stream opened corked, pre-filled, uncorked at the slot.

What the gated player uses for a `device` output on PulseAudio when `libpulse.so.0` loads (else
it pipes to `pacat`). Before the slot, `PulseSink.open()` connects (one `PulseConnection` per
player: a threaded main loop and a context, no Python callback, so its C thread never needs the
GIL) and creates a playback stream `START_CORKED`; `arm(prefill)` writes the pre-filled audio
into the server's buffer while it is corked. At the slot `first()` only uncorks it: one small
message, sent by the main loop's thread (made real-time with the player's main thread for the
wait and the start, see `broadcast.play.realtime`), after which the server plays audio it already
holds: nothing is decoded, piped or copied at the slot, and no other process (`pacat`) has to be
scheduled. `first()` returns once the server has acknowledged the uncork (bounded by `ACK_S`).
The rest is written by a feeder thread as the server asks for it (`TARGET_S` asked as the stream's
latency with ADJUST_LATENCY: the server splits it between the sink and this stream's buffer, room
for a normal-priority thread on a loaded machine).

`PulseSink` has the interface of `broadcast.play.gate.Sink`: `write()` never raises, a failure
marks the sink failed (said in Vietnamese). The library is reached through `Lib`, a thin ctypes
binding, so the sink's logic is tested with a stand-in and no sound server.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import queue
import threading
import time
from typing import Any

TARGET_S = 0.5            # the latency asked of the server (ADJUST_LATENCY: about half is this stream's buffer)
PREBUF_S = 0.02           # after an underrun, playback resumes once 20 ms are queued
ACK_S = 0.5               # the longest `first()` waits for the server to acknowledge the uncork
CONNECT_S = 10.0          # the longest the connection and the stream may take to be ready
POLL_S = 0.005            # the feeder's wait when the server's buffer is full
STALL_S = 5.0             # a stream that takes no audio for this long has failed
DRAIN_S = 5.0             # the longest the end waits for the server to play what it holds (pre-fill + tlength)
S16LE = 3
CONTEXT_READY, CONTEXT_FAILED, CONTEXT_TERMINATED = 4, 5, 6
STREAM_READY, STREAM_FAILED, STREAM_TERMINATED = 2, 3, 4
OPERATION_RUNNING = 0
START_CORKED, INTERPOLATE_TIMING, AUTO_TIMING_UPDATE, ADJUST_LATENCY = 0x1, 0x2, 0x8, 0x2000
NOAUTOSPAWN = 0x1


class SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class BufferAttr(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("maxlength", "tlength", "prebuf", "minreq", "fragsize")]


_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "pa_threaded_mainloop_new": (ctypes.c_void_p, []),
    "pa_threaded_mainloop_start": (ctypes.c_int, [ctypes.c_void_p]),
    "pa_threaded_mainloop_stop": (None, [ctypes.c_void_p]),
    "pa_threaded_mainloop_free": (None, [ctypes.c_void_p]),
    "pa_threaded_mainloop_lock": (None, [ctypes.c_void_p]),
    "pa_threaded_mainloop_unlock": (None, [ctypes.c_void_p]),
    "pa_threaded_mainloop_get_api": (ctypes.c_void_p, [ctypes.c_void_p]),
    "pa_context_new": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p]),
    "pa_context_connect": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]),
    "pa_context_get_state": (ctypes.c_int, [ctypes.c_void_p]),
    "pa_context_errno": (ctypes.c_int, [ctypes.c_void_p]),
    "pa_context_disconnect": (None, [ctypes.c_void_p]),
    "pa_context_unref": (None, [ctypes.c_void_p]),
    "pa_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "pa_stream_new": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(SampleSpec), ctypes.c_void_p]),
    "pa_stream_connect_playback": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(BufferAttr),
                                                  ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]),
    "pa_stream_get_state": (ctypes.c_int, [ctypes.c_void_p]),
    "pa_stream_writable_size": (ctypes.c_size_t, [ctypes.c_void_p]),
    "pa_stream_write": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p,
                                       ctypes.c_int64, ctypes.c_int]),
    "pa_stream_cork": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]),
    "pa_stream_drain": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
    "pa_stream_disconnect": (ctypes.c_int, [ctypes.c_void_p]),
    "pa_stream_unref": (None, [ctypes.c_void_p]),
    "pa_operation_get_state": (ctypes.c_int, [ctypes.c_void_p]),
    "pa_operation_unref": (None, [ctypes.c_void_p]),
}
_lib: Any = None
_lib_lock = threading.Lock()


def library() -> Any:
    """libpulse.so.0 with its signatures declared; None when it cannot be loaded (the player then uses pacat)."""
    global _lib
    with _lib_lock:
        if _lib is None:
            try:
                lib = ctypes.CDLL(ctypes.util.find_library("pulse") or "libpulse.so.0")
                for name, (restype, argtypes) in _SIGNATURES.items():
                    function = getattr(lib, name)
                    function.restype, function.argtypes = restype, argtypes
                _lib = lib
            except (OSError, AttributeError):
                _lib = False
        return _lib or None


def available() -> bool:
    return library() is not None


class PulseConnection:
    """One player's link to the sound server: a threaded main loop (`tid`: its thread) and a context."""

    def __init__(self, lib: Any, name: str = "broadcast") -> None:
        self.lib = lib
        self.error: str | None = None
        self.tid: int | None = None
        self.loop = lib.pa_threaded_mainloop_new()
        before = _threads()
        self.context = lib.pa_context_new(lib.pa_threaded_mainloop_get_api(self.loop), name.encode())
        with self:
            if lib.pa_context_connect(self.context, None, NOAUTOSPAWN, None) < 0:
                self.error = self._why()
        if self.error is None:
            lib.pa_threaded_mainloop_start(self.loop)
            started = _threads() - before
            self.tid = min(started) if len(started) == 1 else None
            state = self._until(lambda: lib.pa_context_get_state(self.context), CONTEXT_READY,
                                (CONTEXT_FAILED, CONTEXT_TERMINATED))
            if state != CONTEXT_READY:
                self.error = self._why() if state is not None else "máy chủ âm thanh không trả lời"

    def __enter__(self) -> PulseConnection:
        self.lib.pa_threaded_mainloop_lock(self.loop)
        return self

    def __exit__(self, *_: object) -> None:
        self.lib.pa_threaded_mainloop_unlock(self.loop)

    def _why(self) -> str:
        return (self.lib.pa_strerror(self.lib.pa_context_errno(self.context)) or b"?").decode("utf-8", "replace")

    def _until(self, state: Any, ready: int, bad: tuple[int, ...], seconds: float = CONNECT_S) -> int | None:
        """Poll `state()` (under the lock) until `ready` or one of `bad`; None when `seconds` passed first."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self:
                now = state()
            if now == ready or now in bad:
                return now
            time.sleep(POLL_S)
        return None

    def close(self) -> None:
        if self.loop is None:
            return
        self.lib.pa_threaded_mainloop_stop(self.loop)
        self.lib.pa_context_disconnect(self.context)
        self.lib.pa_context_unref(self.context)
        self.lib.pa_threaded_mainloop_free(self.loop)
        self.loop = None


class PulseSink:
    """One PulseAudio output of a play (see the module docstring); the interface of `gate.Sink`."""

    kind = "pulse"
    keepalive = False

    def __init__(self, index: int, spec: dict[str, Any], rate: int, channels: int,
                 connection: PulseConnection | None, say: Any) -> None:
        self.index, self.spec, self.rate, self.channels = index, spec, rate, channels
        self.label = spec.get("label") or "pulse"
        self.conn, self._say = connection, say
        self.failed: str | None = None
        self.written = 0
        self.closing = False
        self.stream = None
        self._lib = connection.lib if connection is not None else None
        self._queue: queue.Queue = queue.Queue(maxsize=100)
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        if self.conn is None or self.conn.error:
            self.fail(f"không kết nối được máy chủ âm thanh PulseAudio: {self.conn.error if self.conn else 'không có libpulse'}")
            return
        lib, per_s = self._lib, self.rate * self.channels * 2
        spec = SampleSpec(S16LE, self.rate, self.channels)
        frame = self.channels * 2
        attr = BufferAttr(0xFFFFFFFF, int(per_s * TARGET_S) // frame * frame, int(per_s * PREBUF_S) // frame * frame,
                          0xFFFFFFFF, 0xFFFFFFFF)
        device = self.spec.get("device")
        with self.conn:
            self.stream = lib.pa_stream_new(self.conn.context, (self.spec.get("stream") or "broadcast").encode(),
                                            ctypes.byref(spec), None)
            if not self.stream or lib.pa_stream_connect_playback(
                    self.stream, device.encode() if device else None, ctypes.byref(attr),
                    START_CORKED | INTERPOLATE_TIMING | AUTO_TIMING_UPDATE | ADJUST_LATENCY, None, None) < 0:
                self.fail(f"không mở được luồng phát: {self.conn._why()}")
                return
        state = self.conn._until(lambda: lib.pa_stream_get_state(self.stream), STREAM_READY,
                                 (STREAM_FAILED, STREAM_TERMINATED))
        if state != STREAM_READY:
            self.fail(f"không mở được thiết bị '{device or 'mặc định'}': {self.conn._why()}")
            return
        self._thread = threading.Thread(target=self._feed, daemon=True, name=f"pulse-{self.index}")
        self._thread.start()

    def fail(self, why: str) -> None:
        if self.closing:
            return
        if self.failed is None:
            self.failed = why
            self._say(f"sink-failed {self.index} {why}")

    def arm(self, prefill: bytes) -> None:
        """Before the gate: the pre-filled audio into the server's buffer, the stream still corked."""
        if self.failed is None and prefill:
            with self.conn:
                room = min(len(prefill), self._lib.pa_stream_writable_size(self.stream))
                if self._lib.pa_stream_write(self.stream, prefill[:room], room, None, 0, 0) < 0:
                    self.fail(f"không ghi được: {self.conn._why()}")
                    return
            self.written = room

    def first(self, data: bytes) -> None:
        """At the slot: uncork (the audio is already in the server; the rest of `data`, the pre-fill, follows
        through the feeder); back once the server acknowledged it."""
        if self.failed is not None:
            return
        rest = data[self.written:]
        with self.conn:
            operation = self._lib.pa_stream_cork(self.stream, 0, None, None)
        if rest:
            self.write(rest)
        self._finish(operation, ACK_S, 0.0005)

    def write(self, data: bytes, *, programme: bool = True) -> None:
        if self.failed is not None:
            return
        try:
            self._queue.put(data, timeout=STALL_S)
        except queue.Full:
            self.fail(f"đầu ra không nhận tiếng trong {STALL_S:.0f} giây")

    def _feed(self) -> None:
        lib = self._lib
        while True:
            data = self._queue.get()
            if data is None:
                return
            view, stalled = memoryview(data), time.monotonic() + STALL_S
            while len(view) and self.failed is None:
                with self.conn:
                    if lib.pa_stream_get_state(self.stream) != STREAM_READY:
                        self.fail(f"luồng phát bị ngắt: {self.conn._why()}")
                        break
                    room = min(len(view), lib.pa_stream_writable_size(self.stream))
                    if room and lib.pa_stream_write(self.stream, bytes(view[:room]), room, None, 0, 0) < 0:
                        self.fail(f"không ghi được: {self.conn._why()}")
                        break
                if room:
                    view, stalled = view[room:], time.monotonic() + STALL_S
                    self.written += room
                elif time.monotonic() > stalled:
                    self.fail(f"đầu ra không nhận tiếng trong {STALL_S:.0f} giây")
                else:
                    time.sleep(POLL_S)
            if self.failed is not None:
                while True:              # unblock a writer after a failure
                    try:
                        self._queue.get_nowait()
                    except queue.Empty:
                        return

    def close(self, *, abort: bool = False) -> None:
        if self.stream is None:
            return
        self.closing = abort
        if self._thread is not None and not abort:
            try:
                self._queue.put(None, timeout=STALL_S)
            except queue.Full:
                pass
            self._thread.join(STALL_S + 30.0)
            if self.failed is None:
                self._drain()
        with self.conn:
            self._lib.pa_stream_disconnect(self.stream)
            self._lib.pa_stream_unref(self.stream)
        self.stream = None

    def _drain(self) -> None:
        """Wait until the server has played what it holds (bounded: its buffer plus a margin)."""
        with self.conn:
            operation = self._lib.pa_stream_drain(self.stream, None, None)
        self._finish(operation, DRAIN_S, 0.02)

    def _finish(self, operation: Any, seconds: float, step: float) -> None:
        """Wait (at most `seconds`, polling every `step`) for the server to complete `operation`, then let it go."""
        deadline = time.monotonic() + seconds
        while operation and time.monotonic() < deadline:
            with self.conn:
                if self._lib.pa_operation_get_state(operation) != OPERATION_RUNNING:
                    break
            time.sleep(step)
        if operation:
            with self.conn:
                self._lib.pa_operation_unref(operation)


def _threads() -> set[int]:
    try:
        return {int(t) for t in os.listdir("/proc/self/task")}
    except OSError:
        return set()
