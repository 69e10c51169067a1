"""Benchmark baselines only: the naive pydub build, ffmpeg's bare encode floor, the clips as they are."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from broadcast.audio import clips
from broadcast.audio.encode import _codec_args, pcm_input_args
from broadcast.audio.ffmpeg import StrPath, _existing, _raw_input_args, _run, ffmpeg_exe
from broadcast.audio.formats import AudioFormat, Clip, Segment, Silence
from broadcast.audio.pcm import _atomic_target, decode_to_wav
from broadcast.audio.wavheader import wav_header

# --- benchmark baselines ----------------------------------------------------------------------

def _pydub():
    """Import pydub quietly, pointed at our ffmpeg (it warns at import and looks for its own)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Couldn't find ffmpeg" and the audioop deprecation
        import pydub
        import pydub.effects
    pydub.AudioSegment.converter = ffmpeg_exe()
    return pydub


def pydub_naive_build(paths: Sequence[Path], out_path: Path, fmt: AudioFormat) -> None:
    """BENCHMARK BASELINE ONLY: the naive pydub way (+=, peak normalize, export), all in memory."""
    pydub = _pydub()
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=f".{out_path.name}.") as scratch:
        programme = pydub.AudioSegment.empty()
        for i, p in enumerate(paths):
            # pydub would call ffprobe (absent from the wheel) for non-WAV input: hand it WAV.
            wav = Path(scratch) / f"{i}.wav"
            decode_to_wav(p, wav, fmt.sample_rate)
            programme += pydub.AudioSegment.from_wav(str(wav))
        programme = pydub.effects.normalize(programme.set_channels(1).set_frame_rate(fmt.sample_rate))
        with _atomic_target(out_path) as tmp:
            params = ["-ar", str(fmt.sample_rate)]
            if fmt.codec == "mp3":
                programme.export(str(tmp), format="mp3", bitrate=fmt.bitrate, parameters=params)
            else:
                programme.export(str(tmp), format="wav")


def ffmpeg_floor_encode(raw_pcm_or_wav: Path, out_path: StrPath, fmt: AudioFormat) -> None:
    """BENCHMARK BASELINE: ffmpeg alone encoding already-joined audio (.wav, or raw s16le mono)."""
    src = _existing(raw_pcm_or_wav)
    # a WAV read as the build's encoder reads its PCM (large packets: the same file, less work)
    inputs = pcm_input_args(str(src)) if src.suffix.lower() == ".wav" else _raw_input_args(src, fmt.sample_rate)
    with _atomic_target(Path(out_path)) as tmp:
        _run([*inputs, "-ar", str(fmt.sample_rate), "-ac", "1", *_codec_args(fmt), str(tmp)],
             doing=f"xuất {fmt.codec}")


# --- the least work from the same clips (bench.py): an ffconcat of the clips as they are --------

@dataclass(frozen=True)
class Ready:
    """One segment as the encoder will read it: a 16-bit mono WAV at the working rate."""

    path: Path
    samples: int
    rate: int
    is_clip: bool           # False for a silence


def silence_wav(directory: Path, samples: int, rate: int) -> Path:
    """A WAV of `samples` zero samples (one file per length in `directory`)."""
    path = directory / f"silence-{samples}-{rate}.wav"
    if not path.is_file():
        with path.open("wb") as fh:
            fh.write(wav_header(rate=rate, channels=1, sample_width=2, data_bytes=2 * samples))
            remaining = 2 * samples
            zeros = bytes(min(remaining, 1 << 20))
            while remaining:
                step = min(remaining, len(zeros))
                fh.write(zeros[:step])
                remaining -= step
    return path


def ready_clips(segments: Sequence[Segment], out_rate: int, *, store: Path | None,
                scratch: Path) -> list[Ready]:
    """Every segment as a WAV of one rate: the rate most of the clips already have (no decode)."""
    from broadcast.errors import AudioError

    native: dict[int, float] = {}
    headers: list[tuple[int, int] | None] = []
    for seg in segments:
        found = clips.wav_frames(seg.path) if isinstance(seg, Clip) and not seg.trim else None
        headers.append(found)
        if found:
            native[found[0]] = native.get(found[0], 0.0) + found[1] / found[0]
    rate = max(native, key=lambda r: (native[r], r)) if native else out_rate
    ready: list[Ready] = []
    for seg, found in zip(segments, headers):
        if isinstance(seg, Silence):
            n = round(seg.seconds * rate)
            ready.append(Ready(silence_wav(scratch, n, rate) if n else scratch, n, rate, False))
            continue
        path = seg.path
        if found is None or found[0] != rate:
            path = clips.decoded(seg.path, rate, trim=seg.trim, store=store, scratch=scratch)
            found = clips.wav_frames(path)
            assert found is not None
        if found[1] == 0:
            raise AudioError("Tệp không có âm thanh nào", path=str(seg.path))
        ready.append(Ready(path, found[1], rate, True))
    return ready
