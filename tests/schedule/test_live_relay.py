"""A slot's live relay in the schedule: `relay: {url: ...}` accepted and checked (scheme, host, place, length)."""

from __future__ import annotations

import textwrap
from datetime import datetime

import pytest

from broadcast.errors import MultiError
from broadcast.plan.planner import live_relay
from broadcast.schedule import load_schedule


def write(tmp_path, text: str):
    folder = tmp_path / "schedules"
    folder.mkdir()
    (folder / "lich.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "tiep_am.mp3").write_bytes(b"ID3")
    return folder


def test_a_live_relay_is_read_with_its_length_and_fallback(tmp_path):
    folder = write(tmp_path, """\
        slots:
          - name: chieu
            start: "17:00"
            max_minutes: 45
            structure: [nhac-hieu, mo-dau, loi-ket, tiep-am]
            relay: {url: "http://127.0.0.1:8000/vov1.mp3", title: Tiếp âm VOV1, minutes: 30,
                    fallback: audio/tiep_am.mp3}
          - name: toi
            start: "19:00"
            max_minutes: 60
            relay: {url: "rtsp://10.0.0.5/tinh", title: Tiếp âm Đài tỉnh, source: tinh}
        """)
    chieu, toi = load_schedule(folder).slots
    assert (chieu.relay.url, chieu.relay.minutes, chieu.relay.fallback, chieu.relay.file) == (
        "http://127.0.0.1:8000/vov1.mp3", 30.0, tmp_path / "audio" / "tiep_am.mp3", None)
    assert (toi.relay.url, toi.relay.minutes, toi.relay.source) == ("rtsp://10.0.0.5/tinh", None, "tinh")
    live = live_relay(toi, festive=False)
    assert live.as_manifest(datetime(2026, 12, 1, 19, 0))["until"] == "2026-12-01T20:00:00"
    assert live_relay(toi, festive=True) is None


@pytest.mark.parametrize(("relay", "fragment"), [
    ('{url: "ftp://127.0.0.1/vov.mp3"}', "http://, https://, rtsp://"),
    ('{url: "http:///vov.mp3"}', "có tên máy"),
    ('{url: "http://nguon:matkhau@127.0.0.1/vov.mp3"}', "mật khẩu"),
    ('{url: "http://127.0.0.1/vov.mp3", file: audio/tiep_am.mp3}', "đúng một"),
    ('{title: Tiếp âm}', "đúng một"),
    ('{url: "http://127.0.0.1/vov.mp3", minutes: 50}', "dài hơn 'max_minutes: 45'"),
    ('{url: "http://127.0.0.1/vov.mp3", fallback: audio/khong_co.mp3}', "Không tìm thấy tệp dự phòng"),
    ('{url: "http://127.0.0.1/vov.mp3", minutes: 0}', "minutes"),
])
def test_a_bad_live_relay_names_its_line(tmp_path, relay, fragment):
    folder = write(tmp_path, f"""\
        slots:
          - name: chieu
            start: "17:00"
            max_minutes: 45
            relay: {relay}
        """)
    with pytest.raises(MultiError) as caught:
        load_schedule(folder)
    matching = [e for e in caught.value.errors if fragment in str(e)]
    assert matching and all(e.line == 5 and e.path == "schedules/lich.yaml" for e in matching), \
        [str(e) for e in caught.value.errors]


def test_a_live_relay_must_come_last(tmp_path):
    folder = write(tmp_path, """\
        slots:
          - name: chieu
            start: "17:00"
            max_minutes: 45
            structure: [nhac-hieu, tiep-am, loi-ket]
            relay: {url: "http://127.0.0.1/vov.mp3"}
        """)
    with pytest.raises(MultiError) as caught:
        load_schedule(folder)
    assert any("không ở cuối" in str(e) and e.line == 5 for e in caught.value.errors)


def test_the_plan_keeps_the_live_relay_out_of_the_recorded_part_and_its_minutes_out_of_the_limit():
    from datetime import date, time
    from zoneinfo import ZoneInfo

    from broadcast.model import ItemKind
    from broadcast.plan.planner import plan
    from broadcast.schedule import RelaySpec, Schedule, SlotSpec, StationCalendar

    relay = RelaySpec(file=None, title="Tiếp âm VOV1", url="http://127.0.0.1:8000/vov1.mp3", minutes=30.0)
    chieu = SlotSpec(name="chieu", title="Chiều", session="chieu", start=time(17, 0), days=frozenset(range(1, 8)),
                     max_minutes=45.0, on_holiday="normal", structure=("nhac-hieu", "mo-dau", "loi-ket", "tiep-am"),
                     relay=relay, line=1)
    schedule = Schedule(slots=(chieu,), columns=(), announcements=(), calendar=StationCalendar(), source_files=(),
                        require_approval=False)
    (p,) = plan(schedule, date(2026, 12, 7), tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert ItemKind.RELAY not in {i.kind for i in p.items}
    assert p.max_duration_s == 15 * 60                     # 45 minutes of slot, 30 of them live
    assert p.live.as_manifest(p.start) == {
        "url": "http://127.0.0.1:8000/vov1.mp3", "title": "Tiếp âm VOV1", "source": "vov", "minutes": 30.0,
        "fallback": None, "until": "2026-12-07T17:45:00+07:00"}
