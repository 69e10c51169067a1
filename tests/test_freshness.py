"""The warm `broadcast build`: a day's stamp says "nothing changed" without planning, or steps aside."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest
from click.testing import CliRunner

import broadcast.build
from broadcast.build import Toolkit, build_day
from broadcast.cli import cli
from broadcast.publish import freshness
from broadcast.station.config import load_station

DAY = date(2026, 12, 7)
ARGS = ["build", "--date", DAY.isoformat()]


@pytest.fixture
def counted(monkeypatch):
    """How often the slow path ran: `broadcast.build.build_day` calls."""
    calls = []
    real = broadcast.build.build_day

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(broadcast.build, "build_day", counting)
    return calls


def run(station_dir, *extra):
    result = CliRunner().invoke(cli, ["--station", str(station_dir), *ARGS, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_second_build_answers_from_the_stamp_with_the_same_report(station_dir, counted):
    first = run(station_dir)
    assert "dựng 2" in first and len(counted) == 1
    slow = CliRunner().invoke(cli, ["--station", str(station_dir), *ARGS, "--force"])
    assert slow.exit_code == 0 and len(counted) == 2          # --force always builds
    planned = run(station_dir)                               # (stamp of the forced build)
    assert len(counted) == 2 and "không đổi" in planned
    # the fast answer prints what the slow path prints for an unchanged day
    station = load_station(station_dir)
    freshness.forget(station, DAY)
    assert run(station_dir) == planned and len(counted) == 3


def test_the_cold_build_stamps_although_it_taught_the_planner_its_clips(station_dir, counted):
    station = load_station(station_dir)
    calibration = station.path(station.speech.cache_dir) / freshness.CALIBRATION_FILE
    assert not calibration.exists()
    run(station_dir)
    assert calibration.is_file()                           # the build recorded its clips' lengths
    record = json.loads(freshness.stamp_path(station, DAY).read_text(encoding="utf-8"))
    assert record["inputs"]["calibration"] == freshness._file_sha(calibration)
    run(station_dir)
    assert len(counted) == 1


def test_the_cold_build_plans_the_day_once(station_dir, counted, monkeypatch):
    """Its calibration changed, but no comparison of lengths the plan made moves: no second plan."""
    import broadcast.build.zoning as zoning

    plans = []
    real = zoning.zone_plans

    def counting(*args, **kwargs):
        plans.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(zoning, "zone_plans", counting)
    run(station_dir)
    station = load_station(station_dir)
    assert (station.path(station.speech.cache_dir) / freshness.CALIBRATION_FILE).is_file()
    assert plans == [DAY]                                  # was [DAY, DAY]: planned again for the stamp
    assert freshness.stamp_path(station, DAY).is_file()
    run(station_dir)
    assert len(counted) == 1 and plans == [DAY]           # and the stamp holds


def test_the_stamp_plans_again_when_the_new_lengths_may_move_a_notice(station_dir, counted, monkeypatch):
    """When a comparison the plan made comes out otherwise, the day is planned again before it is stamped."""
    import broadcast.build.zoning as zoning
    from broadcast.plan.trace import EstimateTrace

    plans = []
    real = zoning.zone_plans
    monkeypatch.setattr(zoning, "zone_plans", lambda *a, **k: (plans.append(a[2]), real(*a, **k))[1])
    monkeypatch.setattr(EstimateTrace, "holds", lambda self, estimate: False)
    run(station_dir)
    assert plans == [DAY, DAY]
    assert freshness.stamp_path(load_station(station_dir), DAY).is_file()   # the second plan agreed


@pytest.mark.parametrize("touch", ["schedule", "new_schedule", "template", "pronunciation", "settings"])
def test_any_changed_input_sends_the_build_the_slow_way(station_dir, counted, touch):
    run(station_dir)
    if touch == "schedule":
        path = next((station_dir / "schedules").glob("*.yaml"))
        path.write_text(path.read_text(encoding="utf-8") + "\n# sửa\n", encoding="utf-8")
    elif touch == "new_schedule":
        (station_dir / "schedules" / "them.yaml").write_text("# trống\n", encoding="utf-8")
    elif touch == "template":
        path = next((station_dir / "scripts_vi").glob("*.j2"))
        path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    elif touch == "pronunciation":
        path = station_dir / "pronunciations.tsv"
        path.write_text(path.read_text(encoding="utf-8") + "HTX\thợp tác xã\n", encoding="utf-8")
    else:
        path = station_dir / "broadcast.toml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("[programme]\n", "[programme]\ngap_s = 1.25\n", 1), encoding="utf-8")
    run(station_dir)
    assert len(counted) == 2
    run(station_dir)                                       # ... which stamps the day again
    assert len(counted) == 2


def test_a_data_file_outside_the_stamped_folders_is_stamped_too(station_dir, counted):
    (station_dir / "du-lieu").mkdir()
    data = station_dir / "du-lieu" / "hop.yaml"
    data.write_text("noi_dung: Bà con thôn 2 họp lúc 19 giờ.\n", encoding="utf-8")
    (station_dir / "schedules" / "hop.yaml").write_text(
        "announcements:\n  - id: hop-thon\n    template: thong_bao_chung\n    data: ../du-lieu/hop.yaml\n"
        "    from: 2026-12-07\n    until: 2026-12-07\n    status: approved\n", encoding="utf-8")
    first = run(station_dir)
    assert "dựng 2" in first
    run(station_dir)
    assert len(counted) == 1
    data.write_text("noi_dung: Bà con thôn 2 họp lúc 20 giờ.\n", encoding="utf-8")
    changed = run(station_dir)
    assert len(counted) == 2 and "dựng" in changed and "không đổi" not in changed


def test_a_missing_file_or_another_manifest_is_not_fresh(station_dir, counted):
    run(station_dir)
    station = load_station(station_dir)
    day = station.path(station.paths.audio_out) / DAY.isoformat()
    assert freshness.fresh_day(station, DAY, ("fake",)) is not None
    assert freshness.fresh_day(station, DAY, ("espeak",)) is None      # another engine speaks
    (day / "0530-sang.wav").unlink()
    assert freshness.fresh_day(station, DAY, ("fake",)) is None
    run(station_dir)                                                   # rebuilt the slow way
    assert len(counted) == 2
    manifest = day / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("Hòa An", "Hòa Bình", 1), encoding="utf-8")
    assert freshness.fresh_day(station, DAY, ("fake",)) is None


def test_a_programme_in_the_fallback_voice_is_never_fresh(tmp_path, make_station):
    station = load_station(make_station(tmp_path / "station", engines='["gtts", "fake"]'))
    result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    assert all(p["fallback"] for p in result.programmes)
    assert not freshness.stamp_path(station, DAY).exists()
    assert freshness.fresh_day(station, DAY, ("gtts", "fake")) is None


def test_the_fast_path_reads_no_schedule_and_imports_no_builder(station_dir):
    import subprocess
    import sys

    run(station_dir)
    code = ("import sys; from broadcast.cli import cli; "
            f"cli(['--station', {str(station_dir)!r}, 'build', '--date', '{DAY}'], standalone_mode=False); "
            "heavy = [m for m in ('broadcast.build', 'broadcast.audio', 'broadcast.schedule', 'jinja2', 'yaml') "
            "if m in sys.modules]; print('heavy', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "không đổi" in out and "heavy []" in out


# --- a file's digest taken once per command --------------------------------------------------------

@pytest.fixture
def hashed(monkeypatch):
    """Each file really read to hash it; the process's remembered digests start empty."""
    calls = []
    real = freshness.station_files.sha256
    monkeypatch.setattr(freshness, "_SEEN", {})

    def counting(path, **kwargs):
        calls.append(str(path))
        return real(path, **kwargs)

    monkeypatch.setattr(freshness.station_files, "sha256", counting)
    return calls


