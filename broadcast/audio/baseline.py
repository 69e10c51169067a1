"""Benchmark baselines only: the naive pydub build and ffmpeg's bare encode floor."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from broadcast.audio.encode import _codec_args
from broadcast.audio.ffmpeg import StrPath, _existing, _raw_input_args, _run, ffmpeg_exe
from broadcast.audio.formats import AudioFormat
from broadcast.audio.pcm import _atomic_target, decode_to_wav

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
    inputs = ["-i", str(src)] if src.suffix.lower() == ".wav" else _raw_input_args(src, fmt.sample_rate)
    with _atomic_target(Path(out_path)) as tmp:
        _run([*inputs, "-ar", str(fmt.sample_rate), "-ac", "1", *_codec_args(fmt), str(tmp)],
             doing=f"xuất {fmt.codec}")
