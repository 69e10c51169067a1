"""The console's Hộp thư tỉnh: the bulletins listed, an officer schedules one and dismisses another; roles held."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from bulletin_helpers import T0, FakeClock, bulletin_yaml, keys, make_commune
from starlette.testclient import TestClient

from broadcast.province.bulletins.registry import Registry
from broadcast.province.bulletins.yamlfile import read_bulletin
from broadcast.station.config import load_station
from broadcast.web import Console, create_app
from broadcast.web import accounts as accounts_module

PASSWORD = "mat-khau-du-dai"


@pytest.fixture
def console(station_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    station = load_station(station_dir)
    accounts = accounts_module.Accounts(station.path(station.paths.state))
    accounts.add("can-bo", "bien-tap", PASSWORD)
    accounts.add("quan-tri", "quan-tri", PASSWORD)
    key, public, _ = keys(tmp_path)
    clock = FakeClock(T0)
    commune = make_commune(station_dir, public, clock)
    with Registry(tmp_path / "tinh.sqlite") as registry:
        for file in (bulletin_yaml(tmp_path, "a.yaml", id="hop-dan", level="thông thường", repeat_every=None,
                                   title="Họp dân <b>thôn Đông</b>"),
                     bulletin_yaml(tmp_path, "b.yaml", id="tin-khac", level="thông thường", repeat_every=None)):
            registry.add(read_bulletin(file, tz=clock().tzinfo, now=T0)[0], key, now=T0)
        for envelope in registry.after(0):
            commune.receive(envelope)
    commune.inbox.close()
    return Console.for_station(station, now=clock)


def signed_in(app, name):
    client = TestClient(app, base_url="http://127.0.0.1")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"csrf": csrf, "username": name, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/hop-thu-tinh")
    return client, page, re.search(r'name="csrf" value="([^"]+)"', page.text)


def test_the_officer_schedules_and_dismisses_from_the_console(console, station_dir):
    app = create_app(console)
    client, page, csrf = signed_in(app, "can-bo")
    assert page.status_code == 200 and "chờ xếp lịch" in page.text
    assert "Họp dân &lt;b&gt;thôn Đông&lt;/b&gt;" in page.text               # escaped
    answer = client.post("/hop-thu-tinh/hop-dan/xep-lich", data={"csrf": csrf.group(1), "slots": ["sang"],
                                                                 "days": ["T2", "T4"]}, follow_redirects=False)
    assert answer.status_code == 303
    assert (station_dir / "schedules" / "thong-bao" / "tinh-hop-dan.yaml").is_file()
    assert client.post("/hop-thu-tinh/tin-khac/bo-qua", data={"csrf": csrf.group(1)},
                       follow_redirects=False).status_code == 303
    page = client.get("/hop-thu-tinh").text
    assert "đã lên lịch" in page and "đã bỏ qua" in page
    wrong = client.post("/hop-thu-tinh/tin-khac/xep-lich", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert wrong.status_code == 400 and "không xếp lịch được" in wrong.text


def test_roles_and_csrf_are_checked_on_the_server(console, station_dir):
    app = create_app(console)
    admin, page, csrf = signed_in(app, "quan-tri")
    assert page.status_code == 200 and "Xếp lịch" not in page.text          # sees, cannot decide
    refused = admin.post("/hop-thu-tinh/hop-dan/xep-lich", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert refused.status_code == 403
    officer, _, _ = signed_in(app, "can-bo")
    forged = officer.post("/hop-thu-tinh/hop-dan/bo-qua", data={"csrf": "sai"}, follow_redirects=False)
    assert forged.status_code == 403
    anonymous = TestClient(app, base_url="http://127.0.0.1")
    assert anonymous.get("/hop-thu-tinh", follow_redirects=False).status_code == 303
    assert not (station_dir / "schedules" / "thong-bao" / "tinh-hop-dan.yaml").exists()


def test_a_pending_uu_tien_bulletin_is_approved_in_the_review_queue(station_dir, tmp_path, monkeypatch):
    """[province] approve_bulletins: the bulletin waits in Duyệt like a commune notice, and is approved there."""
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    station = load_station(station_dir)
    accounts_module.Accounts(station.path(station.paths.state)).add("chu-tich", "duyet", PASSWORD)
    key, public, _ = keys(tmp_path)
    clock = FakeClock(T0)
    commune = make_commune(station_dir, public, clock, approve=True)
    with Registry(tmp_path / "tinh.sqlite") as registry:
        registry.add(read_bulletin(bulletin_yaml(tmp_path, level="ưu tiên", repeat_every=None, text=None,
                                                 template="thong_bao_chung",
                                                 values="{noi_dung: Tỉnh cấp gạo cứu trợ.}"),
                                   tz=clock().tzinfo, now=T0)[0], key, now=T0)
        assert commune.receive(registry.after(0)[0]) == "da-len-lich"
    app = create_app(Console.for_station(station, now=clock))
    client, _, _ = signed_in(app, "chu-tich")
    queue = client.get("/duyet")
    assert queue.status_code == 200 and "Bão số 9 đổ bộ" in queue.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', queue.text).group(1)
    version = re.search(r'name="version" value="(\d+)"', queue.text).group(1)
    answer = client.post("/duyet/tinh-bao-so-9", data={"csrf": csrf, "version": version, "action": "approve"},
                         follow_redirects=False)
    assert answer.status_code == 303
    text = (station_dir / "schedules" / "thong-bao" / "tinh-bao-so-9.yaml").read_text(encoding="utf-8")
    assert "approved" in text and "chu-tich" in text
