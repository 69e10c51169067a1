"""Plan estimates calibrated on the station's own engine and voice (counted, never timed)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from broadcast.build import Toolkit, build_day, load_plan
from broadcast.plan import estimate
from broadcast.station.config import load_station

DAY, NEXT = date(2026, 12, 7), date(2026, 12, 8)


@pytest.mark.parametrize("text, count", [("Xin nhắc lại.", 3), ("Ủy ban nhân dân xã Hòa An", 7), ("", 0)])
def test_a_written_vietnamese_word_is_a_syllable(text, count):
    assert estimate.syllables(text) == count


def test_the_fit_recovers_seconds_per_syllable_and_per_clip():
    points = [(n, 0.3 + 0.21 * n) for n in range(5, 60, 4)]
    speed = estimate.fit(points, chars_per_second=13.0)
    assert speed.per_syllable_s == pytest.approx(0.21) and speed.per_clip_s == pytest.approx(0.3)
    assert speed.seconds("một hai ba bốn") == pytest.approx(0.3 + 4 * 0.21)


def test_too_few_clips_fall_back_to_the_setting():
    speed = estimate.fit([(10, 2.0)] * 3, chars_per_second=10.0)
    assert speed.clips == 0 and speed.seconds("abcdefghij") == pytest.approx(1.0)


def test_a_build_calibrates_the_next_plan_on_the_voice_that_spoke(station_dir):
    # A reading-speed setting far from this voice's (the fake engine reads about 13 characters a
    # second at the default rate, close to the default setting), so that only calibration can help.
    config = station_dir / "broadcast.toml"
    text = config.read_text(encoding="utf-8")
    assert "[programme]\n" in text and "chars_per_second" not in text
    config.write_text(text.replace("[programme]\n", "[programme]\nchars_per_second = 20.0\n", 1), encoding="utf-8")
    station = load_station(station_dir)
    before = [p.est_duration_s for p in load_plan(Toolkit.from_station(station), NEXT)]
    build_day(station, DAY, toolkit=Toolkit.from_station(station))
    calibration = json.loads((station_dir / ".cache" / "tts" / estimate.CALIBRATION_FILE).read_text())
    (voice,) = calibration
    assert voice.startswith("fake ") and len(calibration[voice]) >= estimate._MIN_CLIPS   # one entry per clip
    after = [p.est_duration_s for p in load_plan(Toolkit.from_station(station), NEXT)]
    built = [p["duration_s"] for p in build_day(station, NEXT, toolkit=Toolkit.from_station(station)).programmes]
    for guess, real in zip(after, built):
        assert guess == pytest.approx(real, rel=0.03)
    # the setting alone was far off for this voice; the calibration is what brought it in
    assert any(abs(guess - real) / real > 0.10 for guess, real in zip(before, built))


def test_a_warm_rebuild_writes_no_calibration(station_dir):
    station = load_station(station_dir)
    build_day(station, DAY, toolkit=Toolkit.from_station(station))
    path = station_dir / ".cache" / "tts" / estimate.CALIBRATION_FILE
    stamp = path.stat().st_mtime_ns
    build_day(station, DAY, toolkit=Toolkit.from_station(station), force=True)
    assert path.stat().st_mtime_ns == stamp
