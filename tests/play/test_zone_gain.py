"""A zone's gain at playout: the file output's audio is as much lower or higher as asked, per zone and per slot, never clipped."""

from __future__ import annotations

import json
import math
import subprocess
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import FakeBuilder, PlayoutSettings, StationCore
from broadcast.log.asrun import AsRunLog
from broadcast.play import VirtualClock
from broadcast.play.gain import CEILING_DB, applied_gain, measure_peak
from broadcast.play.gated import CHANNELS, RATE, GatedOutput
from broadcast.play.process import ffmpeg_exe

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)
BOUND_S = 60.0           # a deadline for real processes under load, never a measured time
TOLERANCE_DB = 0.5


def tone(path: Path, level_db: float, seconds: float = 1.0) -> Path:
    """A 440 Hz sine whose peak is `level_db` dBFS."""
    amplitude = 10 ** (level_db / 20)
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"aevalsrc={amplitude:.6f}*sin(2*PI*440*t):s=48000:d={seconds}", "-c:a", "pcm_s16le", str(path)],
                   check=True)
    return path


def samples(path: Path) -> memoryview:
    """A file's audio as the player hands it over (s16le, 48 kHz, stereo), decoded by ffmpeg."""
    data = subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ar", str(RATE),
                           "-ac", str(CHANNELS), "pipe:1"], capture_output=True, check=True).stdout
    assert len(data) > 4000, f"{path} has no audio"
    return memoryview(data).cast("h")


def rms_db(path: Path) -> float:
    """The RMS level of a file's samples in dBFS."""
    values = samples(path)
    return 10 * math.log10(sum(s * s for s in values) / len(values) / 32768 ** 2)


def peak(path: Path) -> int:
    values = samples(path)
    return max(max(values), -min(values))


def played(out: GatedOutput, programme: Path, folder: Path, **kwargs) -> tuple[Path, object]:
    playback = out.start(programme, title="Thử mức", **kwargs)
    result = playback.wait(BOUND_S)
    assert result is not None and result.status == "played", result
    [wav] = sorted(folder.rglob("*.wav"))
    return wav, playback


@pytest.fixture
def clock():
    return VirtualClock(datetime(2026, 12, 1, 5, 30, tzinfo=TZ))


@pytest.mark.parametrize(("zone_db", "slot_db", "slot", "expected_db"), [
    (-6.0, {}, "sang", -6.0),                     # the zone's gain
    (-12.0, {}, "chieu", -12.0),
    (-3.0, {}, None, -3.0),                       # no slot (an announcement): the zone's gain
    (0.0, {"sang": -6.0}, "sang", -6.0),          # the slot's own gain
    (-3.0, {"sang": -9.0}, "sang", -9.0),         # the slot's gain wins over the zone's
    (-3.0, {"sang": -9.0}, "chieu", -3.0),        # another slot: the zone's
    (6.0, {}, "sang", 6.0),                       # a boost with room under the ceiling
    (0.0, {"trua": 4.5}, "trua", 4.5),
])
def test_the_file_is_as_much_lower_or_higher_as_asked(tmp_path, clock, zone_db, slot_db, slot, expected_db):
    programme = tone(tmp_path / "in.wav", -20.0)
    out = GatedOutput(["file"], zone="thon-dong", clock=clock, file_dir=tmp_path / "out", gain_db=zone_db,
                      slot_gain_db=slot_db)
    wav, playback = played(out, programme, tmp_path / "out", slot=slot, peak_db=-20.0)
    assert rms_db(wav) - rms_db(programme) == pytest.approx(expected_db, abs=TOLERANCE_DB)
    assert playback.gain_note == f"mức {expected_db:+.1f}".rstrip("0").rstrip(".") + " dB"


@pytest.mark.parametrize(("level_db", "asked_db", "known"), [
    (-1.0, 6.0, True),         # at the ceiling already: no boost at all
    (-4.0, 12.0, True),        # room for +3 only
    (-4.0, 12.0, False),       # the same, the peak measured by the player (an announcement has none in a manifest)
    (-10.0, 20.0, False),
])
def test_a_boost_that_would_clip_is_limited_to_the_ceiling(tmp_path, clock, level_db, asked_db, known):
    programme = tone(tmp_path / "in.wav", level_db)
    out = GatedOutput(["file"], clock=clock, file_dir=tmp_path / "out", gain_db=asked_db)
    wav, playback = played(out, programme, tmp_path / "out", slot="sang", peak_db=level_db if known else None)
    room = CEILING_DB - level_db
    assert rms_db(wav) - rms_db(programme) == pytest.approx(room, abs=TOLERANCE_DB)
    assert peak(wav) < 32767                                   # never clipped
    assert "giới hạn" in playback.gain_note and "không bị méo" in playback.gain_note


