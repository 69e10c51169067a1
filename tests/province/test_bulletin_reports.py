"""Reports up: signed, queued while the province is away, counted once; the dashboard, its page and its XLSX."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from bulletin_helpers import T0, TZ, FakeClock, bulletin_yaml, keys, make_commune

from broadcast.log.asrun import AsRunLog
from broadcast.province.bulletins.dashboard import communes, month
from broadcast.province.bulletins.registry import Registry
from broadcast.province.bulletins.reports import QUEUE, Reporter
from broadcast.province.bulletins.reportstore import ReportStore
from broadcast.province.bulletins.server import make_link_server, stop_link_server
from broadcast.province.bulletins.yamlfile import read_bulletin


class Province:
    """A link server on a free loopback port, in a thread, with a fake clock for the report store."""

    def __init__(self, folder, clock, known=("xa-001", "xa-002")) -> None:
        self.db = folder / "tinh.sqlite"
        self.registry = Registry(self.db)
        self.store = ReportStore(self.db, now=clock, known=known)
        self.server = make_link_server({}, self.registry, reports=self.store, province="Quảng Trị")
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        stop_link_server(self.server)


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def province(tmp_path, clock):
    found = Province(tmp_path / "tinh", clock)
    yield found
    found.stop()


def commune_with_log(tmp_path, clock, base, name="xa-001"):
    root = tmp_path / name
    _, public, _ = keys(tmp_path, f"{name}.key")
    commune = make_commune(root, public, clock, name=name)
    log = AsRunLog(root / "var" / "asrun.sqlite")
    reporter = Reporter(name=name, base_url=base, state_dir=root / "var", inbox=commune.inbox,
                        asrun=root / "var" / "asrun.sqlite", audio_out=root / "audio_out", now=clock,
                        engines=["espeak"], timeout_s=5)
    return commune, log, reporter


def air(log, clock, n, *, finished=True):
    row = log.programme_started(programme_id=f"{clock():%Y-%m-%d}-sang-{n}", day=clock().date(), slot="sang",
                                session="sang", scheduled_at=clock(), title=f"Chương trình {n}", started_at=clock(),
                                duration_s=600.0)
    if finished:
        log.finish(row, "played", clock() + timedelta(minutes=10))
    return row


def test_reports_are_counted_once_and_a_playing_row_is_updated(tmp_path, clock, province):
    _, log, reporter = commune_with_log(tmp_path, clock, province.base)
    air(log, clock, 1)
    open_row = air(log, clock, 2, finished=False)
    assert reporter.send_due() == 1
    assert communes(province.store, clock())[0].state == "đang phát"
    log.finish(open_row, "played", clock() + timedelta(minutes=10))
    reporter.make()
    kept = next((reporter.queue).glob("*.json")).read_bytes()
    assert reporter.send_queued() == 1
    again = urllib.request.Request(f"{province.base}/api/reports", data=kept, method="POST")
    with urllib.request.urlopen(again, timeout=30) as response:          # the same report resent
        assert json.loads(response.read()) == {"stored": False}
    rows = province.store.query("SELECT row, status FROM airings WHERE kind = 'programme' ORDER BY row")
    assert [r["status"] for r in rows] == ["played", "played"]
    [status] = communes(province.store, clock())
    assert status.state == "im lặng" and status.aired_today == 2
    assert province.store.query("SELECT count(*) AS n FROM reports")[0]["n"] == 2


def test_offline_reports_wait_on_disk_and_go_in_order(tmp_path, clock):
    away = Province(tmp_path / "tinh", clock)
    base = away.base
    away.stop()                                                         # the province is unreachable
    _, log, reporter = commune_with_log(tmp_path, clock, base)
    for n in range(3):
        air(log, clock, n)
        clock.advance(minutes=5)
        assert reporter.send_due() == 0
    assert len(list((tmp_path / "xa-001" / "var" / QUEUE).glob("*.json"))) == 3
    port = int(base.rsplit(":", 1)[1])
    back = Province(tmp_path / "tinh2", clock)
    back.stop()
    back.server = make_link_server({}, back.registry, port=port, reports=back.store)
    threading.Thread(target=back.server.serve_forever, daemon=True).start()
    try:
        assert reporter.send_queued() == 3
        assert [r["seq"] for r in back.store.query("SELECT seq FROM reports ORDER BY received_at, seq")] == [1, 2, 3]
        assert back.store.query("SELECT count(*) AS n FROM airings")[0]["n"] == 3
    finally:
        stop_link_server(back.server)


def post(base, data: bytes):
    request = urllib.request.Request(f"{base}/api/reports", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def oversized(base):
    """A POST announcing more than 1 MiB: refused from its Content-Length, before the body is read."""
    import http.client

    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/api/reports")
    connection.putheader("Content-Length", str((1 << 20) + 1))
    connection.endheaders(b"{}")
    status = connection.getresponse().status
    connection.close()
    return status


def test_tampered_foreign_unknown_and_oversized_reports_are_refused(tmp_path, clock, province):
    _, log, reporter = commune_with_log(tmp_path, clock, province.base)
    air(log, clock, 1)
    assert reporter.send_due() == 1                                    # the commune's key is now known
    reporter.make()
    envelope = json.loads(next(reporter.queue.glob("*.json")).read_text(encoding="utf-8"))
    document = json.loads(envelope["document"])
    tampered = {**envelope, "document": envelope["document"].replace('"xa-001"', '"xa-001" ', 1)}
    assert post(province.base, json.dumps(tampered).encode()) == 403
    other, _, other_reporter = commune_with_log(tmp_path, clock, province.base, name="xa-009")
    other_reporter.name = "xa-001"                                     # another machine claiming xa-001
    other_reporter.make()
    [claim] = sorted(other_reporter.queue.glob("*.json"))
    assert post(province.base, claim.read_bytes()) == 403
    other_reporter.name = "xa-009"
    assert other_reporter.send_due() == 0                              # not a commune of this province
    assert post(province.base, b"{" * 10) == 400
    assert oversized(province.base) == 413
    assert document["commune"] == "xa-001" and province.store.query("SELECT count(*) AS n FROM reports")[0]["n"] == 1


def test_dashboard_states_bulletin_delays_month_page_and_xlsx(tmp_path, clock, province):
    key, public, _ = keys(tmp_path)
    province.registry.add(read_bulletin(bulletin_yaml(tmp_path), tz=TZ, now=T0)[0], key, now=T0)
    clock.advance(seconds=4)
    commune, log, reporter = commune_with_log(tmp_path, clock, province.base)
    commune.public_key = make_commune(tmp_path / "k", public, clock).public_key
    assert commune.receive(province.registry.after(0)[0]) == "dang-lap-lai"
    air(log, clock, 1)
    reporter.send_due()
    [delivery] = province.store.query("SELECT * FROM deliveries")
    assert delivery["delay_s"] == 4 and delivery["state"] == "dang-lap-lai" and delivery["airings"] == 1
    [row] = month(province.store, 2026, 12)
    assert row["minutes_aired"] == 10 and row["urgent"] == 1 and row["urgent_delay_max_s"] == 4
    names = {c.name: c.state for c in communes(province.store, clock(), names=["xa-001", "xa-002"])}
    assert names == {"xa-001": "im lặng", "xa-002": "mất kết nối"}
    clock.advance(minutes=16)
    assert communes(province.store, clock())[0].state == "mất kết nối"
    with urllib.request.urlopen(f"{province.base}/bang-dieu-khien", timeout=30) as response:
        html = response.read().decode("utf-8")
    assert "bao-so-9" in html and "xa-001" in html and "<script" not in html
    with urllib.request.urlopen(f"{province.base}/bang-dieu-khien/thang-2026-12.xlsx", timeout=30) as response:
        data = response.read()
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[2]][:2] == ["xa-001", 10]
    with urllib.request.urlopen(f"{province.base}/api/dashboard", timeout=30) as response:
        status = json.loads(response.read())
    assert status["deliveries"][0]["bulletin"] == "bao-so-9"
