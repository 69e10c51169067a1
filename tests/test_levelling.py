"""The numpy meter, limiter and true peak against ffmpeg's own meter; the encoder fed as clips arrive."""

from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from broadcast import audio
from broadcast.audio import AudioFormat, Clip, Pending, Silence, limiter, loudness
from broadcast.audio import clips as clip_prep
from broadcast.errors import AudioError

SPEECH = ("(0.5*sin(2*PI*{f0}*t)+0.3*sin(2*PI*2*{f0}*t)+0.2*sin(2*PI*3*{f0}*t)"
          "+0.05*(random(0)-0.5))*pow(abs(sin(2*PI*2*t)),2)*{gain}")


def synth(dst: Path, expr: str, rate: int, seconds: float) -> Path:
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"aevalsrc='{expr}':s={rate}:d={seconds}", "-c:a", "pcm_s16le", str(dst)], check=True)
    return dst


def samples_of(path: Path) -> np.ndarray:
    return np.concatenate(list(clip_prep.read_samples(path, 1 << 16)))


def ffmpeg_meter(path: Path) -> audio.Loudness:
    return audio.measure_loudness(path)


@pytest.mark.parametrize("rate", [16000, 22050, 24000, 44100, 48000])
def test_the_meter_reads_what_ffmpeg_reads(tmp_path, rate):
    clip = synth(tmp_path / "s.wav", SPEECH.format(f0=140, gain=0.6), rate, 4.0)
    ours = loudness.integrated_lufs(loudness.analyse([samples_of(clip)], rate).energy, rate)
    assert ours == pytest.approx(ffmpeg_meter(clip).integrated_lufs, abs=0.1)


def test_the_meter_does_not_care_how_the_samples_arrive(tmp_path):
    clip = synth(tmp_path / "s.wav", SPEECH.format(f0=180, gain=0.3), 22050, 3.3)
    whole = samples_of(clip)
    at_once = loudness.analyse([whole], 22050)
    ragged = loudness.analyse([whole[i:i + 997] for i in range(0, len(whole), 997)], 22050)
    assert ragged.samples == at_once.samples == len(whole)
    np.testing.assert_allclose(ragged.energy, at_once.energy, rtol=1e-4, atol=1e-9)
    np.testing.assert_array_equal(ragged.peak, at_once.peak)


def test_a_clip_shorter_than_a_block_still_has_a_loudness(tmp_path):
    clip = synth(tmp_path / "s.wav", "0.3*sin(2*PI*440*t)", 22050, 0.25)
    ours = loudness.integrated_lufs(loudness.analyse([samples_of(clip)], 22050).energy, 22050)
    # one block, ungated: a sine of amplitude 0.3 (K-weighting is flat at 440 Hz)
    assert ours == pytest.approx(-0.691 + 10 * np.log10(0.3 ** 2 / 2), abs=0.2)
    assert loudness.integrated_lufs(np.zeros(100), 22050) == float("-inf")


def test_the_limiter_keeps_every_peak_under_the_ceiling_and_lands_on_the_aim(tmp_path):
    # quiet speech with full-scale clicks: the gain it needs would push the clicks far over
    clip = synth(tmp_path / "c.wav", SPEECH.format(f0=140, gain=0.2) + "+0.95*lt(mod(t,0.9),0.0002)", 22050, 3.0)
    levelled = clip_prep.clip_level(clip, 22050, -16.0, -2.5, store=None)
    assert levelled.level is not None and levelled.level.gain_db > 8
    pcm = b"".join(levelled.pcm())
    out = np.frombuffer(pcm, "<i2").astype(np.float64) / 32768
    assert len(out) == round(3.0 * 22050)
    assert np.abs(out).max() <= 10 ** (-2.5 / 20) + 1 / 32768
    # what the solver planned is what the render gives, by ffmpeg's meter, true peak included
    wav = tmp_path / "l.wav"
    audio.wav_from_pcm(pcm, 22050, wav)
    measured = ffmpeg_meter(wav)
    assert measured.integrated_lufs == pytest.approx(-16.0, abs=0.15)
    assert loudness.gated_lufs(levelled.mean_square) == pytest.approx(-16.0, abs=0.1)
    assert 20 * np.log10(levelled.true_peak) == pytest.approx(measured.true_peak_dbtp, abs=0.2)
    assert measured.true_peak_dbtp <= -2.5 + 0.2


