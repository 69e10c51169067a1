"""Live relay against a real icecast2 on loopback fed by ffmpeg: played for its length, a source stopping
halfway falls back to the recording, an unreachable stream leaves silence and a log row."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.audio import ffmpeg_exe
from broadcast.daemon import FakeBuilder, PlayoutSettings, StationCore, write_silence_wav
from broadcast.log.asrun import AsRunLog
from broadcast.play import SystemClock, VirtualClock
from broadcast.play.outputs import FileOutput, NullOutput
from broadcast.play.relay import RelayedPlayback, relay_end

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REPO = Path(__file__).resolve().parents[2]
needs_icecast = pytest.mark.skipif(shutil.which("icecast2") is None, reason="icecast2 is not installed")


def feed(port: int, password: str, seconds: float) -> subprocess.Popen:
    """An ffmpeg source sending a tone to the /vov1.mp3 mount, paced in real time."""
    return subprocess.Popen([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                             f"sine=frequency=440:duration={seconds}", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k",
                             "-content_type", "audio/mpeg", "-f", "mp3",
                             f"icecast://source:{password}@127.0.0.1:{port}/vov1.mp3"],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)


def mounted_feed(port: int, password: str, seconds: float, poll, bound_s: float = 30.0) -> subprocess.Popen:
    """A feed whose mount is up. A source that exits before mounting (refused while icecast2 was still
    settling, on a loaded machine) is started again, three times at most; then the test fails with
    ffmpeg's own words, not a bare "never mounted"."""
    said = b""
    for _ in range(3):
        source = feed(port, password, seconds)
        if poll(lambda source=source: source.poll() is not None or mounted_listeners(port) is not None, bound_s) \
                and source.poll() is None:
            return source
        if source.poll() is None:
            source.kill()
        said = source.communicate()[1] or b""
    pytest.fail(f"the source never mounted: {said.decode(errors='replace')[-400:]}")


def mounted_listeners(port: int) -> int | None:
    """Listeners of /vov1.mp3 while its source is up; None before it has mounted."""
    try:
        stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/status-json.xsl", timeout=2))
    except (OSError, ValueError):       # icecast 2.4 writes broken JSON while no source is mounted
        return None
    sources = stats.get("icestats", {}).get("source") or []
    sources = [sources] if isinstance(sources, dict) else sources
    for source in sources:
        if str(source.get("listenurl", "")).endswith("/vov1.mp3"):
            return int(source.get("listeners") or 0)
    return None


def live(url: str, seconds: float, fallback: Path | None = None) -> dict:
    return {"url": url, "title": "Tiếp âm VOV1", "source": "vov", "minutes": seconds / 60.0,
            "fallback": str(fallback) if fallback else None,
            "until": (datetime.now(TZ) + timedelta(hours=1)).isoformat()}


