"""Every touch of audio: find ffmpeg, probe, measure loudness, assemble and encode programmes."""

from __future__ import annotations

import array
import errno
import functools
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from broadcast.errors import AudioError, ConfigError
from broadcast.io_errors import describe_os_error, disk_full_in

StrPath = str | os.PathLike[str]

CODECS = ("mp3", "wav")
SAMPLE_RATES = (16000, 22050, 24000, 32000, 44100, 48000)

# Raw PCM inside the pipeline: signed 16-bit little-endian mono, so one sample is two bytes
# and every offset is an exact sample count.
_BYTES_PER_SAMPLE = 2
_CHUNK_BYTES = 1 << 20

# ebur128 reports -70 LUFS (its absolute gate) when nothing is loud enough to measure.
_SILENT_LUFS = -69.0
# Clips are measured, and the encoded file is heard, at this rate: the loudness of speech, and
# what a peak limiter takes from it, read the same there (within 0.1 LU; at 8 kHz a short
# clip with broadband noise read 0.2 LU off) for a third of the work.
_PROXY_RATE = 16000
# The planner tries two gains this far apart to see how much the limiter eats; the slope it
# finds is bounded below so that a heavily limited programme is not pushed without end.
_TRIAL_STEP_DB, _MIN_SLOPE = 2.0, 0.25
# The limiter works on sample peaks; true (inter-sample) peaks and MP3 encoding overshoot
# above them (by about 0.4 dB on espeak speech at 64k), so it aims this far under the ceiling.
_LIMITER_MARGIN_DB = 1.5
_LIMITER_FLOOR_DB = -24.0  # alimiter's lowest threshold (0.0625)
# lame at speech bitrates takes about 0.4 LU (0.40-0.45 measured on espeak speech and on
# synthetic voiced syllables, 64k-128k mono): the plan aims that much louder.
_CODEC_LOSS_LU = {"mp3": 0.4}
# The encoded file is measured as it is written. Beyond these tolerances we encode again with
# the measured correction (at most _ENCODE_ATTEMPTS times in all), beyond the final ones we
# fail rather than air it.
_RETRY_LU, _RETRY_PEAK_DB = 0.5, 0.1
_ENCODE_ATTEMPTS = 3
_FINAL_LU, _FINAL_PEAK_DB = 1.0, 0.5
_MAX_DURATION_ERROR_S = 0.010


# --- ffmpeg -----------------------------------------------------------------------------------

@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg to use: $BROADCAST_FFMPEG, else `ffmpeg` on PATH, else the wheel's."""
    override = os.environ.get("BROADCAST_FFMPEG")
    if override:
        found = shutil.which(override)
        if not found:
            raise AudioError("BROADCAST_FFMPEG không trỏ tới một chương trình chạy được",
                             path=override, hint="Sửa: đặt đường dẫn đầy đủ tới ffmpeg hoặc bỏ biến này")
        return found
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg  # the wheel ships a static ffmpeg, so a fresh machine needs only pip

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise AudioError(f"Không tìm thấy ffmpeg ({exc})",
                         hint="Sửa: pip install imageio-ffmpeg, hoặc cài ffmpeg") from exc


def _command(args: Sequence[str], loglevel: str) -> list[str]:
    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", loglevel, "-y", *args]


_ERROR_LINE = re.compile(r"error|invalid|fail|cannot|no such|denied|no space", re.I)


