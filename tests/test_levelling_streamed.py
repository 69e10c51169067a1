"""A clip's cells are levelled a block at a time from disk: the same result, memory that does not grow."""

from __future__ import annotations

import subprocess
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from broadcast import audio
from broadcast.audio import cells, limiter, loudness
from broadcast.audio import clips as clip_prep

# voiced noise at speech level with clicks the limiter must hold down (fast to make, any length)
VOICED = ("anoisesrc=color=pink:amplitude=0.25:sample_rate=22050:seed=7,"
          "tremolo=f=4:d=0.8,lowpass=f=3500,volume=2.5")


def voiced(dst: Path, seconds: float) -> Path:
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", VOICED,
                    "-t", str(seconds), "-ac", "1", "-c:a", "pcm_s16le", str(dst)], check=True)
    return dst


def test_cells_on_disk_are_the_cells_in_memory(tmp_path):
    clip = voiced(tmp_path / "v.wav", 200.0)                  # 126,000 cells: two blocks and a part
    in_memory = clip_prep._analyse(clip, 22050)
    (tmp_path / "cells").mkdir()
    on_disk = clip_prep._analyse(clip, 22050, tmp_path / "cells")
    assert isinstance(on_disk.peak, cells.Column) and on_disk.samples == in_memory.samples
    np.testing.assert_array_equal(on_disk.energy[0:len(on_disk.energy)], in_memory.energy)
    np.testing.assert_array_equal(on_disk.peak[0:len(on_disk.peak)], in_memory.peak)
    level = limiter.Level(6.0, -3.0)
    assert limiter.levelled_lufs(on_disk, level) == limiter.levelled_lufs(in_memory, level)
    assert loudness.integrated_lufs(on_disk.energy, 22050) == loudness.integrated_lufs(in_memory.energy, 22050)
    chunk = 35 * 4096
    whole = limiter.render(clip_prep.read_samples(clip, chunk),
                           limiter.edge_gains(limiter.cell_gains(in_memory, level)), 35)
    blocked = limiter.render(clip_prep.read_samples(clip, chunk),
                             limiter.edge_blocks(limiter.gain_blocks(on_disk, level)), 35)
    assert b"".join(blocked) == b"".join(whole)
    true = limiter.true_cell_peaks(clip_prep.read_samples(clip, chunk), in_memory.peak, 35, 0.3)
    streamed = np.concatenate(list(limiter.true_peak_blocks(clip_prep.read_samples(clip, chunk), on_disk.peak,
                                                            35, 0.3)))
    np.testing.assert_array_equal(streamed, true)


@pytest.mark.parametrize("cells_in", [10, 63 * 3 + 5, (1 << 16) + 7])
def test_the_meter_fed_in_blocks_reads_what_it_reads_whole(cells_in):
    energy = np.random.default_rng(cells_in).random(cells_in) ** 4
    meter = loudness.CellMeter(22050)
    for at in range(0, cells_in, 1000):
        meter.add(energy[at:at + 1000])
    np.testing.assert_array_equal(meter.mean_squares(), loudness.sub_energies(energy, 22050))
    assert meter.lufs() == loudness.integrated_lufs(energy, 22050)


