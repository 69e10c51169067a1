"""Urgent pushes: signed by the station, checked by the receiver, played over the programme which then resumes."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import unicodedata
import wave
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_receiver_plays import day_starting_in, receiver, receiver_up, stop, tone, wait_for

from broadcast.clusters import protocol
from broadcast.clusters.pushes import Pushes, push_announcement
from broadcast.clusters.registry import ClusterRegistry
from broadcast.digest import file_sha256
from broadcast.errors import BroadcastError
from broadcast.play import SystemClock
from broadcast.receiver.config import ReceiverConfig, new_key
from broadcast.receiver.link import StationLink
from broadcast.receiver.outbox import Outbox
from broadcast.receiver.urgent import UrgentListener, check_push

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def urgent(registry: ClusterRegistry, folder: Path, name: str, *, seconds: float = 1.5, zones=("thon-dong",),
           now: datetime | None = None, valid: timedelta = timedelta(minutes=30)) -> dict:
    audio = folder / f"{name}.wav"
    tone(audio, seconds)
    return Pushes(registry).urgent(audio, {"id": name, "title": f"Khẩn {name}", "zones": list(zones),
                                           "duration_s": seconds}, now=now or datetime.now(UTC), valid=valid)


def signed(registry: ClusterRegistry, seq: int) -> dict:
    (row,) = [p for p in Pushes(registry).after("thon-dong", seq - 1, now=NOW) if json.loads(p["document"])["seq"] == seq]
    return row


@pytest.fixture
def station_side(tmp_path):
    registry = ClusterRegistry(tmp_path / "cum-loa")
    config = ReceiverConfig(tmp_path / "thu", "http://127.0.0.1:1", "dong-1", "thon-dong", "Hòa An",
                            registry.station_public_key())
    return registry, config, tmp_path


def test_a_push_is_taken_once_and_only_for_its_zone_in_time(station_side):
    registry, config, folder = station_side
    first = urgent(registry, folder, "a", now=NOW)
    other = urgent(registry, folder, "b", now=NOW, zones=("thon-tay",))
    everyone = urgent(registry, folder, "c", now=NOW, zones=())
    assert [json.loads(p["document"])["seq"] for p in Pushes(registry).after("thon-dong", 0, now=NOW)] == \
        [first["seq"], everyone["seq"]]
    assert Pushes(registry).after("thon-dong", 0, now=NOW + timedelta(hours=1)) == []      # expired: not sent
    item = signed(registry, first["seq"])
    cases = [                                     # (push, last sequence taken, when, refused because)
        (item, 0, NOW, None),
        (item, first["seq"], NOW, "cũ hoặc bị gửi lại"),
        (item, first["seq"] + 5, NOW, "cũ hoặc bị gửi lại"),
        (item, 0, NOW + timedelta(minutes=31), "đã hết hạn"),
        ({**item, "document": item["document"].replace("Khẩn a", "Khẩn giả")}, 0, NOW, "không phải của đài"),
        ({**item, "signature": protocol.sign_bytes(item["document"].encode(), Ed25519PrivateKey.generate())},
         0, NOW, "không phải của đài"),
        ({"document": item["document"]}, 0, NOW, "không phải của đài"),
        ("rác", 0, NOW, "sai cấu trúc"),
    ]
    for push, last, when, why in cases:
        _document, problem = check_push(config, push, last, when)
        assert (problem is None) if why is None else (why in (problem or "")), (push, last, problem)
    document, problem = check_push(config, signed(registry, everyone["seq"]), 0, NOW)
    assert problem is None and document["zones"] == []
    _, problem = check_push(config, Pushes(registry).after("thon-tay", 0, now=NOW)[0], 0, NOW)
    assert "không dành cho vùng thon-dong" in problem
    assert other["zones"] == ["thon-tay"]


def test_a_cancellation_is_signed_and_an_unknown_one_refused(station_side):
    registry, config, folder = station_side
    first = urgent(registry, folder, "a", now=NOW)
    cancel = Pushes(registry).cancel("a", now=NOW + timedelta(minutes=1))
    assert cancel["kind"] == "huy" and cancel["seq"] > first["seq"] and cancel["zones"] == ["thon-dong"]
    document, problem = check_push(config, signed(registry, cancel["seq"]), first["seq"], NOW)
    assert problem is None and document["id"] == "a"
    from broadcast.errors import InputError

    with pytest.raises(InputError, match="không có thông báo khẩn"):
        Pushes(registry).cancel("khong-co")


@pytest.mark.parametrize("priority, pushed", [("khan-cap", True), ("uu-tien", False), ("thuong", False)])
def test_only_urgent_announcements_go_to_the_clusters(tmp_path, priority, pushed):
    audio = tmp_path / "a.wav"
    tone(audio, 0.5)
    assert push_announcement(tmp_path, audio, {"priority": priority, "title": "x"}) is None      # no clusters yet
    ClusterRegistry(tmp_path / "cum-loa").close()
    meta = {"priority": priority, "title": "x"}
    document = push_announcement(tmp_path, audio, meta)
    assert (document is not None) is pushed
    if pushed:
        assert document["id"] == meta["id"] and (tmp_path / "cum-loa" / "day" / document["audio"]).is_file()


def test_an_urgent_pushed_to_the_clusters_is_named_by_the_station_clock(tmp_path, monkeypatch):
    """The push names the urgent when the console has not: at `now` when given, else on the station's
    clock (Vietnam's time), never the host's own zone, so the clusters and the spool share one id."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from broadcast.play import SystemClock

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    audio = tmp_path / "a.wav"
    tone(audio, 0.5)
    ClusterRegistry(tmp_path / "cum-loa").close()
    given = push_announcement(tmp_path, audio, {"priority": "khan-cap", "title": "x"},
                              now=datetime(2026, 12, 7, 23, 59, 58, tzinfo=vn))
    assert given["id"].startswith("2026-12-07-dot-xuat-235958-")
    monkeypatch.setattr(SystemClock, "now", lambda self: datetime(2026, 12, 8, 1, 0, 5, tzinfo=vn))
    clock = push_announcement(tmp_path, audio, {"priority": "khan-cap", "title": "y"})
    assert clock["id"].startswith("2026-12-08-dot-xuat-010005-")


def test_an_urgent_push_interrupts_the_programme_which_resumes(paired):
    station, folder, _server, _port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    running = receiver_up(folder, registry)
    try:
        _day, start = day_starting_in(station, 10, length=8.0)
        assert wait_for(lambda: datetime.now(UTC) >= start + timedelta(seconds=2), 30)     # two seconds into it
        pushed = urgent(registry, station, "bao-lu", seconds=1.5)
        assert wait_for(lambda: len(registry.rows("dong-1")) == 2, 40), registry.rows("dong-1")
    finally:
        output = stop(running)
    rows = {r.get("kind", "chuong-trinh"): r for r in registry.rows("dong-1")}
    assert rows["khan-cap"]["status"] == "played" and rows["khan-cap"]["programme_id"] == "bao-lu", output
    assert rows["khan-cap"]["delay_s"] >= 0, rows["khan-cap"]   # how soon: bench_receivers.py (p99 ≤ 3 s), not a test
    assert rows["khan-cap"]["seq"] == pushed["seq"]
    steps = rows["khan-cap"]["timing"]         # where the time went, in order, up to the first write
    assert steps["answer"] <= steps["audio"] <= steps["prepare"] <= steps["started"] == rows["khan-cap"]["delay_s"]
    programme = rows["chuong-trinh"]
    assert programme["interrupted_by"] == ["bao-lu"] and programme["status"] == "played", (rows, start)
    assert start <= datetime.fromisoformat(programme["started_at"]) < datetime.fromisoformat(rows["khan-cap"]["started_at"])
    assert datetime.fromisoformat(programme["ended_at"]) > datetime.fromisoformat(rows["khan-cap"]["ended_at"])
    assert len(list((folder / "playout").glob("*"))) >= 3, output       # programme, urgent, programme resumed


def test_a_receiver_back_online_plays_what_is_still_valid_and_nothing_cancelled_or_expired(paired):
    station, folder, _server, _port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    urgent(registry, station, "het-han", now=datetime.now(UTC) - timedelta(minutes=40))
    urgent(registry, station, "da-huy")
    Pushes(registry).cancel("da-huy")
    urgent(registry, station, "con-han")
    urgent(registry, station, "thon-khac", zones=("thon-tay",))
    running = receiver(folder)
    try:
        assert wait_for(lambda: registry.rows("dong-1"), 40)
        assert wait_for(lambda: json.loads((folder / "khan-cap" / "state.json").read_text())["last_seq"] == 4, 20)   # seq 5 is for thon-tay: never sent here
    finally:
        stop(running)
    assert [r["programme_id"] for r in registry.rows("dong-1")] == ["con-han"]
    assert json.loads((folder / "khan-cap" / "state.json").read_text())["cancelled"] == ["da-huy"]
    running = receiver(folder)                   # restarted: nothing replayed
    try:
        assert wait_for(lambda: registry.get("dong-1").heartbeat.get("online"), 20)
    finally:
        stop(running)
    assert len(registry.rows("dong-1")) == 1 and not Outbox(folder / "outbox.sqlite").unsent()


def test_a_push_whose_audio_was_tampered_with_is_not_played(paired):
    station, folder, _server, _port = paired
    registry = ClusterRegistry(station / "var" / "cum-loa")
    pushed = urgent(registry, station, "sua-doi")
    (station / "var" / "cum-loa" / "day" / pushed["audio"]).write_bytes(b"RIFF" + b"\0" * 2000)
    running = receiver(folder)
    try:
        assert wait_for(lambda: "không khớp" in str(registry.get("dong-1").heartbeat.get("notes")), 40)
    finally:
        stop(running)
    assert registry.rows("dong-1") == [] and not list((folder / "playout").glob("*"))


def test_broadcast_announce_pushes_an_urgent_to_the_clusters(station_dir):
    from test_pairing_and_days import cli

    toml = station_dir / "broadcast.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('output = "device"', 'output = "null"'), encoding="utf-8")
    ClusterRegistry(station_dir / "var" / "cum-loa").add("dong-1", "toan-xa")
    result = cli("--station", str(station_dir), "announce", "--text", "Lũ về, sơ tán ngay.", "--priority", "khan-cap")
    assert result.returncode == 0, result.stderr
    assert "Đã đẩy thông báo khẩn tới các cụm loa" in result.stdout
    (pushed,) = Pushes(ClusterRegistry(station_dir / "var" / "cum-loa")).recent()
    audio = station_dir / "var" / "cum-loa" / "day" / pushed["audio"]
    assert pushed["kind"] == "khan-cap" and pushed["zones"] == [] and file_sha256(audio) == pushed["sha256"]
    quiet = cli("--station", str(station_dir), "announce", "--text", "Họp thôn.", "--priority", "uu-tien")
    assert quiet.returncode == 0 and "cụm loa" not in quiet.stdout
    assert len(Pushes(ClusterRegistry(station_dir / "var" / "cum-loa")).recent()) == 1


def test_the_push_names_the_station_decoded_pcm_and_a_forged_hash_is_refused(station_side):
    registry, config, folder = station_side
    source = folder / "mp3-la.wav"
    tone(source, 1.0, rate=44100)
    pushed = Pushes(registry).urgent(source, {"id": "pcm", "zones": ["thon-dong"], "duration_s": 1.0}, now=NOW)
    audio = registry.folder / "day" / pushed["audio"]
    assert pushed["format"] == {"codec": "pcm_s16le", "rate": 24000, "channels": 1}
    with wave.open(str(audio)) as decoded:      # decoded once, at the station, to what receivers play as it is
        assert (decoded.getframerate(), decoded.getnchannels(), decoded.getsampwidth()) == (24000, 1, 2)
        assert abs(decoded.getnframes() / 24000 - 1.0) < 0.05
    assert pushed["sha256"] == file_sha256(audio) and pushed["bytes"] == audio.stat().st_size
    item = signed(registry, pushed["seq"])
    forged = item["document"].replace(pushed["sha256"], "0" * 64)      # someone else's audio under the station's name
    assert check_push(config, {**item, "document": forged}, 0, NOW)[1] == "chữ ký bản tin đẩy không phải của đài (đã từ chối)"
    assert check_push(config, item, pushed["seq"], NOW)[1].endswith(f"cũ hoặc bị gửi lại (đã nhận tới số {pushed['seq']})")
    spoken = folder / "tts.wav"                  # the TTS's mono 16-bit WAV goes as it is: nothing to decode
    tone(spoken, 0.5, rate=22050)
    as_is = Pushes(registry).urgent(spoken, {"id": "tts", "zones": ["thon-dong"]}, now=NOW)
    assert as_is["format"] == {"codec": "pcm_s16le", "rate": 22050, "channels": 1}
    assert (registry.folder / "day" / as_is["audio"]).read_bytes() == spoken.read_bytes()


class _Receiver:
    """What the listener calls on its receiver: the clock, and the notes it reports."""

    def __init__(self) -> None:
        self.clock, self.notes = SystemClock(), []

    def note(self, why: str) -> None:
        self.notes.append(why)


@pytest.mark.parametrize("way, said", [("cut", "bị cắt cụt"), ("drip", "đến quá chậm"), ("altered", "không khớp mã băm")])
def test_audio_cut_short_too_slow_or_altered_is_refused_said_in_vietnamese_and_asked_again(station_side, way, said):
    registry, config, folder = station_side
    new_key(config.folder)
    pushed = urgent(registry, folder, "cham", seconds=0.3, now=datetime.now(UTC))
    body = (registry.folder / "day" / pushed["audio"]).read_bytes()

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if way == "cut":
                self.wfile.write(body[:len(body) // 2])
            elif way == "altered":
                self.wfile.write(body[:-1] + b"\x01")
            else:
                for n in range(0, len(body), 200):
                    self.wfile.write(body[n:n + 200])
                    self.wfile.flush()
                    time.sleep(0.05)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        link = StationLink(replace(config, station_url=f"http://127.0.0.1:{server.server_address[1]}"))
        listener = UrgentListener(config, link, _Receiver(), audio_floor_s=0.3)
        arrived: list = []
        with pytest.raises(BroadcastError) as refused:
            listener.take(signed_now(registry, pushed["seq"]), arrived)
    finally:
        server.shutdown()
        server.server_close()
    assert refused.value.message.startswith("âm thanh của thông báo khẩn 'cham'") and said in refused.value.message
    assert unicodedata.is_normalized("NFC", refused.value.message)
    assert arrived == [] and listener.state.last_seq == 0       # not played; the next poll asks for it again
    assert not list((config.folder / "khan-cap").glob("cham*"))


def signed_now(registry: ClusterRegistry, seq: int) -> dict:
    (row,) = [p for p in Pushes(registry).after("thon-dong", seq - 1) if json.loads(p["document"])["seq"] == seq]
    return row


def test_a_small_urgent_rides_in_the_answer_and_is_used_only_when_it_matches(station_side):
    registry, config, folder = station_side
    new_key(config.folder)
    small = urgent(registry, folder, "nho", seconds=0.5)         # now: the listener checks on the real clock
    large = urgent(registry, folder, "lon", seconds=2.0)
    answer = Pushes(registry).after("thon-dong", 0, inline_bytes=small["bytes"] + 100)
    assert [("audio_b64" in item) for item in answer] == [True, False]       # within the answer's budget only
    body = (registry.folder / "day" / small["audio"]).read_bytes()
    assert base64.b64decode(answer[0]["audio_b64"]) == body
    link = StationLink(replace(config, station_url="http://127.0.0.1:9"))      # nothing listens: no GET can succeed
    listener = UrgentListener(config, link, _Receiver())
    arrived: list = []
    listener.take(answer[0], arrived)
    (document, audio), = arrived
    assert document["id"] == "nho" and audio.read_bytes() == body and listener.state.last_seq == small["seq"]
    altered = {**answer[0], "audio_b64": base64.b64encode(body[:-1] + b"\x01").decode()}
    fresh = UrgentListener(replace(config, folder=config.folder / "khac"), link, _Receiver())
    with pytest.raises(BroadcastError, match="chưa tải được"):      # not taken from the answer: fetched, and failing
        fresh.take(altered, [])
    assert large["bytes"] > small["bytes"]


def test_many_polls_at_once_each_get_the_audio_while_older_ones_leave_the_cache(station_side):
    registry, _config, folder = station_side
    pushes = Pushes(registry)
    for n in range(8):                           # more urgents than the station keeps encoded
        urgent(registry, folder, f"u{n}", seconds=0.2, now=NOW)
    answers: list = []
    errors: list = []

    def poll(after: int) -> None:
        try:
            answers.append(pushes.after("thon-dong", after, now=NOW, inline_bytes=1 << 20))
        except Exception as exc:                 # noqa: BLE001 - any failure is what this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(n % 8,)) for n in range(64)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)                  # threads switch as often as they can: the race, if any, shows
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == [] and len(answers) == 64
    assert all("audio_b64" in item for answer in answers for item in answer)


def test_a_push_is_recorded_as_taken_before_it_is_handed_to_the_player(station_side):
    """A receiver that dies while the urgent plays must not play it again after its restart: the push's
    number is on disk before the player gets it (no fsync on that way; the durable write follows)."""
    registry, config, folder = station_side
    new_key(config.folder)
    pushed = urgent(registry, folder, "mot-lan", seconds=0.3)
    answer = {"pushes": Pushes(registry).after("thon-dong", 0, inline_bytes=1 << 20)}
    stop = threading.Event()
    on_disk_at_hand_over: list = []

    class Link:
        def get(self, path, timeout):
            if stop.is_set():
                raise BroadcastError("dừng")
            return answer

    class Receiver(_Receiver):
        def urgent_arrived(self, document, audio):
            on_disk_at_hand_over.append(json.loads((config.folder / "khan-cap" / "state.json").read_text())["last_seq"])
            stop.set()

    UrgentListener(config, Link(), Receiver()).run(stop)
    assert on_disk_at_hand_over == [pushed["seq"]]
    assert UrgentListener(config, Link(), Receiver()).state.last_seq == pushed["seq"]    # as a restart reads it
