"""The province build on a real Dask LocalCluster: same days as single builds, shared speech once,
one bad station fails alone, a killed worker loses nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from broadcast.build import build_day
from broadcast.province.graph import build_province, connect
from broadcast.province.signing import generate_key, load_public_key, verify
from broadcast.publish.day import MANIFEST, SIGNATURE, read_manifest
from broadcast.station.config import load_station

MONDAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def client():
    with connect(workers=2) as client:
        yield client


def manifest_of(station_dir, day=MONDAY):
    return read_manifest(station_dir / "audio_out" / day.isoformat())


def comparable(manifest):
    return [{k: p[k] for k in ("id", "file", "duration_s", "sha256", "bytes", "engine", "inputs_hash")}
            | {"items": [(i["id"], i["offset_s"], i["duration_s"]) for i in p["items"]]}
            for p in manifest["programmes"]]


def test_province_days_equal_single_builds_and_shared_speech_is_made_once(tmp_path, make_small_province, client):
    province = make_small_province(tmp_path, 2)
    result = build_province(province.stations, [MONDAY], client=client)
    assert [o for o in result.outcomes if not o.ok] == []
    assert result.exit_code == 0
    for station_dir in province.stations:
        # The same commune built alone (its own cache, `broadcast build`'s path) publishes the same day.
        alone = shutil.copytree(station_dir, tmp_path / f"alone-{station_dir.name}",
                                ignore=shutil.ignore_patterns("audio_out"))
        build_day(load_station(alone), MONDAY)
        assert comparable(manifest_of(station_dir)) == comparable(manifest_of(alone))
        assert not list((station_dir / "audio_out").glob(".*"))          # no staging or work left
    # Every distinct text was synthesized exactly once into the shared cache; the shared ones
    # (provincial notice and column, "Xin nhắc lại") count once for both communes.
    # (speech entries only: the cache folder also keeps clips derived for assembly)
    cached = [p for p in (province.province / ".cache" / "tts" / "fake").rglob("*.wav")
              if re.fullmatch(r"[0-9a-f]{64}", p.stem)]
    assert result.synthesized == result.distinct_texts == len(cached)
    assert result.distinct_texts < result.speech_items
    notice = {i["spoken"] for s in province.stations for p in manifest_of(s)["programmes"]
              for i in p["items"] if i["id"] == "tinh-dinh-danh-dien-tu"}
    assert len(notice) == 1
    summary = result.summary()
    assert summary["stations"] == 2 and summary["published"] == 2 and summary["failures"] == []
    assert summary["programmes"] == sum(len(manifest_of(s)["programmes"]) for s in province.stations)


def test_a_bad_schedule_fails_its_station_alone(tmp_path, make_small_province, client):
    province = make_small_province(tmp_path, 2)
    broken = province.stations[1]
    slots = broken / "schedules" / "slots.yaml"
    slots.write_text(slots.read_text(encoding="utf-8").replace('start: "17:00"', 'start: "27:00"'), encoding="utf-8")
    result = build_province(province.stations, [MONDAY], client=client)
    failed = result.failures
    assert [f.station for f in failed] == [str(broken)]
    assert "schedules/slots.yaml" in failed[0].message and failed[0].exit_code == 2
    assert result.exit_code == 2
    assert not (broken / "audio_out" / MONDAY.isoformat()).exists()
    good = province.stations[0]
    assert manifest_of(good)["station"] == load_station(good).station.name


def test_warm_rebuild_changes_nothing_and_a_key_signs_the_days(tmp_path, make_small_province, client):
    province = make_small_province(tmp_path, 2)
    build_province(province.stations, [MONDAY], client=client)
    before = [(s / "audio_out" / MONDAY.isoformat() / MANIFEST).read_bytes() for s in province.stations]
    public = load_public_key(generate_key(tmp_path / "tinh.key"))
    again = build_province(province.stations, [MONDAY], client=client, signing_key=tmp_path / "tinh.key")
    assert all(o.ok and o.unchanged for o in again.outcomes)
    assert again.synthesized == 0 and again.distinct_texts == 0
    for station_dir, old in zip(province.stations, before):
        folder = station_dir / "audio_out" / MONDAY.isoformat()
        assert (folder / MANIFEST).read_bytes() == old
        verify(old, (folder / SIGNATURE).read_text(encoding="ascii"), public, where=str(folder))


def test_cli_connects_to_a_running_scheduler(tmp_path, make_small_province, client):
    from click.testing import CliRunner

    from broadcast.cli import cli

    province = make_small_province(tmp_path, 1)
    args = ["province", "build", "--stations", str(province.stations[0]), "--date", "2026-12-07",
            "--scheduler", client.scheduler.address, "--json"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["scheduler"] == client.scheduler.address and summary["workers"] == 2
    assert summary["published"] == 1 and manifest_of(province.stations[0])["programmes"]


class Killer(threading.Thread):
    """Kills the worker process that is synthesizing, once, while the build runs."""

    def __init__(self, client) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.pids = client.run(os.getpid)               # worker address -> process id
        self.killed: tuple[str, str] | None = None      # (worker, key it was running)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and self.killed is None:
            for worker, keys in self.client.processing().items():
                busy = [str(k) for k in keys if str(k).startswith("speak-")]
                if busy and worker in self.pids:
                    os.kill(self.pids[worker], signal.SIGKILL)
                    self.killed = (worker, busy[0])
                    return
            time.sleep(0.05)


def build_killing_a_worker(client, province):
    """The province built while one worker is killed as it speaks; (result, killer). Every day is whole."""
    killer = Killer(client)
    killer.start()
    try:
        result = build_province(province.stations, [MONDAY], client=client)
    finally:
        killer.stop.set()
        killer.join()
    assert killer.killed is not None                     # it did die while speaking
    assert result.failures == [] and len(result.outcomes) == len(province.stations)
    for station_dir in province.stations:
        folder = station_dir / "audio_out" / MONDAY.isoformat()
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        for programme in manifest["programmes"]:       # every file whole and as the manifest says
            assert (folder / programme["file"]).stat().st_size == programme["bytes"]
    return result, killer


def test_a_worker_killed_mid_run_loses_nothing(tmp_path, make_small_province, client):
    _, killer = build_killing_a_worker(client, make_small_province(tmp_path, 2, fake_delay_s=0.4))
    assert killer.pids[killer.killed[0]] not in client.run(os.getpid).values()


@pytest.fixture
def hand_started(tmp_path):
    """A cluster started by hand: `dask scheduler` and two `dask worker --no-nanny` processes on loopback.

    Without a nanny a killed worker stays dead, so the end of the build has one worker fewer.
    """
    import subprocess
    import sys

    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    info = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], stderr=subprocess.DEVNULL)]
    try:
        procs += [subprocess.Popen([dask, "worker", "--scheduler-file", str(info), "--no-nanny", "--nthreads", "1",
                                    "--host", "127.0.0.1", "--no-dashboard"], stderr=subprocess.DEVNULL)
                  for _ in range(2)]
        with Client(scheduler_file=str(info), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            yield client
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_a_hand_started_cluster_survives_a_killed_worker_and_counts_the_workers_that_finished(
        tmp_path, make_small_province, hand_started):
    assert len(hand_started.nthreads()) == 2
    result, _ = build_killing_a_worker(hand_started, make_small_province(tmp_path, 2, fake_delay_s=0.4))
    assert result.workers == 1 == result.summary()["workers"]      # the one that finished, not the two that started