def test_a_synthesizer_hiss_near_half_the_rate_is_limited_on_its_true_peak(tmp_path):
    """Content near fs/2 peaks between samples: a sample-peak limiter would let it through a dB high."""
    expr = "0.25*sin(2*PI*10800*t+PI/3)*pow(abs(sin(2*PI*2*t)),2)+" + SPEECH.format(f0=140, gain=0.2)
    clip = synth(tmp_path / "h.wav", expr, 22050, 3.0)
    levelled = clip_prep.clip_level(clip, 22050, -14.0, -3.0, store=None)
    wav = tmp_path / "l.wav"
    audio.wav_from_pcm(b"".join(levelled.pcm()), 22050, wav)
    measured = ffmpeg_meter(wav)
    assert measured.true_peak_dbtp <= -3.0 + 0.3
    assert 20 * np.log10(levelled.true_peak) == pytest.approx(measured.true_peak_dbtp, abs=0.3)


def test_a_clip_under_the_ceiling_is_only_moved_not_limited(tmp_path):
    clip = synth(tmp_path / "q.wav", "0.05*sin(2*PI*300*t)", 22050, 2.0)
    analysis = clip_prep._analyse(clip, 22050)
    level = limiter.solve(analysis, -30.0, -1.0)
    gains = limiter.cell_gains(analysis, level)
    assert np.ptp(gains) == pytest.approx(0.0, abs=1e-12)       # one gain throughout: no limiting
    assert limiter.solve(loudness.analyse([np.zeros(22050, np.float32)], 22050), -16.0, -2.5) is None


def test_true_cell_peaks_find_the_peak_between_samples():
    rate, cell = 22050, 35
    t = np.arange(35 * 100) / rate
    # a tone at a quarter of the rate, sampled 45 degrees off its crests: samples read 3 dB low
    tone = (0.5 * np.sin(2 * np.pi * (rate / 4) * t + np.pi / 4)).astype(np.float32)
    sample_peaks = np.abs(tone).reshape(-1, cell).max(axis=1)
    assert sample_peaks.max() == pytest.approx(0.5 / np.sqrt(2), rel=1e-3)
    chunks = [tone[i:i + cell * 7] for i in range(0, len(tone), cell * 7)]
    true = limiter.true_cell_peaks(iter(chunks), sample_peaks, cell, 0.0)
    assert true[1:-1] == pytest.approx(0.5, rel=0.02)
    untouched = limiter.true_cell_peaks(iter(chunks), sample_peaks, cell, 0.9)   # all under the floor
    np.testing.assert_array_equal(untouched, sample_peaks)


def pending_later(path: Path, delay_s: float) -> Future:
    future: Future = Future()
    threading.Timer(delay_s, future.set_result, args=(path,)).start()
    return future


def test_clips_still_being_spoken_give_the_same_file_as_finished_ones(tmp_path):
    a = synth(tmp_path / "a.wav", SPEECH.format(f0=150, gain=0.8), 22050, 2.0)
    b = synth(tmp_path / "b.wav", SPEECH.format(f0=200, gain=0.2), 22050, 1.5)
    fmt = AudioFormat(codec="wav", sample_rate=22050)
    done = audio.assemble([Clip(a), Silence(0.5), Clip(b), Silence(0.2), Clip(a)], tmp_path / "done.wav", fmt)
    first, second = pending_later(a, 0.05), pending_later(b, 0.3)
    streamed = audio.assemble([Pending(first), Silence(0.5), Pending(second), Silence(0.2), Pending(first)],
                              tmp_path / "streamed.wav", fmt)
    assert streamed.path.read_bytes() == done.path.read_bytes()
    assert streamed.offsets_s == done.offsets_s and streamed.loudness == done.loudness


def test_a_clip_that_never_comes_stops_the_encoder_and_leaves_nothing(tmp_path):
    a = synth(tmp_path / "a.wav", SPEECH.format(f0=150, gain=0.8), 22050, 2.0)
    failed: Future = Future()
    threading.Timer(0.2, failed.set_exception, args=(AudioError("máy đọc hỏng"),)).start()
    out_dir = tmp_path / "out"
    before = set(_ffmpeg_children())          # only the encoder this test starts counts
    with pytest.raises(AudioError, match="máy đọc hỏng"):
        audio.assemble([Clip(a), Silence(0.5), Pending(failed)], out_dir / "p.mp3", AudioFormat())
    assert list(out_dir.iterdir()) == []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and set(_ffmpeg_children()) - before:
        time.sleep(0.05)
    assert not set(_ffmpeg_children()) - before


