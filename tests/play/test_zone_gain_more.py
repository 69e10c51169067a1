"""A zone's gain on the two paths beside a programme: a live relay (its file, stream and fallback) and one direct
announcement to several zones at once (one player per zone, released together). Measured on the file output."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_zone_gain import BOUND_S, TOLERANCE_DB, rms_db, tone

from broadcast.daemon import FakeBuilder, PlayoutSettings, StationCore
from broadcast.log.asrun import AsRunLog
from broadcast.play import SystemClock
from broadcast.play.gain import live_gain
from broadcast.play.gated import GatedOutput
from broadcast.play.jobs import job_from_announcement
from broadcast.play.relay import RelayedPlayback
from broadcast.play.together import play_together

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def stream(tmp_path):
    """A loopback HTTP server serving a 1.5 s tone at −20 dBFS as the 'live' stream; yields its URL."""
    folder = tmp_path / "web"
    folder.mkdir()
    tone(folder / "vov1.wav", -20.0, seconds=1.5)
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/vov1.wav", folder / "vov1.wav"
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def live_spec(url: str, seconds: float, fallback: Path | None = None) -> dict:
    return {"url": url, "title": "Tiếp âm VOV1", "source": "vov", "minutes": seconds / 60.0,
            "fallback": str(fallback) if fallback else None,
            "until": (datetime.now(TZ) + timedelta(hours=1)).isoformat()}


def wavs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.wav"))          # named by the time each part started: air order


@pytest.mark.parametrize(("zone_db", "slot_db", "slot", "file_db", "live_db"), [
    (-6.0, {}, "chieu", -6.0, -6.0),                       # the zone's gain on the file and on the stream
    (0.0, {"chieu": -9.0}, "chieu", -9.0, -9.0),           # the slot's own gain
    (-3.0, {"sang": -9.0}, "chieu", -3.0, -3.0),           # another slot's gain does not apply
    (6.0, {}, "chieu", 6.0, 0.0),                          # a boost: the file has room; a stream's peak is unknown
])
def test_a_live_relay_airs_at_the_zones_gain(tmp_path, stream, zone_db, slot_db, slot, file_db, live_db):
    url, source = stream
    programme = tone(tmp_path / "1700-chieu.wav", -20.0)
    out = GatedOutput(["file"], zone="thon-dong", clock=SystemClock(TZ), file_dir=tmp_path / "out",
                      gain_db=zone_db, slot_gain_db=slot_db)
    playback = RelayedPlayback(out, programme, live_spec(url, 1.5), SystemClock(TZ), None, title="Chiều",
                               duration_s=1.0, connect_timeout_s=10.0,
                               gated={"programme_id": "2026-12-07-chieu", "slot": slot, "peak_db": -20.0})
    result = playback.wait(BOUND_S)
    assert result is not None and result.status == "played", result
    [part] = result.parts
    assert part.kind == "live" and part.status == "played"
    file_wav, live_wav = wavs(tmp_path / "out")
    assert rms_db(file_wav) - rms_db(programme) == pytest.approx(file_db, abs=TOLERANCE_DB)
    assert rms_db(live_wav) - rms_db(source) == pytest.approx(live_db, abs=TOLERANCE_DB)
    assert playback.gain_note == f"mức {file_db:+g} dB"
    assert part.note == live_gain(zone_db if slot not in slot_db else slot_db[slot])[1]


def test_a_boost_is_not_applied_to_a_live_stream_and_the_note_says_why():
    assert live_gain(-6.0) == (-6.0, "mức -6 dB")
    assert live_gain(0.0) == (0.0, None)
    gain, note = live_gain(4.0)
    assert gain == 0.0 and note.startswith("mức +4 dB không áp dụng cho luồng tiếp âm trực tiếp")


def test_the_fallback_of_an_unreachable_stream_airs_at_the_zones_gain(tmp_path):
    programme = tone(tmp_path / "1700-chieu.wav", -20.0)
    fallback = tone(tmp_path / "du-phong.wav", -20.0, seconds=1.0)
    out = GatedOutput(["file"], zone="thon-tay", clock=SystemClock(TZ), file_dir=tmp_path / "out",
                      slot_gain_db={"chieu": -8.0})
    spec = live_spec("http://127.0.0.1:9/khong-co.mp3", 3.0, fallback=fallback)
    playback = RelayedPlayback(out, programme, spec, SystemClock(TZ), None, title="Chiều", duration_s=1.0,
                               connect_timeout_s=3.0, gated={"slot": "chieu", "peak_db": -20.0})
    result = playback.wait(BOUND_S)
    assert result is not None
    assert [(p.kind, p.note) for p in result.parts] == [("live", "mức -8 dB"), ("fallback", "mức -8 dB")]
    aired = [w for w in wavs(tmp_path / "out") if rms_db_or_none(w) is not None]
    assert len(aired) == 2                                   # the file and the fallback (the stream never opened)
    assert rms_db(aired[0]) - rms_db(programme) == pytest.approx(-8.0, abs=TOLERANCE_DB)
    assert rms_db(aired[1]) - rms_db(fallback) == pytest.approx(-8.0, abs=TOLERANCE_DB)


def rms_db_or_none(path: Path) -> float | None:
    try:
        return rms_db(path)
    except AssertionError:           # a part that never aired leaves an empty WAV
        return None


def test_the_daemon_logs_a_relays_gain_on_the_programme_row(tmp_path, stream):
    url, _ = stream
    now = datetime.now(TZ)
    day = now.date()
    folder = FakeBuilder(tmp_path / "audio_out", {"chieu": (f"{now:%H:%M}", 1.0)})(day)     # due now (a little late)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    [entry] = manifest["programmes"]
    entry["true_peak_dbtp"] = -20.0
    entry["live"] = live_spec(url, 1.5)
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    tone(folder / entry["file"], -20.0)
    clock = SystemClock(TZ)
    outputs = {"thon-dong": GatedOutput(["file"], zone="thon-dong", clock=clock, file_dir=tmp_path / "out",
                                        slot_gain_db={"chieu": -6.0})}
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        core = StationCore(log=log, outputs=outputs, clock=clock, audio_out=tmp_path / "audio_out",
                           settings=PlayoutSettings(), check=lambda path: None)
        [job] = core.jobs_for(day)
        core.due(job)
        deadline = time.monotonic() + BOUND_S
        while time.monotonic() < deadline and not any(
                r["kind"] == "programme" and r["status"] in ("played", "late") for r in log.rows(day, day)):
            time.sleep(0.05)
        rows = log.rows(day, day)
    [row] = [r for r in rows if r["kind"] == "programme"]
    assert row["note"].startswith("mức -6 dB; tiếp âm trực tiếp 0:0") and row["note"].endswith(", mức -6 dB")


def test_one_announcement_to_several_zones_airs_in_each_at_its_own_gain(tmp_path):
    announcement = tone(tmp_path / "thong-bao.wav", -20.0, seconds=1.0)
    gains = {"thon-dong": (-6.0, {}, -6.0), "thon-trung": (0.0, {"dot-xuat": -10.0}, -10.0),
             "thon-tay": (3.0, {}, 3.0), "xom-bai": (0.0, {}, 0.0)}
    clock = SystemClock(TZ)
    outputs = {zone: GatedOutput(["file"], zone=zone, clock=clock, file_dir=tmp_path / "out" / zone, gain_db=db,
                                 slot_gain_db=slots) for zone, (db, slots, _) in gains.items()}
    job = job_from_announcement(announcement, {"title": "Mất điện", "priority": "khan-cap", "duration_s": 1.0},
                                tz=TZ, now=datetime.now(TZ))
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        result = play_together(announcement, outputs, job, log=log, titles={"thon-dong": "Thôn Đông"})
        rows = [r for r in log.rows(job.day, job.day) if r["kind"] == "programme"]
    assert result.status == "played", result
    assert {r["zone"]: (r["status"], r["origin"], r["note"]) for r in rows} == {
        "thon-dong": ("played", "manual", "mức -6 dB"), "thon-trung": ("played", "manual", "mức -10 dB"),
        "thon-tay": ("played", "manual", "mức +3 dB"), "xom-bai": ("played", "manual", None)}
    for zone, (_, _, expected) in gains.items():
        [wav] = wavs(tmp_path / "out" / zone)
        assert rms_db(wav) - rms_db(announcement) == pytest.approx(expected, abs=TOLERANCE_DB)


GAINED_ZONES = """\
zones:
  - name: thon-dong
    title: Thôn Đông
    outputs: [file]
    gain_db: -6
  - name: thon-trung
    title: Thôn Trung
    outputs: [file]
    gain_db: -12
  - name: thon-tay
    title: Thôn Tây
    outputs: [file]