def _settled(monkeypatch):
    """A clock far ahead: every file counts as changed long before it is hashed."""
    now = freshness.time.time_ns() + 3600 * 10**9
    monkeypatch.setattr(freshness.time, "time_ns", lambda: now)


def test_a_settled_file_is_hashed_once_per_process(tmp_path, hashed, monkeypatch):
    _settled(monkeypatch)
    path = tmp_path / "lich.yaml"
    path.write_text("slots: []\n", encoding="utf-8")
    first = freshness._file_sha(path)
    assert freshness._file_sha(path) == first and hashed == [str(path)]
    path.write_text("slots: [1]\n", encoding="utf-8")        # another size: hashed again
    assert freshness._file_sha(path) != first and len(hashed) == 2


def test_a_fresh_edit_keeping_size_and_time_is_hashed_again(tmp_path, hashed):
    path = tmp_path / "lich.yaml"
    path.write_text("gio: 05:30\n", encoding="utf-8")
    st = path.stat()
    first = freshness._file_sha(path)
    path.write_text("gio: 06:30\n", encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))       # same size, same modification time
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert freshness._file_sha(path) != first                 # changed just now: never answered from memory
    assert len(hashed) == 2


def test_a_link_to_a_device_is_refused_however_often_asked(tmp_path, hashed, monkeypatch):
    _settled(monkeypatch)
    link = tmp_path / "lich.yaml"
    link.symlink_to("/dev/zero")
    for _ in range(2):
        assert freshness._file_sha(link).startswith("!")
    assert freshness._SEEN == {}
