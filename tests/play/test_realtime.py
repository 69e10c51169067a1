"""The gated player's real-time part: what it obtains and says, the watchdog that bounds it, the timed release to the slot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.daemon import FakeBuilder, PlayoutSettings, StationCore
from broadcast.log.asrun import AsRunLog
from broadcast.play import SystemClock, VirtualClock
from broadcast.play.gated import Gate, GatedOutput
from broadcast.play.process import ffmpeg_exe
from broadcast.play.realtime import NICE, PRIORITY, RTTIME_HARD_S, Realtime, prefault, wait_until

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 1)
REPO = Path(__file__).resolve().parents[2]
BOUND_S = 60.0          # a deadline for real processes under load, never a measured time


def tone(path: Path, seconds: float = 0.5) -> Path:
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-ar", "48000", str(path)], check=True)
    return path


def in_child(code: str, *, without_nice_capability: bool = False) -> dict:
    """Run `code` (which prints one JSON line) in a fresh interpreter; without CAP_SYS_NICE when asked."""
    prefix = ["setpriv", "--bounding-set", "-sys_nice"] if without_nice_capability else []
    proc = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          timeout=BOUND_S, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


PROBE = ("import json, os; from broadcast.play.realtime import Realtime; r = Realtime(); r.probe(); "
         "r.lock_memory(); r.enter(); print(json.dumps({'policy': r.policy, 'line': r.describe(), "
         "'sched': os.sched_getscheduler(0), 'nice': os.getpriority(os.PRIO_PROCESS, 0)}))")


@pytest.mark.parametrize(("policy", "words"), [
    ("rr", f"SCHED_RR mức {PRIORITY}"),
    ("nice", f"dùng nice {NICE}"),
    ("normal", "chạy như tiến trình thường"),
])
def test_the_line_says_in_vietnamese_what_was_obtained(policy, words):
    rt = Realtime()
    rt.policy, rt.locked = policy, "toàn bộ"
    line = rt.describe()
    assert line.startswith("Trình phát: ") and words in line and line.endswith("khoá bộ nhớ: toàn bộ")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root and setpriv to compare both sides")
def test_root_gets_round_robin_and_a_process_without_the_capability_or_rlimits_stays_normal():
    got = in_child(PROBE)
    assert got["policy"] == "rr" and got["sched"] == os.SCHED_RR and "SCHED_RR" in got["line"]
    if _hard_rtprio() == 0:                          # no LimitRTPRIO= here: without CAP_SYS_NICE, nothing
        plain = in_child(PROBE, without_nice_capability=True)
        assert plain["policy"] == "normal" and plain["sched"] == os.SCHED_OTHER
        assert plain["nice"] == os.getpriority(os.PRIO_PROCESS, 0)       # its nice left as it was
        assert "không được ưu tiên thời gian thực" in plain["line"]


def _hard_rtprio() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_RTPRIO)[1]


WATCHDOG = ("import json, os, time; from broadcast.play.realtime import Realtime; r = Realtime(); r.probe(); "
            "r.enter(); before = os.sched_getscheduler(0); start = time.process_time()\n"
            f"while not r.demoted and time.process_time() - start < {RTTIME_HARD_S * 2}: pass\n"
            "print(json.dumps({'policy': r.policy, 'before': before, 'after': os.sched_getscheduler(0), "
            "'demoted': r.demoted}))")


def test_a_real_time_player_that_never_blocks_is_put_back_to_normal_scheduling():
    """RLIMIT_RTTIME: half a second of CPU without blocking, SIGXCPU, every thread back to SCHED_OTHER."""
    got = in_child(PROBE)
    if got["policy"] != "rr":
        pytest.skip("real-time scheduling not permitted here")
    got = in_child(WATCHDOG)
    assert got["before"] == os.SCHED_RR
    assert got["demoted"] and got["after"] == os.SCHED_OTHER


def test_wait_until_never_returns_before_the_time_and_at_once_after_it():
    target = time.time() + 0.05
    wait_until(target)
    assert time.time() >= target
    wait_until(time.time() - 10)           # past: returns at once (nothing to assert but that it returns)
    assert prefault(bytes(10000)) == 0 and prefault(b"") == 0


def test_a_timed_release_plays_at_the_slot_not_when_the_gate_opens(tmp_path):
    clock = SystemClock(TZ)
    out = GatedOutput(["file"], zone="thon-dong", clock=clock, file_dir=tmp_path / "out")
    gate = Gate()
    slot = clock.now() + timedelta(seconds=1.0)
    play = out.prepare(tone(tmp_path / "sang.wav"), title="Sáng", gate=gate, programme_id="p", at=slot)
    assert play.ready.wait(BOUND_S)
    assert play.realtime_note and play.realtime_note.startswith("Trình phát: ")
    gate.open(timed=True)                           # released ahead of the slot
    play.start()
    assert play.started_at >= slot                  # it waited for the slot itself (a late machine: later)
    assert play.wait(BOUND_S).status == "played"


def test_an_early_release_starts_the_armed_zones_and_leaves_the_rest_for_the_slot(tmp_path):
    """`release_s` before the slot: armed zones are released (each plays at the slot); a zone not armed is
    not queued early (it would start before its time) but at the slot, by the slot's own `due`."""
    folder = FakeBuilder(tmp_path / "audio_out", {"sang": ("05:30", 0.5)})(DAY)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tone(folder / manifest["programmes"][0]["file"])
    clock = VirtualClock(datetime(2026, 12, 1, 5, 29, 55, tzinfo=TZ))
    outputs = {z: GatedOutput(["file"], zone=z, clock=clock, file_dir=tmp_path / "out" / z) for z in ("a", "b")}
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = StationCore(log=log, outputs=outputs, clock=clock, audio_out=tmp_path / "audio_out",
                           settings=PlayoutSettings(), check=lambda path: None)
        armed, later = core.jobs_for(DAY)
        core.arm(armed)
        gate = core._gates[armed.scheduled_at][0]
        clock.advance_to(armed.scheduled_at - timedelta(seconds=1))
        core.due(armed)                              # the release timer, a second ahead
        assert gate.state == "open"
        core.due(later)                              # the other zone's slot job fired early too: not queued
        assert core.players["b"].idle and not core.players["b"].holds(later.programme_id)
        clock.advance_to(armed.scheduled_at)
        core.due(later)                              # at the slot: it plays (ungated, as before gating)
        deadline = time.monotonic() + BOUND_S
        while time.monotonic() < deadline and not (
                len(rows := [r for r in log.rows(DAY, DAY) if r["kind"] == "programme"]) == 2
                and all(r["status"] == "played" for r in rows)):
            time.sleep(0.05)
        assert sorted((r["zone"], r["status"]) for r in rows) == [("a", "played"), ("b", "played")]
        assert any(e["message"].startswith("Trình phát: ") for e in log.events(DAY, DAY, ["start"]))


