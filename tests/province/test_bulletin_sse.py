"""Server-Sent Events beside the long poll: a real server on loopback, events numbered by `id:`, a commune
that follows the stream and, cut off, resumes with Last-Event-ID without a duplicate."""

from __future__ import annotations

import http.client
import threading
import time

import pytest
from bulletin_helpers import T0, TZ, FakeClock, bulletin_yaml, keys, make_commune

from broadcast.province.bulletins.listener import Listener, fetch_documents
from broadcast.province.bulletins.registry import Registry
from broadcast.province.bulletins.server import LinkHandler, make_link_server, stop_link_server
from broadcast.province.bulletins.sse import read_events, resume_point
from broadcast.province.bulletins.yamlfile import read_bulletin

WAIT_S = 60.0
FAST = {"keepalive_s": 0.2, "lifetime_s": 3.0}


def wait_for(predicate, timeout=WAIT_S):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


class Recording(LinkHandler):
    """Notes the Last-Event-ID of every stream request."""

    resumed: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/api/bulletins/stream"):
            Recording.resumed.append(self.headers.get("Last-Event-ID"))
        super().do_GET()


class Province:
    def __init__(self, folder, port: int = 0) -> None:
        self.folder = folder
        self.registry = Registry(folder / "tinh.sqlite")
        self.key, self.public, _ = keys(folder) if port == 0 else (None, None, None)
        self.server = make_link_server({}, self.registry, port=port, handler=Recording, poll_s=0.05)
        self.server.stream_options = FAST
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, key, name: str, level: str = "thông thường") -> None:
        path = bulletin_yaml(self.folder, f"{name}.yaml", id=name, level=level, repeat_every=None)
        self.registry.add(read_bulletin(path, tz=TZ, now=T0)[0], key, now=T0)

    def stop(self) -> None:
        stop_link_server(self.server)


@pytest.fixture
def province(tmp_path):
    (tmp_path / "tinh").mkdir()
    found = Province(tmp_path / "tinh")
    Recording.resumed = []
    yield found
    found.stop()


def open_stream(base: str, path: str, headers: dict[str, str]):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers=headers)
    return connection, connection.getresponse()


def test_the_stream_numbers_events_resumes_from_last_event_id_and_sends_new_ones(province):
    province.add(province.key, "ban-tin-1")
    province.add(province.key, "ban-tin-2")
    connection, response = open_stream(province.base, "/api/bulletins/stream?after=0", {"Last-Event-ID": "1"})
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
    assert response.getheader("Cache-Control") == "no-cache"
    events = read_events(response.readline)
    event, first_id, data = next(events)
    assert (event, first_id) == ("bulletin", "2") and '"seq":2' in data       # the header won over ?after=0
    threading.Timer(0.3, province.add, (province.key, "ban-tin-3")).start()
    event, third_id, data = next(events)
    assert (event, third_id) == ("bulletin", "3") and "ban-tin-3" in data
    assert list(events) == []                        # the stream ends after its lifetime; nothing else came
    connection.close()
    assert [d["seq"] for d in fetch_documents(province.base, 1, 0, 5)] == [2, 3]   # the long poll stays


@pytest.mark.parametrize(("query", "header", "expected"), [
    (None, None, 0), ("5", None, 5), ("5", "7", 7), (None, "7", 7), ("", " 3 ", 3), ("0", "", 0),
])
def test_where_a_stream_resumes(query, header, expected):
    assert resume_point(query, header) == expected


@pytest.mark.parametrize(("query", "header"), [("abc", None), (None, "x"), ("-1", None), ("1.5", None)])
def test_a_bad_resume_point_is_refused_with_400(province, query, header):
    path = "/api/bulletins/stream" + (f"?after={query}" if query is not None else "")
    connection, response = open_stream(province.base, path, {"Last-Event-ID": header} if header else {})
    assert response.status == 400 and "phải là số" in response.read().decode("utf-8")
    connection.close()


def test_a_commune_following_the_stream_resumes_after_a_cut_without_duplicates(province, tmp_path):
    clock = FakeClock(T0)
    commune = make_commune(tmp_path / "xa-001", province.public, clock)
    listener = Listener(commune, province.base, timeout_s=5, tick_s=60, transport="sse").start()
    try:
        province.add(province.key, "ban-tin-1")
        wait_for(lambda: commune.inbox.get("ban-tin-1") is not None)
        assert listener.connected.is_set()
        province.stop()                                       # the province goes away mid-stream
        province.add(province.key, "ban-tin-2")               # signed while the commune cannot hear
        back = Province(province.folder, port=province.port)
        back.server.stream_options = FAST
        try:
            wait_for(lambda: commune.inbox.get("ban-tin-2") is not None)
            province.add(province.key, "ban-tin-3")           # and one more on the resumed stream
            wait_for(lambda: commune.inbox.get("ban-tin-3") is not None)
        finally:
            back.stop()
    finally:
        listener.stop()
    assert [r["id"] for r in commune.inbox.all()] == ["ban-tin-1", "ban-tin-2", "ban-tin-3"]
    assert commune.inbox.refusals() == []                     # nothing sent twice, so nothing replayed
    assert Recording.resumed[0] == "0" and "1" in Recording.resumed[1:]
    assert {r["state"] for r in commune.inbox.all()} == {"cho-xep-lich"}


def test_a_rogue_bulletin_over_the_stream_is_refused_once_across_reconnects(province, tmp_path):
    rogue = keys(tmp_path, "ke-gia.key")[0]
    province.server.stream_options = {"keepalive_s": 0.1, "lifetime_s": 0.4}      # many reconnects
    clock = FakeClock(T0)
    commune = make_commune(tmp_path / "xa-001", province.public, clock)
    listener = Listener(commune, province.base, timeout_s=5, tick_s=60, transport="sse").start()
    try:
        province.add(rogue, "gia-mao", level="khẩn cấp")
        wait_for(lambda: commune.inbox.refusals())
        streams = len(Recording.resumed)
        wait_for(lambda: len(Recording.resumed) >= streams + 2)                 # it reconnected since
        province.add(province.key, "that")                                       # and still hears the real one
        wait_for(lambda: commune.inbox.get("that") is not None)
    finally:
        listener.stop()
    assert [r["reason"] for r in commune.inbox.refusals()] == ["bad-signature"]   # not refused again
    assert commune.inbox.get("gia-mao") is None and commune.air.calls == []
    assert "1" in Recording.resumed                                              # resumed after the refused one
