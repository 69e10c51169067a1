"""The link on loopback: `broadcast province serve --db` as a process, communes' listeners and `broadcast run`."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from bulletin_helpers import BROADCAST, bulletin_yaml, keys, wait_for
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.errors import DeliveryError
from broadcast.play.spool import INCOMING, DaemonLock
from broadcast.province.bulletins.listener import Listener, commune_for_station, fetch_documents
from broadcast.station.config import load_station


def add(db, key_path, file):
    result = CliRunner().invoke(cli, ["province", "bulletin", "add", str(file), "--db", str(db), "--key",
                                      str(key_path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_long_poll_answers_as_soon_as_a_bulletin_is_signed(province, tmp_path):
    base, db, key_path, _, _ = province
    assert fetch_documents(base, 0, 0, 5) == []                       # plain polling: at once, empty
    started = time.monotonic()
    out = {}

    def later():
        time.sleep(0.5)
        out["added"] = add(db, key_path, bulletin_yaml(tmp_path))
    import threading
    thread = threading.Thread(target=later)
    thread.start()
    documents = fetch_documents(base, 0, 30, 5)
    thread.join()
    assert [json.loads(d["document"])["id"] for d in documents] == ["bao-so-9"]
    assert time.monotonic() - started < 25                           # woken, not timed out
    assert fetch_documents(base, 1, 0, 5) == []                      # resumes after the last number


def test_khan_cap_reaches_three_communes_spools_and_cancel_stops_the_repeats(province, tmp_path):
    base, db, key_path, _, stations = province
    listeners, locks = [], []
    for root in stations:
        station = load_station(root)
        lock = DaemonLock(root / "var" / "spool")                   # a running daemon, as far as announce knows
        lock.acquire()
        locks.append(lock)
        commune, _ = commune_for_station(station)
        listeners.append(Listener(commune, base, wait_s=20, timeout_s=5, tick_s=0.2).start())
    try:
        add(db, key_path, bulletin_yaml(tmp_path, issued=None, **{"from": None},
                                        expires="2099-12-31 23:00"))
        for root in stations:
            meta_file = wait_for(lambda root=root: next((root / "var" / "spool" / INCOMING).glob("*.json"), None))
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            assert meta["priority"] == "khan-cap" and meta["bulletin"] == "bao-so-9"
            assert (root / "var" / "spool" / INCOMING / meta["audio"]).is_file()
        result = CliRunner().invoke(cli, ["province", "bulletin", "cancel", "bao-so-9", "--db", str(db),
                                          "--key", str(key_path)])
        assert result.exit_code == 0, result.output
        for listener in listeners:
            wait_for(lambda listener=listener: listener.commune.inbox.get("bao-so-9")["state"] == "da-huy")
    finally:
        for listener in listeners:
            listener.stop()
        for lock in locks:
            lock.release()


def test_inbox_sync_then_the_officer_schedules_a_thong_thuong_bulletin(province, tmp_path, monkeypatch):
    base, db, key_path, _, stations = province
    add(db, key_path, bulletin_yaml(tmp_path, level="thông thường", repeat_every=None,
                                    expires="2099-12-31 23:00"))
    monkeypatch.setenv("BROADCAST_STATION", str(stations[0]))
    result = CliRunner().invoke(cli, ["inbox", "--sync"])
    assert result.exit_code == 0, result.output
    assert "chờ xếp lịch" in result.output and "bao-so-9" in result.output
    again = CliRunner().invoke(cli, ["inbox", "schedule", "bao-so-9", "--slots", "sang", "--days", "T2,T4"])
    assert again.exit_code == 0, again.output
    assert (stations[0] / "schedules" / "thong-bao" / "tinh-bao-so-9.yaml").is_file()
    listing = CliRunner().invoke(cli, ["inbox"])
    assert "đã lên lịch" in listing.output
    wrong = CliRunner().invoke(cli, ["inbox", "schedule", "bao-so-9", "--slots", "khuya"])
    assert wrong.exit_code == 2 and "khuya" in wrong.output


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM")
@pytest.mark.parametrize("transport", ["long-poll", "sse"])
def test_broadcast_run_airs_a_khan_cap_bulletin_through_its_listener(province, tmp_path, transport):
    base, db, key_path, _, stations = province
    root = stations[0]
    toml = root / "broadcast.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('output = "device"', 'output = "null"')
                    + f'transport = "{transport}"\n', encoding="utf-8")
    daemon = subprocess.Popen([*BROADCAST, "--station", str(root), "run"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (root / "var" / "spool" / "daemon.lock").exists() and _locked(root))
        add(db, key_path, bulletin_yaml(tmp_path, issued=None, **{"from": None}, expires="2099-12-31 23:00"))
        db_path = root / "var" / "asrun.sqlite"
        wait_for(lambda: _aired(db_path, "bao-so-9"), timeout=90)
    finally:
        daemon.terminate()
        daemon.wait(20)


def _locked(root: Path) -> bool:
    from broadcast.play.spool import daemon_alive
    return daemon_alive(root / "var" / "spool")


def _aired(db_path: Path, bulletin: str) -> bool:
    import sqlite3
    if not db_path.exists():
        return False
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT title, origin FROM airings").fetchall()
    return any("Bão số 9" in (title or "") for title, _ in rows)


def tone_wav(path: Path, seconds: float = 2.0, rate: int = 16000) -> Path:
    import math
    import struct
    import wave
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                                 for n in range(int(seconds * rate))))
    return path


def test_a_recorded_khan_cap_bulletin_airs_the_recording_after_its_intro(province, tmp_path):
    base, db, key_path, _, stations = province
    root = stations[0]
    lock = DaemonLock(root / "var" / "spool")
    lock.acquire()
    commune, _ = commune_for_station(load_station(root))
    tone_wav(tmp_path / "ghi-am.wav")
    add(db, key_path, bulletin_yaml(tmp_path, issued=None, text=None, recording="ghi-am.wav",
                                    expires="2099-12-31 23:00", **{"from": None}))
    listener = Listener(commune, base, wait_s=0, timeout_s=5)
    try:
        assert listener.poll(0) == 1
        [meta_file] = (root / "var" / "spool" / INCOMING).glob("*.json")
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        assert meta["bulletin"] == "bao-so-9" and meta["duration_s"] > 2.0
        assert commune.inbox.get("bao-so-9")["state"] == "dang-lap-lai"
    finally:
        lock.release()


def test_a_commune_offline_through_two_bulletins_catches_up_without_the_expired_one(province, tmp_path):
    from bulletin_helpers import T0, TZ, Airings, FakeClock

    from broadcast.province.bulletins.registry import Registry
    from broadcast.province.bulletins.yamlfile import read_bulletin
    from broadcast.province.signing import load_private_key

    base, db, key_path, _, stations = province
    key = load_private_key(key_path)
    with Registry(db) as registry:                   # signed while the commune was away, at 14:00
        for file in (bulletin_yaml(tmp_path, id="het-roi", expires="2026-12-07 16:00"),
                     bulletin_yaml(tmp_path, "b.yaml", id="con-han")):
            registry.add(read_bulletin(file, tz=TZ, now=T0)[0], key, now=T0)
    clock = FakeClock(T0.replace(hour=19))           # back on line at 19:00
    commune, _ = commune_for_station(load_station(stations[1]), now=clock)
    commune.air = Airings()
    listener = Listener(commune, base, timeout_s=5)
    assert listener.poll(0) == 2
    assert commune.air.calls == [("con-han", None)]
    assert {b["id"]: b["state"] for b in commune.inbox.all()} == {"het-roi": "het-han", "con-han": "dang-lap-lai"}
    assert listener.poll(0) == 0                     # resumes after the last number: nothing twice


def test_a_rogue_server_at_the_province_address_gets_nothing_aired(tmp_path, station_copier):
    """Someone else's server answering at the province's address, signing with its own key."""
    import threading

    from bulletin_helpers import T0, TZ, Airings, FakeClock

    from broadcast.province.bulletins.registry import Registry
    from broadcast.province.bulletins.server import make_link_server, stop_link_server
    from broadcast.province.bulletins.yamlfile import read_bulletin

    _, public, _ = keys(tmp_path, "tinh-that.key")
    rogue_key = keys(tmp_path, "ke-gia.key")[0]
    registry = Registry(tmp_path / "gia.sqlite")
    registry.add(read_bulletin(bulletin_yaml(tmp_path), tz=TZ, now=T0)[0], rogue_key, now=T0)
    server = make_link_server({}, registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    root = station_copier(tmp_path / "xa-001")
    with (root / "broadcast.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[province]\nsource = "http://127.0.0.1:{port}/xa-001"\npublic_key = "{public}"\n')
    try:
        commune, base = commune_for_station(load_station(root), now=FakeClock())
        commune.air = Airings()
        listener = Listener(commune, base, timeout_s=5)
        for _ in range(2):                  # refused every time; the loop backs off instead of hammering
            with pytest.raises(DeliveryError, match="đều bị từ chối"):
                listener.poll(0)
        assert commune.air.calls == [] and commune.inbox.all() == [] and commune.inbox.last_seq() == 0
        assert [r["reason"] for r in commune.inbox.refusals()] == ["bad-signature"]     # recorded once
    finally:
        stop_link_server(server)
