"""Remote control of a cluster: volume (the player's gain), mute and hours, sent with the heartbeat answer."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_pairing_and_days import cli
from test_receiver_plays import TZ, day_starting_in, receiver_up, stop, wait_for

from broadcast.clusters.registry import ClusterRegistry
from broadcast.receiver import control as remote

AT = datetime(2026, 12, 7, 5, 30, tzinfo=TZ)


@pytest.mark.parametrize("control, refused", [
    ({}, None),
    ({"hours": "05:00-21:00"}, None),
    ({"hours": "06:00-21:00"}, "ngoài giờ phát"),
    ({"hours": "21:00-06:00"}, None),               # across midnight
    ({"hours": "21:00-05:30"}, "ngoài giờ phát"),   # the end is not inside
    ({"hours": None, "mute": True}, "tắt tiếng"),
    ({"mute": False, "hours": "rác"}, None),
])
def test_what_the_control_lets_play(control, refused):
    why = remote.refusal(control, AT)
    assert (why is None) if refused is None else (refused in why)


@pytest.mark.parametrize("volume, gain", [(None, None), (100, 1.0), (50, 0.5), (0, 0.0), (150, 1.0), (-3, 0.0)])
def test_volume_is_a_gain(volume, gain):
    assert remote.gain({} if volume is None else {"volume": volume}) == gain


def test_clusters_set_checks_and_merges(station_dir):
    ClusterRegistry(station_dir / "var" / "cum-loa").add("dong-1", "thon-dong")
    base = ("--station", str(station_dir), "clusters", "set")
    assert cli(*base, "dong-1", "--volume", "80").returncode == 0
    assert cli(*base, "dong-1", "--mute", "--hours", "06:00-21:00").returncode == 0
    assert ClusterRegistry(station_dir / "var" / "cum-loa").control("dong-1") == \
        {"volume": 80, "mute": True, "hours": "06:00-21:00"}
    for bad, said in [(("dong-1", "--hours", "6h-21h"), "giờ phát '6h-21h' không hợp lệ"),
                      (("dong-1",), "chưa nói đổi gì"), (("khong-co", "--mute"), "không có cụm loa 'khong-co'"),
                      (("dong-1", "--volume", "101"), "101")]:
        result = cli(*base, *bad)
        assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_the_receiver_applies_volume_and_hours(paired):
    station, folder, _server, _port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    registry.set_control("dong-1", {"volume": 50})
    running = receiver_up(folder, registry)
    try:
        day_starting_in(station, 8, length=2.0)
        assert wait_for(lambda: registry.rows("dong-1"), 60), "no as-run row"
        assert json.loads((folder / "dieu-khien.json").read_text())["volume"] == 50
    finally:
        stop(running)
    (row,) = registry.rows("dong-1")
    assert row["status"] == "played" and -19.5 < row["levels"]["peak_db"] < -17.0, row      # -12.2 dB at 100
    now = datetime.now(TZ)
    outside = f"{(now + timedelta(hours=2)):%H}:00-{(now + timedelta(hours=3)):%H}:00"
    registry.set_control("dong-1", {"hours": outside})
    (folder / "outbox.sqlite").unlink()
    running = receiver_up(folder, registry)
    try:
        day_starting_in(station, 6, length=2.0, edit=lambda _folder, entry: entry.update(id="chieu"))  # its own row
        assert wait_for(lambda: any(r["status"] == "skipped" for r in registry.rows("dong-1")), 60)
    finally:
        stop(running)
    skipped = [r for r in registry.rows("dong-1") if r["status"] == "skipped"]
    assert "ngoài giờ phát" in skipped[0]["error"] and not skipped[0]["started_at"]


@pytest.mark.parametrize("change, forged, last, why", [
    ({}, False, None, None),
    ({}, True, None, "chữ ký điều khiển không phải của đài"),
    ({"cluster": "tay-1"}, False, None, "không dành cho cụm loa này"),
    ({}, False, "2026-12-07T08:00:00+00:00", "cũ hơn cái đã nhận"),          # an old answer replayed
    ({"issued_at": "sáng nay"}, False, None, "thiếu thời điểm ký"),
    (None, False, None, "không có chữ ký"),                                  # an answer with the control unsigned
])
def test_only_a_control_the_station_signed_for_us_and_newer_is_taken(tmp_path, change, forged, last, why):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from broadcast.clusters import protocol
    from broadcast.clusters.orders import Orders
    from broadcast.receiver.orders import OrderState, check_control

    registry = ClusterRegistry(tmp_path / "cum-loa")
    registry.add("dong-1", "thon-dong")
    item = Orders(registry).signed_control("dong-1", {"volume": 40},
                                           now=datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo("UTC")))
    if change:
        document = {**json.loads(item["document"]), **change}
        data = protocol.canonical(document)
        item = {"document": data.decode("utf-8"), "signature": protocol.sign_bytes(data, registry.station_key())}
    if forged:
        item = {**item, "signature": protocol.sign_bytes(item["document"].encode("utf-8"),
                                                         Ed25519PrivateKey.generate())}
    state = OrderState(tmp_path / "lenh.json", control_issued=last)
    control, refused = check_control(None if change is None else item, cluster="dong-1",
                                     station_key=registry.station_public_key(), state=state)
    if why is None:
        assert refused is None and control["volume"] == 40
    else:
        assert control is None and why in refused
