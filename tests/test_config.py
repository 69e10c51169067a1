"""broadcast.toml: defaults, validation of every key, all problems at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from broadcast.errors import ConfigError, MultiError
from broadcast.station.config import load_station
from broadcast.station.sections import SECTIONS, describe_settings

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "broadcast.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_sample_station_loads():
    station = load_station(ROOT)
    assert station.station.name == "Hòa An"
    assert station.station.timezone == "Asia/Ho_Chi_Minh"
    assert station.speech.engines == ["espeak"]
    assert station.station_title == "Đài Truyền thanh xã Hòa An"
    assert station.template_globals["ten_xa"] == "Hòa An"
    assert station.path("audio_out") == ROOT / "audio_out"


def test_empty_file_gives_defaults(tmp_path):
    station = load_station(write(tmp_path, ""))
    assert station.audio.target_lufs == -16.0
    assert station.audio.true_peak_dbtp == -1.0
    assert station.playout.grace_minutes == 10.0
    assert str(station.tz) == "Asia/Ho_Chi_Minh"


def test_int_accepted_for_float(tmp_path):
    station = load_station(write(tmp_path, "[audio]\ntarget_lufs = -18\n"))
    assert station.audio.target_lufs == -18.0
    assert isinstance(station.audio.target_lufs, float)


def test_missing_file_names_directory(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_station(tmp_path)
    assert "broadcast.toml" in str(err.value)
    assert err.value.exit_code == 2


def test_unknown_key_suggests_and_names_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_station(write(tmp_path, "[station]\nname = \"X\"\ntimezon = \"Asia/Ho_Chi_Minh\"\n"))
    text = str(err.value)
    assert "broadcast.toml:3" in text
    assert "timezone" in text  # did you mean


def test_unknown_section_suggests(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_station(write(tmp_path, "[speach]\nengines = [\"espeak\"]\n"))
    assert "speech" in str(err.value)
    assert ":1" in str(err.value)


def test_every_problem_reported_at_once(tmp_path):
    text = ("[speech]\nengines = [\"espeek\"]\nrate = \"nhanh\"\n"
            "[audio]\nformat = \"ogg\"\n[playout]\nbuild_ahead = \"25:00\"\n")
    with pytest.raises(MultiError) as err:
        load_station(write(tmp_path, text))
    message = str(err.value)
    assert len(err.value.errors) == 4
    assert "rate" in message and "format" in message and "espeek" in message and "25:00" in message


def test_cross_checks_name_the_fix(tmp_path):
    text = "[speech]\nengines = [\"espeek\"]\n[playout]\nbuild_ahead = \"25:00\"\n"
    with pytest.raises(MultiError) as err:
        load_station(write(tmp_path, text))
    message = str(err.value)
    assert "espeek" in message and "'espeak'" in message
    assert "25:00" in message


@pytest.mark.parametrize("text, fragment", [
    ("[audio]\ntarget_lufs = -40\n", "-30"),
    ("[speech]\npitch = 120\n", "99"),
    ("[programme]\nrequire_approval = \"có\"\n", "true hoặc false"),
    ("[station]\ntimezone = \"Asia/Hanoi_City\"\n", "Asia/Hanoi_City"),
    ("station = 3\n", "mục [station]"),
    ("[audio\nformat = 1\n", "TOML"),
])
def test_bad_values(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as err:
        load_station(write(tmp_path, text))
    assert fragment in str(err.value)


def test_every_setting_is_documented_in_the_table():
    rows = describe_settings()
    assert {section for section, *_ in rows} == set(SECTIONS)
    for section, key, _default, doc in rows:
        assert doc.strip(), f"[{section}] {key} has no documentation"


def test_every_sample_key_is_documented():
    """A key used in the sample station's file must exist in the table (and so be documented)."""
    known = {(s, k) for s, k, _d, _doc in describe_settings()}
    section = None
    for line in (ROOT / "broadcast.toml").read_text(encoding="utf-8").splitlines():
        head = re.match(r"\[(\w+)\]", line)
        if head:
            section = head.group(1)
        pair = re.match(r"(\w+)\s*=", line)
        if pair and section:
            assert (section, pair.group(1)) in known
