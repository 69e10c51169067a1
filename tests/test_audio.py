"""broadcast.audio measured with the real ffmpeg (from the imageio-ffmpeg wheel unless one is on PATH)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from broadcast import audio
from broadcast.audio import AudioFormat, Clip, Silence
from broadcast.audio import clips as clip_prep
from broadcast.errors import AudioError, ConfigError

# Speech-like: a voiced tone with three harmonics, a little breath noise and syllables at 4 Hz.
SPEECH = ("(0.5*sin(2*PI*{f0}*t)+0.3*sin(2*PI*2*{f0}*t)+0.2*sin(2*PI*3*{f0}*t)"
          "+0.05*(random(0)-0.5))*pow(abs(sin(2*PI*2*t)),2)*{gain}")

TAGS = {"title": "Bản tin sáng", "date": "2026-12-01", "station": "Đài truyền thanh xã Hòa An",
        "artist": "Đài xã Hòa An", "album": "Chương trình phát thanh", "comment": "Bản tin thử"}


def synth(dst: Path, expr: str, rate: int, seconds: float, *codec: str) -> Path:
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"aevalsrc='{expr}':s={rate}:d={seconds}", *codec, str(dst)], check=True)
    return dst


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Inputs as TTS engines hand them over: WAVs at two rates and an MP3, at different levels."""
    d = tmp_path_factory.mktemp("clips")
    return {
        "wav22": synth(d / "a.wav", SPEECH.format(f0=150, gain=0.9), 22050, 2.0),
        "wav16": synth(d / "b.wav", SPEECH.format(f0=210, gain=0.1), 16000, 1.5),
        "mp3": synth(d / "c.mp3", SPEECH.format(f0=120, gain=0.7), 24000, 1.7,
                     "-c:a", "libmp3lame", "-b:a", "48k"),
        "stereo": synth(d / "s.wav", "0.2*sin(2*PI*440*t)|0.2*sin(2*PI*550*t)", 44100, 1.0),
    }


def metadata(path: Path) -> dict[str, str]:
    """Tags as ffmpeg reads them back (`ffmpeg -i` prints them; it exits 1 for want of an output)."""
    err = subprocess.run([audio.ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True, text=True, encoding="utf-8").stderr
    head = err.split("Duration:")[0]
    return dict(re.findall(r"^\s{4}(\w+)\s*: (.*)$", head, flags=re.M))


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def assert_reports(reported: audio.Loudness, measured: audio.Loudness) -> None:
    """What assemble() reports (measured on the way to the encoder, less the codec's loss) matches
    ffmpeg's full meter on the MP3: the loudness closely; the peak within a dB, which the encoder may
    add (the limiter's margin is there for it) or take away (its low-pass)."""
    assert reported.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.3)
    assert reported.true_peak_dbtp == pytest.approx(measured.true_peak_dbtp, abs=1.0)
    assert reported.lra == pytest.approx(measured.lra, abs=1.0)


# --- ffmpeg and probing --------------------------------------------------------------------------

