"""The fallback voice: marked in the manifest, told plainly, retried with backoff, replaced when the preferred engine is back."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.build import Toolkit, build_day
from broadcast.publish.readiness import fallback_lines, next_retry, retry_delay
from broadcast.speak import EngineOptions
from broadcast.speak.fake import FakeEngine
from broadcast.station.config import load_station

DAY = date(2026, 12, 7)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class PreferredFake(FakeEngine):
    """Stands for a natural voice (edge, piper): a separate engine name, down or up as the test says."""

    name = "fake-preferred"


def toolkit_with(station, preferred_down: str):
    toolkit = Toolkit.from_station(station)
    toolkit.engine_names = ("fake-preferred", "fake")
    toolkit._engines = [PreferredFake(EngineOptions(), unavailable=preferred_down), FakeEngine(EngineOptions())]
    return toolkit


def manifest(result):
    return json.loads((result.directory / "manifest.json").read_text(encoding="utf-8"))


def test_outage_builds_in_the_fallback_voice_and_says_so(station_dir):
    station = load_station(station_dir)
    result = build_day(station, DAY, toolkit=toolkit_with(station, "không có mạng"))
    programmes = manifest(result)["programmes"]
    assert programmes and all(p["fallback"] and p["engine"] == "fake" for p in programmes)
    assert all(p["preferred_engine"] == "fake-preferred" for p in programmes)
    lines = fallback_lines(manifest(result), datetime(2026, 12, 6, 20, 0, tzinfo=TZ), 2.0)
    assert len(lines) == len(programmes)
    assert "sẽ phát bằng giọng dự phòng (fake): fake-preferred lỗi (không có mạng)" in lines[0]
    assert "sẽ thử lại fake-preferred đến 03:30 07/12" in lines[0]        # 05:30 slot, 2 h before


def test_a_later_build_with_the_preferred_engine_back_replaces_the_fallback(station_dir):
    station = load_station(station_dir)
    build_day(station, DAY, toolkit=toolkit_with(station, "không có mạng"))
    again = build_day(station, DAY, toolkit=toolkit_with(station, ""))
    programmes = manifest(again)["programmes"]
    assert again.encoded == len(programmes) and again.reused == 0
    assert all(p["engine"] == "fake-preferred" and not p["fallback"] for p in programmes)
    assert fallback_lines(manifest(again), datetime(2026, 12, 6, 20, 0, tzinfo=TZ), 2.0) == []
    warm = build_day(station, DAY, toolkit=toolkit_with(station, ""))
    assert warm.unchanged                                   # preferred programmes are reused as before


def test_still_down_rebuilds_the_fallback_rather_than_reusing_it(station_dir):
    station = load_station(station_dir)
    build_day(station, DAY, toolkit=toolkit_with(station, "không có mạng"))
    toolkit = toolkit_with(station, "không có mạng")
    again = build_day(station, DAY, toolkit=toolkit)
    assert again.reused == 0 and toolkit._engines[0].calls == 0     # unavailable: asked, not called
    assert all(p["fallback"] for p in manifest(again)["programmes"])


def _entry(start: datetime) -> dict:
    return {"id": "p", "title": "Buổi sáng", "start": start.isoformat(), "engine": "espeak",
            "preferred_engine": "edge", "fallback": True, "engine_notes": ["edge: không có mạng (x)"]}


def test_retries_back_off_and_stop_at_the_deadline():
    now = datetime(2026, 12, 6, 20, 0, tzinfo=TZ)
    day = {"programmes": [_entry(datetime(2026, 12, 7, 5, 30, tzinfo=TZ))]}
    assert [retry_delay(n) for n in range(6)] == [timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60)]
    assert next_retry(day, now, 2.0, 0) == now + timedelta(minutes=5)
    assert next_retry(day, now, 2.0, 9) == now + timedelta(hours=1)
    close = datetime(2026, 12, 7, 3, 10, tzinfo=TZ)
    assert next_retry(day, close, 2.0, 4) == datetime(2026, 12, 7, 3, 30, tzinfo=TZ)   # never past the deadline
    late = datetime(2026, 12, 7, 3, 31, tzinfo=TZ)
    assert next_retry(day, late, 2.0, 0) is None
    assert "đã quá hạn thử lại (03:30 07/12)" in fallback_lines(day, late, 2.0)[0]


def test_no_fallback_no_retry():
    now = datetime(2026, 12, 6, 20, 0, tzinfo=TZ)
    entry = {**_entry(datetime(2026, 12, 7, 5, 30, tzinfo=TZ)), "fallback": False}
    assert next_retry({"programmes": [entry]}, now, 2.0, 0) is None
    assert next_retry(None, now, 2.0, 0) is None
    assert fallback_lines({"programmes": [entry]}, now, 2.0) == []


def test_plan_says_which_built_programmes_air_in_the_fallback_voice(station_dir):
    from click.testing import CliRunner

    from broadcast.cli import cli

    station = load_station(station_dir)
    build_day(station, DAY, toolkit=toolkit_with(station, "không có mạng"))
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "plan", "--date", DAY.isoformat()],
                                catch_exceptions=False)
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if "giọng dự phòng" in line]
    assert len(lines) == 2 and lines[0].startswith("  ! Đã dựng: 05:30 07/12")
    build_day(station, DAY, toolkit=toolkit_with(station, ""))
    again = CliRunner().invoke(cli, ["--station", str(station_dir), "plan", "--date", DAY.isoformat()])
    assert "giọng dự phòng" not in again.output
