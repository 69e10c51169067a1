"""Encoding: codec and tag arguments, one encoder fed levelled PCM on its standard input.

The encoder does nothing but resample and encode: the samples it is given were measured on
their way to it (`loudness`, `limiter`). The file is not decoded again (that would cost a third
of the encode); its length is read from the encoder's own header (the LAME/Info tag of an MP3,
the header of a WAV) and must match what was fed to the sample.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from broadcast.audio.ffmpeg import _command, _failure, _read_tail
from broadcast.audio.formats import AudioFormat
from broadcast.audio.wavheader import streamed_wav_header
from broadcast.errors import AudioError


def _codec_args(fmt: AudioFormat) -> list[str]:
    if fmt.codec == "mp3":
        # ID3v2.3 is what Windows and most players read; v1 cannot hold Vietnamese.
        # compression_level 5 is lame's own default: a quarter faster than ffmpeg's, same bitrate.
        return ["-c:a", "libmp3lame", "-b:a", fmt.bitrate, "-compression_level", "5",
                "-id3v2_version", "3", "-write_id3v1", "0", "-f", "mp3"]
    return ["-c:a", "pcm_s16le", "-f", "wav"]


def _tag_args(tags: Mapping[str, str] | None) -> list[str]:
    args: list[str] = []
    for key, value in (tags or {}).items():
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
            raise AudioError(f"Tên thẻ ID3 không hợp lệ: '{key}'")
        args += ["-metadata", f"{key}={value}"]
    return args


# ffmpeg 7+ runs demuxing, decoding, filtering, encoding and muxing in threads that hand every
# packet on: the raw s16le demuxer's small packets (2,048 samples) cost the encode a quarter of
# its system time in wake-ups. Read as a WAV of unknown length, the input comes in packets of
# this many bytes; the encoded file is the same byte for byte (`pcm_input_args`).
PACKET_BYTES = 1 << 16


def pcm_input_args(source: str = "pipe:0") -> list[str]:
    """ffmpeg's input options for 16-bit mono WAV `source` in large packets (a file or `pipe:0`)."""
    return ["-max_size", str(PACKET_BYTES), "-f", "wav", "-i", source]


def encode_pcm(pcm: Iterable[bytes], rate: int, dst: Path, fmt: AudioFormat,
               tags: Mapping[str, str] | None) -> None:
    """Encode the 16-bit mono PCM that `pcm` yields (at `rate`) into `dst`.

    ffmpeg runs while `pcm` is produced, so a programme is encoded while its later clips are
    still being read (or spoken). An error in `pcm` stops the encoder and is raised as it is.
    The PCM goes to ffmpeg as a WAV of unknown length read in large packets (`PACKET_BYTES`).
    """
    args = [*pcm_input_args(), "-ar", str(fmt.sample_rate), "-ac", "1",
            *_codec_args(fmt), *_tag_args(tags), str(dst)]
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(_command(args, "error"), stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=err)
        except OSError as exc:
            raise AudioError(f"Không chạy được ffmpeg: {exc}") from exc
        assert proc.stdin is not None
        try:
            proc.stdin.write(streamed_wav_header(rate=rate, channels=1, sample_width=2))
            for data in pcm:
                proc.stdin.write(data)
            proc.stdin.close()
        except BrokenPipeError:
            pass                               # ffmpeg stopped: its own message says why
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            if not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
        code = proc.wait()
        text = _read_tail(err)
    if code != 0:
        raise _failure(f"xuất {fmt.codec}", text, None)


def encoded_samples(path: Path, fmt: AudioFormat) -> int | None:
    """Samples in an encoded file, from its header (None when the header does not say)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if fmt.codec == "wav":
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        at = 12
        while at + 8 <= len(head):
            chunk, size = head[at:at + 4], struct.unpack("<I", head[at + 4:at + 8])[0]
            if chunk == b"data":
                return min(size, os.path.getsize(path) - at - 8) // 2
            at += 8 + size + (size & 1)
        return None
    return _mp3_samples(head)


def _mp3_samples(head: bytes) -> int | None:
    """Samples of an MP3 from its first frame's Info/Xing and LAME tags (frames, delay, padding)."""
    at = 0
    if head[:3] == b"ID3" and len(head) >= 10:
        size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
        at = 10 + size + (10 if head[5] & 0x10 else 0)
    if at + 4 > len(head) or head[at] != 0xFF or head[at + 1] & 0xE0 != 0xE0:
        return None
    version = (head[at + 1] >> 3) & 3          # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    mono = (head[at + 3] >> 6) & 3 == 3
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    tag = at + 4 + side
    if head[tag:tag + 4] not in (b"Info", b"Xing") or tag + 8 > len(head):
        return None
    flags = struct.unpack(">I", head[tag + 4:tag + 8])[0]
    if not flags & 1:
        return None
    frames = struct.unpack(">I", head[tag + 8:tag + 12])[0]
    lame = tag + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    if lame + 24 > len(head):
        return None
    delay = head[lame + 21] << 4 | head[lame + 22] >> 4
    padding = (head[lame + 22] & 0x0F) << 8 | head[lame + 23]
    per_frame = 1152 if version == 3 else 576
    return frames * per_frame - delay - padding