def test_ffmpeg_exe_runs():
    out = subprocess.run([audio.ffmpeg_exe(), "-version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("ffmpeg version")


def test_ffmpeg_override_that_does_not_exist_is_an_audio_error(monkeypatch):
    monkeypatch.setenv("BROADCAST_FFMPEG", "/nowhere/ffmpeg")
    audio.ffmpeg_exe.cache_clear()
    try:
        with pytest.raises(AudioError, match="BROADCAST_FFMPEG"):
            audio.ffmpeg_exe()
    finally:
        audio.ffmpeg_exe.cache_clear()


def test_probe_reads_rate_channels_codec_and_exact_duration(clips):
    assert audio.probe(clips["wav22"]) == audio.AudioInfo(2.0, 22050, 1, "pcm_s16le")
    assert audio.probe(clips["wav16"]) == audio.AudioInfo(1.5, 16000, 1, "pcm_s16le")
    mp3 = audio.probe(clips["mp3"])
    assert (mp3.sample_rate, mp3.channels, mp3.codec) == (24000, 1, "mp3")
    assert mp3.duration_s == pytest.approx(1.7, abs=0.001)  # gapless: encoder padding is trimmed
    assert audio.probe(clips["stereo"]).channels == 2


def test_measure_loudness_of_a_known_sine(tmp_path):
    # EBU R128: a full-scale 997 Hz sine reads -3.01 LUFS, so one at -20 dBFS reads -23 LUFS.
    sine = synth(tmp_path / "sine.wav", "0.1*sin(2*PI*997*t)", 48000, 3.0)
    measured = audio.measure_loudness(sine)
    assert measured.integrated_lufs == pytest.approx(-23.0, abs=0.2)
    assert measured.true_peak_dbtp == pytest.approx(-20.0, abs=0.2)


# --- assembly -----------------------------------------------------------------------------------

def programme(clips: dict[str, Path], tune: Path) -> list:
    return [Clip(tune, "nhạc hiệu"), Silence(0.5), Clip(clips["wav22"]), Silence(0.25),
            Clip(clips["wav16"]), Silence(1.0), Clip(clips["mp3"]), Clip(tune, "nhạc kết")]


def test_assemble_mp3_is_exact_mono_normalized_and_tagged(clips, tmp_path):
    tune = tmp_path / "tune.wav"
    audio.generate_signature_tune(tune, seconds=2.5, sample_rate=22050)
    segments = programme(clips, tune)
    parts = [s.seconds if isinstance(s, Silence) else audio.probe(s.path).duration_s for s in segments]
    fmt = AudioFormat()
    out = tmp_path / "out" / "0530-sang.mp3"

    result = audio.assemble(segments, out, fmt, TAGS)

    info = audio.probe(out)
    assert info.duration_s == pytest.approx(sum(parts), abs=0.010)
    assert result.duration_s == pytest.approx(sum(parts), abs=0.010)
    assert (info.channels, info.sample_rate, info.codec) == (1, 44100, "mp3")
    assert result.durations_s == pytest.approx(parts, abs=0.001)
    starts = [sum(parts[:i]) for i in range(len(parts))]
    assert result.offsets_s == pytest.approx(starts, abs=0.001)
    loudness = audio.measure_loudness(out)
    assert loudness.integrated_lufs == pytest.approx(fmt.target_lufs, abs=1.0)
    assert loudness.true_peak_dbtp <= fmt.true_peak_dbtp + 0.5
    assert_reports(result.loudness, loudness)
    assert TAGS.items() <= metadata(out).items()  # every tag we wrote reads back unchanged
    assert listing(out.parent) == {"0530-sang.mp3"}  # no scratch or temp files left behind


def test_assemble_wav_at_22050_with_another_target(clips, tmp_path):
    fmt = AudioFormat(codec="wav", sample_rate=22050, target_lufs=-20.0, true_peak_dbtp=-2.0)
    out = tmp_path / "p.wav"
    result = audio.assemble([Clip(clips["stereo"]), Silence(0.3), Clip(clips["mp3"])], out, fmt)
    info = audio.probe(out)
    assert (info.channels, info.sample_rate, info.codec) == (1, 22050, "pcm_s16le")
    assert info.duration_s == pytest.approx(1.0 + 0.3 + 1.7, abs=0.010)
    assert result.loudness.integrated_lufs == pytest.approx(-20.0, abs=1.0)
    assert result.loudness.true_peak_dbtp <= -2.0 + 0.5


def test_quiet_speech_with_loud_clicks_needs_the_limiter(tmp_path):
    # Lifting -26 LUFS speech to -16 would push the 0 dBFS clicks far over the ceiling.
    expr = SPEECH.format(f0=140, gain=0.2) + "+0.95*lt(mod(t,0.9),0.0002)"
    quiet = synth(tmp_path / "quiet.wav", expr, 22050, 3.0)
    before = audio.measure_loudness(quiet)
    assert before.true_peak_dbtp > -1.0 and before.integrated_lufs < -25
    result = audio.convert(quiet, tmp_path / "loud.mp3", AudioFormat())
    assert result.loudness.integrated_lufs == pytest.approx(-16.0, abs=1.0)
    assert result.loudness.true_peak_dbtp <= -1.0 + 0.5


def test_silence_only_stays_silent(tmp_path):
    result = audio.assemble([Silence(1.0)], tmp_path / "s.wav", AudioFormat(codec="wav"))
    assert result.duration_s == 1.0
    assert result.loudness.true_peak_dbtp == float("-inf")


def test_concat_files_back_to_back(clips, tmp_path):
    result = audio.concat_files([clips["wav16"], clips["wav22"]], tmp_path / "u.mp3", AudioFormat())
    assert result.offsets_s == pytest.approx((0.0, 1.5))
    assert audio.probe(result.path).duration_s == pytest.approx(3.5, abs=0.010)


@pytest.mark.parametrize("seconds", [0.0, 1e-4])
def test_tiny_silences_are_fine(clips, tmp_path, seconds):
    result = audio.assemble([Clip(clips["wav16"]), Silence(seconds)], tmp_path / "t.wav",
                            AudioFormat(codec="wav", sample_rate=16000))
    assert result.duration_s == pytest.approx(1.5 + seconds, abs=1 / 16000)


# --- failures -----------------------------------------------------------------------------------

@pytest.mark.skipif(os.name == "nt", reason="the fake ffmpeg is a shell script")
def test_failed_encode_leaves_nothing(clips, tmp_path, monkeypatch):
    # A real ffmpeg except that the MP3 encode writes half a file and dies, as on a full disk.
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n"
                    'for a; do case "$a" in *.part) out=$a;; esac; done\n'
                    'case "$*" in *libmp3lame*) echo junk > "$out"; '
                    'echo "Error writing trailer: No space left on device" >&2; exit 1;; esac\n'
                    f'exec "{audio.ffmpeg_exe()}" "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("BROADCAST_FFMPEG", str(fake))
    audio.ffmpeg_exe.cache_clear()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    try:
        with pytest.raises(AudioError, match="Hết chỗ trống trên đĩa"):
            audio.assemble([Clip(clips["wav22"]), Silence(0.5)], out_dir / "p.mp3", AudioFormat())
    finally:
        audio.ffmpeg_exe.cache_clear()
    assert listing(out_dir) == set()


def test_corrupt_input_names_the_file(clips, tmp_path):
    bad = tmp_path / "hong.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + os.urandom(200))
    out = tmp_path / "out" / "p.mp3"
    with pytest.raises(AudioError) as err:
        audio.assemble([Clip(clips["wav22"]), Clip(bad)], out, AudioFormat())
    assert "hong.wav" in str(err.value)
    assert err.value.path == str(bad)
    assert listing(out.parent) == set()


def test_missing_input_names_the_file(clips, tmp_path):
    missing = tmp_path / "khong-co.mp3"
    with pytest.raises(AudioError, match="khong-co.mp3"):
        audio.assemble([Clip(clips["wav22"]), Clip(missing)], tmp_path / "p.mp3", AudioFormat())
    assert not (tmp_path / "p.mp3").exists()
    with pytest.raises(AudioError, match="khong-co.mp3"):
        audio.probe(missing)


def test_empty_programme_is_refused(tmp_path):
    with pytest.raises(AudioError):
        audio.assemble([], tmp_path / "p.mp3", AudioFormat())


@pytest.mark.parametrize("bad", [
    {"codec": "ogg"}, {"sample_rate": 11025}, {"bitrate": "64"}, {"target_lufs": -3.0},
    {"true_peak_dbtp": 1.0},
])
def test_bad_format_settings_are_config_errors(bad):
    with pytest.raises(ConfigError):
        AudioFormat(**bad)


# --- small helpers ------------------------------------------------------------------------------

def test_decode_to_wav_resamples_to_mono_16bit(clips, tmp_path):
    dst = tmp_path / "d.wav"
    audio.decode_to_wav(clips["mp3"], dst, 16000)
    with wave.open(str(dst)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        assert w.getnframes() == pytest.approx(1.7 * 16000, abs=2)


def test_wav_from_pcm_round_trips(tmp_path):
    samples = bytes(range(256)) * 10
    audio.wav_from_pcm(samples, 22050, tmp_path / "e.wav")
    with wave.open(str(tmp_path / "e.wav")) as w:
        assert (w.getnchannels(), w.getframerate(), w.readframes(w.getnframes())) == (1, 22050, samples)
    with pytest.raises(AudioError):
        audio.wav_from_pcm(b"\x00\x01\x02", 22050, tmp_path / "odd.wav")
    assert listing(tmp_path) == {"e.wav"}


def test_signature_tune_is_a_pleasant_level_not_silence(tmp_path):
    tune = tmp_path / "nhac_hieu.wav"
    audio.generate_signature_tune(tune, seconds=3.0, sample_rate=22050)
    assert audio.probe(tune) == audio.AudioInfo(3.0, 22050, 1, "pcm_s16le")
    measured = audio.measure_loudness(tune)
    assert -24 < measured.integrated_lufs < -10
    assert measured.true_peak_dbtp < -1.0


def test_stream_pcm_yields_every_sample_and_stops_early(clips):
    with audio.stream_pcm(clips["wav22"], 44100) as chunks:
        assert sum(len(c) for c in chunks) == 2 * 44100 * 2
    with audio.stream_pcm(clips["wav22"], 44100, chunk_bytes=1000) as chunks:
        assert len(next(chunks)) == 1000  # leaving here must stop ffmpeg, not hang


def test_stream_pcm_of_a_corrupt_file_is_an_audio_error(tmp_path):
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(AudioError, match="bad.mp3"):
        with audio.stream_pcm(bad, 22050) as chunks:
            list(chunks)


def test_scratch_wav_header_reads_back(tmp_path):
    path = tmp_path / "h.wav"
    path.write_bytes(audio.wav_header(rate=8000, channels=1, sample_width=2, data_bytes=6) + bytes(6))
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 8000, 3)


class FfmpegRuns:
    """Records the arguments of every ffmpeg that `audio` starts (run to the end or fed PCM)."""

    def __init__(self, monkeypatch):
        self.runs: list[list[str]] = []
        real = audio.ffmpeg._command

        def command(args, loglevel):
            self.runs.append(list(args))
            return real(args, loglevel)
        for where in (audio.ffmpeg, audio.encode):
            monkeypatch.setattr(where, "_command", command)

    def encodes(self, codec_arg: str) -> int:
        return sum(codec_arg in args for args in self.runs)


def test_a_normal_programme_is_encoded_exactly_once(clips, tmp_path, monkeypatch):
    tune = tmp_path / "tune.wav"
    audio.generate_signature_tune(tune, seconds=2.5, sample_rate=44100)
    runs = FfmpegRuns(monkeypatch)
    out = tmp_path / "p.mp3"
    result = audio.assemble(programme(clips, tune), out, AudioFormat())
    assert runs.encodes("libmp3lame") == 1
    measured = audio.measure_loudness(out)
    assert_reports(result.loudness, measured)
    assert measured.integrated_lufs == pytest.approx(-16.0, abs=0.5)
    assert measured.true_peak_dbtp <= -1.0
    assert audio.probe(out).duration_s == pytest.approx(result.duration_s, abs=0.010)


def test_a_wav_programme_reports_what_ffmpegs_meter_reads_in_the_file(clips, tmp_path):
    """No codec between: the loudness and true peak measured on the way are the file's own."""
    fmt = AudioFormat(codec="wav", sample_rate=22050)
    out = tmp_path / "p.wav"
    result = audio.assemble([Clip(clips["wav22"]), Silence(0.4), Clip(clips["mp3"]), Clip(clips["wav16"])],
                            out, fmt)
    measured = audio.measure_loudness(out)
    assert result.loudness.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.15)
    assert result.loudness.true_peak_dbtp == pytest.approx(measured.true_peak_dbtp, abs=0.2)
    assert result.loudness.lra == pytest.approx(measured.lra, abs=1.0)


# --- benchmark baselines ------------------------------------------------------------------------

def test_baselines_encode_the_same_audio(clips, tmp_path):
    fmt = AudioFormat(sample_rate=22050)
    audio.pydub_naive_build([clips["wav22"], clips["mp3"]], tmp_path / "naive.mp3", fmt)
    assert audio.probe(tmp_path / "naive.mp3").duration_s == pytest.approx(3.7, abs=0.05)
    audio.ffmpeg_floor_encode(clips["wav22"], tmp_path / "floor.mp3", fmt)
    assert audio.probe(tmp_path / "floor.mp3").duration_s == pytest.approx(2.0, abs=0.010)


def test_importing_audio_does_not_import_pydub():
    code = "import sys, broadcast.audio; sys.exit('pydub' in sys.modules)"
    root = Path(audio.__file__).parent.parent
    assert subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=root).returncode == 0