def test_no_gain_asked_leaves_the_audio_untouched_and_says_nothing(tmp_path, clock):
    programme = tone(tmp_path / "in.wav", -20.0)
    out = GatedOutput(["file"], clock=clock, file_dir=tmp_path / "out", slot_gain_db={"chieu": -6.0})
    wav, playback = played(out, programme, tmp_path / "out", slot="sang")
    assert samples(wav).tobytes() == samples(programme).tobytes()
    assert playback.gain_note is None


@pytest.mark.parametrize(("asked", "peak_db", "expected"), [
    (0.0, None, (0.0, None)),
    (-6.0, None, (-6.0, "mức -6 dB")),
    (-6.0, -0.1, (-6.0, "mức -6 dB")),                      # a cut never needs the peak
    (3.0, -10.0, (3.0, "mức +3 dB")),
    (3.0, -2.5, (1.5, "mức +3 dB giới hạn còn +1.5 dB để không bị méo (đỉnh chương trình -2.5 dBFS)")),
    (3.0, 0.5, (0.0, "mức +3 dB giới hạn còn +0 dB để không bị méo (đỉnh chương trình 0.5 dBFS)")),
])
def test_applied_gain(asked, peak_db, expected):
    assert applied_gain(asked, peak_db) == expected


def test_the_peak_of_a_file_that_cannot_be_read_is_unknown(tmp_path):
    bad = tmp_path / "hong.wav"
    bad.write_bytes(b"not audio")
    assert measure_peak(bad, ffmpeg_exe()) is None
    assert measure_peak(tone(tmp_path / "t.wav", -6.0), ffmpeg_exe()) == pytest.approx(-6.0, abs=0.2)


def test_the_daemon_plays_each_zone_at_its_gain_and_the_as_run_row_says_so(tmp_path):
    """Two zones, one slot: thôn Đông −6 dB for the whole zone, thôn Tây −10 dB in 'sang' only."""
    folder = FakeBuilder(tmp_path / "audio_out", {"sang": ("05:30", 1.0)})(DAY)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    [entry] = manifest["programmes"]
    entry["true_peak_dbtp"] = -20.0
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    programme = tone(folder / entry["file"], -20.0)
    clock = VirtualClock(datetime(2026, 12, 1, 5, 29, 55, tzinfo=TZ))
    gains = {"thon-dong": (-6.0, {}), "thon-tay": (-3.0, {"sang": -10.0})}
    outputs = {zone: GatedOutput(["file"], zone=zone, clock=clock, file_dir=tmp_path / "out" / zone, gain_db=db,
                                 slot_gain_db=slots) for zone, (db, slots) in gains.items()}
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = StationCore(log=log, outputs=outputs, clock=clock, audio_out=tmp_path / "audio_out",
                           settings=PlayoutSettings(), check=lambda path: None)
        jobs = core.jobs_for(DAY)
        for job in jobs:
            core.arm(job)
        clock.advance_to(datetime(2026, 12, 1, 5, 30, tzinfo=TZ))
        core.due(jobs[0])
        deadline = time.monotonic() + BOUND_S
        while time.monotonic() < deadline and not (
                len(rows := [r for r in log.rows(DAY, DAY) if r["kind"] == "programme"]) == 2
                and all(r["status"] == "played" for r in rows)):
            time.sleep(0.05)
        notes = {r["zone"]: r["note"] for r in log.rows(DAY, DAY) if r["kind"] == "programme"}
    assert notes == {"thon-dong": "mức -6 dB", "thon-tay": "mức -10 dB"}
    for zone, expected in (("thon-dong", -6.0), ("thon-tay", -10.0)):
        [wav] = sorted((tmp_path / "out" / zone).glob("*.wav"))
        assert rms_db(wav) - rms_db(programme) == pytest.approx(expected, abs=TOLERANCE_DB)
