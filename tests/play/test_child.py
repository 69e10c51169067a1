"""Players die with their parent (a real process tree, a real SIGKILL) and leftovers are ended by PID file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from broadcast.play.child import PidFiles, start_time

REPO = Path(__file__).resolve().parents[2]

PARENT = """
import sys, threading, time
from pathlib import Path
from broadcast.daemon import write_silence_wav
from broadcast.play.child import PidFiles
from broadcast.play.outputs import NullOutput

wav = write_silence_wav(Path(sys.argv[1]), seconds=300.0)
out = NullOutput(realtime=True, pids=PidFiles(Path(sys.argv[2])))
box = []
# Started from a thread that then ends, as the daemon starts the next play from the last one's watcher:
# the player must live on after that thread, and die only with the process.
worker = threading.Thread(target=lambda: box.append(out.start(wav, duration_s=300.0)))
worker.start()
worker.join()
print(box[0]._procs[0].pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet counts as gone: it plays nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def _gone_within(pid: int, seconds: float) -> bool:
    """Liveness wait: poll until the process is gone, bounded by a deadline (not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux; Windows uses a Job")
def test_the_player_dies_when_its_parent_is_killed(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path / "long.wav"), str(tmp_path / "player")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child = None
    try:
        line = parent.stdout.readline()
        assert line.strip(), parent.stderr.read()
        child = int(line)
        assert _alive(child)                               # playing, after the starting thread ended
        assert (tmp_path / "player" / f"{child}.pid").is_file()
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _gone_within(child, 20.0), "the ffmpeg player outlived its SIGKILLed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        if child and _alive(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc for process start times")
def test_a_leftover_player_is_ended_and_a_reused_pid_is_not(tmp_path):
    pids = PidFiles(tmp_path / "player")
    pids.folder.mkdir()
    dead_owner = subprocess.Popen(["true"])
    dead_owner.wait()
    leftover = subprocess.Popen(["sleep", "60"])
    stranger = subprocess.Popen(["sleep", "60"])           # a live program that got a recorded pid back
    try:
        (pids.folder / f"{leftover.pid}.pid").write_text(f"{start_time(leftover.pid)} {dead_owner.pid} 1\n")
        (pids.folder / f"{stranger.pid}.pid").write_text(f"{int(start_time(stranger.pid)) - 7} {dead_owner.pid} 1\n")
        (pids.folder / "garbage.pid").write_text("?")
        assert pids.end_leftovers() == [leftover.pid]
        assert leftover.wait(10) == -signal.SIGKILL
        assert stranger.poll() is None                     # start time differs: never killed
        assert list(pids.folder.glob("*.pid")) == []
    finally:
        for proc in (leftover, stranger):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc for process start times")
def test_a_player_whose_owner_lives_is_left_alone(tmp_path):
    pids = PidFiles(tmp_path / "player")
    proc = subprocess.Popen(["sleep", "60"])
    try:
        pids.add(proc.pid)                                 # owned by this (live) test process
        assert pids.end_leftovers() == [] and proc.poll() is None
        pids.remove(proc.pid)
        assert list(pids.folder.glob("*.pid")) == []
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc for process start times")
def test_the_daemon_ends_a_leftover_player_at_start_and_says_so(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from broadcast.daemon import PlayoutSettings, StationCore
    from broadcast.log.asrun import AsRunLog
    from broadcast.play import VirtualClock
    from broadcast.play.outputs import NullOutput

    clock = VirtualClock(datetime(2026, 12, 1, 5, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    pids = PidFiles(tmp_path / "player")
    pids.folder.mkdir()
    dead_owner = subprocess.Popen(["true"])
    dead_owner.wait()
    leftover = subprocess.Popen(["sleep", "60"])
    try:
        (pids.folder / f"{leftover.pid}.pid").write_text(f"{start_time(leftover.pid)} {dead_owner.pid} 1\n")
        with AsRunLog(tmp_path / "asrun.sqlite") as log:
            core = StationCore(log=log, output=NullOutput(clock=clock, pids=pids), clock=clock,
                               audio_out=tmp_path / "audio_out", settings=PlayoutSettings())
            core.start()
            message = log.last_event(["start"])["message"]
        assert leftover.wait(10) == -signal.SIGKILL
        assert f"pid {leftover.pid}" in message and "còn sót" in message
    finally:
        if leftover.poll() is None:
            leftover.kill()
            leftover.wait()
