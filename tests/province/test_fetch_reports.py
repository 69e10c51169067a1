"""The day delivery reports like the bulletin link: `broadcast fetch` sends its signed report up, queued
while the province is away, counted once; the province dashboard shows which build each commune took
and when. Real processes on loopback: `broadcast province serve --db` and `broadcast fetch`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from bulletin_helpers import free_port, province_serve
from test_province_delivery import rebuilt

from broadcast.build import build_day
from broadcast.province.bulletins.dashboard import FETCH_LATEST, FETCH_NONE, FETCH_OLD
from broadcast.province.bulletins.reports import QUEUE
from broadcast.province.signing import generate_key, sign_day
from broadcast.station.config import load_station

MONDAY = date(2026, 12, 7)
NEWER = "2099-12-06T21:00:00+07:00"          # after any build made while the test runs
BROADCAST = [sys.executable, "-m", "broadcast"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_small_province):
    root = tmp_path_factory.mktemp("tinh-bao-cao")
    province = make_small_province(root, 1)
    public = generate_key(root / "tinh.key")
    station_dir = province.stations[0]
    build_day(load_station(station_dir), MONDAY)
    sign_day(station_dir / "audio_out" / MONDAY.isoformat(), root / "tinh.key")
    return {"root": root, "station": station_dir, "public": public, "key": root / "tinh.key"}


@pytest.fixture
def setup(built, tmp_path):
    """The province's station folder (a copy), and the commune with [province] source on a free port."""
    province_side = shutil.copytree(built["station"], tmp_path / "tinh-side" / built["station"].name)
    commune = tmp_path / "xa"
    shutil.copytree(built["station"], commune, ignore=shutil.ignore_patterns("audio_out", ".cache"))
    for shared in (tmp_path / "tinh", tmp_path / "tinh-side" / "tinh"):
        shutil.copytree(built["root"] / "tinh", shared, ignore=shutil.ignore_patterns(".cache"))
    port = free_port()
    config = commune / "broadcast.toml"
    config.write_text(config.read_text(encoding="utf-8") + f'public_key = "{built["public"]}"\n'
                      f'source = "http://127.0.0.1:{port}/{province_side.name}"\n', encoding="utf-8")
    return {"province": province_side, "commune": commune, "port": port, "db": tmp_path / "tinh.sqlite",
            "key": built["key"]}


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*BROADCAST, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


class ProvinceServer:
    """`broadcast province serve --db` as its own process (on another port, written into the commune's
    configuration, when the chosen one was taken meanwhile)."""

    def __init__(self, setup: dict) -> None:
        self.process, port = province_serve(["--stations", str(setup["province"]), "--db", str(setup["db"])],
                                            setup["port"], [setup["commune"] / "broadcast.toml"])
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str):
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return response.read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()
        self.process.stderr.close()


def reports_in(db: Path) -> list[int]:
    import sqlite3

    with sqlite3.connect(db) as connection:
        return [r[0] for r in connection.execute("SELECT seq FROM reports ORDER BY seq")]


