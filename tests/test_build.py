"""Building a day: manifest schema, incremental rebuilds, atomic publish, bad input publishes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from broadcast.build import Toolkit, build_day
from broadcast.errors import InputError
from broadcast.publish.day import manifest_problems
from broadcast.station.config import load_station

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


# --- progress: seconds of audio across every day -------------------------------------------------

def test_progress_follows_the_seconds_of_audio_across_days(station):
    from datetime import timedelta

    from broadcast.build import load_plan
    from broadcast.progress import BuildProgress

    toolkit = Toolkit.from_station(station)
    days = [DAY + timedelta(days=i) for i in range(3)]
    plans = [load_plan(toolkit, d) for d in days]
    seen: list[tuple[float, str]] = []
    run = BuildProgress(sum(2 * p.est_duration_s for plan in plans for p in plan),
                        lambda done, label: seen.append((done, label)))
    for index, day in enumerate(days, 1):
        run.day(index, len(days), f"{day:%d/%m/%Y}")
        build_day(station, day, toolkit=toolkit, progress=run)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    programmes = sum(len(plan) for plan in plans)
    assert len(set(fractions)) > 3 * programmes          # it moves within a programme, not per programme
    labels = [label for _, label in seen]
    assert any(label.startswith("ngày 2/3 · 08/12/2026 · ") and label.endswith(": đọc") for label in labels)
    assert any("Chương trình phát thanh buổi chiều: mã hóa" in label for label in labels)
    # a warm run of the same days moves the bar by whole programmes, straight to the end
    again: list[float] = []
    warm = BuildProgress(run.total_s, lambda done, label: again.append(done))
    for day in days:
        build_day(station, day, toolkit=toolkit, progress=warm)
    assert again[-1] == pytest.approx(1.0)


class FakeTerminal:
    """A text stream that says it is a terminal, as a console window would."""

    def __init__(self):
        self.chunks: list[str] = []

    def write(self, text: str) -> int:
        self.chunks.append(text)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return True


def test_build_shows_one_bar_on_a_terminal_and_none_elsewhere(station_dir, monkeypatch):
    from click.testing import CliRunner

    from broadcast.cli import build as build_command
    from broadcast.cli import cli

    args = ["--station", str(station_dir), "build", "--date", "2026-12-07", "--days", "3"]
    plain = CliRunner().invoke(cli, args)
    assert plain.exit_code == 0 and "ngày 1/3" not in plain.output

    fake = FakeTerminal()
    monkeypatch.setattr(build_command, "terminal", lambda: fake)
    shown = CliRunner().invoke(cli, [*args, "--force"])
    assert shown.exit_code == 0, shown.output
    screen = "".join(fake.chunks)
    assert "ngày 1/3" in screen and "ngày 3/3 · 09/12/2026" in screen and "100%" in screen
    assert "07/12/2026: 2 chương trình" in shown.output


# --- speech and encoding side by side ------------------------------------------------------------

def test_an_engine_failing_midway_rebuilds_the_programme_in_the_next_voice(tmp_path, make_station, monkeypatch):
    """The encoder had started on the first engine's clips: that stream is dropped, and the
    programme comes out exactly as if the next engine had spoken it from the start."""
    from dataclasses import replace

    from broadcast.build import day as build_stage
    from broadcast.build import load_plan
    from broadcast.build.composed import compose
    from broadcast.speak.fake import FakeEngine

    station = load_station(make_station(tmp_path / "a"))
    toolkit = Toolkit.from_station(station)
    texts = compose(toolkit, load_plan(toolkit, DAY)[0]).texts()
    marker = texts[len(texts) // 2]
    other = replace(toolkit.engine_options, rate=toolkit.engine_options.rate + 40)
    toolkit._engines = [FakeEngine(toolkit.engine_options, fail_on=(marker,)), FakeEngine(other)]
    again = []
    real = build_stage.assemble_programme
    monkeypatch.setattr(build_stage, "assemble_programme", lambda *a: again.append(a[1]) or real(*a))
    result = build_day(station, DAY, toolkit=toolkit)
    assert [c.programme.slot for c in again][:1] == [load_plan(toolkit, DAY)[0].slot]   # assembled again
    first = read(result.directory)["programmes"][0]
    assert first["engine_notes"] and first["engine_notes"][0].startswith("fake:")

    alone = load_station(make_station(tmp_path / "b"))
    only_next = Toolkit.from_station(alone)
    only_next._engines = [FakeEngine(other)]
    expected = build_day(alone, DAY, toolkit=only_next)
    assert (result.directory / first["file"]).read_bytes() == (expected.directory / first["file"]).read_bytes()
    assert [i["offset_s"] for i in first["items"]] == [
        i["offset_s"] for i in read(expected.directory)["programmes"][0]["items"]]
