"""Clips ready to join: decoded once to the programme's working format and levelled on their own.

What is derived from a clip is kept for the next build in the speech cache's folder (`store`):

- its loudness and two limiter trials, in `<clip>.level.json` beside a speech-cache entry (or
  under `_levels/<sha256 of the file>.json` for a file kept elsewhere, like the tune);
- a file that is not already 16-bit mono WAV at the working rate (the tune at another rate,
  an MP3 from gTTS, a phone recording) decoded once to `_decoded/<sha256>-<rate>[-trim].wav`.

So a warm build reads headers and small JSON files, and a cold one measures each new clip in
one ffmpeg for the whole programme (two short passes at 8 kHz), instead of decoding every clip.
"""

from __future__ import annotations

import json
import os
import statistics
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from broadcast import audio
from broadcast.atomic import write_text_atomic
from broadcast.digest import file_sha256
from broadcast.errors import AudioError

_SCHEMA = 1
_BATCH = 48                 # clips measured by one ffmpeg (one input and one null output each)


@dataclass(frozen=True)
class Ready:
    """One segment as the encoder will read it: a 16-bit mono WAV at the working rate."""

    path: Path
    samples: int
    rate: int
    is_clip: bool           # False for a silence


# --- digests ----------------------------------------------------------------------------------

_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, remembered per (path, size, mtime) for the life of the process."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_sha256(path)
    return _DIGESTS[key]


# --- the working format -----------------------------------------------------------------------

def wav_frames(path: Path) -> tuple[int, int] | None:
    """(rate, frames) when `path` is a complete 16-bit mono PCM WAV, else None (decode it)."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getcomptype() != "NONE":
                return None
            rate, frames = w.getframerate(), w.getnframes()
    except (wave.Error, EOFError, OSError):
        return None
    if os.path.getsize(path) < 44 + 2 * frames:      # a header promising more than the file holds
        return None
    return rate, frames


def decoded(src: Path, rate: int, *, trim: bool, store: Path | None, scratch: Path) -> Path:
    """`src` as a 16-bit mono WAV at `rate` (silence trimmed at both ends with `trim`), decoded once."""
    suffix = "-trim" if trim else ""
    if store is None:
        dst = scratch / f"{file_digest(src)}-{rate}{suffix}.wav"
    else:
        dst = store / "_decoded" / f"{file_digest(src)}-{rate}{suffix}.wav"
    if dst.is_file() and wav_frames(dst) is not None:
        return dst
    audio.decode_to_wav(src, dst, rate, trim=trim)
    found = wav_frames(dst)
    if found is None or found[1] == 0:
        dst.unlink(missing_ok=True)
        raise AudioError("Tệp không có âm thanh nào (hoặc chỉ có im lặng)", path=str(src),
                         hint="Sửa: ghi âm lại, hoặc chọn đúng tệp")
    return dst


def silence_wav(directory: Path, samples: int, rate: int) -> Path:
    """A WAV of `samples` zero samples (one file per length in `directory`)."""
    path = directory / f"silence-{samples}-{rate}.wav"
    if not path.is_file():
        with path.open("wb") as fh:
            fh.write(audio._wav_header(samples, rate))
            remaining = 2 * samples
            zeros = bytes(min(remaining, 1 << 20))
            while remaining:
                step = min(remaining, len(zeros))
                fh.write(zeros[:step])
                remaining -= step
    return path


def ready_clips(segments: Sequence[audio.Segment], out_rate: int, *, store: Path | None,
                scratch: Path) -> list[Ready]:
    """Every segment as a WAV of one rate: the rate most of the clips already have (no decode)."""
    native: dict[int, float] = {}
    headers: list[tuple[int, int] | None] = []
    for seg in segments:
        found = wav_frames(seg.path) if isinstance(seg, audio.Clip) and not seg.trim else None
        headers.append(found)
        if found:
            native[found[0]] = native.get(found[0], 0.0) + found[1] / found[0]
    rate = max(native, key=lambda r: (native[r], r)) if native else out_rate
    ready: list[Ready] = []
    for seg, found in zip(segments, headers):
        if isinstance(seg, audio.Silence):
            n = round(seg.seconds * rate)
            ready.append(Ready(silence_wav(scratch, n, rate) if n else scratch, n, rate, False))
            continue
        path = seg.path
        if found is None or found[0] != rate:
            path = decoded(seg.path, rate, trim=seg.trim, store=store, scratch=scratch)
            found = wav_frames(path)
            assert found is not None
        if found[1] == 0:
            raise AudioError("Tệp không có âm thanh nào", path=str(seg.path))
        ready.append(Ready(path, found[1], rate, True))
    return ready


# --- levels -----------------------------------------------------------------------------------

_MEMO: dict[tuple[str, int, int], dict] = {}


def _sidecar(path: Path, store: Path | None) -> Path | None:
    if store is None:
        return None
    try:
        path.resolve().relative_to(store.resolve())
        return path.with_name(path.name + ".level.json")
    except ValueError:
        return store / "_levels" / f"{file_digest(path)}.json"


def _key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


def _record(path: Path, store: Path | None) -> dict:
    key = _key(path)
    if key in _MEMO:
        return _MEMO[key]
    record: dict = {}
    side = _sidecar(path, store)
    if side is not None and side.is_file():
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
            if data.get("schema") == _SCHEMA and isinstance(data.get("lufs"), (int, float)):
                record = data
        except (OSError, ValueError):
            record = {}
    _MEMO[key] = record
    return record


def _save(path: Path, store: Path | None, record: dict) -> None:
    _MEMO[_key(path)] = record
    side = _sidecar(path, store)
    if side is not None:
        write_text_atomic(side, json.dumps(record, sort_keys=True))


def _trial_key(aim: float, limit: float) -> str:
    return f"{aim:.2f}/{limit:.2f}"


def _measure(jobs: Sequence[tuple[Path, str]], doing: str) -> list[dict[str, audio.Loudness]]:
    """Run one graph per clip (a template: `{i}` its index, ebur128 instances named `<kind>{i}`),
    many clips per ffmpeg; for each job, the summaries heard by kind."""
    found: list[dict[str, audio.Loudness]] = []
    for start in range(0, len(jobs), _BATCH):
        batch = jobs[start:start + _BATCH]
        inputs: list[str] = []
        graphs: list[str] = []
        outputs: list[str] = []
        for i, (path, graph) in enumerate(batch):
            inputs += ["-i", str(path)]
            graphs.append(graph.format(i=i))
            outputs += ["-map", f"[o{i}]", "-f", "null", "-"]
        stderr = audio._run([*inputs, "-filter_complex", ";".join(graphs), *outputs], doing=doing,
                            loglevel="info")
        named = audio._parse_ebur128_named(stderr)
        for i in range(len(batch)):
            found.append({k[0]: v for k, v in named.items() if k[1:] == str(i)})
    return found


def _heard(jobs: Sequence[tuple[Path, str]], kinds: str, doing: str) -> list[dict[str, audio.Loudness]]:
    """Like `_measure`, but a summary lost from a busy ffmpeg's stderr is measured again, alone."""
    found = _measure(jobs, doing)
    for j, parts in enumerate(found):
        if not set(kinds) <= set(parts):
            found[j] = _measure([jobs[j]], doing)[0]
            if not set(kinds) <= set(found[j]):
                raise AudioError(f"ffmpeg không trả kết quả đo độ to khi {doing}", path=str(jobs[j][0]))
    return found


