"""Outputs: the file output, failure detection of ffmpeg-driven outputs, redaction, the registry."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import write_silence_wav
from broadcast.errors import ConfigError
from broadcast.play import VirtualClock
from broadcast.play.outputs import (
    DeviceOutput,
    FileOutput,
    IcecastOutput,
    NullOutput,
    check_playable,
    ffmpeg_exe,
    make_output,
    redact,
    resolve_device,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 12, 1, 5, 30, tzinfo=TZ)


@pytest.fixture
def wav(tmp_path):
    return write_silence_wav(tmp_path / "0530-sang.wav", seconds=0.05)


@pytest.fixture
def long_wav(tmp_path):
    return write_silence_wav(tmp_path / "long.wav", seconds=20.0)


def test_file_output_records_and_links(tmp_path, wav):
    out = FileOutput(tmp_path / "out")
    result = out.start(wav, title="Chương trình  buổi sáng").wait(10)
    assert result.status == "played" and result.ended_at >= result.started_at
    start, end, status, name, title = out.lines()[0]
    assert (status, name, title) == ("played", "0530-sang.wav", "Chương trình buổi sáng")
    assert start == result.started_at.isoformat(timespec="milliseconds")
    assert end == result.ended_at.isoformat(timespec="milliseconds")
    assert len(list((tmp_path / "out").glob("*-0530-sang.wav"))) == 1


def test_file_output_paced_play_can_be_stopped(tmp_path, wav):
    ended = []
    out = FileOutput(tmp_path / "out", pace=1.0)
    playback = out.start(wav, duration_s=600, on_end=ended.append)
    assert playback.wait(0.05) is None
    playback.stop()
    result = playback.wait(5)
    assert result.status == "interrupted" and ended == [result]
    assert out.lines()[0][2] == "interrupted"


def test_file_output_manual_mode_uses_the_virtual_clock(tmp_path, wav):
    clock = VirtualClock(T0)
    ended = []
    out = FileOutput(tmp_path / "out", clock=clock, manual=True, copy_files=False)
    playback = out.start(wav, title="Sáng", duration_s=812.4, on_end=ended.append)
    clock.advance(812.4)
    playback.finish()
    playback.finish()                       # a second end is ignored
    assert ended[0].status == "played" and ended[0].seconds == pytest.approx(812.4)
    assert out.lines() == [["2026-12-01T05:30:00.000+07:00", "2026-12-01T05:43:32.400+07:00", "played",
                            "0530-sang.wav", "Sáng"]]
    assert not list((tmp_path / "out").glob("*.wav"))


def test_file_output_missing_file_fails(tmp_path):
    result = FileOutput(tmp_path / "out").start(tmp_path / "khong-co.mp3").wait(5)
    assert result.status == "failed" and "khong-co.mp3" in result.error


def test_null_output_decodes_a_good_file(wav):
    assert NullOutput().start(wav).wait(30).status == "played"


def test_null_output_reports_a_corrupt_file(tmp_path):
    bad = tmp_path / "hong.mp3"
    bad.write_bytes(b"this is not audio at all" * 10)
    result = NullOutput().start(bad).wait(30)
    assert result.status == "failed" and "ffmpeg thoát với mã" in result.error


def test_a_realtime_play_is_interruptible(long_wav):
    playback = NullOutput(realtime=True).start(long_wav, duration_s=20)
    assert playback.wait(0.3) is None
    playback.stop()
    result = playback.wait(10)
    assert result.status == "interrupted" and result.seconds < 10


def test_device_output_detects_a_missing_sound_server(monkeypatch, wav):
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse/native")
    result = DeviceOutput("pulse").start(wav, duration_s=0.05).wait(30)
    assert result.status == "failed" and "ffmpeg thoát với mã" in result.error


def test_device_output_through_aplay_fails_cleanly_without_it(monkeypatch, wav, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))      # no aplay to be found
    out = DeviceOutput("aplay:hw:9")
    assert out.commands(wav)[1] == ["aplay", "-q", "-D", "hw:9", "-"]
    result = out.start(wav).wait(30)
    assert result.status == "failed" and "aplay" in result.error


@pytest.mark.parametrize(("spec", "expected"), [
    ("pulse", ("pulse", None)),
    ("pulse:loa_ngoai", ("pulse", "loa_ngoai")),
    ("alsa:hw:0,0", ("alsa", "hw:0,0")),
    ("aplay", ("aplay", None)),
    ("hw:1", ("alsa", "hw:1")),
])
def test_resolve_device(spec, expected):
    assert resolve_device(spec) == expected


def test_device_commands_never_use_ffplay(wav):
    for spec in ("pulse", "alsa", "aplay"):
        for cmd in DeviceOutput(spec).commands(wav):
            assert "ffplay" not in " ".join(cmd)


@pytest.mark.parametrize(("text", "secrets", "expected"), [
    ("icecast://source:s3cret@127.0.0.1:8000/a.mp3", (), "icecast://source:***@127.0.0.1:8000/a.mp3"),
    ("Error opening icecast://u:p%40ss@h/m: 401", (), "Error opening icecast://u:***@h/m: 401"),
    ("password is p@ss here", ("p@ss",), "password is *** here"),
    ("url-quoted p%40ss too", ("p@ss",), "url-quoted *** too"),
    ("nothing secret", ("",), "nothing secret"),
])
def test_redact(text, secrets, expected):
    assert redact(text, secrets) == expected


def test_icecast_output_keeps_the_password_out_of_its_description():
    out = IcecastOutput("icecast://127.0.0.1:8000/dai-xa.mp3", password="p@ss:w/rd")
    assert "p@ss" not in repr(out) and "p%40ss" not in repr(out)
    cmd = out.commands(Path("x.mp3"))[0]
    assert cmd[cmd.index("-re") + 1] == "-i"           # paced in real time
    assert cmd[cmd.index("-content_type") + 1] == "audio/mpeg"
    assert cmd[-1] == "icecast://source:p%40ss%3Aw%2Frd@127.0.0.1:8000/dai-xa.mp3"


@pytest.mark.parametrize(("url", "password", "words"), [
    ("icecast://127.0.0.1:8000/a.mp3", "", "chưa có mật khẩu"),
    ("icecast://127.0.0.1:8000/a.mp3", "hackme", "hackme"),
    ("icecast://source:pw@127.0.0.1:8000/a.mp3", "pw", "không ghi tài khoản"),
    ("rtmp://127.0.0.1/a", "pw", "icecast://"),
    ("icecast://127.0.0.1:8000", "pw", "mount"),
])
def test_icecast_output_refuses_unsafe_settings(url, password, words):
    with pytest.raises(ConfigError) as caught:
        IcecastOutput(url, password=password)
    assert words in str(caught.value)
    if password:
        assert "pw@" not in str(caught.value)


def test_make_output_lists_the_valid_names(tmp_path):
    assert make_output("file", file_dir=tmp_path).name == "file"
    assert make_output("null").name == "null"
    with pytest.raises(ConfigError) as caught:
        make_output("loa")
    assert "device, file, icecast, null" in str(caught.value)


def test_check_playable(tmp_path, wav):
    empty = tmp_path / "rong.mp3"
    empty.write_bytes(b"")
    garbage = tmp_path / "hong.mp3"
    garbage.write_bytes(b"\x00garbage" * 50)
    assert check_playable(wav) is None
    assert "không có tệp" in check_playable(tmp_path / "khong-co.mp3")
    assert "rỗng" in check_playable(empty)
    assert "hỏng" in check_playable(garbage)


def test_a_device_that_swallows_the_audio_is_not_trusted(wav):
    import sys

    from broadcast.play import SystemClock
    from broadcast.play.outputs import ProcessPlayback

    quick = ProcessPlayback([[sys.executable, "-c", "pass"]], wav, SystemClock(), None, duration_s=60.0,
                            min_fraction=0.5)
    result = quick.wait(30)
    assert result.status == "failed" and "không nhận tiếng" in result.error


def test_a_prepared_play_spawns_the_same_player_at_its_start(wav, tmp_path):
    out = NullOutput()
    prepared = out.prepare(wav, title="Buổi sáng", duration_s=0.5)
    assert prepared.commands[0][0] == ffmpeg_exe() and str(wav) in prepared.commands[0]
    assert out.prepare(wav, duration_s=0.5).commands == prepared.commands      # the same command line each time
    result = prepared.start().wait(30)
    assert result.status == "played"
