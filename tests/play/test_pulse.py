"""PulseAudio from the player itself: the stream pre-filled corked before the gate, uncorked at it, the rest fed as asked.

The sink's logic runs against `FakePulse`, a stand-in for libpulse that keeps what a server would
receive (no sound server, no sound card); a real libpulse is only used to show that an unreachable
server fails that one output, in Vietnamese, while the others play.
"""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from broadcast.play import VirtualClock, pulse
from broadcast.play.devices import device_sink
from broadcast.play.gated import GatedOutput
from broadcast.play.pulse import PulseConnection, PulseSink
from tests.play.test_gated import BOUND_S, pcm, tone, written

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RATE, CHANNELS = 48000, 2
PER_S = RATE * CHANNELS * 2


class FakePulse:
    """What libpulse would send to the server: every write with whether the stream was corked then."""

    def __init__(self, *, room: int = 9600, context_state: int = pulse.CONTEXT_READY) -> None:
        self.room = room                    # what the server asks for at a time (writable size)
        self.context_state = context_state
        self.stream_state = pulse.STREAM_READY
        self.corked = None
        self.writes: list[tuple[bytes, bool]] = []
        self.calls: list[str] = []
        self.flags = 0
        self.lock = threading.RLock()

    def pa_threaded_mainloop_new(self):
        return 1

    def pa_threaded_mainloop_get_api(self, loop):
        return 2

    def pa_threaded_mainloop_start(self, loop):
        self.calls.append("start")

    def pa_threaded_mainloop_lock(self, loop):
        self.lock.acquire()

    def pa_threaded_mainloop_unlock(self, loop):
        self.lock.release()

    def pa_threaded_mainloop_stop(self, loop):
        self.calls.append("stop")

    def pa_threaded_mainloop_free(self, loop):
        pass

    def pa_context_new(self, api, name):
        return 3

    def pa_context_connect(self, context, server, flags, api):
        return 0

    def pa_context_get_state(self, context):
        return self.context_state

    def pa_context_errno(self, context):
        return 6

    def pa_strerror(self, code):
        return b"Connection refused"

    def pa_context_disconnect(self, context):
        self.calls.append("disconnect")

    def pa_context_unref(self, context):
        pass

    def pa_stream_new(self, context, name, spec, channel_map):
        return 4

    def pa_stream_connect_playback(self, stream, device, attr, flags, volume, sync):
        self.flags = flags
        self.corked = bool(flags & pulse.START_CORKED)
        self.device = device
        return 0

    def pa_stream_get_state(self, stream):
        return self.stream_state

    def pa_stream_writable_size(self, stream):
        return self.room

    def pa_stream_write(self, stream, data, size, free_cb, offset, seek):
        assert len(data) == size
        self.writes.append((bytes(data), self.corked))
        return 0

    def pa_stream_cork(self, stream, cork, callback, userdata):
        self.corked = bool(cork)
        self.calls.append("cork" if cork else "uncork")
        return 5

    def pa_stream_drain(self, stream, callback, userdata):
        self.calls.append("drain")
        return 6

    def pa_operation_get_state(self, operation):
        return 1                      # done

    def pa_operation_unref(self, operation):
        pass

    def pa_stream_disconnect(self, stream):
        self.calls.append("stream-disconnect")
        return 0

    def pa_stream_unref(self, stream):
        pass


def sink_on(fake: FakePulse, said: list[str]) -> PulseSink:
    spec = {"kind": "pulse", "device": "loa_day", "stream": "Sáng", "label": "device:pulse:loa_day"}
    return PulseSink(0, spec, RATE, CHANNELS, PulseConnection(fake), said.append)


def test_the_first_audio_is_in_the_server_corked_before_the_gate_and_the_gate_only_uncorks_it():
    fake, said = FakePulse(room=9600), []
    sink = sink_on(fake, said)
    sink.open()
    assert fake.corked and fake.device == b"loa_day" and fake.flags & pulse.ADJUST_LATENCY
    prefill = bytes(range(256)) * 375                   # 0.5 s
    sink.arm(prefill)
    assert fake.writes == [(prefill[:9600], True)]      # what the server takes now, while corked: nothing plays
    assert "uncork" not in fake.calls
    sink.first(prefill)                                 # the gate
    assert fake.calls.count("uncork") == 1
    rest = bytes(reversed(prefill))
    sink.write(rest)
    sink.close()
    assert b"".join(data for data, _ in fake.writes) == prefill + rest       # everything, in order, once
    assert all(not corked for _, corked in fake.writes[1:])
    assert sink.written == len(prefill) + len(rest)
    assert fake.calls.index("drain") < fake.calls.index("stream-disconnect")    # played out, then closed
    assert sink.failed is None and said == []