"""


@pytest.mark.parametrize(("args", "expected"), [
    (["--zone", "thon-dong", "--zone", "thon-trung"], {"thon-dong": -6.0, "thon-trung": -12.0}),
    ([], {"thon-dong": -6.0, "thon-trung": -12.0, "thon-tay": 0.0}),      # no --zone: every zone
])
def test_announce_to_several_zones_plays_each_at_its_gain(station_dir, args, expected):
    import sqlite3

    from click.testing import CliRunner

    from broadcast.cli import cli

    (station_dir / "schedules" / "vung.yaml").write_text(GAINED_ZONES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "announce", "--text",
                                      "Mất điện đột xuất đến 17 giờ.", "--priority", "khan-cap", *args])
    assert result.exit_code == 0, result.output
    assert "Đã phát xong" in result.output
    with sqlite3.connect(station_dir / "var" / "asrun.sqlite") as conn:
        rows = conn.execute("SELECT zone, status, origin, note, file FROM airings WHERE kind = 'programme'").fetchall()
    assert {r[0]: (r[1], r[2], r[3]) for r in rows} == {
        zone: ("played", "manual", f"mức {db:+g} dB" if db else None) for zone, db in expected.items()}
    [source] = {Path(r[4]) for r in rows}
    for zone, db in expected.items():
        [wav] = wavs(station_dir / "var" / "playout" / zone)
        assert rms_db(wav) - rms_db(source) == pytest.approx(db, abs=TOLERANCE_DB)
    assert not any(wavs(station_dir / "var" / "playout"))            # nothing on the station's own output