def _levelling_peak(clip: Path, store: Path) -> int:
    """The most Python/numpy memory in use while a clip is levelled cold and its PCM rendered."""
    clip_prep._MEMO.clear()
    tracemalloc.start()
    try:
        levelled = clip_prep.clip_level(clip, 22050, -15.6, -3.0, store=store)
        for _ in levelled.pcm():
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_levelling_a_long_clip_takes_no_more_memory_than_a_short_one(tmp_path):
    """Before, the whole clip's cells (12 bytes each) and its gains (8 more, several times over)
    were held at once: a clip four times longer took about four times the memory."""
    short = voiced(tmp_path / "short.wav", 180.0)
    long = voiced(tmp_path / "long.wav", 720.0)               # 454,000 cells
    (tmp_path / "store").mkdir()
    small = _levelling_peak(short, tmp_path / "store")
    large = _levelling_peak(long, tmp_path / "store")
    assert large < small * 1.2 + 256 * 1024, (small, large)
    assert large < 20 * 454_000               # under the whole clip's cells and gains (20 bytes a cell)
    levelled = clip_prep.clip_level(long, 22050, -15.6, -3.0, store=tmp_path / "store")
    assert loudness.gated_lufs(levelled.mean_square) == pytest.approx(-15.6, abs=0.05)
    assert isinstance(levelled.peak, cells.Column) and len(levelled.peak) == -(-720 * 22050 // 35)


def test_a_clip_levelled_with_no_store_leaves_no_scratch_behind(tmp_path, monkeypatch):
    import gc

    monkeypatch.setattr(clip_prep, "_IN_MEMORY_S", 0)          # as a clip too long for memory
    clip = voiced(tmp_path / "v.wav", 5.0)
    levelled = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=None)
    kept = levelled.peak.path
    assert kept.is_file() and len(b"".join(levelled.pcm())) == 2 * 5 * 22050
    del levelled
    gc.collect()
    assert not kept.exists()


def test_a_short_clip_is_levelled_in_memory_as_a_long_one_is_from_disk(tmp_path, monkeypatch):
    """A short clip's cells stay in memory (no scratch folder, no cell files written and read
    back), with the same level, loudness, peaks kept for the next build and PCM as from disk."""
    clip = voiced(tmp_path / "v.wav", 30.0)
    (tmp_path / "disk").mkdir()
    (tmp_path / "memory").mkdir()
    with monkeypatch.context() as patched:
        patched.setattr(clip_prep, "_IN_MEMORY_S", 0)
        from_disk = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path / "disk")
        disk_pcm = b"".join(from_disk.pcm())
    assert isinstance(from_disk.peak, cells.Column)
    clip_prep._MEMO.clear()

    def no_scratch(*args, **kwargs):
        raise AssertionError("a scratch folder for a short clip")

    monkeypatch.setattr(clip_prep.tempfile, "TemporaryDirectory", no_scratch)
    in_memory = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path / "memory")
    assert isinstance(in_memory.peak, np.ndarray)
    assert (in_memory.level, in_memory.true_peak) == (from_disk.level, from_disk.true_peak)
    np.testing.assert_array_equal(in_memory.mean_square, from_disk.mean_square)
    assert b"".join(in_memory.pcm()) == disk_pcm
    side = {name: clip_prep._sidecar(clip, tmp_path / name) for name in ("disk", "memory")}
    assert side["memory"].read_bytes() == side["disk"].read_bytes()
    peaks = {name: clip_prep._peaks_file(clip, tmp_path / name) for name in ("disk", "memory")}
    assert peaks["memory"].read_bytes() == peaks["disk"].read_bytes()
    clip_prep._MEMO.clear()                                    # the next build reads what was kept
    warm = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path / "memory")
    assert isinstance(warm.peak, cells.Column) and b"".join(warm.pcm()) == disk_pcm


def test_a_short_clip_levelled_with_no_store_writes_nothing(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    clip = voiced(tmp_path / "v.wav", 5.0)
    levelled = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=None)
    assert len(b"".join(levelled.pcm())) == 2 * 5 * 22050
    assert not list((tmp_path / "tmp").iterdir())


def test_kept_peaks_that_are_not_a_float32_vector_are_measured_again(tmp_path):
    clip = voiced(tmp_path / "v.wav", 3.0)
    first = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path)
    pcm = b"".join(first.pcm())
    kept = clip_prep._peaks_file(clip, tmp_path)
    np.save(kept, np.zeros((2, 2)))                            # damaged: the next build measures again
    clip_prep._MEMO.clear()
    assert cells.read_npy(kept, "<f4") is None
    again = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path)
    assert b"".join(again.pcm()) == pcm


def test_levelling_works_in_reused_memory_not_fresh_pages(tmp_path):
    """With a 128 KB mmap threshold every chunk's FFT was a fresh mapping, zeroed page by page by
    the kernel: about one page fault per 18 samples levelled (1.8 s of system time for ten minutes)."""
    import resource

    warm_up = voiced(tmp_path / "w.wav", 5.0)
    clip = voiced(tmp_path / "v.wav", 60.0)
    clip_prep.clip_level(warm_up, 22050, -16.0, -3.0, store=tmp_path)
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    levelled = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path)
    for _ in levelled.pcm():
        pass
    faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before
    assert faults < 60 * 22050 / 200, faults


