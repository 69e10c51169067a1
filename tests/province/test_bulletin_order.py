"""Ordering a province ưu tiên bulletin among the commune's own ưu tiên notices: the notice files' `order`,
the planner's air order, and the form on Hộp thư tỉnh (roles, CSRF, versioned atomic writes)."""

from __future__ import annotations

import re
import wave
from datetime import date

import pytest
import yaml
from argon2 import PasswordHasher
from bulletin_helpers import T0, FakeClock, bulletin_yaml, keys, make_commune
from starlette.testclient import TestClient

from broadcast.plan.planner import plan
from broadcast.province.bulletins.registry import Registry
from broadcast.province.bulletins.yamlfile import read_bulletin
from broadcast.station.config import load_station
from broadcast.web import Console, create_app
from broadcast.web import accounts as accounts_module

PASSWORD = "mat-khau-du-dai"
MONDAY = date(2026, 12, 7)
MINE = ("xa-a", "tinh-bao-dong", "xa-b")


def silence(path, seconds=1.0, rate=16000):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))


def own_notice(station_dir, notice_id: str, title: str, **extra) -> None:
    silence(station_dir / "recordings" / f"{notice_id}.wav")
    entry = {"id": notice_id, "file": f"recordings/{notice_id}.wav", "title": title, "from": "2026-12-01",
             "until": "2026-12-31", "slots": ["sang"], "priority": "uu-tien", "status": "approved", "version": 1,
             **extra}
    (station_dir / "schedules" / "thong-bao" / f"{notice_id}.yaml").write_text(
        yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def console(station_dir, tmp_path, monkeypatch):
    """The commune's console with two own ưu tiên notices in 'sang' and the province's ưu tiên bulletin
    'bao-dong' (every slot) and a thông thường one in its inbox."""
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    station = load_station(station_dir)
    accounts = accounts_module.Accounts(station.path(station.paths.state))
    accounts.add("can-bo", "bien-tap", PASSWORD)
    accounts.add("quan-tri", "quan-tri", PASSWORD)
    (station_dir / "schedules" / "thong-bao").mkdir(exist_ok=True)
    own_notice(station_dir, "xa-a", "Lịch cắt điện thôn Đông", **{"from": "2026-11-30"})
    own_notice(station_dir, "xa-b", "Phun thuốc diệt muỗi")
    key, public, _ = keys(tmp_path)
    clock = FakeClock(T0)
    commune = make_commune(station_dir, public, clock)
    with Registry(tmp_path / "tinh.sqlite") as registry:
        for file in (bulletin_yaml(tmp_path, "a.yaml", id="bao-dong", level="ưu tiên", repeat_every=None,
                                   title="Báo động lũ cấp 2"),
                     bulletin_yaml(tmp_path, "b.yaml", id="hop-dan", level="thông thường", repeat_every=None)):
            registry.add(read_bulletin(file, tz=clock().tzinfo, now=T0)[0], key, now=T0)
        for envelope in registry.after(0):
            commune.receive(envelope)
    commune.inbox.close()
    for spoken in (station_dir / "recordings" / "tinh").glob("bao-dong*"):
        silence(spoken)                                      # the unit tests' speech is a stub: make it audio
    return Console.for_station(station, now=clock)


def signed_in(app, name):
    client = TestClient(app, base_url="http://127.0.0.1")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"csrf": csrf, "username": name, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/hop-thu-tinh")
    return client, page, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def sang_order(console) -> list[str]:
    """Our three notices in the order the planner airs them in Monday's 'sang' programme."""
    station = console.station
    [programme] = [p for p in plan(console.store.schedule(), MONDAY, tz=station.tz, library=console.store.library)
                   if p.slot == "sang"]
    return [i.id for i in programme.items if i.id in MINE]


def order_in(station_dir, notice_id):
    entry = yaml.safe_load((station_dir / "schedules" / "thong-bao" / f"{notice_id}.yaml").read_text("utf-8"))
    return entry.get("order"), entry.get("version")


def listed(page: str, slot_title: str) -> list[str]:
    block = page.split(f"Thứ tự trong buổi {slot_title}")[1].split("</ol>")[0]
    titles = re.findall(r"<li>(?:<strong>)?([^<(]+)", block)
    return [t.strip() for t in titles]


def test_the_officer_moves_the_province_bulletin_among_the_slot_s_priority_items(console, station_dir):
    assert sang_order(console) == ["xa-a", "xa-b", "tinh-bao-dong"]          # unnumbered: by `from`, then id
    client, page, csrf = signed_in(create_app(console), "can-bo")
    titles = listed(page.text, "Chương trình phát thanh buổi sáng")
    assert [t for t in titles if t in ("Lịch cắt điện thôn Đông", "Phun thuốc diệt muỗi", "Báo động lũ cấp 2")] == [
        "Lịch cắt điện thôn Đông", "Phun thuốc diệt muỗi", "Báo động lũ cấp 2"]
    up = client.post("/hop-thu-tinh/bao-dong/thu-tu", data={"csrf": csrf, "slot": "sang", "huong": "len"},
                     follow_redirects=False)
    assert up.status_code == 303
    assert sang_order(console) == ["xa-a", "tinh-bao-dong", "xa-b"]
    assert [order_in(station_dir, n)[0] for n in MINE] == [10, 20, 30]
    assert order_in(station_dir, "xa-b")[1] == 2                              # a versioned save
    client.post("/hop-thu-tinh/bao-dong/thu-tu", data={"csrf": csrf, "slot": "sang", "huong": "len"})
    assert sang_order(console) == ["tinh-bao-dong", "xa-a", "xa-b"]
    before = {n: order_in(station_dir, n) for n in MINE}
    top = client.post("/hop-thu-tinh/bao-dong/thu-tu", data={"csrf": csrf, "slot": "sang", "huong": "len"})
    assert "đã ở đầu" in top.text and {n: order_in(station_dir, n) for n in MINE} == before   # nothing written
    client.post("/hop-thu-tinh/bao-dong/thu-tu", data={"csrf": csrf, "slot": "sang", "huong": "xuong"})
    assert sang_order(console) == ["xa-a", "tinh-bao-dong", "xa-b"]
    assert not list((station_dir / "schedules" / "thong-bao").glob(".*"))  # no temporary file left


def _files(station_dir) -> dict[str, bytes]:
    return {n: (station_dir / "schedules" / "thong-bao" / f"{n}.yaml").read_bytes() for n in ("xa-a", "xa-b")}


def test_a_write_failing_part_way_leaves_every_file_as_it_was(console, station_dir, monkeypatch):
    """The move renumbers several files as one change: the second write fails, the first is undone."""
    from broadcast.web import store as store_module
    from broadcast.web.routes.priority_order import move

    before = _files(station_dir)
    real, writes = store_module.write_bytes_atomic, []

    def disk_full_on_second(path, data):
        writes.append(path.name)
        if len(writes) == 2:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(store_module, "write_bytes_atomic", disk_full_on_second)
    with pytest.raises(OSError):
        move(console, "bao-dong", "sang", -1, MONDAY)
    assert len(writes) >= 3                                   # two tried, then the first put back
    assert _files(station_dir) == before
    assert sang_order(console) == ["xa-a", "xa-b", "tinh-bao-dong"]


def test_a_notice_saved_meanwhile_stops_the_whole_move(console, station_dir, monkeypatch):
    """Another officer saved one of the notices after the page read it: nothing is renumbered."""
    from broadcast.web.routes.priority_order import move
    from broadcast.web.store import VersionConflict

    store = console.store
    real_load, seen = store.load, []

    def load_then_someone_saves(notice_id):
        entry = real_load(notice_id)
        seen.append(notice_id)
        if len(seen) == 2:                                     # between the page's read and the write
            store.save({**real_load("xa-a"), "title": "Lịch cắt điện thôn Đông (sửa)"},
                       expected_version=real_load("xa-a").get("version", 1))
        return entry

    monkeypatch.setattr(store, "load", load_then_someone_saves)
    with pytest.raises(VersionConflict):
        move(console, "bao-dong", "sang", -1, MONDAY)
    assert [order_in(station_dir, n)[0] for n in MINE] == [None, None, None]


@pytest.mark.parametrize(("who", "data", "status"), [
    ("quan-tri", {"slot": "sang", "huong": "len"}, 403),               # sees the page, may not decide
    ("can-bo", {"slot": "sang", "huong": "len", "csrf": "sai"}, 403),    # forged form
    ("can-bo", {"slot": "khong-co", "huong": "len"}, 400),               # a slot the bulletin is not in
])
def test_roles_csrf_and_bad_requests_change_nothing(console, station_dir, who, data, status):
    client, _, csrf = signed_in(create_app(console), who)
    answer = client.post("/hop-thu-tinh/bao-dong/thu-tu", data={"csrf": csrf, **data}, follow_redirects=False)
    assert answer.status_code == status and "Traceback" not in answer.text
    assert [order_in(station_dir, n)[0] for n in MINE] == [None, None, None]


def test_a_thong_thuong_bulletin_has_no_order_form_and_is_refused(console, station_dir):
    client, page, csrf = signed_in(create_app(console), "can-bo")
    assert 'action="/hop-thu-tinh/hop-dan/thu-tu"' not in page.text
    assert 'action="/hop-thu-tinh/bao-dong/thu-tu"' in page.text
    refused = client.post("/hop-thu-tinh/hop-dan/thu-tu", data={"csrf": csrf, "slot": "sang", "huong": "len"})
    assert refused.status_code == 400 and "không phải bản tin ưu tiên" in refused.text


@pytest.mark.parametrize(("orders", "expected"), [
    ({"xa-a": 5, "xa-b": 1}, ["xa-b", "xa-a", "tinh-bao-dong"]),          # numbered first, by number
    ({"xa-b": 999}, ["xa-b", "xa-a", "tinh-bao-dong"]),                    # any number before none
    ({}, ["xa-a", "xa-b", "tinh-bao-dong"]),                               # none: `from`, then id
])
def test_the_planner_airs_priority_notices_by_their_order(console, station_dir, orders, expected):
    for notice_id, number in orders.items():
        path = station_dir / "schedules" / "thong-bao" / f"{notice_id}.yaml"
        entry = yaml.safe_load(path.read_text("utf-8"))
        path.write_text(yaml.safe_dump({**entry, "order": number}, allow_unicode=True), encoding="utf-8")
    assert sang_order(console) == expected


@pytest.mark.parametrize("bad", ["0", "1000", "ba", "1.5"])
def test_a_bad_order_is_refused_with_file_and_line(station_dir, bad):
    from broadcast.errors import BroadcastError
    from broadcast.schedule import load_schedule

    (station_dir / "schedules" / "thong-bao").mkdir(exist_ok=True)
    own_notice(station_dir, "xa-c", "Thông báo thử")
    path = station_dir / "schedules" / "thong-bao" / "xa-c.yaml"
    path.write_text(path.read_text("utf-8") + f"order: {bad}\n", encoding="utf-8")
    with pytest.raises(BroadcastError) as caught:
        load_schedule(station_dir / "schedules", station_root=station_dir)
    assert "xa-c.yaml" in str(caught.value) and "order" in str(caught.value)

