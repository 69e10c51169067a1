"""Files the station reads are regular files inside it, bounded before they are read or hashed.

A FIFO, a link to /dev/zero or /dev/urandom, a folder named like a file, or a link leading out of
the station, wherever the station would read it (schedules, `thong-bao/`, data files, templates,
template examples, recordings, the pronunciation file, the warm-rebuild hashes, the daemon's
watcher): refused with the file and the reason, in Vietnamese, exit 2, and never a hang. Every
test runs under a deadline: a regression fails instead of blocking the suite.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.station import files

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")
DEADLINE_S = 60


@pytest.fixture(autouse=True)
def deadline():
    """Fail a test that blocks (on a FIFO's open) or spins (hashing /dev/zero) instead of waiting forever."""
    def hung(signum, frame):
        pytest.fail(f"still running after {DEADLINE_S} s: a station file was read without a bound", pytrace=True)

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE_S)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def make_fifo(path: Path, outside: Path) -> None:
    os.mkfifo(path)


def link_dev_zero(path: Path, outside: Path) -> None:
    path.symlink_to("/dev/zero")


def link_dev_urandom(path: Path, outside: Path) -> None:
    path.symlink_to("/dev/urandom")


def make_folder(path: Path, outside: Path) -> None:
    path.mkdir()


def link_outside(path: Path, outside: Path) -> None:
    """A link to an ordinary file of the right kind, but outside the station folder."""
    target = outside / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes() if path.is_file() else b"# ngoai\n")
    path.unlink(missing_ok=True)
    path.symlink_to(target)


KINDS = {   # name: (make it, what the message says)
    "fifo": (make_fifo, "ống dẫn (FIFO)"),
    "dev-zero": (link_dev_zero, "thiết bị /dev/zero"),
    "dev-urandom": (link_dev_urandom, "thiết bị /dev/urandom"),
    "thu-muc": (make_folder, "thư mục"),
    "ra-ngoai": (link_outside, "ngoài thư mục đài"),
}

EXTRA = """announcements:
  - id: du-lieu-tiem
    template: tiem_chung
    title: Tiêm chủng (dữ liệu riêng)
    data: du-lieu/tiem.yaml
    from: 2026-12-07
    until: 2026-12-08
    status: approved
  - id: ghi-am-hop
    file: recordings/hop.m4a
    title: Mời họp dân thôn 2
    from: 2026-12-07
    until: 2026-12-08
    slots: [sang]
    status: approved
"""
DATA = """ngay: 09/12/2026
gio: 7h30-11h00
vac_xin: [vắc xin sởi]
so_dien_thoai: "0234 3875 501"
"""


def station_with(make_station, tmp_path: Path, where: str, kind: str) -> tuple[Path, str]:
    """The sample station with one bad entry at `where`; (station, the entry as messages show it)."""
    station = make_station(tmp_path / "dai")
    entry = {
        "lich": "schedules/zz.yaml",
        "thong-bao": "schedules/thong-bao/zz.yaml",
        "du-lieu": "schedules/du-lieu/tiem.yaml",
        "mau": "scripts_vi/mo_dau.j2",                 # a template every programme uses
        "vi-du": "scripts_vi/examples/tiem_chung.yaml",
        "ghi-am": "recordings/hop.m4a",
        "doc-rieng": "pronunciations.tsv",
        "nhac-hieu": "assets/nhac_hieu.wav",           # [audio] signature_tune
    }[where]
    if where in ("du-lieu", "ghi-am"):
        (station / "schedules" / "them.yaml").write_text(EXTRA, encoding="utf-8")
        (station / "schedules" / "du-lieu").mkdir()
        (station / "schedules" / "du-lieu" / "tiem.yaml").write_text(DATA, encoding="utf-8")
        (station / "recordings").mkdir()
        (station / "recordings" / "hop.m4a").write_bytes(b"")
    path = station / entry
    path.parent.mkdir(parents=True, exist_ok=True)
    make, _ = KINDS[kind]
    if kind != "ra-ngoai" and (path.exists() or path.is_symlink()):
        path.unlink()
    make(path, tmp_path / "ngoai")
    return station, entry


