"""A file's digest, its WAV header, its decoded copy and its length: what planning asks of audio.

No numpy here (`clips` levels the samples): `broadcast plan` and `check` measure the tune and
the recordings through this module alone, so they never load the audio stack.
"""

from __future__ import annotations

from pathlib import Path

from broadcast.audio import pcm
from broadcast.audio.wavheader import wav_frames
from broadcast.digest import file_sha256
from broadcast.errors import AudioError

# --- digests ----------------------------------------------------------------------------------

_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, remembered per (path, size, mtime) for the life of the process."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_sha256(path)
    return _DIGESTS[key]


# --- the working format (a WAV's frames: `wavheader.wav_frames`) --------------------------------

def decoded(src: Path, rate: int, *, trim: bool, store: Path | None, scratch: Path) -> Path:
    """`src` as a 16-bit mono WAV at `rate` (silence trimmed at both ends with `trim`), decoded once."""
    suffix = "-trim" if trim else ""
    if store is None:
        dst = scratch / f"{file_digest(src)}-{rate}{suffix}.wav"
    else:
        dst = store / "_decoded" / f"{file_digest(src)}-{rate}{suffix}.wav"
    if dst.is_file() and wav_frames(dst) is not None:
        return dst
    pcm.decode_to_wav(src, dst, rate, trim=trim)
    found = wav_frames(dst)
    if found is None or found[1] == 0:
        dst.unlink(missing_ok=True)
        raise AudioError("Tệp không có âm thanh nào (hoặc chỉ có im lặng)", path=str(src),
                         hint="Sửa: ghi âm lại, hoặc chọn đúng tệp")
    return dst



def duration_s(path: Path, *, trim: bool = False, rate: int, store: Path | None, scratch: Path) -> float:
    """Exact length of a file as it will air (a recording after trimming), decoded at most once."""
    found = None if trim else wav_frames(path)
    if found is None:
        found = wav_frames(decoded(path, rate, trim=trim, store=store, scratch=scratch))
        assert found is not None
    return found[1] / found[0]
