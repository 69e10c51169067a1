"""A zone's gain at playout: the dB asked for (per zone, per slot), limited so the programme never clips.

`applied_gain(asked_db, peak_db)` is what the player applies: a cut (≤ 0 dB) as asked; a boost
no more than the headroom between the programme's peak (the manifest's `true_peak_dbtp`, else
measured here with ffmpeg's volumedetect) and `CEILING_DB`. The note says what was done, in
Vietnamese, for the as-run row. A live stream's peak is not known before it airs (`live_gain`):
a cut applies, a boost does not. The player scales the decoded PCM with ffmpeg's `volume` filter,
which saturates rather than wraps, so even a peak that was misjudged is clipped safely.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

CEILING_DB = -1.0          # a boost stops where the programme's peak would reach this (dBFS)


def applied_gain(asked_db: float, peak_db: float | None) -> tuple[float, str | None]:
    """(gain to apply in dB, note for the log); no note when nothing is asked."""
    if not asked_db:
        return 0.0, None
    if asked_db < 0 or peak_db is None:
        return asked_db, f"mức {_db(asked_db)} dB"
    room = max(0.0, CEILING_DB - peak_db)
    if asked_db <= room:
        return asked_db, f"mức {_db(asked_db)} dB"
    return room, (f"mức {_db(asked_db)} dB giới hạn còn {_db(room)} dB để không bị méo "
                  f"(đỉnh chương trình {peak_db:.1f} dBFS)")


def live_gain(asked_db: float) -> tuple[float, str | None]:
    """(gain, note) for a live stream, whose peak is not known before it airs: a cut as asked, no boost."""
    if asked_db <= 0:
        return applied_gain(asked_db, None)
    return 0.0, (f"mức {_db(asked_db)} dB không áp dụng cho luồng tiếp âm trực tiếp: chưa biết trước đỉnh "
                 "của luồng, tăng có thể làm méo")


def factor(gain_db: float) -> float:
    """The linear factor of a gain in dB."""
    return 10 ** (gain_db / 20)


def measure_peak(path: Path | str, ffmpeg: str, offset_s: float = 0.0) -> float | None:
    """The sample peak of a file in dBFS (ffmpeg volumedetect); None when it cannot be read."""
    seek = ["-ss", f"{offset_s:.3f}"] if offset_s else []
    try:
        proc = subprocess.run([ffmpeg, "-nostdin", "-hide_banner", "-nostats", *seek, "-i", str(path), "-vn",
                               "-af", "volumedetect", "-f", "null", "-"], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(rb"max_volume:\s*(-?[0-9.]+|-inf) dB", proc.stderr)
    if proc.returncode != 0 or found is None:
        return None
    return -120.0 if found.group(1) == b"-inf" else float(found.group(1))


def _db(value: float) -> str:
    """'+3', '-6', '+1.5': always with its sign."""
    return f"{value:+.1f}".rstrip("0").rstrip(".")