def test_fetch_reports_up_queues_offline_and_the_dashboard_shows_each_build(setup):
    commune, name = setup["commune"], setup["province"].name
    queue = commune / "var" / QUEUE
    offline = run("--station", str(commune), "fetch", "--date", MONDAY.isoformat(), cwd=commune)
    assert offline.returncode == 1 and "không kết nối được máy chủ tỉnh" in offline.stderr
    assert "1 báo cáo chờ gửi" in offline.stderr and "Traceback" not in offline.stderr
    assert len(list(queue.glob("*.json"))) == 1

    province = ProvinceServer(setup)
    try:
        fetched = run("--station", str(commune), "fetch", "--date", MONDAY.isoformat(), cwd=commune)
        assert fetched.returncode == 0, fetched.stderr
        assert "Đã gửi tỉnh 2 báo cáo phát sóng." in fetched.stdout
        assert not list(queue.glob("*.json"))
        built_at = json.loads((setup["province"] / "audio_out" / MONDAY.isoformat() / "manifest.json")
                              .read_text(encoding="utf-8"))["generated_at"]
        [day] = json.loads(province.get("/api/dashboard"))["days"]
        assert (day["commune"], day["date"], day["state"]) == (name, MONDAY.isoformat(), FETCH_LATEST)
        assert day["built_at"] == day["fetched_build"] == built_at and day["fetched_at"]
        first_fetch = day["fetched_at"]

        again = run("--station", str(commune), "fetch", "--date", MONDAY.isoformat(), cwd=commune)
        assert again.returncode == 0 and "không đổi" in again.stdout
        assert reports_in(setup["db"]) == [1, 2, 3]                       # each report once, resends none

        time.sleep(1.1)                                                   # a later fetch time, to the second
        rebuilt(setup["province"] / "audio_out" / MONDAY.isoformat(), setup["key"], NEWER, note=" (mới)")
        [stale] = json.loads(province.get("/api/dashboard"))["days"]
        assert stale["state"] == FETCH_OLD and stale["built_at"] == NEWER and stale["fetched_at"] == first_fetch
        page = province.get("/bang-dieu-khien").decode("utf-8")
        assert "Chương trình tỉnh dựng: xã đã tải chưa" in page and "<script" not in page
        newer = run("--station", str(commune), "fetch", "--date", MONDAY.isoformat(), cwd=commune)
        assert newer.returncode == 0, newer.stderr
        [fresh] = json.loads(province.get("/api/dashboard"))["days"]
        assert fresh["state"] == FETCH_LATEST and fresh["fetched_build"] == NEWER
        assert fresh["fetched_at"] > first_fetch
        assert reports_in(setup["db"]) == [1, 2, 3, 4]
    finally:
        province.stop()
    listing = run("province", "dashboard", "--db", str(setup["db"]), cwd=commune)
    assert listing.returncode == 0, listing.stderr
    assert f"ngày {MONDAY.isoformat()} {name}" in listing.stdout and f"bản dựng {NEWER}" in listing.stdout


def test_a_day_never_fetched_shows_as_not_taken(setup):
    from broadcast.province.bulletins.dashboard import days
    from broadcast.province.bulletins.reportstore import ReportStore
    from broadcast.province.bulletins.server import published_builds

    store = ReportStore(setup["db"])
    try:
        published = published_builds({setup["province"].name: setup["province"] / "audio_out"})
        [row] = days(store, published)
        assert row["state"] == FETCH_NONE and row["fetched_at"] is None and row["built_at"]
    finally:
        store.close()


def test_a_province_without_db_keeps_the_report_queued_for_later(setup):
    served, _ = province_serve(["--stations", str(setup["province"])], setup["port"],
                               [setup["commune"] / "broadcast.toml"])
    try:
        done = run("--station", str(setup["commune"]), "fetch", "--date", MONDAY.isoformat(), cwd=setup["commune"])
    finally:
        served.terminate()
        served.wait(timeout=30)
        served.stdout.close()
        served.stderr.close()
    assert done.returncode == 0 and "1 báo cáo chờ gửi" in done.stderr
    queue = setup["commune"] / "var" / QUEUE
    assert len(list(queue.glob("*.json"))) == 1 and not list(queue.glob("*.tu-choi"))


def signed_report(key, **fields):
    from broadcast.province.bulletins.envelope import seal
    from broadcast.province.signing import public_key_text

    document = {"type": "report", "commune": "xa-001", "seq": 1, "made_at": "2026-12-07T14:00:00+07:00",
                "public_key": public_key_text(key.public_key()), "airings": [], "bulletins": [], **fields}
    return json.dumps(seal(document, key)).encode("utf-8")


