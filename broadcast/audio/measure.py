"""Loudness measurement: EBU R128 figures read from ffmpeg's ebur128 summaries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from broadcast.audio.ffmpeg import _SAMPLES_RE, StrPath, _existing, _last_line, _run
from broadcast.errors import AudioError

# ebur128 reports -70 LUFS (its absolute gate) when nothing is loud enough to measure.
_SILENT_LUFS = -69.0
# Clips are measured, and the encoded file is heard, at this rate: the loudness of speech, and
# what a peak limiter takes from it, read the same there (within 0.1 LU; at 8 kHz a short
# clip with broadband noise read 0.2 LU off) for a third of the work.
_PROXY_RATE = 16000


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


def _parse_ebur128_named(stderr: str) -> dict[str, Loudness]:
    """Every ebur128 summary in the log, by the instance name each filter was given (`ebur128@name`)."""
    found = re.findall(r"\[ebur128@(\w+) @[^\]]*\][^\n]*Summary:(.*?)(?=\n\S|\Z)", stderr, flags=re.S)
    if not found:
        raise AudioError(f"ffmpeg không trả kết quả đo độ to: {_last_line(stderr)}")
    return {name: _loudness_from(summary) for name, summary in found}


_EBUR128 = "ebur128=peak=true:framelog=quiet"
_EBUR128_PLAN = "ebur128=framelog=quiet"  # integrated loudness only: true peak is the costly part


def measure_loudness(path: StrPath) -> Loudness:
    """EBU R128 integrated loudness, true peak and loudness range of a file."""
    src = _existing(path)
    stderr = _run(["-i", str(src), "-map", "0:a:0", "-af", _EBUR128, "-f", "null", "-"],
                  doing="đo độ to", path=src, loglevel="info")
    return _parse_ebur128(stderr)


def _measure_output(path: Path) -> tuple[Loudness, float]:
    """Loudness and exact duration of an encoded file, in one decoding pass."""
    stderr = _run(["-i", str(path), "-map", "0:a:0", "-af",
                   f"{_EBUR128},aformat=channel_layouts=mono,"
                   "astats=measure_perchannel=none:measure_overall=Number_of_samples",
                   "-f", "null", "-"], doing="kiểm tra tệp đã xuất", loglevel="info")
    match = re.search(r"Stream #0:\d+.*?: Audio: [^\n]*?, (\d+) Hz", stderr)
    samples = _SAMPLES_RE.findall(stderr)
    if not match or not samples:
        raise AudioError(f"ffmpeg không đếm được mẫu của tệp đã xuất: {_last_line(stderr)}", path=str(path))
    return _parse_ebur128(stderr), int(samples[-1]) / int(match.group(1))


