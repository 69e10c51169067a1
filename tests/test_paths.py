"""Paths from schedules stay inside the station folder (`broadcast.station.paths.confined`)."""

from __future__ import annotations

import doctest
import os

import pytest

import broadcast.station.paths
from broadcast.errors import ScheduleError
from broadcast.station.paths import OutsideStationError, confined


@pytest.mark.parametrize("rel", ["audio/tiep_am_vov.mp3", "./audio/x.mp3", "audio/../audio/x.mp3",
                                 "recordings/thông báo.m4a", "a"])
def test_inside_paths_resolve_under_root(tmp_path, rel):
    got = confined(tmp_path, rel)
    assert got.is_relative_to(tmp_path.resolve())
    assert got == (tmp_path / rel).resolve()


@pytest.mark.parametrize("rel", ["../../etc/passwd", "..", "/etc/passwd", "audio/../../x.mp3",
                                 "C:\\Windows\\win.ini", "\\\\server\\share\\x.mp3", "", "  ",
                                 "audio/x\x00.mp3", "audio/\nx.mp3"])
def test_outside_or_malformed_paths_are_refused(tmp_path, rel):
    with pytest.raises(OutsideStationError) as info:
        confined(tmp_path, rel)
    assert isinstance(info.value, ScheduleError)          # exit 2, like every schedule error
    assert info.value.hint and info.value.hint.startswith("Sửa:")
    assert "\x00" not in str(info.value)


def test_absolute_path_inside_root_is_accepted(tmp_path):
    inside = tmp_path / "audio" / "x.mp3"
    assert confined(tmp_path, str(inside)) == inside.resolve()


def test_base_folder_is_where_relative_paths_start(tmp_path):
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    assert confined(tmp_path, "data/a.yaml", base=schedules) == (schedules / "data/a.yaml").resolve()
    assert confined(tmp_path, "../audio/x.mp3", base=schedules) == (tmp_path / "audio/x.mp3").resolve()
    with pytest.raises(OutsideStationError):
        confined(tmp_path, "../../x.yaml", base=schedules)


def test_symbolic_link_leading_outside_is_refused(tmp_path):
    station, outside = tmp_path / "station", tmp_path / "outside"
    station.mkdir()
    outside.mkdir()
    (outside / "secret.mp3").write_bytes(b"x")
    os.symlink(outside, station / "audio")
    with pytest.raises(OutsideStationError, match="ngoài thư mục đài"):
        confined(station, "audio/secret.mp3")


def test_symbolic_link_loop_is_an_error_not_a_crash(tmp_path):
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    with pytest.raises(OutsideStationError):
        confined(tmp_path, "a/x.mp3")


def test_at_names_file_and_line(tmp_path):
    with pytest.raises(OutsideStationError) as info:
        confined(tmp_path, "../../etc/passwd")
    located = info.value.at("schedules/lich.yaml", 12)
    assert str(located).startswith("schedules/lich.yaml:12: Đường dẫn '../../etc/passwd' nằm ngoài")


def test_module_doctest():
    assert doctest.testmod(broadcast.station.paths).failed == 0
