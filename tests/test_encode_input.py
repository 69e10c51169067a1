"""How the encoder is fed: a WAV of unknown length on its standard input, read in large packets."""

from __future__ import annotations

import struct
import subprocess
import wave

import numpy as np

from broadcast import audio
from broadcast.audio import AudioFormat, encode


def test_the_encoder_reads_a_streamed_wav_in_large_packets(tmp_path, monkeypatch):
    started: list[list[str]] = []
    real = subprocess.Popen

    def popen(args, **kwargs):
        started.append(list(args))
        return real(args, **kwargs)

    monkeypatch.setattr(encode.subprocess, "Popen", popen)
    pcm = (np.sin(np.arange(22050) / 7) * 8000).astype("<i2").tobytes()
    audio.encode_pcm([pcm[:1000], pcm[1000:]], 22050, tmp_path / "a.wav",
                     AudioFormat(codec="wav", sample_rate=22050), None)
    (args,) = [a for a in started if "pipe:0" in a]
    at = args.index("-i")
    assert args[at - 4:at + 2] == ["-max_size", str(encode.PACKET_BYTES), "-f", "wav", "-i", "pipe:0"]
    assert encode.PACKET_BYTES >= 1 << 16        # ffmpeg's default is 4 KiB: a wake-up of five threads each
    with wave.open(str(tmp_path / "a.wav"), "rb") as w:     # every sample through, none added or lost
        assert (w.getframerate(), w.getnchannels()) == (22050, 1)
        assert w.readframes(w.getnframes()) == pcm


def test_the_streamed_header_says_16_bit_mono_of_unknown_length():
    head = audio.streamed_wav_header(rate=16000, channels=1, sample_width=2)
    assert head[:4] == b"RIFF" and head[8:16] == b"WAVEfmt " and head[36:40] == b"data"
    assert struct.unpack("<I", head[4:8])[0] == struct.unpack("<I", head[40:44])[0] == 0xFFFFFFFF
    assert struct.unpack("<HHIIHH", head[20:36]) == (1, 1, 16000, 32000, 2, 16)


def test_an_mp3_from_the_build_path_equals_the_floor_from_a_file(tmp_path):
    """The bench's floor reads the finished audio with the same options: the same bytes come out."""
    pcm = ((np.sin(np.arange(3 * 22050) / 5) * np.hanning(3 * 22050)) * 9000).astype("<i2").tobytes()
    fmt = AudioFormat(sample_rate=22050)
    audio.encode_pcm([pcm], 22050, tmp_path / "built.mp3", fmt, None)
    audio.wav_from_pcm(pcm, 22050, tmp_path / "finished.wav")
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y",
                    *audio.pcm_input_args(str(tmp_path / "finished.wav")), "-ar", "22050", "-ac", "1",
                    *audio._codec_args(fmt), str(tmp_path / "floor.mp3")], check=True)
    assert (tmp_path / "built.mp3").read_bytes() == (tmp_path / "floor.mp3").read_bytes()
