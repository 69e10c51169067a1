"""Every touch of audio: find ffmpeg, probe, measure loudness, assemble and encode programmes.

The rooms, in pipeline order (callers import from here; the names below are the surface):

- `ffmpeg`   find ffmpeg, run it, probe a file
- `pcm`      WAV and raw PCM: headers, atomic writes, decoding to WAV, streaming to the player
- `measure`  loudness measurement of files (ffmpeg's EBU R128 meter)
- `loudness` loudness of PCM in numpy (BS.1770), in cells, for levelling clips
- `limiter`  a clip's gain and look-ahead limiter, solved to land on the target
- `formats`  the output format and the segments of a programme
- `encode`   codec and tag arguments, one encoder fed PCM and measured as it encodes
- `assembly` a programme assembled from levelled clips and silences, with its retries
- `tune`     the station's generated signature tune
- `baseline` benchmark baselines (the only place pydub is imported)
"""

from __future__ import annotations

from broadcast.audio.assembly import _CODEC_LOSS_LU, assemble, concat_files, convert
from broadcast.audio.baseline import ffmpeg_floor_encode, pydub_naive_build
from broadcast.audio.encode import _codec_args, encode_pcm, encoded_samples
from broadcast.audio.ffmpeg import AudioInfo, StrPath, _failure, _run, ffmpeg_exe, probe
from broadcast.audio.formats import (
    CODECS,
    SAMPLE_RATES,
    Assembled,
    AudioFormat,
    Clip,
    Pending,
    Segment,
    Silence,
)
from broadcast.audio.measure import (
    _SILENT_LUFS,
    Loudness,
    _parse_ebur128,
    measure_loudness,
)
from broadcast.audio.pcm import _TRIM_KEEP_S, _wav_header, decode_to_wav, stream_pcm, wav_from_pcm
from broadcast.audio.tune import generate_signature_tune
from broadcast.errors import AudioError, ConfigError

__all__ = [
    "AudioError", "ConfigError",  # importable from here before the split
    "CODECS", "SAMPLE_RATES", "Assembled", "AudioFormat", "AudioInfo", "Clip", "Loudness", "Pending", "Segment",
    "Silence", "StrPath", "assemble", "concat_files", "convert", "decode_to_wav", "encode_pcm", "encoded_samples",
    "ffmpeg_exe", "ffmpeg_floor_encode", "generate_signature_tune", "measure_loudness", "probe",
    "pydub_naive_build", "stream_pcm", "wav_from_pcm",
    # private names that clips.py, the benchmarks and the tests reach for
    "_CODEC_LOSS_LU", "_SILENT_LUFS", "_TRIM_KEEP_S",
    "_codec_args", "_failure", "_parse_ebur128", "_run", "_wav_header",
]