def test_the_systemd_unit_permits_what_the_player_asks_for():
    """An unprivileged service gets SCHED_RR only up to LimitRTPRIO, and the player may only lower RLIMIT_RTTIME."""
    unit = dict(line.split("=", 1) for line in (REPO / "deploy" / "broadcast.service").read_text(encoding="utf-8")
                .splitlines() if line.startswith("Limit"))
    assert int(unit["LimitRTPRIO"]) >= PRIORITY
    assert int(unit["LimitRTTIME"]) >= RTTIME_HARD_S * 1e6
    assert int(unit["LimitNICE"]) <= NICE
    assert unit["LimitMEMLOCK"].endswith("M") and int(unit["LimitMEMLOCK"][:-1]) >= 64


def test_without_real_time_a_negative_nice_is_used_for_the_wait_and_the_old_nice_restored(monkeypatch):
    """Where SCHED_RR is refused but a lower nice is permitted (LimitNICE=): the fallback, then back."""
    nice = {0: 5}

    def refuse(*_args):
        raise PermissionError("not permitted")

    def setpriority(_which, who, value):
        nice[who] = value

    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    monkeypatch.setattr(os, "getpriority", lambda _which, who: nice.get(who, 5))
    monkeypatch.setattr(os, "setpriority", setpriority)
    rt = Realtime()
    assert rt.probe() == "nice" and "nice -10" in rt.describe()
    rt.enter()
    me = threading.get_native_id()
    assert nice[me] == NICE and rt.active
    rt.leave()
    assert nice[me] == 5 and not rt.active


LOCK = ("import json, mmap, re; from broadcast.play.realtime import Realtime; "
        "rss = lambda: int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
        "region = mmap.mmap(-1, 64 << 20); before = rss(); r = Realtime(); "
        "r.lock_memory(touched={touched}); print(json.dumps({{'locked': r.locked, 'grew_kb': rss() - before}}))")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to lock more than RLIMIT_MEMLOCK")
def test_a_cluster_player_locks_only_the_pages_it_touched_not_every_page_mapped():
    whole = in_child(LOCK.format(touched=False))
    touched = in_child(LOCK.format(touched=True))
    assert whole["locked"] == "toàn bộ" and whole["grew_kb"] >= 64 << 10        # the untouched 64 MB read in
    assert touched["locked"] == "phần đang dùng" and touched["grew_kb"] < 64 << 10    # left as it was
