"""A small scratch province for the province tests: communes with only their slots, plus the shared folder;
and the link on loopback: a `broadcast province serve --db` process with three communes."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from bulletin_helpers import free_port, keys, province_serve, wait_for

from broadcast.province.copies import make_province

ROOT = Path(__file__).resolve().parents[2]
SMALL = ("slots.yaml", "calendar.yaml")      # the provincial column and notice fill the programmes


def small_province(dest: Path, count: int, **kwargs):
    """`count` communes speaking with the fake engine in 16 kHz WAV, around one province folder."""
    options = {"engines": '["fake"]', "fast_audio": True, "schedules": SMALL, "tune_seconds": 2.0, **kwargs}
    return make_province(ROOT, dest, count, **options)


@pytest.fixture(scope="session")
def make_small_province():
    return small_province


@pytest.fixture
def province(tmp_path, station_copier):
    """A province server process with three communes: (base URL, db, key path, public key, station folders)."""
    _, public, key_path = keys(tmp_path)
    stations = []
    port = free_port()
    for n in (1, 2, 3):
        root = station_copier(tmp_path / f"xa-00{n}")
        with (root / "broadcast.toml").open("a", encoding="utf-8") as handle:
            handle.write(f'\n[province]\nsource = "http://127.0.0.1:{port}/xa-00{n}"\npublic_key = "{public}"\n'
                         'timeout_s = 5\n')
        stations.append(root)
    db = tmp_path / "tinh" / "tinh.sqlite"
    server, port = province_serve(["--stations", *map(str, stations), "--db", str(db)], port,
                                  [root / "broadcast.toml" for root in stations])
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return urllib.request.urlopen(f"{base}/api/status", timeout=1).status == 200
        except OSError:
            return server.poll() is not None
    wait_for(up)
    assert server.poll() is None, server.stderr.read()
    yield base, db, key_path, public, stations
    server.terminate()
    server.wait(10)