def test_a_stream_that_breaks_while_playing_fails_that_output_in_vietnamese():
    fake, said = FakePulse(), []
    sink = sink_on(fake, said)
    sink.open()
    sink.arm(b"\0" * 9600)
    sink.first(b"\0" * 9600)
    fake.stream_state = pulse.STREAM_FAILED
    sink.write(b"\1" * 4000)
    sink.close()
    assert sink.failed and "luồng phát bị ngắt" in sink.failed
    assert said == [f"sink-failed 0 {sink.failed}"]


def test_a_server_that_cannot_be_reached_fails_the_output_at_its_opening():
    fake, said = FakePulse(context_state=pulse.CONTEXT_FAILED), []
    sink = sink_on(fake, said)
    sink.open()
    sink.arm(b"\0" * 100)
    assert sink.failed == "không kết nối được máy chủ âm thanh PulseAudio: Connection refused"
    assert fake.writes == []


def test_a_pulse_device_is_fed_by_the_player_itself_with_libpulse_and_through_pacat_without(monkeypatch):
    monkeypatch.setattr(pulse, "library", lambda: FakePulse())
    assert device_sink("pulse:loa_day", "Sáng", "device:pulse:loa_day") == {
        "kind": "pulse", "device": "loa_day", "stream": "Sáng", "label": "device:pulse:loa_day"}
    assert device_sink("pulse:loa_day", "Sáng", "x", libpulse=False)["kind"] == "pipe"
    monkeypatch.setattr(pulse, "library", lambda: None)
    fallback = device_sink("pulse:loa_day", "Sáng", "x")
    assert fallback["kind"] == "pipe"
    assert fallback["cmd"][0] == "pacat" or "pulse" in fallback["cmd"]       # pacat, or ffmpeg -f pulse without it


@pytest.mark.skipif(not pulse.available(), reason="libpulse.so.0 is not installed")
def test_an_unreachable_sound_server_fails_only_its_output_and_the_file_plays(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")
    clock = VirtualClock(datetime(2026, 12, 1, 5, 29, 55, tzinfo=TZ))
    programme = tone(tmp_path / "a.wav", 440)
    out = GatedOutput(["file", "device:pulse:loa_day"], zone="thon-dong", clock=clock, file_dir=tmp_path / "out")
    result = out.start(programme, title="Sáng").wait(BOUND_S)
    assert result.status == "played"
    assert written(tmp_path / "out")[0].read_bytes()[44:] == pcm(programme)
    [(label, why)] = result.failures
    assert label == "device:pulse:loa_day" and why.startswith("không kết nối được máy chủ âm thanh PulseAudio")


def test_the_stations_sound_server_is_set_up_real_time_below_the_players_wait_and_never_suspends():
    """deploy/pulseaudio/: what the bench starts PulseAudio with, and what a station installs."""
    from broadcast.play.realtime import PRIORITY
    from tests.play.test_realtime import REPO

    folder = REPO / "deploy" / "pulseaudio"
    conf = dict(line.replace(" ", "").split("=", 1) for line in (folder / "daemon.conf").read_text(encoding="utf-8")
                .splitlines() if "=" in line and not line.startswith(("#", ";")))
    assert conf["high-priority"] == "yes" and conf["realtime-scheduling"] == "yes"
    assert 0 < int(conf["realtime-priority"]) < PRIORITY             # the player's own wait stays above it
    unit = dict(line.split("=", 1) for line in (folder / "pulseaudio.service").read_text(encoding="utf-8")
                .splitlines() if line.startswith("Limit"))
    assert int(unit["LimitRTPRIO"]) >= int(conf["realtime-priority"])    # the 'pulse' user may take it
    assert int(unit["LimitNICE"]) <= int(conf["nice-level"])
    modules = [line.split()[1] for line in (folder / "system.pa").read_text(encoding="utf-8").splitlines()
               if line.startswith("load-module")]
    assert "module-native-protocol-unix" in modules and "module-suspend-on-idle" not in modules