def _last_line(stderr: str) -> str:
    """The line of ffmpeg's log that says what went wrong (at level info, stats follow it)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_LINE.search(line) and line != "Conversion failed!"]
    return (errors or lines or ["(ffmpeg không ghi lỗi)"])[-1]


def _read_tail(err: IO[bytes], limit: int = 64 * 1024) -> str:
    # stderr goes to a temp file, not a pipe: a chatty ffmpeg can then never block on a full
    # pipe while we read its stdout, and we keep only the tail in memory.
    size = err.seek(0, os.SEEK_END)
    err.seek(max(0, size - limit))
    return err.read().decode("utf-8", "replace")


def _run(args: Sequence[str], *, doing: str, path: StrPath | None = None,
         stdout: IO[bytes] | int = subprocess.DEVNULL, loglevel: str = "error") -> str:
    """Run ffmpeg to the end and return its stderr; on failure raise AudioError with its last line."""
    with tempfile.TemporaryFile() as err:
        try:
            code = subprocess.run(_command(args, loglevel), stdin=subprocess.DEVNULL,
                                  stdout=stdout, stderr=err, check=False).returncode
        except OSError as exc:
            raise AudioError(f"Không chạy được ffmpeg: {exc}", path=ffmpeg_exe()) from exc
        text = _read_tail(err)
    if code != 0:
        raise _failure(doing, text, path)
    return text


def _failure(doing: str, stderr: str, path: StrPath | None) -> AudioError:
    """The error for a failed ffmpeg run: blame the input file when there is one (not for a full disk)."""
    if disk_full_in(stderr):            # ffmpeg could not write: no input file is to blame
        full = describe_os_error(OSError(errno.ENOSPC, "No space left on device"))
        return AudioError(f"ffmpeg lỗi khi {doing}: {full.message}", hint=full.hint)
    if path is not None:
        return AudioError(f"Tệp âm thanh hỏng hoặc không đọc được: {_last_line(stderr)}", path=str(path),
                          hint="Sửa: tạo lại tệp này hoặc thay bằng tệp khác")
    return AudioError(f"ffmpeg lỗi khi {doing}: {_last_line(stderr)}")


def _existing(path: StrPath) -> Path:
    p = Path(path)
    if not p.is_file():
        raise AudioError("Không tìm thấy tệp âm thanh", path=str(p),
                         hint="Sửa: kiểm tra đường dẫn, hoặc tạo lại tệp")
    return p


def _pcm_output_args(sample_rate: int | None) -> list[str]:
    """Output options for the first audio stream of input 0 as raw s16le mono."""
    rate = ["-ar", str(sample_rate)] if sample_rate else []
    return ["-map", "0:a:0", "-vn", "-ac", "1", *rate, "-c:a", "pcm_s16le", "-f", "s16le"]


def _decode_args(src: Path, sample_rate: int | None) -> list[str]:
    """Arguments that decode the first audio stream of `src` to raw s16le mono."""
    return ["-i", str(src), *_pcm_output_args(sample_rate)]


def _raw_input_args(raw: Path, sample_rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", str(raw)]


_WAV_HEADER_BYTES = 44


def _wav_header(samples: int, sample_rate: int) -> bytes:
    """A 44-byte header for mono 16-bit PCM of `samples` samples."""
    data = samples * _BYTES_PER_SAMPLE
    if data > 0xFFFFFFFF - 36:
        raise AudioError("Chương trình quá dài để ghi thành một tệp WAV (tối đa khoảng 6 giờ)")
    return (b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * _BYTES_PER_SAMPLE,
                          _BYTES_PER_SAMPLE, 16)
            + b"data" + struct.pack("<I", data))


# --- probing and measuring --------------------------------------------------------------------

@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    codec: str


_STREAM_RE = re.compile(r"Stream #0:\d+.*?: Audio: ([^\s,]+)[^\n]*?, (\d+) Hz, ([^,\n]+)")
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "quad": 4, "hexagonal": 6, "octagonal": 8}


def _channel_count(layout: str) -> int:
    layout = layout.strip().split("(")[0]
    if layout in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[layout]
    if m := re.fullmatch(r"(\d+) channels", layout):
        return int(m.group(1))
    if m := re.fullmatch(r"(\d+)\.(\d+)", layout):  # "5.1" means six channels
        return int(m.group(1)) + int(m.group(2))
    return 0


def probe(path: StrPath) -> AudioInfo:
    """Codec, rate and channels from ffmpeg's header; duration exact, by decoding and counting."""
    src = _existing(path)
    # No ffprobe in the wheel: decode at the native rate and count samples (in ffmpeg, not here),
    # which is also the only duration that is exact for MP3 (the header's is an estimate).
    stderr = _run(["-i", str(src), "-map", "0:a:0", "-vn", "-af", _COUNT, "-f", "null", "-"],
                  doing="đọc tệp", path=src, loglevel="info")
    match = _STREAM_RE.search(stderr.split("Output #0")[0])
    samples = _SAMPLES_RE.findall(stderr)
    if not match or not samples:
        raise AudioError("Không nhận ra định dạng âm thanh", path=str(src),
                         hint="Sửa: dùng tệp âm thanh (m4a, mp3, wav, ogg, amr...) hoặc ghi âm lại")
    codec, rate, layout = match.group(1), int(match.group(2)), match.group(3)
    return AudioInfo(duration_s=int(samples[-1]) / rate, sample_rate=rate,
                     channels=_channel_count(layout), codec=codec)


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


