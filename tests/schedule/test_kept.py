"""The validated schedules are kept by the digest of their inputs and loaded again after any edit."""

from __future__ import annotations

import json
import os
import warnings
from datetime import date

import pytest
from kept_loads import fresh, schedules

from broadcast.errors import BroadcastError, StationWarning
from broadcast.publish import freshness
from broadcast.schedule import kept
from broadcast.schedule import load as schedule_load
from broadcast.station.config import load_station

EXTRA = """announcements:
  - id: tiep-dan-du-lieu
    template: lich_tiep_cong_dan
    data: data/tiep-dan.yaml
    from: 2026-12-01
    status: approved
  - id: hop-thon-ghi-am
    file: recordings/hop.wav
    title: Mời họp dân thôn 2
    from: 2026-12-07
    slots: [sang]
    status: approved
"""
DATA = "nguoi_tiep: đồng chí Lê Văn Hùng\nthu: thứ Năm\nso_dien_thoai: \"0234 3876 543\"\n"


@pytest.fixture
def station_dir(station_dir):
    """The sample station with a notice reading a data file and a recorded notice."""
    (station_dir / "schedules" / "data").mkdir()
    (station_dir / "schedules" / "data" / "tiep-dan.yaml").write_text(DATA, encoding="utf-8")
    (station_dir / "recordings").mkdir()
    (station_dir / "recordings" / "hop.wav").write_bytes(b"RIFF" + b"\0" * 400)
    (station_dir / "schedules" / "them.yaml").write_text(EXTRA, encoding="utf-8")
    return station_dir


@pytest.fixture
def loads(monkeypatch):
    """Each time the YAML loader really ran."""
    calls = []
    real = schedule_load.load_schedule

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(schedule_load, "load_schedule", counting)
    return calls


def same(a, b) -> bool:
    return a == b and a.digest == b.digest and a.warnings == b.warnings and a.data_files == b.data_files


def test_an_unchanged_station_is_not_loaded_again(station_dir, loads, monkeypatch):
    first = schedules(station_dir)
    second = schedules(station_dir)
    assert len(loads) == 1
    assert same(second, first) and same(second, fresh(station_dir, monkeypatch))
    national_day = date(2026, 9, 2)
    assert second.calendar.holiday_name(national_day) == first.calendar.holiday_name(national_day) is not None


def _append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _edit(station_dir, what):
    s = station_dir
    if what == "schedule":
        _replace(s / "schedules" / "thuong-xuyen.yaml", "Lịch tiếp công dân định kỳ", "Lịch tiếp dân tháng 12")
    elif what == "data file":
        _replace(s / "schedules" / "data" / "tiep-dan.yaml", "Lê Văn Hùng", "Trần Thị Mai")
    elif what == "new notice file":
        (s / "schedules" / "thong-bao").mkdir(exist_ok=True)
        (s / "schedules" / "thong-bao" / "moi.yaml").write_text(
            "id: moi\ntemplate: nhac_dich_vu_cong\nvalues: {}\nfrom: 2026-12-01\nstatus: approved\n",
            encoding="utf-8")
    elif what == "settings":
        _replace(s / "broadcast.toml", "require_approval = true", "require_approval = false")
    elif what == "pronunciation":
        _append(s / "pronunciations.tsv", "tiếp công dân\ttiếp đón công dân\n")
    elif what == "recording replaced":
        (s / "recordings" / "hop.wav").write_bytes(b"RIFF" + b"\1" * 900)
    elif what == "recording linked elsewhere":
        os.replace(s / "recordings" / "hop.wav", s / "recordings" / "cu.wav")
        os.symlink(s / "recordings" / "cu.wav", s / "recordings" / "hop.wav")


CHANGES = ["schedule", "data file", "new notice file", "settings", "pronunciation", "recording replaced",
           "recording linked elsewhere"]


@pytest.mark.parametrize("what", CHANGES)
def test_any_edit_loads_again_and_gives_what_a_fresh_load_gives(station_dir, loads, monkeypatch, what):
    before = schedules(station_dir)
    _edit(station_dir, what)
    after = schedules(station_dir)
    assert len(loads) == 2                                   # the edit sent it the slow way
    assert same(after, fresh(station_dir, monkeypatch))
    if what == "schedule":
        assert after != before
    elif what == "data file":
        assert [a.values for a in after.announcements] != [a.values for a in before.announcements]
    elif what == "new notice file":
        assert "moi" in {a.id for a in after.announcements} - {a.id for a in before.announcements}
    elif what == "settings":
        assert before.require_approval and not after.require_approval
    elif what == "recording replaced":
        assert after.digest != before.digest                 # its size is in the schedule's fingerprint
    assert same(schedules(station_dir), after) and len(loads) == 3   # kept again (3: the fresh load)


@pytest.mark.parametrize("what", ["template", "recording removed", "data file broken"])
def test_an_edit_that_breaks_the_schedules_is_reported_every_time(station_dir, loads, what):
    schedules(station_dir)
    if what == "template":
        _append(station_dir / "scripts_vi" / "lich_tiep_cong_dan.j2", "{{ khong_co_bien_nay }}")
    elif what == "recording removed":
        (station_dir / "recordings" / "hop.wav").unlink()
    else:
        _append(station_dir / "schedules" / "data" / "tiep-dan.yaml", "thu: [\n")
    for _ in range(2):                                       # an error is never kept
        with pytest.raises(BroadcastError):
            schedules(station_dir)
    assert len(loads) == 3


def test_a_speech_calibration_does_not_load_them_again(station_dir, loads):
    schedules(station_dir)
    station = load_station(station_dir)
    cache = station.path(station.speech.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / freshness.CALIBRATION_FILE).write_text(json.dumps({"x": {}}), encoding="utf-8")
    schedules(station_dir)
    assert len(loads) == 1


def test_a_file_moved_while_loading_is_not_kept(station_dir, loads, monkeypatch):
    real = schedule_load.load_schedule

    def then_edit(*args, **kwargs):
        found = real(*args, **kwargs)
        _edit(station_dir, "schedule")                       # after the inputs were read, before the load ends
        return found

    with monkeypatch.context() as m:
        m.setattr(schedule_load, "load_schedule", then_edit)
        schedules(station_dir)
    schedules(station_dir)
    assert len(loads) == 2                                   # the second load was not answered from the first


def test_the_kept_schedules_say_their_warnings_again(station_dir, loads):
    (station_dir / "schedules" / "trong.yaml").write_text("# trống\n", encoding="utf-8")
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            schedules(station_dir)
        said = [str(w.message) for w in caught if issubclass(w.category, StationWarning)]
        assert len(said) == 1 and "trong.yaml" in said[0]
    assert len(loads) == 1


def test_a_damaged_record_is_loaded_past(station_dir, loads):
    schedules(station_dir)
    station = load_station(station_dir)
    path = station.path(station.paths.state) / kept.FOLDER / kept.FILE
    path.write_bytes(path.read_bytes()[:50])
    assert schedules(station_dir).slots and len(loads) == 2