def invoke(station: Path, *args: str):
    return CliRunner().invoke(cli, ["--station", str(station), *args])


def expected_reason(where: str, kind: str) -> str:
    return KINDS[kind][1]


def named(entry: str) -> str:
    """How a message names the entry: a data file as its schedule wrote it (from schedules/)."""
    return entry.removeprefix("schedules/") if entry.startswith("schedules/du-lieu/") else entry


# -- check: every place the station reads, every kind of file that is not a regular one -----------

@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("where", ["lich", "thong-bao", "du-lieu", "mau", "vi-du", "ghi-am", "doc-rieng",
                                   "nhac-hieu"])
def test_check_refuses_what_is_not_a_regular_station_file(make_station, tmp_path, where, kind):
    station, entry = station_with(make_station, tmp_path, where, kind)
    result = invoke(station, "check")
    assert result.exit_code == 2, result.output
    assert named(entry) in result.output, result.output
    assert expected_reason(where, kind) in result.output, result.output
    assert "Traceback" not in result.output and "Errno" not in result.output


# -- build and plan: refused before any audio, with the same words ----------------------------------

@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "thu-muc"])
@pytest.mark.parametrize("where", ["lich", "thong-bao", "du-lieu", "mau", "ghi-am", "doc-rieng", "nhac-hieu"])
def test_build_refuses_it_without_hanging_and_publishes_nothing(make_station, tmp_path, where, kind):
    station, entry = station_with(make_station, tmp_path, where, kind)
    result = invoke(station, "build", "--date", "2026-12-07")
    assert result.exit_code == 2, result.output
    assert named(entry) in result.output and expected_reason(where, kind) in result.output, result.output
    assert not (station / "audio_out" / "2026-12-07").exists()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_plan_refuses_a_schedule_that_is_not_a_regular_file(make_station, tmp_path, kind):
    station, entry = station_with(make_station, tmp_path, "lich", kind)
    result = invoke(station, "plan", "--date", "2026-12-07")
    assert result.exit_code == 2 and entry in result.output and KINDS[kind][1] in result.output, result.output


# -- the helper ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(KINDS))
def test_problem_names_the_kind_without_opening_it(tmp_path, kind):
    root = tmp_path / "dai"
    root.mkdir()
    make, words = KINDS[kind]
    make(root / "x.yaml", tmp_path / "ngoai")
    assert words in files.problem(root / "x.yaml", inside=(root,))
    with pytest.raises(files.StationFileError) as caught:
        files.read_bytes(root / "x.yaml", max_bytes=1024, inside=(root,), shown="schedules/x.yaml")
    assert caught.value.exit_code == 2 and caught.value.path == "schedules/x.yaml"
    assert words in str(caught.value) and "Sửa:" in str(caught.value)
    with pytest.raises(files.StationFileError):
        files.sha256(root / "x.yaml", max_bytes=1024, inside=(root,))


def test_a_regular_file_is_read_and_hashed_within_its_bound(tmp_path):
    import hashlib

    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * 1000)
    assert files.read_bytes(path, max_bytes=1000, inside=(tmp_path,)) == b"x" * 1000
    assert files.sha256(path, max_bytes=1000) == hashlib.sha256(b"x" * 1000).hexdigest()
    assert files.problem(path, max_bytes=999) == "quá lớn (1 KB; tối đa 1 KB)"
    with pytest.raises(files.StationFileError, match="quá lớn"):
        files.read_bytes(path, max_bytes=999)
    with pytest.raises(files.StationFileError, match="quá lớn"):
        files.sha256(path, max_bytes=999)


def test_missing_and_broken_links(tmp_path):
    assert files.problem(tmp_path / "khong-co.yaml") == files.MISSING
    with pytest.raises(FileNotFoundError):
        files.read_bytes(tmp_path / "khong-co.yaml", max_bytes=10)
    (tmp_path / "hong.yaml").symlink_to(tmp_path / "khong-co.yaml")
    assert "liên kết hỏng" in files.problem(tmp_path / "hong.yaml")
    with pytest.raises(files.StationFileError, match="liên kết hỏng"):
        files.read_bytes(tmp_path / "hong.yaml", max_bytes=10)
    (tmp_path / "vong.yaml").symlink_to(tmp_path / "vong.yaml")
    assert "không đọc được" in files.problem(tmp_path / "vong.yaml")