def clip_gains(paths: Sequence[Path], aim: float, limit_db: float, *,
               store: Path | None) -> dict[Path, float]:
    """The gain (dB) that brings each clip, through the programme's limiter, to `aim` LUFS.

    The clip's own loudness gives a first gain; the loudness heard through the limiter at that
    gain and 2 dB above it gives the slope (`audio._solve_gain`). A clip too short or quiet to
    measure takes the median gain of the others.
    """
    distinct = list(dict.fromkeys(Path(p) for p in paths))
    records = {p: _record(p, store) for p in distinct}
    need_source = [p for p in distinct if "lufs" not in records[p]]
    if need_source:
        graph = f"[{{i}}:a]aresample={audio._PROXY_RATE},ebur128@s{{i}}=framelog=quiet[o{{i}}]"
        heard = _heard([(p, graph) for p in need_source], "s", "đo độ to đoạn âm thanh")
        for p, parts in zip(need_source, heard):
            records[p] = {"schema": _SCHEMA, "lufs": parts["s"].integrated_lufs, "trials": {}}
    tkey = _trial_key(aim, limit_db)
    firsts = {p: aim - records[p]["lufs"] for p in distinct if records[p]["lufs"] > audio._SILENT_LUFS}
    need_trials = [p for p in firsts if tkey not in records[p].get("trials", {})]
    if need_trials:
        jobs = []
        for p in need_trials:
            a = audio._filter_chain(audio._GainPlan(firsts[p], limit_db))
            b = audio._filter_chain(audio._GainPlan(firsts[p] + audio._TRIAL_STEP_DB, limit_db))
            jobs.append((p, f"[{{i}}:a]aresample={audio._PROXY_RATE},asplit[x{{i}}][y{{i}}];"
                            f"[x{{i}}]{a},ebur128@a{{i}}=framelog=quiet[o{{i}}];"
                            f"[y{{i}}]{b},ebur128@b{{i}}=framelog=quiet,anullsink"))
        for p, parts in zip(need_trials, _heard(jobs, "ab", "thử mức khuếch đại")):
            trials = {**records[p].get("trials", {}),
                      tkey: [parts["a"].integrated_lufs, parts["b"].integrated_lufs]}
            records[p] = {**records[p], "trials": trials}
    for p in dict.fromkeys([*need_source, *need_trials]):
        _save(p, store, records[p])
    gains: dict[Path, float] = {}
    for p, first in firsts.items():
        h0, h1 = records[p]["trials"][tkey]
        gains[p] = audio._solve_gain(first, h0, h1, aim, limit_db).gain_db
    fallback = statistics.median(gains.values()) if gains else 0.0
    return {p: gains.get(p, fallback) for p in distinct}


def duration_s(path: Path, *, trim: bool = False, rate: int, store: Path | None, scratch: Path) -> float:
    """Exact length of a file as it will air (a recording after trimming), decoded at most once."""
    found = None if trim else wav_frames(path)
    if found is None:
        found = wav_frames(decoded(path, rate, trim=trim, store=store, scratch=scratch))
        assert found is not None
    return found[1] / found[0]
