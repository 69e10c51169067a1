"""`plan` and `check` load what they use: no audio stack (numpy), one country's holidays."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from broadcast.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="broadcast")
except SystemExit as e:
    code = e.code
loaded = sorted(sys.modules)
print(json.dumps({"numpy": [m for m in loaded if m == "numpy" or m.startswith("numpy.")],
                  "audio": [m for m in loaded if m in ("broadcast.audio.clips", "broadcast.audio.limiter",
                                                       "broadcast.audio.loudness", "broadcast.audio.assembly")],
                  "countries": [m for m in loaded if m.startswith("holidays.countries.")],
                  "count": len(loaded)}))
sys.exit(code)
"""


@pytest.mark.parametrize("args", [
    ["plan", "--date", "2026-12-07"],
    ["plan", "--date", "2026-02-16", "--days", "3"],      # Tết 2026: the Vietnamese calendar is used
    ["check"],
])
def test_planning_commands_load_neither_numpy_nor_other_countries(args, station_dir):
    out = subprocess.run([sys.executable, "-c", PROBE, "--station", str(station_dir), *args],
                         capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["numpy"] == [] and loaded["audio"] == []
    assert loaded["countries"] == ["holidays.countries.vietnam"]
    assert loaded["count"] < 500                         # was 742 (numpy, 250 countries)


def test_the_vietnam_class_alone_is_the_package_s_own():
    import holidays

    from broadcast.schedule.calendar import vietnam_holidays

    cls = vietnam_holidays()
    assert cls is holidays.Vietnam.get_entity()                # the same class, not a copy
    days = cls(years=2030, language="vi")
    assert days.get("2030-02-02") == "Tết Nguyên Đán"          # the Vietnamese lunar calendar (China: 3 Feb)
    assert holidays.country_holidays("FR", years=2026).get("2026-07-14")   # other countries still load


def test_a_plan_from_kept_schedules_loads_no_yaml_reader_and_no_builder(station_dir):
    """The schedules unchanged since a command loaded them (`broadcast.schedule.kept`): `plan` of
    another day reads no schedule YAML and imports neither the loader nor the encoder side."""
    probe = [sys.executable, "-c", PROBE.replace('"count": len(loaded)', '"count": len(loaded), "loaded": loaded'),
             "--station", str(station_dir)]
    subprocess.run([*probe, "plan", "--date", "2026-12-07"], capture_output=True, check=True)
    out = subprocess.run([*probe, "plan", "--date", "2026-12-08"], capture_output=True, text=True,
                         encoding="utf-8")
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1])["loaded"])
    assert not loaded & {"broadcast.schedule.load", "broadcast.schedule.announcements", "broadcast.build.day",
                         "broadcast.build.programme", "broadcast.build.checks", "broadcast.build.announce",
                         "broadcast.publish.day", "concurrent.futures.thread"}


@pytest.mark.parametrize("package", ["broadcast.build", "broadcast.schedule"])
def test_every_name_of_a_lazy_package_is_itself_after_all_its_rooms_are_imported(package):
    """A room imported directly (`import broadcast.build.day`) must not shadow a name of the package:
    `from broadcast.build import compose` once gave the module `compose.py`, not the function."""
    code = (f"import importlib, inspect, {package} as p\n"
            f"for room in set(p._HOMES.values()): importlib.import_module('{package}.' + room)\n"
            "bad = [n for n in p._HOMES if inspect.ismodule(getattr(p, n))]\n"
            "print(bad)\n")
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "[]"


def test_a_name_called_as_its_room_is_refused_when_the_package_is_made():
    from broadcast import rooms

    with pytest.raises(ImportError, match="compose"):
        rooms("broadcast.x", {"compose": "compose", "other": "compose"})
