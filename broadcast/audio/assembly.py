"""Assemble a programme: clips and silences, each clip levelled on its own, fed to one encoder.

    clips (the speech cache's WAVs as they are; other files decoded once to the same format;
    clips still being spoken are waited for in turn)
      └─ each clip levelled (gain + limiter, `limiter`), solved once and kept beside it
    levelled PCM and exact silences ──▶ one ffmpeg: resample, encode ──▶ out file
      └─ measured on the way: loudness (BS.1770, from each clip's levelled loudness), true peak

The encoder starts with the first clip, so a programme is encoded while the rest is still being
read or spoken; memory stays flat (one chunk of one clip at a time) whatever the length. The
encoder does no more work than encoding the finished audio alone would.
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from broadcast.audio import clips, loudness
from broadcast.audio.encode import encode_pcm, encoded_samples
from broadcast.audio.ffmpeg import StrPath, _existing
from broadcast.audio.formats import Assembled, AudioFormat, Clip, Pending, Segment, Silence
from broadcast.audio.measure import _SILENT_LUFS, Loudness
from broadcast.audio.pcm import _atomic_target
from broadcast.errors import AudioError

# The limiter's ceiling sits this far under the true-peak limit: it works on true peaks, and the
# MP3 encoder overshoots above them, most on word onsets and the more the speech is limited
# (sample day: margin 1.0 dB left the files at -1.7/-1.7 dBTP; 1.5 dB at -1.1/-1.6, 2.5 dB at
# -0.7/-1.1, since the lower ceiling needs more gain). A WAV is what was fed, rounded to 16 bits.
_LIMITER_MARGIN_DB = {"mp3": 1.0, "wav": 0.3}
_LIMITER_FLOOR_DB = -24.0
# lame at speech bitrates takes about 0.4 LU (0.40-0.45 measured on espeak speech and on
# synthetic voiced syllables, 64k-128k mono): clips aim that much louder, and the loudness
# measured on the way to the encoder is reported less that much, as the file will sound.
_CODEC_LOSS_LU = {"mp3": 0.4}
_FINAL_LU = 1.0             # a programme further than this from the target is not aired
_MAX_DURATION_ERROR_S = 0.010
_SPILL_BYTES = 1 << 18      # a clip heard again is read back from its scratch file this much at a time
_ZEROS = bytes(1 << 16)


def _ceiling_db(fmt: AudioFormat) -> float:
    return max(_LIMITER_FLOOR_DB, fmt.true_peak_dbtp - _LIMITER_MARGIN_DB.get(fmt.codec, 1.0))


def _codec_loss(fmt: AudioFormat) -> float:
    return _CODEC_LOSS_LU.get(fmt.codec, 0.0)


def _silence(samples: int) -> Iterator[bytes]:
    remaining = 2 * samples
    while remaining:
        step = min(remaining, len(_ZEROS))
        yield _ZEROS[:step]
        remaining -= step


def _read_back(spill: Path, last: bool) -> Iterator[bytes]:
    """A clip's PCM from its scratch file, a chunk at a time; the file goes with its last use."""
    with open(spill, "rb") as source:
        while chunk := source.read(_SPILL_BYTES):
            yield chunk
    if last:
        spill.unlink(missing_ok=True)


def _working_rate(segments: Sequence[Segment], out_rate: int) -> int:
    """The rate the clips are joined at: the first spoken clip's (known before it is spoken when
    the engine has a fixed rate), else the one most audio has."""
    for seg in segments:
        if isinstance(seg, Pending):
            if seg.rate:                      # known: the encoder need not wait for the first clip
                return seg.rate
            found = clips.wav_frames(Path(seg.future.result()))
            if found:
                return found[0]
            break
    native: dict[int, float] = {}
    for seg in segments:
        if isinstance(seg, Clip) and not seg.trim and (found := clips.wav_frames(seg.path)):
            native[found[0]] = native.get(found[0], 0.0) + found[1] / found[0]
    return max(native, key=lambda r: (native[r], r)) if native else out_rate


