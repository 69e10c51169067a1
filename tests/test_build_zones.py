"""Building a zoned day: one file per distinct programme, shared by identical zones; manifest zones; the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from zoned import ZONES, add_zones

from broadcast import audio
from broadcast.build import Toolkit, build_day
from broadcast.cli import cli
from broadcast.publish.day import manifest_problems, playlist_text
from broadcast.station.config import load_station

DAY = date(2026, 12, 7)


def read(folder):
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def encodes(monkeypatch):
    """Every programme file the build encodes, by name."""
    names: list[str] = []
    real = audio.assemble

    def counting(segments, path, *args, **kwargs):
        names.append(path.name)
        return real(segments, path, *args, **kwargs)

    monkeypatch.setattr(audio, "assemble", counting)
    return names


def test_four_zones_three_with_their_own_notice_make_four_files_per_slot(station_dir, encodes):
    from broadcast.build import load_schedule_for
    from broadcast.build.zoning import compose_zones

    station = load_station(add_zones(station_dir))
    toolkit = Toolkit.from_station(station)
    composed, _ = compose_zones(toolkit, load_schedule_for(toolkit), DAY)
    texts = {t for c in composed for t in c.texts()}
    result = build_day(station, DAY, toolkit=toolkit)
    assert result.engine_calls == len(texts) < sum(len(c.texts()) for c in composed)   # each text spoken once
    manifest = read(result.directory)
    assert manifest_problems(manifest) == []
    entries = manifest["programmes"]
    assert [(e["id"], e["zones"]) for e in entries if e["slot"] == "sang"] == [
        ("2026-12-07-sang-thon-dong", ["thon-dong"]), ("2026-12-07-sang-thon-trung", ["thon-trung"]),
        ("2026-12-07-sang-thon-tay", ["thon-tay"]), ("2026-12-07-sang-xom-bai", ["xom-bai"])]
    assert sorted(encodes) == sorted(e["file"] for e in entries) and len(encodes) == 8
    own = {e["zones"][0]: {i["id"] for i in e["items"]} for e in entries if e["slot"] == "sang"}
    assert "hop-thon-dong" in own["thon-dong"] and "hop-thon-dong" not in own["thon-trung"] | own["xom-bai"]
    texts = {i["id"]: i["text"] for e in entries for i in e["items"]}
    assert "thôn Đông" in texts["hop-thon-dong"]
    assert len({e["start"] for e in entries if e["slot"] == "sang"}) == 1
    assert "[thon-dong]" in (result.directory / "playlist.m3u8").read_text(encoding="utf-8")


def test_identical_zones_share_one_file_encoded_once(station_dir, encodes):
    station = load_station(add_zones(station_dir, targeted=False))
    result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    entries = read(result.directory)["programmes"]
    assert [(e["id"], e["file"], e["zones"]) for e in entries] == [
        ("2026-12-07-sang", "0530-sang.wav", ["thon-dong", "thon-trung", "thon-tay", "xom-bai"]),
        ("2026-12-07-chieu", "1700-chieu.wav", ["thon-dong", "thon-trung", "thon-tay", "xom-bai"])]
    assert sorted(encodes) == ["0530-sang.wav", "1700-chieu.wav"]


def test_two_zones_alike_share_and_the_odd_one_has_its_own(station_dir, encodes):
    (station_dir / "schedules" / "hop-thon.yaml").write_text(
        "announcements:\n  - {id: hop-tay, template: thong_bao_chung, title: Họp thôn Tây, from: 2026-12-07,\n"
        "     values: {noi_dung: họp thôn, so_dien_thoai: '0234 3876 543'}, status: approved, zones: [thon-tay]}\n",
        encoding="utf-8")
    station = load_station(add_zones(station_dir, targeted=False))
    entries = read(build_day(station, DAY, toolkit=Toolkit.from_station(station)).directory)["programmes"]
    sang = [(e["id"], e["zones"]) for e in entries if e["slot"] == "sang"]
    assert sang == [("2026-12-07-sang-thon-dong", ["thon-dong", "thon-trung", "xom-bai"]),
                    ("2026-12-07-sang-thon-tay", ["thon-tay"])]
    assert len(encodes) == 4
    notice = next(i for e in entries for i in e["items"] if i["id"] == "hop-tay")
    assert notice["text"].startswith("Ủy ban nhân dân xã Hòa An thông báo tới bà con thôn Tây: họp thôn")


def test_a_rebuild_reuses_every_file_and_a_quiet_zone_drops_out_of_the_manifest(station_dir, encodes):
    station = load_station(add_zones(station_dir, targeted=False))
    build_day(station, DAY, toolkit=Toolkit.from_station(station))
    encodes.clear()
    quiet = ZONES.replace("title: Xóm Bãi\n", 'title: Xóm Bãi\n    quiet_hours: "21:00-06:00"\n')
    station = load_station(add_zones(station_dir, zones=quiet, targeted=False))
    result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    entries = read(result.directory)["programmes"]
    assert encodes == [] and result.encoded == 0
    assert entries[0]["zones"] == ["thon-dong", "thon-trung", "thon-tay"]
    assert entries[1]["zones"] == ["thon-dong", "thon-trung", "thon-tay", "xom-bai"]


def test_a_zone_less_station_keeps_its_ids_and_files(station_dir):
    station = load_station(station_dir)
    entries = read(build_day(station, DAY, toolkit=Toolkit.from_station(station)).directory)["programmes"]
    assert [(e["id"], e["file"], e["zones"]) for e in entries] == [
        ("2026-12-07-sang", "0530-sang.wav", ["toan-xa"]), ("2026-12-07-chieu", "1700-chieu.wav", ["toan-xa"])]


ENTRY = {"id": "x", "slot": "sang", "title": "T", "start": "2026-12-07T05:30:00+07:00", "file": "a.mp3",
         "duration_s": 1.0, "loudness_lufs": -16.0, "true_peak_dbtp": -1.0, "engine": "fake", "engine_notes": [],
         "inputs_hash": "h", "items": []}


@pytest.mark.parametrize("programmes, problem", [
    ([ENTRY], None),                                                      # older days: no zones, every zone
    ([{**ENTRY, "zones": ["a"]}, {**ENTRY, "id": "y", "zones": ["b"]}], None),
    ([{**ENTRY, "zones": []}], "non-empty list"),
    ([{**ENTRY, "zones": "a"}], "non-empty list"),
    ([{**ENTRY, "zones": ["a", 3]}], "non-empty list"),
    ([{**ENTRY, "zones": ["a"]}, {**ENTRY, "id": "y", "zones": ["a", "b"]}], "zone 'a' already airs programme 0"),
])
def test_manifest_zones_are_checked(programmes, problem):
    found = manifest_problems({"schema": 1, "date": "2026-12-07", "station": "s", "programmes": programmes})
    assert (found == []) if problem is None else any(problem in p for p in found), found


def test_the_playlist_names_zones_only_on_a_zoned_station():
    one = {"date": "2026-12-07", "programmes": [{**ENTRY, "zones": ["toan-xa"]}]}
    two = {"date": "2026-12-07", "programmes": [{**ENTRY, "zones": ["a", "b"]}]}
    assert "[" not in playlist_text(one, "Đài")
    assert "(05:30) [a, b]" in playlist_text(two, "Đài")


# --- the CLI -----------------------------------------------------------------------------------

def run(args, station_dir):
    return CliRunner().invoke(cli, ["--station", str(station_dir), *args], catch_exceptions=False)


def test_zones_command_lists_zones_outputs_and_whether_they_work(station_dir):
    text = ZONES.replace("outputs: [file]\n  - name: thon-trung",
                         'outputs: [file, "null", "device:hw:7"]\n    quiet_hours: "21:00-05:00"\n'
                         "    gain_db: -3\n  - name: thon-trung", 1)
    result = run(["zones"], add_zones(station_dir, zones=text, targeted=False))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Đài có 4 vùng phát:"
    assert "thon-dong  Thôn Đông  (giờ yên lặng 21:00-05:00; mức -3 dB)" in result.output
    assert any(line.split()[:3] == ["file", "dùng", "được:"] for line in lines)
    device = next(line for line in lines if "device:hw:7" in line)
    assert "KHÔNG dùng được" in device                 # no card 7 on a test machine


def test_zones_command_on_a_zone_less_station(station_dir):
    result = run(["zones"], station_dir)
    assert result.exit_code == 0
    assert "toan-xa  Toàn xã" in result.output and "device" in result.output


def test_plan_zone_shows_one_zone_and_plan_shows_the_differences(station_dir):
    add_zones(station_dir)
    one = run(["plan", "--date", "2026-12-07", "--zone", "thon-trung"], station_dir)
    assert one.exit_code == 0, one.output
    assert one.output.startswith("Vùng Thôn Trung (thon-trung):")
    assert "Họp thôn Trung" in one.output and "Họp thôn Đông" not in one.output
    assert "Các vùng khác" not in one.output
    every = run(["plan", "--date", "2026-12-07"], station_dir)
    assert "Vùng Thôn Đông (thon-dong):" in every.output
    assert ("05:30 (sang): Thôn Trung: + Họp thôn Trung, − Họp thôn Đông; Thôn Tây: + Họp thôn Tây, "
            "− Họp thôn Đông; Xóm Bãi: − Họp thôn Đông") in every.output


def test_plan_with_an_unknown_zone_suggests_one(station_dir):
    result = CliRunner().invoke(cli, ["--station", str(add_zones(station_dir)), "plan", "--zone", "thon-tai"])
    assert result.exit_code == 2
    assert "không có vùng 'thon-tai'" in result.output and "thon-tay" in result.output


def test_check_says_which_slots_quiet_hours_skip_and_which_cards_are_missing(station_dir):
    text = ZONES.replace("title: Xóm Bãi\n    outputs: [file]",
                         'title: Xóm Bãi\n    outputs: ["device:hw:7"]\n    quiet_hours: "21:00-06:00"')
    result = CliRunner().invoke(cli, ["--station", str(add_zones(station_dir, zones=text)), "check"])
    assert result.exit_code == 0, result.output
    assert "schedules/vung.yaml:11: Buổi 05:30 (sang) không phát ở Xóm Bãi (giờ yên lặng 21:00-06:00)" in result.output
    assert "Vùng Xóm Bãi (xom-bai): đầu ra 'device:hw:7' không dùng được trên máy này" in result.output


def test_the_progress_bar_counts_each_distinct_programme_once(station_dir):
    from broadcast.build import load_schedule_for
    from broadcast.build.zoning import zone_plans
    from broadcast.plan.zones import distinct
    from broadcast.progress import BuildProgress

    station = load_station(add_zones(station_dir))
    toolkit = Toolkit.from_station(station)
    programmes = distinct(zone_plans(toolkit, load_schedule_for(toolkit), DAY)[1])
    assert len(programmes) == 8
    seen: list[float] = []
    run = BuildProgress(sum(2 * p.est_duration_s for p in programmes), lambda done, label: seen.append(done))
    build_day(station, DAY, toolkit=toolkit, progress=run)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_plan_zone_says_which_slot_its_quiet_hours_skip(station_dir):
    text = ZONES.replace("title: Xóm Bãi\n", 'title: Xóm Bãi\n    quiet_hours: "21:00-06:00"\n')
    result = run(["plan", "--date", "2026-12-07", "--zone", "xom-bai"], add_zones(station_dir, zones=text))
    assert result.exit_code == 0, result.output
    assert "05:30 Chương trình phát thanh buổi sáng" not in result.output
    assert "17:00 Chương trình phát thanh buổi chiều" in result.output
    assert "! Buổi 05:30 (sang) không phát ở Xóm Bãi (giờ yên lặng 21:00-06:00)." in result.output
