"""`broadcast export` and `schedule ical` per zone: where each item is heard (titles, never ids), one zone's
programme with --zone, quiet-hour skips said for listeners; a station without zones gets the same bytes as before."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from zoned import ZONES, add_zones

from broadcast.build import Toolkit, load_plan
from broadcast.cli import cli
from broadcast.publish.export import collect, export_day
from broadcast.station.config import load_station

DAY = date(2026, 12, 7)
QUIET = ZONES.replace("    title: Xóm Bãi\n    outputs: [file]\n",
                      '    title: Xóm Bãi\n    outputs: [file]\n    quiet_hours: "21:00-06:00"\n')
ZONE_WORDS = ("nghe ở", "mọi vùng", "Giờ yên lặng", "GIỜ YÊN LẶNG", "Vùng nghe")


def run(station, *args):
    return CliRunner().invoke(cli, ["--station", str(station), *args])


@pytest.fixture
def zoned(station_dir):
    return add_zones(station_dir, zones=QUIET)


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_a_station_without_zones_exports_the_same_text_as_before(station_dir, fmt):
    result = run(station_dir, "export", "--date", DAY.isoformat(), "--format", fmt)
    assert result.exit_code == 0, result.output
    toolkit = Toolkit.from_station(load_station(station_dir))
    programmes = load_plan(toolkit, DAY)                 # the whole-commune plan, as export always read it
    texts = {i.id: toolkit.library.render(i.template, i.values).text for p in programmes for i in p.items if i.template}
    assert result.output == export_day(DAY, toolkit.station.station_title, collect(programmes, texts), fmt)
    assert "Phát lúc 05:30" in result.output and not any(word in result.output for word in ZONE_WORDS)


def test_each_item_says_which_zones_hear_it_and_the_quiet_slots_are_listed(zoned):
    result = run(zoned, "export", "--date", DAY.isoformat())
    assert result.exit_code == 0, result.output
    md = result.output
    for title in ("Đông", "Trung", "Tây"):               # each meeting notice: its village only, both slots
        block = md.split(f"## Họp thôn {title}\n", 1)[1].split("\n## ", 1)[0]
        assert f"*Phát lúc 05:30, 17:00; nghe ở Thôn {title}.*" in block
    # a notice for everyone: Xóm Bãi is quiet at 05:30, so that slot names the three others
    assert "*Phát lúc 05:30 (Thôn Đông, Thôn Trung, Thôn Tây), 17:00 (mọi vùng).*" in md
    assert md.rstrip().endswith("## Giờ yên lặng\n\n- Buổi 05:30 không phát ở Xóm Bãi (giờ yên lặng 21:00-06:00).")
    assert md.count("## Giờ yên lặng") == 1 and "\n\n\n" not in md
    assert not any(name in md for name in ("thon-dong", "thon-trung", "thon-tay", "xom-bai", "(sang)"))


def test_one_zones_export_has_only_what_it_hears(zoned):
    result = run(zoned, "export", "--date", DAY.isoformat(), "--format", "txt", "--zone", "xom-bai")
    assert result.exit_code == 0, result.output
    txt = result.output
    assert txt.splitlines()[0].endswith(": THÔNG TIN PHÁT NGÀY 07/12/2026, XÓM BÃI")
    assert "Họp thôn" not in txt and "05:30" not in txt.split("GIỜ YÊN LẶNG")[0]
    assert "(Phát lúc 17:00.)" in txt
    assert txt.rstrip().endswith("GIỜ YÊN LẶNG\n\n- Buổi 05:30 không phát ở Xóm Bãi (giờ yên lặng 21:00-06:00).")
    dong = run(zoned, "export", "--date", DAY.isoformat(), "--zone", "thon-dong").output
    assert "## Họp thôn Đông" in dong and "Họp thôn Tây" not in dong and "Giờ yên lặng" not in dong
    assert "nghe ở" not in dong                       # one zone's page: every item is heard there


@pytest.mark.parametrize("command", [["export"], ["schedule", "ical", "-o", "x.ics"]])
def test_an_unknown_zone_is_one_line_with_a_suggestion(zoned, command):
    result = run(zoned, *command, "--zone", "xom-baii")
    assert result.exit_code == 2
    assert "không có vùng 'xom-baii'" in result.output and "xom-bai" in result.output
    assert "Traceback" not in result.output


def events(path):
    return {str(e["UID"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


def test_the_calendar_names_the_zones_of_each_programme_and_the_quiet_slots(zoned, tmp_path):
    out = tmp_path / "lich.ics"
    result = run(zoned, "schedule", "ical", "--from", DAY.isoformat(), "--to", DAY.isoformat(), "-o", str(out))
    assert result.exit_code == 0, result.output
    evs = events(out)
    assert set(evs) == {f"2026-12-07-{slot}-{zone}@hoa-an" for slot, zone in
                        [("sang", "thon-dong"), ("sang", "thon-trung"), ("sang", "thon-tay"), ("chieu", "thon-dong"),
                         ("chieu", "thon-trung"), ("chieu", "thon-tay"), ("chieu", "xom-bai")]}
    sang = evs["2026-12-07-sang-thon-tay@hoa-an"]
    assert str(sang["SUMMARY"]) == "Chương trình phát thanh buổi sáng (Thôn Tây)"
    lines = str(sang["DESCRIPTION"]).splitlines()
    assert lines[0] == "Vùng nghe: Thôn Tây." and any("Họp thôn Tây" in line for line in lines)
    assert "Lưu ý: Buổi 05:30 không phát ở Xóm Bãi (giờ yên lặng 21:00-06:00)." in lines
    assert str(evs["2026-12-07-chieu-xom-bai@hoa-an"]["DESCRIPTION"]).startswith("Vùng nghe: Xóm Bãi.")


def test_identical_zones_share_one_event_heard_everywhere(station_dir, tmp_path):
    add_zones(station_dir, targeted=False)
    out = tmp_path / "lich.ics"
    assert run(station_dir, "schedule", "ical", "--from", DAY.isoformat(), "--to", DAY.isoformat(),
               "-o", str(out)).exit_code == 0
    evs = events(out)
    assert set(evs) == {"2026-12-07-sang@hoa-an", "2026-12-07-chieu@hoa-an"}      # the ids the build gives them
    assert str(evs["2026-12-07-sang@hoa-an"]["SUMMARY"]) == "Chương trình phát thanh buổi sáng"
    assert str(evs["2026-12-07-sang@hoa-an"]["DESCRIPTION"]).startswith("Vùng nghe: mọi vùng.")


def test_one_zones_calendar(zoned, tmp_path):
    out = tmp_path / "xom-bai.ics"
    assert run(zoned, "schedule", "ical", "--from", DAY.isoformat(), "--to", DAY.isoformat(), "-o", str(out),
               "--zone", "xom-bai").exit_code == 0
    cal = Calendar.from_ical(out.read_bytes())
    assert str(cal["X-WR-CALNAME"]).endswith(" - Xóm Bãi")
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == ["2026-12-07-chieu-xom-bai@hoa-an"]


def test_a_station_without_zones_gets_the_calendar_it_always_had(station_dir, tmp_path):
    out = tmp_path / "lich.ics"
    assert run(station_dir, "schedule", "ical", "--from", DAY.isoformat(), "--to", DAY.isoformat(),
               "-o", str(out)).exit_code == 0
    evs = events(out)
    assert set(evs) == {"2026-12-07-sang@hoa-an", "2026-12-07-chieu@hoa-an"}
    assert not any(word in out.read_text(encoding="utf-8") for word in ZONE_WORDS)