def test_a_long_clip_s_loudness_is_kept_as_numbers_not_python_objects(tmp_path):
    """A two-hour relay has 72,000 mean squares: kept as a list of Python floats (40 bytes each
    with the array made from it) and dumped as one JSON list, they took 7 MB of the build's peak."""
    import json

    def kept_after_levelling(seconds: float):
        clip = voiced(tmp_path / f"v{seconds:g}.wav", seconds)
        clip_prep._MEMO.clear()
        tracemalloc.start()
        try:
            levelled = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path)
            return levelled, tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    kept_after_levelling(5.0)                                  # the caches every clip shares
    short, kept_short = kept_after_levelling(180.0)
    levelled, kept = kept_after_levelling(720.0)
    more = len(levelled.mean_square) - len(short.mean_square)
    assert more == 5400 and kept - kept_short < 12 * more, (kept_short, kept)    # 8 bytes a value
    side = json.loads(clip_prep._sidecar(tmp_path / "v720.wav", tmp_path).read_text(encoding="utf-8"))
    (entry,) = side["levels"].values()
    np.testing.assert_array_equal(entry["mean_square"], levelled.mean_square)

    two_hours = np.tile(levelled.mean_square, 10)
    record = {"schema": 2, "levels": {"a": {"gain_db": 1.5, "mean_square": two_hours, "true_peak": 0.5},
                                      "b": {"gain_db": None, "mean_square": [0.25], "true_peak": 0.1}}}
    as_lists = {"schema": 2, "levels": {"a": {**record["levels"]["a"], "mean_square": two_hours.tolist()},
                                        "b": record["levels"]["b"]}}
    tracemalloc.start()
    try:
        text = clip_prep._record_json(record)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert text == json.dumps(as_lists, sort_keys=True)        # the same file as before
    assert peak < 3.5 * len(text), (peak, len(text))          # json.dumps of the list: 5x its text


def _with_chunk(src: Path, dst: Path, extra: int) -> Path:
    """`src`'s samples in a WAV with an `extra`-byte LIST chunk between its "fmt " and "data" chunks."""
    import wave

    from broadcast.audio.wavheader import wav_header

    with wave.open(str(src), "rb") as w:
        rate, pcm = w.getframerate(), w.readframes(w.getnframes())
    head = wav_header(rate=rate, channels=1, sample_width=2, data_bytes=len(pcm))
    chunk = b"LIST" + extra.to_bytes(4, "little") + b"INFO" + bytes(extra - 4)
    dst.write_bytes(b"RIFF" + (36 + len(chunk) + 8 + len(pcm)).to_bytes(4, "little") + head[8:36] + chunk
                    + head[36:] + pcm)
    return dst


@pytest.mark.parametrize(("seconds", "in_memory"), [(1.9, True), (2.1, False)])
def test_a_clip_with_other_chunks_takes_the_path_its_samples_say(tmp_path, monkeypatch, seconds, in_memory):
    """The length is the header's frame count: a 1.9 s clip with 20 kB of metadata (0.45 s at 2 bytes a
    sample, if counted from the file's size) is still short enough for memory; a 2.1 s one is not."""
    monkeypatch.setattr(clip_prep, "_IN_MEMORY_S", 2)
    clip = _with_chunk(voiced(tmp_path / "v.wav", seconds), tmp_path / "listed.wav", 20_000)
    assert clip_prep.wav_frames(clip) == (22050, round(seconds * 22050))
    (tmp_path / "store").mkdir()
    levelled = clip_prep.clip_level(clip, 22050, -16.0, -3.0, store=tmp_path / "store")
    assert levelled.level is not None
    assert isinstance(levelled.peak, np.ndarray if in_memory else cells.Column)
    assert len(b"".join(levelled.pcm())) == 2 * round(seconds * 22050)