@pytest.mark.parametrize(("fields", "clusters", "days"), [
    ({"clusters": {"online": 2, "total": 3}, "days": [{"date": "2026-12-07", "built_at": "B", "fetched_at": "F"}]},
     (2, 3), [("2026-12-07", "B", "F")]),
    ({"clusters": {"online": "hai", "total": -1}, "days": [{"date": "2026-12-07", "built_at": None}]},
     (None, None), []),                                                   # wrong types: not stored
    ({"clusters": [1, 2], "days": ["2026-12-07", {"date": 7, "fetched_at": "F"}]}, (None, None), []),
    ({}, (None, None), []),                                               # an older commune sends neither
    ({"clusters": {"online": True, "total": 4}, "days": [{"date": "2026-12-07T00:00", "fetched_at": "F"}]},
     (None, 4), [("2026-12-07", None, "F")]),
])
def test_the_province_stores_clusters_and_days_only_when_well_formed(tmp_path, fields, clusters, days):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from broadcast.province.bulletins.reportstore import ReportStore

    store = ReportStore(tmp_path / "tinh.sqlite")
    try:
        status, answer = store.receive(signed_report(Ed25519PrivateKey.generate(), **fields))
        assert answer == {"stored": True}, answer
        [row] = store.query("SELECT clusters_online, clusters_total FROM reports")
        assert (row["clusters_online"], row["clusters_total"]) == clusters
        assert [(r["date"], r["built_at"], r["fetched_at"]) for r in store.query("SELECT * FROM fetched")] == days
    finally:
        store.close()


def test_a_store_made_before_clusters_were_reported_gains_the_columns(tmp_path):
    import sqlite3

    from broadcast.province.bulletins.reportstore import ReportStore

    with sqlite3.connect(tmp_path / "tinh.sqlite") as old:
        old.execute("CREATE TABLE reports (commune TEXT NOT NULL, seq INTEGER NOT NULL, made_at TEXT, "
                    "received_at TEXT, rows INTEGER, PRIMARY KEY (commune, seq))")
        old.execute("INSERT INTO reports VALUES ('xa-001', 1, 'm', 'r', 0)")
    store = ReportStore(tmp_path / "tinh.sqlite")
    try:
        assert store.query("SELECT seq, clusters_total FROM reports") == [{"seq": 1, "clusters_total": None}]
    finally:
        store.close()


def test_no_report_makes_no_report(setup):
    done = run("--station", str(setup["commune"]), "fetch", "--date", MONDAY.isoformat(), "--no-report",
               cwd=setup["commune"])
    assert done.returncode == 1 and "báo cáo" not in done.stderr + done.stdout
    assert not (setup["commune"] / "var" / QUEUE).exists() or not list((setup["commune"] / "var" / QUEUE).iterdir())


def test_the_page_lists_days_from_yesterday_on_with_their_state(tmp_path):
    from bulletin_helpers import T0
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from broadcast.province.bulletins.dashboard_page import page
    from broadcast.province.bulletins.reportstore import ReportStore

    store = ReportStore(tmp_path / "tinh.sqlite")
    days = [{"date": d, "built_at": "2026-12-05T21:00:00+07:00", "fetched_at": "2026-12-05T22:00:00+07:00"}
            for d in ("2026-12-01", "2026-12-06", "2026-12-07")]
    try:
        assert store.receive(signed_report(Ed25519PrivateKey.generate(), days=days))[1] == {"stored": True}
        published = {"xa-001": {"2026-12-06": "2026-12-05T21:00:00+07:00", "2026-12-07": "2026-12-06T21:00:00+07:00",
                                "2026-12-08": "2026-12-07T09:00:00+07:00"}}
        html = page(store, T0, names=["xa-001"], published=published)
    finally:
        store.close()
    section = html.split("Chương trình tỉnh dựng")[1].split("</table>")[0]
    rows = [r for r in section.split("<tr>")[2:]]
    assert [r.split("</td>")[1].removeprefix("<td>") for r in rows] == ["06/12/2026", "07/12/2026", "08/12/2026"]
    assert [state for state in (FETCH_LATEST, FETCH_OLD, FETCH_NONE) if state in section] == [
        FETCH_LATEST, FETCH_OLD, FETCH_NONE]
    assert "01/12/2026" not in section                                   # before yesterday: only in /api/dashboard
