"""WAV and raw PCM files: atomic writes, decoding to WAV, streaming to the player (headers: `wavheader`)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from broadcast.audio.ffmpeg import (
    StrPath,
    _command,
    _decode_args,
    _existing,
    _failure,
    _read_tail,
    _run,
    ffmpeg_exe,
)
from broadcast.errors import AudioError

# Raw PCM inside the pipeline: signed 16-bit little-endian mono, so one sample is two bytes
# and every offset is an exact sample count.
_BYTES_PER_SAMPLE = 2
_CHUNK_BYTES = 1 << 20


# --- atomic writes ----------------------------------------------------------------------------

@contextmanager
def _atomic_target(dst: Path) -> Iterator[Path]:
    """A temp path beside `dst`: renamed onto it on success, removed on any failure."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def _write_wav(dst: StrPath, frames: bytes, sample_rate: int) -> None:
    with _atomic_target(Path(dst)) as tmp:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(_BYTES_PER_SAMPLE)
            w.setframerate(sample_rate)
            w.writeframes(frames)


def wav_from_pcm(samples: bytes, sample_rate: int, dst: StrPath) -> None:
    """Write 16-bit little-endian mono PCM as a WAV file, atomically."""
    if len(samples) % _BYTES_PER_SAMPLE:
        raise AudioError("Dữ liệu PCM 16-bit có số byte lẻ", path=str(dst))
    _write_wav(dst, samples, sample_rate)


# Leading and trailing silence of a recording (a phone held before speaking): below this level
# is trimmed, keeping this much of it so the voice does not start abruptly.
_TRIM_THRESHOLD_DB, _TRIM_KEEP_S = -45.0, 0.15
_TRIM_ONE_END = (f"silenceremove=start_periods=1:start_threshold={_TRIM_THRESHOLD_DB}dB:"
                 f"start_silence={_TRIM_KEEP_S}:detection=rms")
_TRIM = f"{_TRIM_ONE_END},areverse,{_TRIM_ONE_END},areverse"


def decode_to_wav(src: StrPath, dst: StrPath, sample_rate: int, *, trim: bool = False) -> None:
    """Decode any audio file to a mono 16-bit WAV at `sample_rate`, atomically; `trim` cuts the
    silence at both ends (a recording's memory is bounded by its length: areverse holds it)."""
    source = _existing(src)
    trimming = ["-af", _TRIM] if trim else []
    with _atomic_target(Path(dst)) as tmp:
        _run(["-i", str(source), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(sample_rate), *trimming,
              "-c:a", "pcm_s16le", "-f", "wav", str(tmp)], doing="giải mã", path=source)


# --- streaming for the player -----------------------------------------------------------------

@contextmanager
def stream_pcm(path: StrPath, sample_rate: int,
               chunk_bytes: int = 64 * 1024) -> Iterator[Iterator[bytes]]:
    """Decode a file as s16le mono chunks; leaving the block early stops ffmpeg.

        with stream_pcm("0530-sang.mp3", 44100) as chunks:
            for chunk in chunks:
                device.write(chunk)
    """
    src = _existing(path)
    err = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(_command([*_decode_args(src, sample_rate), "pipe:1"], "error"),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
    except OSError as exc:
        err.close()
        raise AudioError(f"Không chạy được ffmpeg: {exc}", path=ffmpeg_exe()) from exc

    def chunks() -> Iterator[bytes]:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(chunk_bytes):
            yield chunk
        if proc.wait() != 0:
            raise _failure("giải mã", _read_tail(err), src)

    try:
        yield chunks()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
        err.close()


