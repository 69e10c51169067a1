"""Each programme decoded once, ahead, to the PCM the player reads on air: no decoder runs while a village listens.

A fetched day's programmes (MP3, checked against the signed manifest's SHA-256) are decoded by
ffmpeg, at low priority, to a mono 16-bit WAV at the file's own rate, in `pcm/<day>/<sha256>.wav`
beside the days: written to a temporary name and renamed, and its length checked against the
manifest's duration first. The name is the source's SHA-256, so a rebuilt day never plays an
old decode. On air the player reads the WAV as it is (`play.pcmfile`: nothing spawned, about
15 MB less than an ffmpeg decoder per play, and 50 MB less with the imageio-ffmpeg wheel's
static binary); when it is missing or wrong, the checked source is decoded on air as before.

Disk: 88 kB a second at 44.1 kHz (5.3 MB a minute, 318 MB an hour), half that at 22.05 kHz. Only
today's and the next days' are kept: the days before today lose their PCM (their sources stay
for `keep_days`). A source that is already a mono 16-bit WAV is played as it is (no copy).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from broadcast.audio.wavheader import wav_frames

PCM_DIR = "pcm"
SLACK_S = 1.0                     # a decode may differ from the manifest's duration by this (or 1 %)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHA = re.compile(r"[0-9a-f]{64}")


def pcm_path(folder: Path, day: date, entry: dict[str, Any]) -> Path | None:
    """Where the decode of one manifest entry lives (None when the entry has no valid SHA-256)."""
    sha = str(entry.get("sha256") or "")
    return folder / PCM_DIR / day.isoformat() / f"{sha}.wav" if _SHA.fullmatch(sha) else None


def fits(path: Path, duration_s: Any) -> bool:
    """A mono 16-bit PCM WAV as long as the programme (within `SLACK_S` or 1 %)."""
    found = wav_frames(path)             # None: not one, or its header promises more than is there
    if found is None or found[0] <= 0:
        return False
    seconds = found[1] / found[0]
    try:
        wanted = float(duration_s)
    except (TypeError, ValueError):
        return seconds > 0
    return abs(seconds - wanted) <= max(SLACK_S, 0.01 * wanted)


def on_air(folder: Path, day: date, entry: dict[str, Any], source: Path) -> Path | None:
    """The PCM to play for one programme: the source itself when it is a mono 16-bit WAV, else its decode
    when it is there and fits; None: decode the source on air."""
    if fits(source, entry.get("duration_s")):
        return source
    path = pcm_path(folder, day, entry)
    return path if path is not None and path.is_file() and fits(path, entry.get("duration_s")) else None


def decode(ffmpeg: str, source: Path, target: Path, duration_s: Any) -> bool:
    """`source` to a mono 16-bit WAV at its own rate in `target`, atomically; False when it failed or does not fit."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")    # a `receiver sync` beside the receiver
    command = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", str(source),
               "-vn", "-map_metadata", "-1", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", str(partial)]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=600,
                              preexec_fn=_low_priority if os.name == "posix" else None, check=False)
        if done.returncode != 0 or not fits(partial, duration_s):
            partial.unlink(missing_ok=True)
            return False
        os.replace(partial, target)
        return True
    except (OSError, subprocess.SubprocessError):
        partial.unlink(missing_ok=True)
        return False


def _low_priority() -> None:
    os.nice(10)                   # the decode never competes with a play


def prepare_days(folder: Path, audio_out: Path, days: list[date], zone: str, ffmpeg: Callable[[], str],
                 may_decode: Callable[[], bool] = lambda: True) -> list[str]:
    """Decode the zone's programmes of `days` that have no PCM yet (each checked with `may_decode()` first:
    not while a programme plays); the names of the files made."""
    made = []
    for day in days:
        try:
            manifest = json.loads((audio_out / day.isoformat() / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entries = [e for e in manifest.get("programmes", []) if zone in e.get("zones", [zone])]
        wanted = {p.name for p in (pcm_path(folder, day, e) for e in entries) if p is not None}
        here = folder / PCM_DIR / day.isoformat()
        # a rebuilt day's old decodes; a partial (a dot name) may be a `receiver sync`'s still being written:
        # it is left, and goes with its day (`prune`)
        for stale in (here.iterdir() if here.is_dir() else ()):
            if stale.name not in wanted and not stale.name.startswith(".") and stale.is_file():
                stale.unlink(missing_ok=True)
        for entry in entries:
            source = audio_out / day.isoformat() / str(entry.get("file"))
            target = pcm_path(folder, day, entry)
            if target is None or not source.is_file() or on_air(folder, day, entry, source) is not None:
                continue
            if not may_decode():
                return made
            if decode(ffmpeg(), source, target, entry.get("duration_s")):
                made.append(target.name)
    return made


def prune(folder: Path, today: date) -> list[str]:
    """Remove the PCM of the days before `today`; the day names removed."""
    removed = []
    root = folder / PCM_DIR
    if root.is_dir():
        for day in sorted(root.iterdir()):
            if _DAY.fullmatch(day.name) and date.fromisoformat(day.name) < today:
                shutil.rmtree(day, ignore_errors=True)
                removed.append(day.name)
    return removed