# --- every clip levelled on its own; the encode is the only pass over the programme ---------------

def section_loudness(path: Path, start: float, seconds: float) -> float:
    err = subprocess.run([audio.ffmpeg_exe(), "-hide_banner", "-nostats", "-ss", f"{start:.3f}", "-t",
                          f"{seconds:.3f}", "-i", str(path), "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    return audio._parse_ebur128(err).integrated_lufs


def test_the_tune_and_quiet_speech_each_reach_the_target(tmp_path):
    tune = tmp_path / "tune.wav"
    audio.generate_signature_tune(tune, seconds=4.0, sample_rate=22050)
    speech = synth(tmp_path / "quiet.wav", SPEECH.format(f0=150, gain=0.15), 22050, 4.0)
    assert audio.measure_loudness(tune).integrated_lufs - audio.measure_loudness(speech).integrated_lufs > 8
    out = tmp_path / "p.mp3"
    result = audio.assemble([Clip(tune), Silence(0.5), Clip(speech), Silence(0.5), Clip(tune)], out, AudioFormat())
    for index in (0, 2, 4):   # the tune twice and the speech between, each measured alone in the file
        heard = section_loudness(out, result.offsets_s[index], result.durations_s[index])
        assert heard == pytest.approx(-16.0, abs=1.0), index
    assert audio.measure_loudness(out).true_peak_dbtp <= -1.0 + 0.5


def test_a_warm_programme_runs_one_ffmpeg_and_analyses_nothing(clips, tmp_path, monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setattr(clip_prep, "_MEMO", {})
    segments = [Clip(clips["wav22"]), Silence(0.3), Clip(clips["wav16"]), Clip(clips["mp3"])]
    runs = FfmpegRuns(monkeypatch)
    cold = audio.assemble(segments, tmp_path / "cold.mp3", AudioFormat(), store=store)
    # cold: the two clips not at the working rate decoded once, then the one encode
    assert sum("-f" in r and "wav" in r and "pcm_s16le" in r for r in runs.runs) == 2
    assert runs.encodes("libmp3lame") == 1 and len(runs.runs) == 2 + 1
    monkeypatch.setattr(clip_prep, "_MEMO", {})   # a new process: everything comes from the store
    runs.runs.clear()
    analysed = []
    real = clip_prep._analyse
    monkeypatch.setattr(clip_prep, "_analyse", lambda *a: analysed.append(a) or real(*a))
    warm = audio.assemble(segments, tmp_path / "warm.mp3", AudioFormat(), store=store)
    assert len(runs.runs) == 1 and runs.encodes("libmp3lame") == 1 and not analysed
    assert warm.loudness.integrated_lufs == pytest.approx(cold.loudness.integrated_lufs, abs=0.001)
    assert warm.loudness.true_peak_dbtp == pytest.approx(cold.loudness.true_peak_dbtp, abs=0.001)
    # the level of a clip decoded into the store sits beside it; of a clip kept elsewhere, by its digest
    assert len(list((store / "_decoded").glob("*.wav.level.json"))) == 2
    assert len(list((store / "_levels").glob("*.json"))) == 1
