"""Encoding: codec and tag arguments, one encode measured as it is written, again if off target."""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from broadcast.audio.ffmpeg import _run, ffmpeg_exe
from broadcast.audio.formats import AudioFormat
from broadcast.audio.levels import _LIMITER_FLOOR_DB, _GainPlan, _level_chain, _Levels
from broadcast.audio.measure import _SILENT_LUFS, Loudness, _measure_output, _parse_ebur128_named
from broadcast.errors import AudioError

# The encoded file is measured as it is written. Beyond these tolerances we encode again with
# the measured correction (at most _ENCODE_ATTEMPTS times in all), beyond the final ones we
# fail rather than air it.
_RETRY_LU, _RETRY_PEAK_DB = 0.5, 0.1
_ENCODE_ATTEMPTS = 3
_FINAL_LU, _FINAL_PEAK_DB = 1.0, 0.5
_MAX_DURATION_ERROR_S = 0.010


def _codec_args(fmt: AudioFormat) -> list[str]:
    if fmt.codec == "mp3":
        # ID3v2.3 is what Windows and most players read; v1 cannot hold Vietnamese.
        # compression_level 5 is lame's own default: a quarter faster than ffmpeg's, same bitrate.
        return ["-c:a", "libmp3lame", "-b:a", fmt.bitrate, "-compression_level", "5",
                "-id3v2_version", "3", "-write_id3v1", "0", "-f", "mp3"]
    return ["-c:a", "pcm_s16le", "-f", "wav"]


def _tag_args(tags: Mapping[str, str] | None) -> list[str]:
    args: list[str] = []
    for key, value in (tags or {}).items():
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
            raise AudioError(f"Tên thẻ ID3 không hợp lệ: '{key}'")
        args += ["-metadata", f"{key}={value}"]
    return args


@functools.cache
def _loopback_decoding(exe: str) -> bool:
    """Whether this ffmpeg (7.1 and later) can decode its own encoder's output (`-dec`)."""
    probe_args = [exe, "-nostdin", "-loglevel", "quiet", "-f", "lavfi", "-i", "anullsrc=r=8000:d=0.05",
                  "-c:a", "pcm_s16le", "-f", "null", "-",
                  "-dec", "0:0", "-filter_complex", "[dec:0]anull[o]", "-map", "[o]", "-f", "null", "-"]
    try:
        return subprocess.run(probe_args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False).returncode == 0
    except OSError:
        return False


# What the loopback decoder hears, at the output rate: its loudness (ebur128 without the true-peak
# meter, which would cost the encoder a third more time), then its sample peak and sample count
# (volumedetect: a histogram, cheaper than resampling for ebur128 and counting with astats).
_HEARD = "[dec:0]ebur128@heard=framelog=quiet,volumedetect[heard]"
_PEAK_LEVEL_RE = re.compile(r"max_volume: (-?inf|-?\d+(?:\.\d+)?) dB")
_HEARD_SAMPLES_RE = re.compile(r"n_samples: (\d+)")
_S16_SILENCE_DB = -91.0    # volumedetect's max_volume for a stream of zeros (one LSB reads -90.3)


def _encode(inputs: Sequence[str], chain: str, dst: Path, fmt: AudioFormat,
            tags: Mapping[str, str] | None) -> tuple[Loudness, float]:
    """Encode with the level chain; return the loudness and exact duration of what was written.

    Where ffmpeg can (7.1 and later), the encoded stream is decoded again in the same process
    (a loopback decoder) and measured there, on other threads: the numbers are those of the
    file itself, without a second pass, and no sample comes back to Python. Integrated loudness
    is read at the output rate; the peak is the decoded sample peak (to 0.1 dB), which on
    band-limited speech is the true peak to a tenth of a dB (the limiter's margin covers the
    rest). Older ffmpeg measures the finished file instead, with the full true-peak meter.
    """
    encode = [*inputs, "-af", chain, "-ar", str(fmt.sample_rate), "-ac", "1", *_codec_args(fmt),
              *_tag_args(tags), str(dst)]
    if not _loopback_decoding(ffmpeg_exe()):
        _run(encode, doing=f"xuất {fmt.codec}")
        return _measure_output(dst)
    stderr = _run([*encode, "-dec", "0:0", "-filter_complex", _HEARD, "-map", "[heard]", "-f", "null", "-"],
                  doing=f"xuất {fmt.codec}", loglevel="info")
    heard = _parse_ebur128_named(stderr).get("heard")
    # ffmpeg may configure the graph once before the real run: that instance reports 0 samples
    peak, samples = _PEAK_LEVEL_RE.findall(stderr), [int(n) for n in _HEARD_SAMPLES_RE.findall(stderr)]
    if heard is None or not peak or not samples or not max(samples):
        # A summary lost from a busy ffmpeg's stderr: measure the written file instead, as on old ffmpeg.
        return _measure_output(dst)
    peak_db = float(peak[-1])
    loudness = Loudness(heard.integrated_lufs, float("-inf") if peak_db <= _S16_SILENCE_DB else peak_db, heard.lra)
    return loudness, max(samples) / fmt.sample_rate


def _off_target(measured: Loudness, fmt: AudioFormat, lu: float, peak_db: float) -> bool:
    if measured.integrated_lufs <= _SILENT_LUFS:
        return False
    return (abs(measured.integrated_lufs - fmt.target_lufs) > lu
            or measured.true_peak_dbtp > fmt.true_peak_dbtp + peak_db)


def _corrected(plan: _GainPlan, heard: Loudness, fmt: AudioFormat) -> _GainPlan:
    """The next attempt: add the loudness still missing, and aim the limiter lower by any overshoot.

    Loudness never moves faster than the gain (the limiter only takes away), so a step of the
    full difference never overshoots, even where the plan's slope was wrong.
    """
    gain = plan.gain_db + fmt.target_lufs - heard.integrated_lufs
    overshoot = max(0.0, heard.true_peak_dbtp - fmt.true_peak_dbtp)
    return _GainPlan(gain, max(_LIMITER_FLOOR_DB, plan.limit_db - overshoot))


def _encode_levelled(inputs: Sequence[str], levels: _Levels, offsets: Sequence[float], tmp: Path,
                     fmt: AudioFormat, tags: Mapping[str, str] | None, expected_s: float) -> Loudness:
    """Encode once, and again only if the file itself came out of bounds (every gain moves together)."""
    for _ in range(_ENCODE_ATTEMPTS):
        heard, duration = _encode(inputs, _level_chain(levels, offsets), tmp, fmt, tags)
        if not _off_target(heard, fmt, _RETRY_LU, _RETRY_PEAK_DB):
            break
        step = _corrected(_GainPlan(0.0, levels.limit_db), heard, fmt)
        levels = levels.shifted(step.gain_db, step.limit_db)
    if _off_target(heard, fmt, _FINAL_LU, _FINAL_PEAK_DB):
        raise AudioError(f"Độ to sau khi xuất lệch mục tiêu: {heard.integrated_lufs:.1f} LUFS, "
                         f"đỉnh {heard.true_peak_dbtp:.1f} dBTP (mục tiêu {fmt.target_lufs} LUFS, "
                         f"đỉnh tối đa {fmt.true_peak_dbtp} dBTP)")
    if abs(duration - expected_s) > _MAX_DURATION_ERROR_S:
        raise AudioError(f"Độ dài tệp xuất {duration:.3f} s khác tổng các phần {expected_s:.3f} s")
    return heard


