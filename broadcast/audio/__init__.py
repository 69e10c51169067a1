"""Every touch of audio: find ffmpeg, probe, measure loudness, assemble and encode programmes.

The rooms, in pipeline order (callers import from here; the names below are the surface):

- `ffmpeg`   find ffmpeg, run it, probe a file
- `pcm`      WAV and raw PCM: headers, atomic writes, decoding to WAV, streaming to the player
- `measure`  loudness measurement (EBU R128)
- `formats`  the output format and the segments of a programme
- `levels`   gain planning and the per-segment level chain
- `encode`   codec and tag arguments, the measured encode and its retries
- `assembly` a programme assembled from clips and silences
- `tune`     the station's generated signature tune
- `baseline` benchmark baselines (the only place pydub is imported)
"""

from __future__ import annotations

from broadcast.audio.assembly import assemble, concat_files, convert
from broadcast.audio.baseline import ffmpeg_floor_encode, pydub_naive_build
from broadcast.audio.encode import (
    _ENCODE_ATTEMPTS,
    _codec_args,
    _corrected,
    _encode_levelled,
    _loopback_decoding,
)
from broadcast.audio.ffmpeg import AudioInfo, StrPath, _failure, _run, ffmpeg_exe, probe
from broadcast.audio.formats import CODECS, SAMPLE_RATES, Assembled, AudioFormat, Clip, Segment, Silence
from broadcast.audio.levels import _CODEC_LOSS_LU, _TRIAL_STEP_DB, _filter_chain, _GainPlan, _solve_gain
from broadcast.audio.measure import (
    _PROXY_RATE,
    _SILENT_LUFS,
    Loudness,
    _parse_ebur128,
    _parse_ebur128_named,
    measure_loudness,
)
from broadcast.audio.pcm import _TRIM_KEEP_S, _wav_header, decode_to_wav, stream_pcm, wav_from_pcm
from broadcast.audio.tune import generate_signature_tune
from broadcast.errors import AudioError, ConfigError

__all__ = [
    "AudioError", "ConfigError",  # importable from here before the split
    "CODECS", "SAMPLE_RATES", "Assembled", "AudioFormat", "AudioInfo", "Clip", "Loudness", "Segment", "Silence",
    "StrPath", "assemble", "concat_files", "convert", "decode_to_wav", "ffmpeg_exe", "ffmpeg_floor_encode",
    "generate_signature_tune", "measure_loudness", "probe", "pydub_naive_build", "stream_pcm", "wav_from_pcm",
    # private names that clips.py, the benchmarks and the tests reach for
    "_CODEC_LOSS_LU", "_ENCODE_ATTEMPTS", "_PROXY_RATE", "_SILENT_LUFS", "_TRIAL_STEP_DB", "_TRIM_KEEP_S",
    "_GainPlan", "_codec_args", "_corrected", "_encode_levelled", "_failure", "_filter_chain", "_loopback_decoding",
    "_parse_ebur128", "_parse_ebur128_named", "_run", "_solve_gain", "_wav_header",
]