class _Feed:
    """The programme's PCM, segment by segment; records each segment's length, loudness and peak."""

    def __init__(self, segments: Sequence[Segment], rate: int, aim: float, ceiling_db: float,
                 store: Path | None, scratch: Path, fed: Callable[[float], None] | None) -> None:
        self.segments, self.rate, self.aim, self.ceiling_db = segments, rate, aim, ceiling_db
        self.store, self.scratch, self.fed = store, scratch, fed
        self.counts: list[int] = []
        self.meter = loudness.Programme(rate)
        self.true_peak = 0.0
        self._uses = Counter(self._identity(seg) for seg in segments if not isinstance(seg, Silence))
        self._kept: dict[object, tuple[Path, Any, int]] = {}

    @staticmethod
    def _identity(seg: Clip | Pending) -> object:
        return ("pending", id(seg.future)) if isinstance(seg, Pending) else ("file", seg.path, seg.trim)

    def _levelled(self, seg: Clip | Pending) -> tuple[Iterator[bytes], Any, int]:
        """(PCM chunks, the levelled clip, samples); rendered once while it is heard again later.

        A clip heard again (a notice read twice) is written to the scratch folder as it is first
        fed and read back from there: memory holds one chunk, whatever the clip's length.
        """
        key = self._identity(seg)
        self._uses[key] -= 1
        if key in self._kept:
            spill, levelled, samples = self._kept[key]
            last = not self._uses[key]
            if last:
                del self._kept[key]
            return _read_back(spill, last), levelled, samples
        path, found = self._clip_file(seg)
        if found is None or found[1] == 0:
            raise AudioError("Tệp không có âm thanh nào", path=str(path))
        levelled = clips.clip_level(path, self.rate, self.aim, self.ceiling_db, store=self.store)
        if self._uses[key]:
            spill = self.scratch / f"again-{len(self._kept)}-{self._uses.total()}.pcm"
            return self._spilled(levelled.pcm(), spill, key, levelled, found[1]), levelled, found[1]
        return levelled.pcm(), levelled, found[1]

    def _spilled(self, chunks: Iterator[bytes], spill: Path, key: object, levelled: Any,
                 samples: int) -> Iterator[bytes]:
        with open(spill, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                yield chunk
        self._kept[key] = (spill, levelled, samples)

    def _clip_file(self, seg: Clip | Pending) -> tuple[Path, tuple[int, int] | None]:
        """The segment's file as a WAV at the working rate (decoded once if need be), and its (rate, frames)."""
        path = Path(seg.future.result()) if isinstance(seg, Pending) else seg.path
        trim = isinstance(seg, Clip) and seg.trim
        found = None if trim else clips.wav_frames(path)
        if found is None or found[0] != self.rate:
            path = clips.decoded(path, self.rate, trim=trim, store=self.store, scratch=self.scratch)
            found = clips.wav_frames(path)
        return path, found

    def __iter__(self) -> Iterator[bytes]:
        at = 0
        for seg in self.segments:
            if isinstance(seg, Silence):
                n = round(seg.seconds * self.rate)
                yield from _silence(n)
            else:
                chunks, levelled, n = self._levelled(seg)
                yield from chunks
                self.meter.add(at, levelled.mean_square)
                self.true_peak = max(self.true_peak, levelled.true_peak)
            self.counts.append(n)
            at += n
            if self.fed is not None:
                self.fed(n / self.rate)


def assemble(segments: Sequence[Segment], out_path: Path, fmt: AudioFormat,
             tags: Mapping[str, str] | None = None, *, store: Path | None = None,
             fed: Callable[[float], None] | None = None) -> Assembled:
    """Join clips and silences into one mono file at `out_path`, every clip levelled to the target.

    Clips may be `Pending` (still being spoken): each is waited for when its turn comes, while
    the encoder works on what came before. `store` (the speech cache's folder) keeps what is
    derived from a clip for the next build: its level beside it, and other files decoded once
    to the clips' common format. `fed(seconds)` is told each segment's length as it is encoded.
    The loudness reported is the programme's as it goes to the encoder, less the codec's loss;
    the peak is the true peak of what goes to the encoder.
    """
    if not segments:
        raise AudioError("Chương trình không có đoạn âm thanh nào", path=str(out_path))
    out_path = Path(out_path)
    for seg in segments:  # fail on a missing file before spending minutes on the rest
        if isinstance(seg, Clip):
            _existing(seg.path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=f".{out_path.name}.") as scratch:
        rate = _working_rate(segments, fmt.sample_rate)
        feed = _Feed(segments, rate, fmt.target_lufs + _codec_loss(fmt), _ceiling_db(fmt), store,
                     Path(scratch), fed)
        with _atomic_target(out_path) as tmp:
            encode_pcm(feed, rate, tmp, fmt, tags)
            integrated = feed.meter.integrated_lufs()
            heard = integrated - _codec_loss(fmt) if integrated > _SILENT_LUFS else _SILENT_LUFS - 1.0
            if heard > _SILENT_LUFS and abs(heard - fmt.target_lufs) > _FINAL_LU:
                raise AudioError(f"Không đưa được độ to về mục tiêu: {heard:.1f} LUFS "
                                 f"(mục tiêu {fmt.target_lufs} LUFS)",
                                 hint="Sửa: thay đoạn âm thanh quá nhỏ hoặc quá méo")
            total = sum(feed.counts)
            written = encoded_samples(tmp, fmt)
            expected_s = total / rate
            if written is None or abs(written / fmt.sample_rate - expected_s) > _MAX_DURATION_ERROR_S:
                got = "không đọc được" if written is None else f"{written / fmt.sample_rate:.3f} s"
                raise AudioError(f"Độ dài tệp xuất ({got}) khác tổng các phần {expected_s:.3f} s")
    peak_db = 20 * math.log10(feed.true_peak) if feed.true_peak > 0 else float("-inf")
    offsets, at = [], 0
    for n in feed.counts:
        offsets.append(at / rate)
        at += n
    return Assembled(path=out_path, duration_s=total / rate, offsets_s=tuple(offsets),
                     durations_s=tuple(n / rate for n in feed.counts),
                     loudness=Loudness(heard, peak_db, feed.meter.loudness_range()))


def convert(src: StrPath, dst: StrPath, fmt: AudioFormat,
            tags: Mapping[str, str] | None = None) -> Assembled:
    """One file to a normalized output (for `broadcast render/say`)."""
    return assemble([Clip(Path(src))], Path(dst), fmt, tags)


def concat_files(paths: Sequence[StrPath], out_path: StrPath, fmt: AudioFormat,
                 tags: Mapping[str, str] | None = None) -> Assembled:
    """Files back to back, no gaps (e.g. the urgent pre-roll, then the message)."""
    return assemble([Clip(Path(p)) for p in paths], Path(out_path), fmt, tags)