def test_a_link_inside_the_station_is_followed(tmp_path):
    (tmp_path / "that.yaml").write_text("slots: []\n", encoding="utf-8")
    (tmp_path / "lich.yaml").symlink_to(tmp_path / "that.yaml")
    assert files.read_bytes(tmp_path / "lich.yaml", max_bytes=100, inside=(tmp_path,)) == b"slots: []\n"


def test_a_fifo_swapped_in_after_the_check_is_refused_on_the_open_descriptor(tmp_path, monkeypatch):
    """The open never blocks: even past the path check, fstat sees the FIFO."""
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    monkeypatch.setattr(files, "check", lambda path, **kwargs: Path(path))
    with pytest.raises(files.StationFileError, match="FIFO"):
        files.read_bytes(fifo, max_bytes=10)


# -- the hashes of the warm-rebuild check and the daemon's watcher ----------------------------------

def test_the_warm_rebuild_hash_never_reads_a_fifo_or_a_device(station_dir, tmp_path):
    from broadcast.publish import freshness
    from broadcast.station.config import load_station

    os.mkfifo(station_dir / "schedules" / "fifo.yaml")
    (station_dir / "scripts_vi" / "zero.j2").symlink_to("/dev/zero")
    (station_dir / "pronunciations.tsv").unlink()
    (station_dir / "pronunciations.tsv").symlink_to("/dev/urandom")
    station = load_station(station_dir)
    first = freshness.inputs(station, ["fake"], [station_dir / "schedules" / "fifo.yaml"])
    assert first == freshness.inputs(station, ["fake"], [station_dir / "schedules" / "fifo.yaml"])
    digests = first["files"]
    assert digests[str(station_dir / "schedules" / "fifo.yaml")].startswith("!")
    assert "/dev/urandom" in digests[str(station_dir / "pronunciations.tsv")]


def test_the_daemon_watcher_sees_a_fifo_come_and_go_without_opening_it(station_dir):
    from zoneinfo import ZoneInfo

    from broadcast.daemon import InputsWatcher

    watcher = InputsWatcher([station_dir / "schedules", station_dir / "scripts_vi", station_dir / "broadcast.toml"])
    before = watcher.fingerprint()
    os.mkfifo(station_dir / "schedules" / "fifo.yaml")
    (station_dir / "scripts_vi" / "zero.j2").symlink_to("/dev/zero")
    (station_dir / "schedules" / "vong").symlink_to(station_dir / "schedules")     # a folder link loop
    during = watcher.fingerprint()
    assert during != before
    assert watcher.latest_change(ZoneInfo("Asia/Ho_Chi_Minh")) is not None
    (station_dir / "schedules" / "fifo.yaml").unlink()
    (station_dir / "scripts_vi" / "zero.j2").unlink()
    (station_dir / "schedules" / "vong").unlink()
    assert watcher.fingerprint() == before


@pytest.mark.parametrize("how", ["atomic-rename", "in-place"])
def test_the_daemon_watcher_sees_a_same_size_save_within_one_clock_tick(station_dir, how):
    from broadcast.daemon import InputsWatcher

    watcher = InputsWatcher([station_dir / "schedules", station_dir / "scripts_vi"])
    path = next(p for p in sorted((station_dir / "schedules").rglob("*.yaml")) if p.stat().st_size > 10)
    before, stat = watcher.fingerprint(), path.stat()
    data = path.read_bytes()
    changed = data.replace(b"0", b"1", 1) if b"0" in data else data.replace(b"a", b"b", 1)
    assert len(changed) == len(data) and changed != data
    if how == "atomic-rename":
        fresh = path.with_name(path.name + ".tmp")
        fresh.write_bytes(changed)
        os.utime(fresh, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(fresh, path)
    else:
        path.write_bytes(changed)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert watcher.fingerprint() != before
