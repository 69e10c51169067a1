"""Every touch of audio: find ffmpeg, probe, measure loudness, assemble and encode programmes.

The rooms, in pipeline order (callers import from here; the names below are the surface):

- `ffmpeg`   find ffmpeg, run it, probe a file
- `wavheader` the RIFF/WAVE header written (known or streamed length) and a WAV's frames read back;
             standard library only (the gated player and the receiver import it)
- `pcm`      WAV and raw PCM: atomic writes, decoding to WAV, streaming to the player
- `wavfiles` a file's digest, WAV header, decoded copy and length (what planning needs; no numpy)
- `measure`  loudness measurement of files (ffmpeg's EBU R128 meter)
- `cells`    a clip's per-cell arrays on disk, read a block at a time (memory flat in a clip's length)
- `loudness` loudness of PCM in numpy (BS.1770), in cells, for levelling clips
- `limiter`  a clip's gain and look-ahead limiter, solved to land on the target
- `formats`  the output format and the segments of a programme
- `encode`   codec and tag arguments, one encoder fed PCM and measured as it encodes
- `assembly` a programme assembled from levelled clips and silences, with its retries
- `tune`     the station's generated signature tune
- `baseline` benchmark baselines (the only place pydub is imported)

Each name is imported from its room on first use (`__getattr__`), so a command that plans
never loads numpy or ffmpeg's rooms.
"""

from __future__ import annotations

import importlib

from broadcast.errors import AudioError, ConfigError

ROOMS = ("ffmpeg", "wavheader", "pcm", "wavfiles", "measure", "cells", "loudness", "limiter", "formats", "encode", "clips",
         "assembly", "tune", "baseline")

_HOMES = {   # name -> the room it lives in (imported on first use)
    **dict.fromkeys(('_CODEC_LOSS_LU', 'assemble', 'concat_files', 'convert'), 'assembly'),
    **dict.fromkeys(('ffmpeg_floor_encode', 'pydub_naive_build'), 'baseline'),
    **dict.fromkeys(('_codec_args', 'encode_pcm', 'encoded_samples', 'pcm_input_args'), 'encode'),
    **dict.fromkeys(('AudioInfo', 'StrPath', '_failure', '_run', 'ffmpeg_exe', 'probe'), 'ffmpeg'),
    **dict.fromkeys(('CODECS', 'SAMPLE_RATES', 'Assembled', 'AudioFormat', 'Clip', 'Pending', 'Segment', 'Silence'), 'formats'),
    **dict.fromkeys(('_SILENT_LUFS', 'Loudness', '_parse_ebur128', 'measure_loudness'), 'measure'),
    **dict.fromkeys(('_TRIM_KEEP_S', 'decode_to_wav', 'stream_pcm', 'wav_from_pcm'), 'pcm'),
    **dict.fromkeys(('streamed_wav_header', 'wav_header'), 'wavheader'),
    **dict.fromkeys(('generate_signature_tune',), 'tune'),
}


def __getattr__(name: str):
    """Import a name's room on first use: `plan` and `check` never load numpy (`clips`, `limiter`)."""
    if name in ROOMS:
        return importlib.import_module(f"{__name__}.{name}")
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AudioError", "ConfigError",  # importable from here before the split
    "CODECS", "SAMPLE_RATES", "Assembled", "AudioFormat", "AudioInfo", "Clip", "Loudness", "Pending", "Segment",
    "Silence", "StrPath", "assemble", "concat_files", "convert", "decode_to_wav", "encode_pcm", "encoded_samples",
    "ffmpeg_exe", "ffmpeg_floor_encode", "generate_signature_tune", "measure_loudness", "pcm_input_args", "probe",
    "pydub_naive_build", "stream_pcm", "streamed_wav_header", "wav_from_pcm", "wav_header",
    # private names that clips.py, the benchmarks and the tests reach for
    "_CODEC_LOSS_LU", "_SILENT_LUFS", "_TRIM_KEEP_S",
    "_codec_args", "_failure", "_parse_ebur128", "_run",
]