# Samples are counted by ffmpeg itself (astats, one channel), so no PCM is piped back to us.
_COUNT = "aformat=channel_layouts=mono,astats=measure_perchannel=none:measure_overall=Number_of_samples"
_SAMPLES_RE = re.compile(r"Number of samples: (\d+)")


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


# --- formats and segments ---------------------------------------------------------------------

@dataclass(frozen=True)
class AudioFormat:
    codec: str = "mp3"
    sample_rate: int = 44100
    bitrate: str = "64k"
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0

    def __post_init__(self) -> None:
        problems = []
        if self.codec not in CODECS:
            problems.append(f"codec '{self.codec}' không hỗ trợ (chọn: {', '.join(CODECS)})")
        if self.sample_rate not in SAMPLE_RATES:
            problems.append(f"sample_rate {self.sample_rate} không hỗ trợ "
                            f"(chọn: {', '.join(map(str, SAMPLE_RATES))})")
        if not re.fullmatch(r"[1-9]\d{0,2}k", self.bitrate):
            problems.append(f"bitrate '{self.bitrate}' phải có dạng như 64k")
        if not -40.0 <= self.target_lufs <= -5.0:
            problems.append(f"target_lufs {self.target_lufs} phải trong khoảng -40 đến -5")
        if not -9.0 <= self.true_peak_dbtp <= 0.0:
            problems.append(f"true_peak_dbtp {self.true_peak_dbtp} phải trong khoảng -9 đến 0")
        if problems:
            raise ConfigError("Định dạng âm thanh sai: " + "; ".join(problems))

    @property
    def suffix(self) -> str:
        return "." + self.codec


@dataclass(frozen=True)
class Silence:
    seconds: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"silence must be a finite, non-negative length, got {self.seconds}")


@dataclass(frozen=True)
class Clip:
    path: Path
    label: str = ""
    trim: bool = False      # a recording: silence at both ends is cut (the tune keeps its fade)


Segment = Clip | Silence


@dataclass(frozen=True)
class Assembled:
    path: Path
    duration_s: float
    offsets_s: tuple[float, ...]
    durations_s: tuple[float, ...]
    loudness: Loudness


# --- atomic writes ----------------------------------------------------------------------------

