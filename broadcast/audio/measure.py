"""Loudness measurement: EBU R128 figures read from ffmpeg's ebur128 summaries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from broadcast.audio.ffmpeg import StrPath, _existing, _last_line, _run
from broadcast.errors import AudioError

# ebur128 reports -70 LUFS (its absolute gate) when nothing is loud enough to measure.
_SILENT_LUFS = -69.0


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float
    lra: float


def _summary_value(summary: str, label: str) -> float:
    m = re.search(rf"\b{label}:\s+(-?inf|-?\d+(?:\.\d+)?)", summary)
    if not m:
        raise AudioError(f"Không đọc được kết quả đo độ to ({label})")
    return float(m.group(1))


def _loudness_from(summary: str) -> Loudness:
    peak_section = summary.partition("True peak:")[2] or summary.partition("Sample peak:")[2]
    return Loudness(integrated_lufs=_summary_value(summary, "I"),
                    true_peak_dbtp=_summary_value(peak_section, "Peak") if peak_section else float("nan"),
                    lra=_summary_value(summary, "LRA"))


def _parse_ebur128(stderr: str) -> Loudness:
    _, found, summary = stderr.rpartition("Summary:")
    if not found:
        raise AudioError(f"ffmpeg không trả kết quả đo độ to: {_last_line(stderr)}")
    return _loudness_from(summary)


_EBUR128 = "ebur128=peak=true:framelog=quiet"


def measure_loudness(path: StrPath) -> Loudness:
    """EBU R128 integrated loudness, true peak and loudness range of a file."""
    src = _existing(path)
    stderr = _run(["-i", str(src), "-map", "0:a:0", "-af", _EBUR128, "-f", "null", "-"],
                  doing="đo độ to", path=src, loglevel="info")
    return _parse_ebur128(stderr)
