"""Staging folders: a killed build's folder is swept, a running build's is not; published days follow the umask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from broadcast.atomic import write_text_atomic
from broadcast.publish.day import staged_day
from broadcast.publish.staging import sweep_stale

REPO = Path(__file__).resolve().parents[1]
DAY = date(2026, 12, 1)

BUILDER = """
import sys, time
from datetime import date
from pathlib import Path
from broadcast.publish.day import staged_day

with staged_day(Path(sys.argv[1]), date(2026, 12, int(sys.argv[2]))) as staging:
    (staging / "0530-sang.mp3").write_bytes(b"x" * 100_000)
    print(staging, flush=True)
    time.sleep(600)
"""


def start_build(audio_out: Path, day: int) -> tuple[subprocess.Popen, Path]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", BUILDER, str(audio_out), str(day)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line, proc.stderr.read()
    return proc, Path(line)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_killed_builds_staging_is_swept_and_a_running_ones_is_not(tmp_path):
    audio_out = tmp_path / "audio_out"
    running, live_folder = start_build(audio_out, 2)
    killed, dead_folder = start_build(audio_out, 1)            # its own start did not sweep the running one
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    old_version = audio_out / ".staging-2026-11-30-abcd1234"      # left by a build before staging locks
    old_version.mkdir()
    try:
        assert dead_folder.is_dir() and live_folder.is_dir()
        assert sorted(sweep_stale(audio_out)) == sorted([dead_folder, old_version])
        assert not dead_folder.exists() and not Path(f"{dead_folder}.lock").exists()
        assert live_folder.is_dir() and (live_folder / "0530-sang.mp3").is_file()
        with staged_day(audio_out, DAY) as staging:              # the next build sweeps too
            (staging / "manifest.json").write_text("{}")
        assert live_folder.is_dir()
    finally:
        running.kill()
        running.wait(10)
    with staged_day(audio_out, DAY) as staging:
        (staging / "manifest.json").write_text("{}")
    assert sorted(p.name for p in audio_out.iterdir()) == [DAY.isoformat()]       # nothing left behind


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_a_published_day_follows_the_umask(tmp_path, umask, file_mode, dir_mode):
    old = os.umask(umask)
    try:
        with staged_day(tmp_path, DAY) as staging:
            write_text_atomic(staging / "manifest.json", "{}")      # a temporary-file write: 0600 at first
            (staging / "0530-sang.mp3").write_bytes(b"x")
    finally:
        os.umask(old)
    day = tmp_path / DAY.isoformat()
    assert day.stat().st_mode & 0o777 == dir_mode
    assert {p.name: p.stat().st_mode & 0o777 for p in day.iterdir()} == {"manifest.json": file_mode,
                                                                          "0530-sang.mp3": file_mode}
