"""`broadcast plan` keeps the spoken texts it timed (`broadcast.plan.readings`) and reads them again after any edit;
`plan` and a build plan inside `estimate.kept_readings`, which keeps them only when planning finished."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from click.testing import CliRunner

from broadcast.build import day as building
from broadcast.build.toolkit import Toolkit
from broadcast.cli import cli
from broadcast.model import Item, ItemKind
from broadcast.plan import readings
from broadcast.plan.estimate import kept_readings
from broadcast.station.config import load_station


@pytest.fixture
def prepared(monkeypatch):
    """Each text the toolkit rendered and normalized."""
    calls = []
    real = Toolkit.prepare

    def counting(self, template, values):
        calls.append(template)
        return real(self, template, values)

    monkeypatch.setattr(Toolkit, "prepare", counting)
    return calls


def plan(station_dir, day="2026-12-07", code=0):
    """A plan made now (what `plan` remembered of the days is forgotten first)."""
    station = load_station(station_dir)
    shutil.rmtree(station.path(station.paths.state) / "plan", ignore_errors=True)
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "plan", "--date", day])
    assert result.exit_code == code, result.output
    return result.output


def unread(station_dir, monkeypatch, day="2026-12-07"):
    """What `plan` prints when it keeps no text."""
    with monkeypatch.context() as m:
        m.setattr(readings.Readings, "spoken", lambda self, key, make: make())
        m.setattr(readings.Readings, "save", lambda self: None)
        return plan(station_dir, day)


def test_another_day_renders_only_the_texts_that_are_new(station_dir, prepared, monkeypatch):
    plan(station_dir, "2026-12-07")
    first = len(prepared)
    out = plan(station_dir, "2026-12-09")
    again = len(prepared) - first
    assert out == unread(station_dir, monkeypatch, "2026-12-09")
    everything = len(prepared) - first - again
    assert 0 < again < everything                    # the opening is new, the notices were read before
    assert plan(station_dir, "2026-12-09") == out and len(prepared) == first + again + everything


def _append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.parametrize("what", ["template text", "pronunciation", "settings"])
def test_an_edit_reads_the_texts_again(station_dir, monkeypatch, what):
    before = plan(station_dir)
    if what == "template text":
        _append(station_dir / "scripts_vi" / "lich_tiep_cong_dan.j2", " Xin trân trọng cảm ơn bà con." * 20)
    elif what == "pronunciation":
        _append(station_dir / "pronunciations.tsv", "tiếp công dân\ttiếp đón công dân đến làm việc cùng xã\n")
    else:
        path = station_dir / "broadcast.toml"
        path.write_text(path.read_text(encoding="utf-8").replace('name = "Hòa An"', 'name = "Hòa An Thượng Đông"'),
                        encoding="utf-8")
    after = plan(station_dir)
    assert after == unread(station_dir, monkeypatch)
    assert after != before                            # each edit lengthens a text the plan times


def test_a_broken_template_is_never_read_from_the_kept_texts(station_dir, prepared):
    plan(station_dir)
    _append(station_dir / "scripts_vi" / "lich_tiep_cong_dan.j2", "{{ khong_co_bien_nay }}")
    for _ in range(2):
        assert "khong_co_bien_nay" in plan(station_dir, code=2)


def test_texts_are_not_kept_when_a_template_moved_while_planning(station_dir, prepared, monkeypatch):
    real = readings.Readings.save

    def after_an_edit(self):
        _append(station_dir / "scripts_vi" / "lich_tiep_cong_dan.j2", " Xin cảm ơn.")
        real(self)

    monkeypatch.setattr(readings.Readings, "save", after_an_edit)
    plan(station_dir)
    station = load_station(station_dir)
    assert not (station.path(station.paths.state) / readings.FILE).exists()


# `estimate.kept_readings`: what `plan` and a build's `plan_day` both plan inside


def _closing(buoi="sáng"):
    return Item(id="loi-ket", kind=ItemKind.CLOSING, title="Lời kết", template="loi_ket", values={"buoi": buoi})


def _kept(station_dir):
    station = load_station(station_dir)
    path = station.path(station.paths.state) / readings.FILE
    return path.read_bytes() if path.exists() else None


def test_kept_readings_keeps_what_a_finished_block_timed(station_dir, prepared):
    toolkit = Toolkit.from_station(load_station(station_dir))
    with kept_readings(toolkit, speed=toolkit.speed) as (timed, library):
        seconds = timed(_closing())
        assert library.get("loi_ket").title == "Lời kết chương trình"
    assert prepared == ["loi_ket"] and seconds > 0
    kept = readings.Readings(toolkit.station)
    assert kept.texts.get(readings.text_key("loi_ket", {"buoi": "sáng"}))
    assert kept.headers["loi_ket"]["title"] == "Lời kết chương trình"
    again = Toolkit.from_station(load_station(station_dir))             # a later command: read, not rendered
    with kept_readings(again, speed=again.speed) as (timed, library):
        assert timed(_closing()) == seconds
    assert prepared == ["loi_ket"]


def test_kept_readings_keeps_nothing_when_the_block_raises(station_dir, prepared):
    """A plan that fails keeps none of what it timed: the file stays as the last finished plan left it."""
    toolkit = Toolkit.from_station(load_station(station_dir))
    with pytest.raises(RuntimeError), kept_readings(toolkit, speed=toolkit.speed) as (timed, library):
        timed(_closing())
        library.get("loi_ket")
        raise RuntimeError("planning failed")
    assert prepared == ["loi_ket"] and _kept(station_dir) is None
    plan(station_dir)                                               # a plan that finished: its texts kept
    before = _kept(station_dir)
    rendered = len(prepared)
    toolkit = Toolkit.from_station(load_station(station_dir))
    with pytest.raises(RuntimeError), kept_readings(toolkit, speed=toolkit.speed) as (timed, _):
        timed(_closing("thử nghiệm"))                               # new (rendered), then lost with the block
        raise RuntimeError("planning failed")
    assert len(prepared) == rendered + 1
    assert before is not None and _kept(station_dir) == before


def test_a_plan_that_fails_after_timing_keeps_no_text(station_dir):
    """`plan --zone` with a zone the station lacks fails once the day is planned: nothing is kept."""
    station = load_station(station_dir)
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "plan", "--date", "2026-12-07",
                                      "--zone", "khong-co"])
    assert result.exit_code == 2 and "khong-co" in result.output
    assert not (station.path(station.paths.state) / readings.FILE).exists()


def test_a_build_whose_plan_fails_keeps_no_text(station_dir, monkeypatch, prepared):
    """`plan_day` that fails once its programmes are timed keeps nothing either."""
    real = building.compose_zones

    def fails_after_timing(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("composing failed")

    monkeypatch.setattr(building, "compose_zones", fails_after_timing)
    toolkit = Toolkit.from_station(load_station(station_dir))
    with pytest.raises(RuntimeError):
        building.plan_day(toolkit, date(2026, 12, 7))
    assert prepared and _kept(station_dir) is None
