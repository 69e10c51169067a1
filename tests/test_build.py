"""Building a day: manifest schema, incremental rebuilds, atomic publish, bad input publishes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from broadcast.build import Toolkit, build_day
from broadcast.config import load_station
from broadcast.errors import InputError
from broadcast.publish import manifest_problems

DAY = date(2026, 12, 7)


@pytest.fixture
def station(station_dir):
    return load_station(station_dir)


def read(day_dir):
    return json.loads((day_dir / "manifest.json").read_text(encoding="utf-8"))


def test_build_publishes_programmes_with_manifest(station):
    result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    manifest = read(result.directory)
    assert manifest_problems(manifest) == []
    assert manifest["date"] == "2026-12-07" and manifest["station"] == "Hòa An"
    files = sorted(p.name for p in result.directory.iterdir())
    assert files == ["0530-sang.wav", "1700-chieu.wav", "manifest.json", "playlist.m3u8"]
    for programme in manifest["programmes"]:
        assert programme["engine"] == "fake"
        assert abs(programme["loudness_lufs"] - station.audio.target_lufs) <= 1.0
        items = programme["items"]
        assert items[0]["kind"] == "nhac-hieu" and items[-1]["kind"] == "nhac-hieu"
        # items follow each other in the file: offsets increase, none overlaps
        for before, after in zip(items, items[1:]):
            assert after["offset_s"] >= before["offset_s"] + before["duration_s"] - 0.01
        assert items[-1]["offset_s"] + items[-1]["duration_s"] == pytest.approx(programme["duration_s"], abs=0.05)
        for item in items:
            if item["kind"] not in ("nhac-hieu", "tiep-am"):
                assert item["spoken"] and not any(ch.isdigit() for ch in item["spoken"])


def test_notices_read_twice_have_joiner(station):
    result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    notices = [i for p in read(result.directory)["programmes"] for i in p["items"] if i["kind"] == "thong-bao"]
    twice = [i for i in notices if i["repeat"] == 2]
    once = [i for i in notices if i["repeat"] == 1]
    assert twice and once
    # a notice read twice lasts about twice as long as its single reading would
    assert all(i["duration_s"] > 2 * len(i["spoken"]) / 400 for i in twice)


def test_warm_rebuild_does_nothing(station):
    toolkit = Toolkit.from_station(station)
    build_day(station, DAY, toolkit=toolkit)
    engine = toolkit.engines[0]
    calls = engine.calls
    again = build_day(station, DAY, toolkit=toolkit)
    assert again.unchanged and again.encoded == 0 and again.engine_calls == 0
    assert engine.calls == calls


def test_changed_announcement_rebuilds_only_its_programmes(station, station_dir):
    toolkit = Toolkit.from_station(station)
    first = build_day(station, DAY, toolkit=toolkit)
    before = {p["id"]: p["inputs_hash"] for p in first.programmes}
    # an afternoon-only notice: change its text
    schedule = station_dir / "schedules" / "test-only.yaml"
    schedule.write_text(
        "announcements:\n"
        "  - id: test-chieu\n    template: thong_bao_chung\n"
        "    values: {noi_dung: Bà con chú ý lịch họp thôn tối nay.}\n"
        "    from: 2026-12-07\n    until: 2026-12-07\n    slots: [chieu]\n    status: approved\n",
        encoding="utf-8")
    second = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    after = {p["id"]: p["inputs_hash"] for p in second.programmes}
    assert after["2026-12-07-sang"] == before["2026-12-07-sang"]
    assert after["2026-12-07-chieu"] != before["2026-12-07-chieu"]
    assert second.encoded == 1 and second.reused == 1


def test_broken_schedule_publishes_nothing_and_keeps_previous_day(station, station_dir):
    good = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    snapshot = (good.directory / "manifest.json").read_bytes()
    (station_dir / "schedules" / "broken.yaml").write_text(
        "announcements:\n  - id: x\n    template: khong_co_mau\n    from: 2026-12-07\n    until: 2026-12-01\n",
        encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_day(station, DAY, toolkit=Toolkit.from_station(station), force=True)
    assert "broken.yaml" in str(err.value)
    assert (good.directory / "manifest.json").read_bytes() == snapshot
    assert [p.name for p in (station_dir / "audio_out").iterdir()] == ["2026-12-07"]


def test_online_engine_down_offline_engine_speaks_everything(tmp_path, make_station):
    """gTTS (real code, HTTP layer mocked to refuse every connection) fails: the next engine speaks all."""
    import responses

    station = load_station(make_station(tmp_path / "station", engines='["gtts", "fake"]'))
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    for programme in read(result.directory)["programmes"]:
        assert programme["engine"] == "fake"
        assert any(note.startswith("gtts") for note in programme["engine_notes"])