@contextmanager
def _atomic_target(dst: Path) -> Iterator[Path]:
    """A temp path beside `dst`: renamed onto it on success, removed on any failure."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def _write_wav(dst: StrPath, frames: bytes, sample_rate: int) -> None:
    with _atomic_target(Path(dst)) as tmp:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(_BYTES_PER_SAMPLE)
            w.setframerate(sample_rate)
            w.writeframes(frames)


def wav_from_pcm(samples: bytes, sample_rate: int, dst: StrPath) -> None:
    """Write 16-bit little-endian mono PCM as a WAV file, atomically."""
    if len(samples) % _BYTES_PER_SAMPLE:
        raise AudioError("Dữ liệu PCM 16-bit có số byte lẻ", path=str(dst))
    _write_wav(dst, samples, sample_rate)


# Leading and trailing silence of a recording (a phone held before speaking): below this level
# is trimmed, keeping this much of it so the voice does not start abruptly.
_TRIM_THRESHOLD_DB, _TRIM_KEEP_S = -45.0, 0.15
_TRIM_ONE_END = (f"silenceremove=start_periods=1:start_threshold={_TRIM_THRESHOLD_DB}dB:"
                 f"start_silence={_TRIM_KEEP_S}:detection=rms")
_TRIM = f"{_TRIM_ONE_END},areverse,{_TRIM_ONE_END},areverse"


def decode_to_wav(src: StrPath, dst: StrPath, sample_rate: int, *, trim: bool = False) -> None:
    """Decode any audio file to a mono 16-bit WAV at `sample_rate`, atomically; `trim` cuts the
    silence at both ends (a recording's memory is bounded by its length: areverse holds it)."""
    source = _existing(src)
    trimming = ["-af", _TRIM] if trim else []
    with _atomic_target(Path(dst)) as tmp:
        _run(["-i", str(source), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(sample_rate), *trimming,
              "-c:a", "pcm_s16le", "-f", "wav", str(tmp)], doing="giải mã", path=source)


# --- assembly: every clip levelled on its own, one ffmpeg reads them all and encodes -----------
#
#   clips (the speech cache's WAVs as they are; other files decoded once to the same format)
#     └─ levels: each clip's loudness and limiter trials, kept beside it ──▶ a gain per clip
#   ffconcat list of the clips and exact silences ──▶ per-clip gain (asendcmd), limiter, encoder ──▶ out file
#                                   └─ decoded again inside the same ffmpeg ──▶ loudness, peak, samples
#
# No sample passes through Python, and a programme is decoded once, inside its encode.


@dataclass(frozen=True)
class _GainPlan:
    gain_db: float
    limit_db: float  # the limiter's sample-peak threshold (it does nothing below it)


def _limit_db(fmt: AudioFormat) -> float:
    return max(_LIMITER_FLOOR_DB, fmt.true_peak_dbtp - _LIMITER_MARGIN_DB)


def _aim_lufs(fmt: AudioFormat) -> float:
    """What each clip is levelled to before encoding: the target plus what the codec will take."""
    return fmt.target_lufs + _CODEC_LOSS_LU.get(fmt.codec, 0.0)


def _solve_gain(first_db: float, heard_first: float, heard_second: float, target: float,
                limit_db: float) -> _GainPlan:
    """The gain that lands on `target`, from the loudness heard at two trial gains.

    The trials are `first_db` and `first_db + _TRIAL_STEP_DB`; between and a little beyond them
    the limited loudness is close to a straight line in the gain (slope 1 while the limiter rests).
    """
    slope = min(1.0, max(_MIN_SLOPE, (heard_second - heard_first) / _TRIAL_STEP_DB))
    return _GainPlan(first_db + (target - heard_first) / slope, limit_db)


def _filter_chain(plan: _GainPlan) -> str:
    limit = 10 ** (plan.limit_db / 20)
    # level=0: no auto make-up gain; latency=1: keep every offset in place.
    return (f"volume=volume={plan.gain_db:.2f}dB:precision=float,"
            f"alimiter=limit={limit:.4f}:attack=5:release=50:level=0:latency=1")


@dataclass(frozen=True)
class _Levels:
    """The gain of each segment (dB; None for silences) and the limiter's threshold."""

    gains_db: tuple[float | None, ...]
    limit_db: float

    def shifted(self, delta_db: float, limit_db: float) -> _Levels:
        return _Levels(tuple(None if g is None else g + delta_db for g in self.gains_db), limit_db)


def _level_chain(levels: _Levels, offsets: Sequence[float]) -> str:
    """Per-segment gains switched exactly at the segment boundaries, then the programme's limiter.

    The concat demuxer never puts two files in one packet, so every frame belongs to one segment
    and a command sent as the frame enters (a little before the boundary's time stamp) applies
    to that whole segment and no other.
    """
    commands, first = [], None
    for gain, start in zip(levels.gains_db, offsets):
        if gain is None:
            continue
        first = gain if first is None else first
        at = max(0.0, start - 0.0005)
        commands.append(f"{at:.4f} volume@g volume {10 ** (gain / 20):.6f}")
    start_gain = first if first is not None else 0.0
    limit = 10 ** (levels.limit_db / 20)
    send = f"asendcmd=c='{';'.join(commands)}'," if len(commands) > 1 else ""
    return (f"{send}volume@g=volume={10 ** (start_gain / 20):.6f}:precision=float,"
            f"alimiter=limit={limit:.4f}:attack=5:release=50:level=0:latency=1")

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


# What the loopback decoder hears: its loudness at the proxy rate (a 44.1 kHz true-peak meter
# would cost the encoder a third more time) and its sample peak at the full rate.
_HEARD = (f"[dec:0]asplit[l][p];[l]aresample={_PROXY_RATE},ebur128@heard=framelog=quiet,anullsink;"
          "[p]astats=measure_perchannel=none:measure_overall=Peak_level+Number_of_samples[heard]")
_PEAK_LEVEL_RE = re.compile(r"Peak level dB: (-?inf|-?\d+(?:\.\d+)?)")


def _encode(inputs: Sequence[str], chain: str, dst: Path, fmt: AudioFormat,
            tags: Mapping[str, str] | None) -> tuple[Loudness, float]:
    """Encode with the level chain; return the loudness and exact duration of what was written.

    Where ffmpeg can (7.1 and later), the encoded stream is decoded again in the same process
    (a loopback decoder) and measured there, on other threads: the numbers are those of the
    file itself, without a second pass, and no sample comes back to Python. Integrated loudness
    reads within 0.1 LU of a full-rate meter; the peak is the decoded sample peak, which on
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
    peak, samples = _PEAK_LEVEL_RE.findall(stderr), _SAMPLES_RE.findall(stderr)
    if heard is None or not peak or not samples:
        # A summary lost from a busy ffmpeg's stderr: measure the written file instead, as on old ffmpeg.
        return _measure_output(dst)
    loudness = Loudness(heard.integrated_lufs, float(peak[-1]), heard.lra)
    return loudness, int(samples[-1]) / fmt.sample_rate


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
                lines += [f"file {_concat_quote(r.path)}", "option max_size 65536"]
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


# --- streaming for the player -----------------------------------------------------------------

@contextmanager
def stream_pcm(path: StrPath, sample_rate: int,
               chunk_bytes: int = 64 * 1024) -> Iterator[Iterator[bytes]]:
    """Decode a file as s16le mono chunks; leaving the block early stops ffmpeg.

        with stream_pcm("0530-sang.mp3", 44100) as chunks:
            for chunk in chunks:
                device.write(chunk)
    """
    src = _existing(path)
    err = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(_command([*_decode_args(src, sample_rate), "pipe:1"], "error"),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
    except OSError as exc:
        err.close()
        raise AudioError(f"Không chạy được ffmpeg: {exc}", path=ffmpeg_exe()) from exc

    def chunks() -> Iterator[bytes]:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(chunk_bytes):
            yield chunk
        if proc.wait() != 0:
            raise _failure("giải mã", _read_tail(err), src)

    try:
        yield chunks()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
        err.close()


# --- the station's own signature tune ---------------------------------------------------------

# A short phrase in the northern Vietnamese pentatonic scale (hò xự xang xê cống: C D F G A),
# as (semitones above C4, beats). Our own tune, so no rights to clear.
_TUNE = [(7, 1), (9, 1), (12, 2), (9, 1), (7, 1), (5, 2),
         (2, 1), (5, 1), (7, 1), (9, 1), (7, 3), (0, 1),
         (2, 1), (5, 1), (7, 2), (5, 1), (2, 1), (0, 4)]
_HARMONICS = (1.0, 0.45, 0.25, 0.12, 0.06)  # a plucked-string colour, like a đàn tranh
_C4_HZ = 261.63


def _wavetable(size: int = 2048) -> list[float]:
    table = [sum(a * math.sin(2 * math.pi * (h + 1) * i / size) for h, a in enumerate(_HARMONICS))
             for i in range(size)]
    peak = max(abs(v) for v in table)
    return [v / peak for v in table]


def _add_voice(buf: array.array, table: list[float], start: int, length: int, hz: float,
               sample_rate: int, level: float, decay_s: float) -> None:
    """Mix one plucked note into `buf`: quick attack, exponential decay, short release (no click)."""
    step = hz * len(table) / sample_rate
    mask = len(table) - 1
    fall = math.exp(-1.0 / (decay_s * sample_rate))
    attack, release = max(1, int(0.008 * sample_rate)), max(1, int(0.05 * sample_rate))
    end = min(start + length, len(buf))
    env, phase = level, 0.0
    for i in range(start, end):
        shape = min(1.0, (i - start) / attack, (end - i) / release)
        buf[i] += table[int(phase) & mask] * env * shape
        phase += step
        env *= fall


def generate_signature_tune(dst: StrPath, seconds: float = 12.0, sample_rate: int = 44100) -> None:
    """Synthesize the station jingle (pentatonic melody over a soft drone) as a mono WAV."""
    if not 2.0 <= seconds <= 120.0:
        raise AudioError(f"Độ dài nhạc hiệu {seconds} s phải trong khoảng 2–120 s", path=str(dst))
    total = int(seconds * sample_rate)
    buf = array.array("f", bytes(4 * total))
    table = _wavetable()
    tail_s = min(2.0, seconds * 0.2)  # the last note rings out under the fade
    beat = int((seconds - tail_s) * sample_rate / sum(b for _, b in _TUNE))
    at = 0
    for semitones, beats in _TUNE:
        hz = _C4_HZ * 2 ** (semitones / 12)
        _add_voice(buf, table, at, beats * beat + int(0.6 * sample_rate), hz, sample_rate, 0.5, 0.45)
        at += beats * beat
    for hz in (_C4_HZ / 2, _C4_HZ * 3 / 4):  # drone on C3 and G3 under the whole phrase
        _add_voice(buf, table, 0, total, hz, sample_rate, 0.18, seconds * 1.5)
    _fade_and_scale(buf, sample_rate, fade_in_s=0.05, fade_out_s=tail_s)
    _write_wav(dst, _to_s16(buf), sample_rate)


def _fade_and_scale(buf: array.array, sample_rate: int, fade_in_s: float, fade_out_s: float) -> None:
    peak = max(max(buf), -min(buf)) or 1.0
    scale = 10 ** (-3 / 20) / peak  # -3 dBFS peak: the programme's normalizer sets the level
    n, fin, fout = len(buf), int(fade_in_s * sample_rate), int(fade_out_s * sample_rate)
    for i in range(n):
        g = scale
        if i < fin:
            g *= i / fin
        if i >= n - fout:
            g *= (n - i) / fout
        buf[i] *= g


def _to_s16(buf: array.array) -> bytes:
    pcm = array.array("h", (int(v * 32767) for v in buf))
    if sys.byteorder == "big":  # WAV is little-endian
        pcm.byteswap()
    return pcm.tobytes()


# --- benchmark baselines ----------------------------------------------------------------------

def _pydub():
    """Import pydub quietly, pointed at our ffmpeg (it warns at import and looks for its own)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Couldn't find ffmpeg" and the audioop deprecation
        import pydub
        import pydub.effects
    pydub.AudioSegment.converter = ffmpeg_exe()
    return pydub


def pydub_naive_build(paths: Sequence[Path], out_path: Path, fmt: AudioFormat) -> None:
    """BENCHMARK BASELINE ONLY: the naive pydub way (+=, peak normalize, export), all in memory."""
    pydub = _pydub()
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=f".{out_path.name}.") as scratch:
        programme = pydub.AudioSegment.empty()
        for i, p in enumerate(paths):
            # pydub would call ffprobe (absent from the wheel) for non-WAV input: hand it WAV.
            wav = Path(scratch) / f"{i}.wav"
            decode_to_wav(p, wav, fmt.sample_rate)
            programme += pydub.AudioSegment.from_wav(str(wav))
        programme = pydub.effects.normalize(programme.set_channels(1).set_frame_rate(fmt.sample_rate))
        with _atomic_target(out_path) as tmp:
            params = ["-ar", str(fmt.sample_rate)]
            if fmt.codec == "mp3":
                programme.export(str(tmp), format="mp3", bitrate=fmt.bitrate, parameters=params)
            else:
                programme.export(str(tmp), format="wav")


def ffmpeg_floor_encode(raw_pcm_or_wav: Path, out_path: StrPath, fmt: AudioFormat) -> None:
    """BENCHMARK BASELINE: ffmpeg alone encoding already-joined audio (.wav, or raw s16le mono)."""
    src = _existing(raw_pcm_or_wav)
    inputs = ["-i", str(src)] if src.suffix.lower() == ".wav" else _raw_input_args(src, fmt.sample_rate)
    with _atomic_target(Path(out_path)) as tmp:
        _run([*inputs, "-ar", str(fmt.sample_rate), "-ac", "1", *_codec_args(fmt), str(tmp)],
             doing=f"xuất {fmt.codec}")