def _ffmpeg_children() -> list[str]:
    import os
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
        except OSError:
            continue
        if fields[3] == me and "ffmpeg" in fields[1]:
            found.append(fields[0])
    return found


def test_a_clip_heard_twice_is_levelled_and_rendered_once(tmp_path, monkeypatch):
    a = synth(tmp_path / "a.wav", SPEECH.format(f0=150, gain=0.8), 22050, 2.0)
    renders = []
    real = clip_prep.Levelled.pcm

    def counting(self):
        renders.append(self.path)
        yield from real(self)
    monkeypatch.setattr(clip_prep.Levelled, "pcm", counting)
    fmt = AudioFormat(codec="wav", sample_rate=22050)
    result = audio.assemble([Clip(a), Silence(0.5), Clip(a)], tmp_path / "p.wav", fmt)
    assert renders == [a]
    pcm = samples_of(result.path)
    n = round(2.0 * 22050)
    np.testing.assert_array_equal(pcm[:n], pcm[-n:])


def test_a_clip_heard_again_is_read_back_from_disk_not_kept_in_memory(tmp_path):
    """Before, the feed kept a repeated clip's PCM until its last reading (up to 32 MiB a programme)."""
    import tracemalloc

    a = synth(tmp_path / "a.wav", SPEECH.format(f0=150, gain=0.8), 22050, 300.0)     # 13.2 MB of PCM
    b = synth(tmp_path / "b.wav", SPEECH.format(f0=220, gain=0.5), 22050, 1.0)
    fmt = AudioFormat(codec="wav", sample_rate=22050)
    audio.assemble([Clip(a)], tmp_path / "warm.wav", fmt, store=tmp_path)   # analysed and kept: warm below
    tracemalloc.start()
    try:
        result = audio.assemble([Clip(a), Silence(0.5), Clip(b), Clip(a), Clip(a)], tmp_path / "p.wav", fmt,
                                store=tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 300 * 22050                               # less than the clip: none of it kept
    pcm = samples_of(result.path)
    n = 300 * 22050
    np.testing.assert_array_equal(pcm[:n], pcm[-n:])
    np.testing.assert_array_equal(pcm[-2 * n:-n], pcm[-n:])
    assert not list(tmp_path.glob(".p.wav.*"))                # the scratch folder went with the assembly


@pytest.mark.parametrize("rate, seconds", [(44100, 3.0), (22050, 1.234), (16000, 0.5), (48000, 2.0)])
def test_the_length_read_from_an_mp3_header_is_the_decoded_length(tmp_path, rate, seconds):
    src = synth(tmp_path / "s.wav", SPEECH.format(f0=150, gain=0.5), 22050, seconds)
    fmt = AudioFormat(sample_rate=rate)
    out = audio.assemble([Clip(src)], tmp_path / "s.mp3", fmt).path
    decoded = audio.probe(out)
    assert audio.encoded_samples(out, fmt) == round(decoded.duration_s * rate)


@pytest.mark.parametrize("cells", [10, (1 << 16) - 1, (1 << 16) + 1, 3 * (1 << 16) + 123])
def test_a_long_clip_gets_the_gains_of_the_whole_clip_a_block_at_a_time(cells, monkeypatch):
    """The gains are found block by block (memory the size of a block): the same as on the whole clip."""
    import numpy as np

    from broadcast.audio import limiter
    from broadcast.audio.loudness import Analysis

    rng = np.random.default_rng(cells)
    peak = (rng.random(cells) ** 3).astype(np.float32)
    peak[rng.integers(0, cells, cells // 50)] = 1.0            # bursts that the limiter must hold down
    analysis = Analysis(22050, cells * 35, (peak.astype(np.float64) / 3) ** 2, peak)
    level = limiter.Level(9.0, -1.0)
    blocked = limiter.cell_gains(analysis, level)
    loud = limiter.levelled_lufs(analysis, level)
    monkeypatch.setattr(limiter, "_BLOCK_CELLS", 1 << 30)
    whole = limiter.cell_gains(analysis, level)
    assert np.allclose(blocked, whole, rtol=1e-9, atol=0)
    assert abs(limiter.levelled_lufs(analysis, level) - loud) < 1e-9
    assert (blocked * peak <= 10 ** (-1.0 / 20) * (1 + 1e-9)).all()       # nothing over the ceiling
