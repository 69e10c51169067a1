"""Assemble a programme: clips and silences joined, each levelled, and encoded by one ffmpeg."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from broadcast.audio.encode import _encode_levelled
from broadcast.audio.ffmpeg import StrPath, _existing
from broadcast.audio.formats import Assembled, AudioFormat, Clip, Segment
from broadcast.audio.levels import _aim_lufs, _Levels, _limit_db
from broadcast.audio.pcm import _atomic_target
from broadcast.errors import AudioError

# --- assembly: every clip levelled on its own, one ffmpeg reads them all and encodes -----------
#
#   clips (the speech cache's WAVs as they are; other files decoded once to the same format)
#     └─ levels: each clip's loudness and limiter trials, kept beside it ──▶ a gain per clip
#   ffconcat list of the clips and exact silences ──▶ per-clip gain (asendcmd), limiter, encoder ──▶ out file
#                                   └─ decoded again inside the same ffmpeg ──▶ loudness, peak, samples
#
# No sample passes through Python, and a programme is decoded once, inside its encode.


def _concat_quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def assemble(segments: Sequence[Segment], out_path: Path, fmt: AudioFormat,
             tags: Mapping[str, str] | None = None, *, store: Path | None = None) -> Assembled:
    """Join clips and silences into one mono file at `out_path`, every clip levelled to the target.

    Memory stays flat whatever the length and no audio passes through Python: one ffmpeg reads
    the clips (an ffconcat list), applies each clip's own gain and the limiter, and encodes.
    `store` (the speech cache's folder) keeps what is derived from a clip for the next build:
    its loudness beside it, and other files decoded once to the clips' common format.
    """
    from broadcast import clips as clipprep

    if not segments:
        raise AudioError("Chương trình không có đoạn âm thanh nào", path=str(out_path))
    out_path = Path(out_path)
    for seg in segments:  # fail on a missing file before spending minutes on the rest
        if isinstance(seg, Clip):
            _existing(seg.path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=f".{out_path.name}.") as scratch:
        work = Path(scratch)
        ready = clipprep.ready_clips(segments, fmt.sample_rate, store=store, scratch=work)
        counts = [r.samples for r in ready]
        rate = ready[0].rate if ready else fmt.sample_rate
        gains = clipprep.clip_gains([r.path for r in ready if r.is_clip], _aim_lufs(fmt), _limit_db(fmt),
                                    store=store)
        offsets, at = [], 0
        for n in counts:
            offsets.append(at / rate)
            at += n
        listing = work / "programme.ffconcat"
        lines = ["ffconcat version 1.0"]
        for r in ready:
            if r.samples:
                # the WAV demuxer's own packets (2048 samples): 64 KiB packets made the concat
                # demuxer cost a fifth of the encode
                lines += [f"file {_concat_quote(r.path)}"]
        if len(lines) == 1:  # nothing but zero-length silences
            silent = clipprep.silence_wav(work, 0, rate)
            lines += [f"file {_concat_quote(silent)}"]
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        levels = _Levels(tuple(gains[r.path] if r.is_clip else None for r in ready), _limit_db(fmt))
        inputs = ["-f", "concat", "-safe", "0", "-i", str(listing)]
        total = sum(counts)
        with _atomic_target(out_path) as tmp:
            loudness = _encode_levelled(inputs, levels, offsets, tmp, fmt, tags, total / rate)
    return Assembled(path=out_path, duration_s=total / rate, offsets_s=tuple(offsets),
                     durations_s=tuple(n / rate for n in counts), loudness=loudness)


def convert(src: StrPath, dst: StrPath, fmt: AudioFormat,
            tags: Mapping[str, str] | None = None) -> Assembled:
    """One file to a normalized output (for `broadcast render/say`)."""
    return assemble([Clip(Path(src))], Path(dst), fmt, tags)


def concat_files(paths: Sequence[StrPath], out_path: StrPath, fmt: AudioFormat,
                 tags: Mapping[str, str] | None = None) -> Assembled:
    """Files back to back, no gaps (e.g. the urgent pre-roll, then the message)."""
    return assemble([Clip(Path(p)) for p in paths], Path(out_path), fmt, tags)