def relay(tmp_path, spec: dict) -> RelayedPlayback:
    programme = write_silence_wav(tmp_path / "0530-sang.wav", seconds=0.3)
    return RelayedPlayback(NullOutput(), programme, spec, SystemClock(TZ), None, title="Chiều", duration_s=0.3,
                           connect_timeout_s=5.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_icecast
def test_a_live_stream_airs_for_the_relay_length(tmp_path, icecast, icecast_password, poll):
    source = mounted_feed(icecast, icecast_password, 60, poll)
    try:
        playback = relay(tmp_path, live(f"http://127.0.0.1:{icecast}/vov1.mp3", 3.0))
        result = playback.wait(60)
    finally:
        source.kill()
        source.wait()
    assert result.status == "played"
    assert [(p.kind, p.source, p.error) for p in result.parts] == [("live", "vov", None)]


@needs_icecast
def test_a_source_that_stops_halfway_falls_back_to_the_recording(tmp_path, icecast, icecast_password, poll):
    fallback = write_silence_wav(tmp_path / "tiep_am.wav", seconds=60.0)
    source = mounted_feed(icecast, icecast_password, 120, poll)
    try:
        playback = relay(tmp_path, live(f"http://127.0.0.1:{icecast}/vov1.mp3", 30.0, fallback))
        assert poll(lambda: (mounted_listeners(icecast) or 0) >= 1, 20), "the relay never listened"

        def relaying_for_a_while():
            phase = playback.phase
            return phase is not None and phase[0] == "live" and (datetime.now(TZ) - phase[1]).total_seconds() > 4

        assert poll(relaying_for_a_while, 30), "the relay never got going"
        source.send_signal(signal.SIGKILL)               # the provincial station's source goes away
        result = playback.wait(60)
    finally:
        if source.poll() is None:
            source.kill()
        source.wait()
    assert result.status == "played"
    kinds = [(p.kind, p.source) for p in result.parts]
    assert kinds == [("live", "vov"), ("fallback", "du-phong")]
    assert "luồng tiếp âm ngắt sau" in result.parts[0].error and result.parts[1].error is None
    assert result.parts[1].started_at >= result.parts[0].ended_at


def test_an_unreachable_stream_leaves_silence_and_says_so(tmp_path):
    result = relay(tmp_path, live(f"http://127.0.0.1:{free_port()}/vov1.mp3", 30.0)).wait(60)
    assert result.status == "played"
    assert [p.kind for p in result.parts] == ["live", "silence"]
    assert "không kết nối được luồng tiếp âm" in result.parts[0].error
    assert "im lặng" in result.parts[1].error


def test_a_relayed_programme_starts_when_its_files_player_starts(tmp_path):
    clock = VirtualClock(datetime(2026, 12, 1, 17, 0, tzinfo=TZ))
    started = []

    class SlowToStart:
        """The file output, with a player that takes a quarter of a second to start."""

        name = "file"

        def __init__(self):
            self.out, self.clock = FileOutput(tmp_path / "out", clock=clock), clock

        def start(self, path, **options):
            clock.advance(0.25)
            playback = self.out.start(path, **options)
            started.append(playback.started_at)
            return playback

    programme = write_silence_wav(tmp_path / "1700-chieu.wav", seconds=0.3)
    playback = RelayedPlayback(SlowToStart(), programme, live(f"http://127.0.0.1:{free_port()}/vov1.mp3", 1.0),
                               clock, None, title="Chiều", duration_s=2.0)
    assert playback.wait(30) is not None
    assert playback.started_at == started[0] == datetime(2026, 12, 1, 17, 0, 0, 250000, tzinfo=TZ)


def test_the_relay_ends_at_its_minutes_or_the_slot_end():
    start = datetime(2026, 12, 1, 17, 20, tzinfo=TZ)
    until = "2026-12-01T17:45:00+07:00"
    assert relay_end({"minutes": 10, "until": until}, start) == start + timedelta(minutes=10)
    assert relay_end({"minutes": 40, "until": until}, start) == datetime(2026, 12, 1, 17, 45, tzinfo=TZ)
    assert relay_end({"minutes": None, "until": until}, start) == datetime(2026, 12, 1, 17, 45, tzinfo=TZ)


def test_the_daemon_logs_what_the_relay_aired(tmp_path):
    """The core plays file + relay as one programme; each part is an item row with its real length."""
    clock = SystemClock(TZ)
    now = clock.now()
    builder = FakeBuilder(tmp_path / "audio_out", {"chieu": (now.strftime("%H:%M"), 0.3)})
    folder = builder(now.date())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    fallback = write_silence_wav(tmp_path / "tiep_am.wav", seconds=60.0)
    manifest["programmes"][0]["live"] = live(f"http://127.0.0.1:{free_port()}/vov1.mp3", 20.0, fallback)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = StationCore(log=log, output=NullOutput(clock=clock), clock=clock, audio_out=tmp_path / "audio_out",
                           settings=PlayoutSettings(relay_connect_timeout_s=3.0), check=lambda p: None)
        job = core.jobs_for(now.date())[0]
        core.due(job)
        done = core.player.current_playback
        assert done is not None and done.wait(60) is not None
        assert poll_until(lambda: core.player.current is None)
        rows = log.rows(now.date(), now.date())
        events = log.events(now.date(), clock.now().date(), kinds=["relay"])      # midnight may pass
    programme = [r for r in rows if r["kind"] == "programme"][0]
    relayed = [r for r in rows if r["item_kind"] == "tiep-am"]
    assert programme["status"] in ("played", "late") and "tiếp âm trực tiếp" in programme["note"]
    assert "tệp dự phòng" in programme["note"]
    assert [(r["status"], r["source"]) for r in relayed] == [("failed", "vov"), ("played", "du-phong")]
    assert relayed[1]["duration_s"] > 0 and relayed[1]["started_at"] and relayed[1]["ended_at"]
    assert programme["duration_s"] == pytest.approx(
        (datetime.fromisoformat(programme["ended_at"]) - datetime.fromisoformat(programme["started_at"]))
        .total_seconds(), abs=0.01)
    assert any("không kết nối được" in e["message"] for e in events)


def poll_until(condition, seconds: float = 20.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- a real daemon killed mid-relay ---------------------------------------------------------------

RUNNER = """
import sys
from pathlib import Path
from broadcast.log.asrun import AsRunLog
from broadcast.daemon import Daemon, PlayoutSettings, StationCore
from broadcast.play import SystemClock
from broadcast.play.child import PidFiles
from broadcast.play.outputs import NullOutput

root = Path(sys.argv[1])
clock = SystemClock()
settings = PlayoutSettings(heartbeat_s=1, relay_connect_timeout_s=5)
core = StationCore(log=AsRunLog(root / "asrun.sqlite"), output=NullOutput(clock=clock, pids=PidFiles(root / "player")),
                   clock=clock, audio_out=root / "audio_out", settings=settings, check=lambda p: None)
sys.exit(Daemon(core, settings=settings).run())
"""


def query(db: Path, sql: str, *args) -> list[tuple]:
    import sqlite3

    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:        # not created yet by the daemon
        return []


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@needs_icecast
def test_a_daemon_killed_mid_relay_leaves_the_live_part_in_the_log(tmp_path, icecast, icecast_password, poll):
    now = datetime.now(TZ)
    if now.hour == 23 and now.minute >= 58:
        pytest.skip("too close to midnight for a slot in the current minute")
    folder = FakeBuilder(tmp_path / "audio_out", {"chieu": (now.strftime("%H:%M"), 0.3)})(now.date())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["programmes"][0]["live"] = live(f"http://127.0.0.1:{icecast}/vov1.mp3", 600.0)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    db = tmp_path / "asrun.sqlite"
    source = mounted_feed(icecast, icecast_password, 600, poll)
    daemon = None
    try:
        daemon = subprocess.Popen([sys.executable, str(tmp_path / "runner.py"), str(tmp_path)],
                                  env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        on_air = "SELECT started_at FROM airings WHERE item_kind = 'tiep-am' AND status = 'playing'"
        assert poll(lambda: query(db, on_air), 60), "the live part never went on air"
        assert poll(lambda: (mounted_listeners(icecast) or 0) >= 1, 30), "the relay never listened"
        started = query(db, on_air)[0][0]
        beat_after = "SELECT at FROM events WHERE kind = 'heartbeat' AND at > ?"
        assert poll(lambda: query(db, beat_after, started), 30), "no heartbeat while relaying"
        daemon.send_signal(signal.SIGKILL)              # the daemon dies mid-relay
        daemon.wait(10)
        assert poll(lambda: mounted_listeners(icecast) == 0, 30), "the relay player outlived the daemon"
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
            daemon.wait(10)
        source.kill()
        source.wait()
    assert query(db, on_air), "before the restart the live part is still open"

    clock = SystemClock(TZ)
    with AsRunLog(db) as log:                          # the restart's recovery
        StationCore(log=log, output=NullOutput(clock=clock), clock=clock, audio_out=tmp_path / "audio_out",
                    settings=PlayoutSettings()).start()
        rows = log.rows(now.date(), now.date())
        last_beat = log.last_event(["heartbeat"])["at"]
    programme = [r for r in rows if r["kind"] == "programme"]
    relayed = [r for r in rows if r["item_kind"] == "tiep-am"]
    assert [r["status"] for r in programme] == ["interrupted"] and "dừng đột ngột" in programme[0]["error"]
    assert [(r["status"], r["source"], r["started_at"]) for r in relayed] == [("interrupted", "vov", started)]
    assert relayed[0]["ended_at"] == last_beat > started and relayed[0]["duration_s"] > 0
    assert "dừng đột ngột" in relayed[0]["error"] and "tiếp âm trực tiếp" in programme[0]["note"]
    assert not [r for r in rows if r["status"] == "playing"]
