"""A restart ordered by the station: signed, applied once by a real receiver process, a replay refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from test_pairing_and_days import cli
from test_receiver_plays import receiver, stop, wait_for

from broadcast.clusters import protocol
from broadcast.clusters.orders import Orders
from broadcast.clusters.registry import ClusterRegistry
from broadcast.receiver.orders import OrderState, check_order

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def signed(document: dict, key) -> dict:
    data = protocol.canonical(document)
    return {"document": data.decode("utf-8"), "signature": protocol.sign_bytes(data, key)}


@pytest.fixture
def station_key(tmp_path):
    registry = ClusterRegistry(tmp_path / "cum-loa")
    registry.add("dong-1", "thon-dong")
    yield registry
    registry.close()


def order(**changes) -> dict:
    return {"kind": "khoi-dong-lai", "id": "a1", "cluster": "dong-1", "issued_at": NOW.isoformat(),
            "expires_at": (NOW + timedelta(hours=1)).isoformat(), **changes}


@pytest.mark.parametrize("changes, forged, done, why", [
    ({}, False, [], None),
    ({}, True, [], "chữ ký lệnh không phải của đài"),
    ({"cluster": "tay-1"}, False, [], "dành cho cụm loa khác"),
    ({"expires_at": (NOW - timedelta(seconds=1)).isoformat()}, False, [], "đã hết hạn"),
    ({"kind": "xoa-het"}, False, [], "không biết"),
    ({}, False, ["a1"], ""),                                                    # applied already: said nothing
    ({"id": "b2", "issued_at": (NOW - timedelta(minutes=5)).isoformat()}, False, ["a1"], "bị gửi lại"),
    ({"issued_at": "hôm qua"}, False, [], "thiếu mã, loại hoặc hạn"),
])
def test_an_order_is_taken_only_when_signed_for_us_new_and_in_time(station_key, tmp_path, changes, forged, done,
                                                                     why):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate() if forged else station_key.station_key()
    state = OrderState(tmp_path / "lenh.json", list(done), NOW.isoformat() if done else None)
    document, refused = check_order(signed(order(**changes), key), cluster="dong-1",
                                    station_key=station_key.station_public_key(), state=state, now=NOW)
    if why is None:
        assert refused is None and document["id"] == "a1"
    elif why == "":
        assert document is None and refused is None
    else:
        assert document is None and why in refused


def test_the_applied_order_is_remembered_before_it_is_acted_on(tmp_path):
    state = OrderState.load(tmp_path)
    state.applied(order())
    again = OrderState.load(tmp_path)
    assert again.done == ["a1"] and again.last_issued == NOW.isoformat()


def test_clusters_restart_names_a_known_cluster(station_dir):
    ClusterRegistry(station_dir / "var" / "cum-loa").add("dong-1", "toan-xa")
    result = cli("--station", str(station_dir), "clusters", "restart", "dong-1")
    assert result.returncode == 0 and "Đã gửi lệnh khởi động lại cụm loa 'dong-1'" in result.stdout
    unknown = cli("--station", str(station_dir), "clusters", "restart", "dong-9")
    assert unknown.returncode == 2 and "không có cụm loa 'dong-9'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_a_real_receiver_restarts_once_and_refuses_the_replay(paired):
    station, folder, _server, _port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    orders = Orders(registry)
    running = receiver(folder)
    try:
        assert wait_for(lambda: registry.get("dong-1").heartbeat.get("online"), 30)
        ordered = orders.restart("dong-1")
        running.wait(timeout=30)                  # it exits on its own: systemd's Restart= brings it back
        out, err = running.communicate(timeout=10)
    finally:
        if running.poll() is None:
            stop(running)
    assert running.returncode == 0, err
    assert "khởi động lại theo lệnh của đài" in out and ordered["id"] in out
    assert json.loads((folder / "lenh.json").read_text(encoding="utf-8"))["done"] == [ordered["id"]]
    assert wait_for(lambda: orders.recent("dong-1")[0]["done_at"] is not None, 10)
    with registry._lock:                           # the station sends the same order again (a replay)
        registry._db.execute("UPDATE orders SET done_at = NULL")
    again = receiver(folder)                       # as systemd would start it again
    try:
        assert wait_for(lambda: orders.recent("dong-1")[0]["done_at"] is not None, 30)
        assert not wait_for(lambda: again.poll() is not None, 3)          # the replay did not stop it
    finally:
        output = stop(again)
    assert "Máy thu đã dừng." in output and "theo lệnh của đài" not in output
