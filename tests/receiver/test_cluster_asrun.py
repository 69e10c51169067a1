"""Receiver rows in the station's as-run log (origin 'cluster'): merged once, read by the log and the report."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_cluster_log import ROWS
from test_cluster_report import TIMED, written_markdown
from test_pairing_and_days import cli, publish_day

from broadcast.clusters import protocol
from broadcast.clusters.registry import ClusterRegistry
from broadcast.clusters.server import make_cluster_server
from broadcast.log.asrun import AsRunLog
from broadcast.log.clusters import ClusterLog, merge_registry


def test_a_resend_never_counts_twice(tmp_path):
    with ClusterLog(tmp_path / "asrun.sqlite") as log:
        assert log.merge("dong-1", ROWS[:2]) == 2
        assert log.merge("dong-1", ROWS) == 2                      # two new, two already there
        assert log.merge("tay-1", ROWS[:1]) == 1                    # the same uid from another cluster is its own
        assert log.merge("dong-1", [{"status": "played"}]) == 0     # no uid: not taken
        assert log.count("dong-1") == 4 and log.count() == 5
        rows = log.rows("dong-1")
    assert {r["origin"] for r in rows} == {"cluster"} and {r["cluster"] for r in rows} == {"dong-1"}
    assert [r["uid"] for r in rows if r.get("kind") == "khan-cap"] == ["khan-cap/bao-lu/dong-1"]


def test_cluster_rows_are_not_the_stations_own_airings(tmp_path):
    path = tmp_path / "asrun.sqlite"
    with ClusterLog(path) as log:
        log.merge("dong-1", ROWS)
    with AsRunLog(path) as station_log:                             # the same file, the station's table untouched
        assert station_log.rows(date(2026, 12, 1), date(2026, 12, 31)) == []
        assert station_log.status_of("sang", "thon-dong") is None


@pytest.fixture
def server(tmp_path):
    registry = ClusterRegistry(tmp_path / "cum-loa")
    key = Ed25519PrivateKey.generate()
    registry.pair(registry.add("dong-1", "thon-dong"), protocol.public_text(key.public_key()))
    registry.record_rows("dong-1", [ROWS[3]])                      # sent before the log took rows
    served = make_cluster_server(registry, tmp_path / "audio_out", "Hòa An", asrun=tmp_path / "asrun.sqlite")
    threading.Thread(target=served.serve_forever, daemon=True).start()
    yield served, registry, key
    served.shutdown()
    served.server_close()


def post(served, key, path: str, data: dict) -> dict:
    body = json.dumps(data).encode("utf-8")
    request = urllib.request.Request(f"http://127.0.0.1:{served.server_address[1]}{path}", data=body, method="POST",
                                     headers={**protocol.signed_headers("dong-1", key, "POST", path, body),
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_the_station_merges_what_a_receiver_sends_once(server, tmp_path):
    served, registry, key = server
    assert post(served, key, "/asrun", {"rows": ROWS[:3]}) == {"added": 3}
    assert post(served, key, "/asrun", {"rows": ROWS[:3]}) == {"added": 0}        # the outbox sent it again
    with ClusterLog(tmp_path / "asrun.sqlite") as log:
        rows = log.rows("dong-1")
    assert sorted(r["uid"] for r in rows) == sorted(r["uid"] for r in ROWS)       # with the earlier one
    assert sorted(r["uid"] for r in registry.rows("dong-1")) == sorted(r["uid"] for r in rows)   # registry as before


def test_merging_the_registry_is_idempotent(tmp_path):
    registry = ClusterRegistry(tmp_path / "cum-loa")
    registry.add("dong-1", "thon-dong")
    registry.record_rows("dong-1", ROWS)
    with ClusterLog(tmp_path / "asrun.sqlite") as log:
        assert merge_registry(log, registry) == 4
        assert merge_registry(log, registry) == 0
        assert log.count() == 4


@pytest.mark.parametrize("where", ["registry", "log", "both"])
def test_log_and_report_read_one_log_and_agree(station_dir, where):
    publish_day(station_dir, "2026-12-07")
    registry = ClusterRegistry(station_dir / "var" / "cum-loa")
    registry.add("dong-1", "thon-dong")
    if where in ("registry", "both"):
        registry.record_rows("dong-1", TIMED)
    if where in ("log", "both"):
        with ClusterLog(station_dir / "var" / "asrun.sqlite") as log:
            log.merge("dong-1", TIMED)
    shown = cli("--station", str(station_dir), "log", "--cluster", "dong-1", "--date", "2026-12-07")
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == 5, shown.stdout + shown.stderr
    result = cli("--station", str(station_dir), "report", "--from", "2026-12-07", "--to", "2026-12-07",
                 "-o", str(station_dir / "bc"))
    assert result.returncode == 0, result.stderr
    assert "| 1 | dong-1 | thon-dong | 2 / 1 | 15 / 1 | 1 | 1.4 | 1 |" in written_markdown(station_dir / "bc")
    with ClusterLog(station_dir / "var" / "asrun.sqlite") as log:
        assert log.count("dong-1") == 4                            # `log --cluster` brought the registry's rows in
