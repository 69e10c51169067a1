"""The one WAV header: the bytes `wave` writes, a streamed form ffmpeg reads, a frame count from the header."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import wave

import pytest

from broadcast import audio
from broadcast.audio.wavheader import HEADER_BYTES, streamed_wav_header, wav_frames, wav_header
from broadcast.errors import AudioError
from tests.fresh_python import last_line


def wave_writes(rate: int, channels: int, sample_width: int, frames: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sample_width)
        w.setframerate(rate)
        w.writeframes(bytes(frames * channels * sample_width))
    return out.getvalue()


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("sample_width", [1, 2])
@pytest.mark.parametrize("frames", [0, 1, 3, 22051])
def test_the_header_is_the_one_the_wave_module_writes(rate, channels, sample_width, frames):
    data_bytes = frames * channels * sample_width          # odd with one 8-bit channel and an odd count
    written = wave_writes(rate, channels, sample_width, frames)
    assert len(written) == HEADER_BYTES + data_bytes       # 44 bytes of header, then the samples
    assert wav_header(rate=rate, channels=channels, sample_width=sample_width,
                      data_bytes=data_bytes) == written[:HEADER_BYTES]


def test_more_than_a_wav_can_say_is_refused():
    largest = 0xFFFFFFFF - 36
    head = wav_header(rate=48000, channels=1, sample_width=2, data_bytes=largest)
    assert struct.unpack("<I", head[4:8])[0] == 0xFFFFFFFF and struct.unpack("<I", head[40:44])[0] == largest
    for bad in (largest + 1, -1):
        with pytest.raises(AudioError, match="quá dài"):
            wav_header(rate=48000, channels=1, sample_width=2, data_bytes=bad)


def test_the_streamed_header_is_the_known_one_with_unknown_lengths():
    known = wav_header(rate=22050, channels=2, sample_width=2, data_bytes=0)
    streamed = streamed_wav_header(rate=22050, channels=2, sample_width=2)
    assert len(streamed) == HEADER_BYTES
    assert streamed[4:8] == streamed[40:44] == b"\xff\xff\xff\xff"
    assert streamed[:4] + streamed[8:40] == known[:4] + known[8:40]


def tone(frames: int, channels: int) -> bytes:
    return b"".join(struct.pack("<h", (i * 37 + c * 1000) % 20000 - 10000)
                    for i in range(frames) for c in range(channels))


@pytest.mark.parametrize(("rate", "channels"), [(22050, 1), (44100, 2), (16000, 1), (48000, 2)])
def test_ffmpeg_reads_the_streamed_header_on_a_pipe_and_in_a_file(tmp_path, rate, channels):
    """Real ffmpeg: the rate and channels it reads, and every sample to the end of the stream."""
    pcm = tone(rate // 2 + 1, channels)                   # half a second and one frame
    stream = streamed_wav_header(rate=rate, channels=channels, sample_width=2) + pcm
    back = subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
                           "-f", "s16le", "-ar", str(rate), "-ac", str(channels), "pipe:1"],
                          input=stream, capture_output=True, check=True).stdout
    assert back == pcm
    path = tmp_path / "streamed.wav"
    path.write_bytes(stream)
    info = audio.probe(path)
    assert (info.codec, info.sample_rate, info.channels) == ("pcm_s16le", rate, channels)
    assert info.duration_s == pytest.approx((rate // 2 + 1) / rate, abs=0.5 / rate)


def test_a_wavs_frames_come_from_its_header_whatever_other_chunks_it_holds(tmp_path):
    plain = wave_writes(22050, 1, 2, 1001)
    listed = tmp_path / "listed.wav"                      # a LIST chunk before "fmt ", a fact chunk after it
    info = b"INFO" + b"ISFT" + struct.pack("<I", 10) + b"Lavf61.7.1"
    fact = b"fact" + struct.pack("<II", 4, 1001)
    body = (b"WAVE" + b"LIST" + struct.pack("<I", len(info)) + info + plain[12:36] + fact
            + plain[36:] + bytes(5000))                    # and trailing bytes that are no samples
    listed.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert wav_frames(listed) == (22050, 1001)
    short = tmp_path / "short.wav"                        # a header promising more than the file holds
    short.write_bytes(plain[:HEADER_BYTES + 1000])
    assert wav_frames(short) is None
    stereo = tmp_path / "stereo.wav"
    stereo.write_bytes(wave_writes(22050, 2, 2, 10))
    assert wav_frames(stereo) is None and wav_frames(tmp_path / "missing.wav") is None


def test_the_gated_player_loads_the_header_and_nothing_else_of_the_audio_stack():
    """`broadcast.play.gate` runs as its own lean process before every slot."""
    code = ("import sys, json, broadcast.play.gate\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('broadcast.audio', 'numpy')))))")
    assert json.loads(last_line(code)) == ["broadcast.audio", "broadcast.audio.wavheader"]
