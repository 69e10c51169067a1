"""The Cụm loa page: each cluster's state by heartbeat age (colour and words), its card, volume and mute
for quản trị and biên tập only, and the status page's warnings when a cluster missed a programme or went silent."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from web_helpers import START

from broadcast.clusters import protocol
from broadcast.clusters.registry import registry_for
from broadcast.web.clusterview import plain_fault

NOW = START.astimezone(UTC)
# name, seconds since its last heartbeat (None: never), state class, state words
CLUSTERS = [("cum-dong", 20, "online", "Trực tuyến"), ("cum-trung", 300, "late", "Chậm liên lạc"),
            ("cum-tay", 3 * 3600, "offline", "Mất kết nối"), ("cum-moi", None, "never", "Chưa liên lạc")]


@pytest.fixture
def registry(console):
    registry = registry_for(console.station)
    for name, age, _, _ in CLUSTERS:
        code = registry.add(name, "toan-xa", now=NOW - timedelta(days=2))
        registry.pair(code, protocol.public_text(Ed25519PrivateKey.generate().public_key()), now=NOW - timedelta(days=2))
        if age is not None:
            registry.record_heartbeat(name, {"version": "0.9.0", "clock_offset_s": 0.4 if age < 100 else 7.25,
                                             "playing": "Chương trình buổi sáng" if age < 100 else None,
                                             "last_fault": None}, now=NOW - timedelta(seconds=age))
    yield registry
    registry.close()


def card(html: str, name: str) -> str:
    return html.split(f'id="cum-{name}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("role", ["bien-tap", "duyet", "quan-tri"])
def test_every_cluster_has_its_state_in_colour_and_words(browser, registry, role):
    page = browser(role).get("/cum-loa")
    assert page.status_code == 200
    for name, _, state, words in CLUSTERS:
        html = card(page.text, name)
        assert f'<span class="state {state}">{words}</span>' in html, name
    assert page.text.split('class="cluster ', 1)[1].startswith("offline")      # the worst first
    assert "1 cụm trực tuyến, 1 cụm chậm liên lạc, 1 cụm mất kết nối" in page.text


def test_a_card_shows_heartbeat_offset_playing_fault_version_and_zone_by_title(browser, registry):
    registry.record_heartbeat("cum-dong", {"version": "0.9.1", "clock_offset_s": -0.35, "playing": "[khẩn] Bão số 9",
                                           "last_fault": "im lặng trên loa"}, now=NOW - timedelta(seconds=12))
    html = card(browser("duyet").get("/cum-loa").text, "cum-dong")
    assert "Toàn xã" in html and "toan-xa" not in html
    assert "08:59:48 03/12/2026 (12 giây trước)" in html          # the station's time, DD/MM/YYYY
    assert "-0,3 giây" in html or "-0,4 giây" in html
    assert "Khẩn: Bão số 9" in html and "Im lặng trên loa" in html and "0.9.1" in html
    late = card(browser("duyet").get("/cum-loa").text, "cum-trung")
    assert "+7,2 giây (lệch nhiều: kiểm tra đồng hồ của máy)" in late or "+7,3 giây (lệch nhiều" in late
    assert "không phát" in late


@pytest.mark.parametrize("fault, shown", [
    ("OSError: [Errno 28] No space left on device: '/var/lib/broadcast/x.mp3'", "lỗi kỹ thuật trên máy của cụm loa"),
    ("không tải được ngày 2026-12-07 từ /api/ngay (ConnectionError)", "Không tải được ngày 2026-12-07 từ"),
    ("ValueError: không đọc được chữ ký", "Không đọc được chữ ký"),
    ("", ""),
])
def test_faults_are_said_without_paths_or_exception_names(fault, shown):
    text = plain_fault(fault)
    assert text.startswith(shown)
    assert "/" not in text and "Error" not in text


def test_a_fault_on_the_page_has_no_path_or_exception(browser, registry):
    registry.record_heartbeat("cum-dong", {"last_fault": "FileNotFoundError: /srv/cum/audio/0530-sang.mp3"},
                              now=NOW - timedelta(seconds=5))
    html = card(browser("bien-tap").get("/cum-loa").text, "cum-dong")
    assert "/srv" not in html and "FileNotFoundError" not in html and "lỗi kỹ thuật" in html


@pytest.mark.parametrize("role", ["bien-tap", "quan-tri"])
def test_quan_tri_and_bien_tap_set_volume_and_mute(browser, registry, console, role):
    officer = browser(role)
    assert 'action="/cum-loa/dieu-khien"' in officer.get("/cum-loa").text
    r = officer.post("/cum-loa/dieu-khien", {"cum": "cum-dong", "am-luong": "40"})
    assert r.status_code == 303 and r.headers["location"] == "/cum-loa#cum-cum-dong"
    assert registry.control("cum-dong") == {"volume": 40, "mute": False}
    r = officer.post("/cum-loa/dieu-khien", {"cum": "cum-dong", "am-luong": "40", "tat-tieng": "1"})
    assert registry.control("cum-dong") == {"volume": 40, "mute": True}
    page = officer.get("/cum-loa").text
    assert "Đã đặt cho cụm loa cum-dong: tắt tiếng" in page and "đã tắt tiếng" in card(page, "cum-dong")
    assert console.audit.recent(limit=1)[0]["action"] == "cluster-control"
    assert "chờ cụm loa nhận lệnh" in card(page, "cum-dong")        # until the receiver reports it
    registry.record_heartbeat("cum-dong", {"control": {"volume": 40, "mute": True}}, now=NOW)
    assert "chờ cụm loa nhận lệnh" not in card(officer.get("/cum-loa").text, "cum-dong")


def test_duyet_sees_the_page_read_only_and_cannot_post(browser, registry):
    approver = browser("duyet")
    assert "/cum-loa/dieu-khien" not in approver.get("/cum-loa").text
    r = approver.post("/cum-loa/dieu-khien", {"cum": "cum-dong", "am-luong": "10"})
    assert r.status_code == 403
    assert registry.control("cum-dong") == {}


def test_control_without_csrf_or_session_is_refused(browser, registry):
    officer = browser("bien-tap")
    r = officer.client.post("/cum-loa/dieu-khien", data={"cum": "cum-dong", "am-luong": "10"}, follow_redirects=False)
    assert r.status_code == 403
    anonymous = browser()
    assert anonymous.post("/cum-loa/dieu-khien", {"cum": "cum-dong", "am-luong": "10"}).status_code == 401
    assert anonymous.get("/cum-loa").status_code == 303
    assert registry.control("cum-dong") == {}


@pytest.mark.parametrize("form, words", [
    ({"cum": "cum-dong", "am-luong": "150"}, "Âm lượng &#34;150&#34; không hợp lệ (ghi một số từ 0 đến 100)"),
    ({"cum": "cum-dong", "am-luong": "-1"}, "không hợp lệ"),
    ({"cum": "cum-dong", "am-luong": "to"}, "không hợp lệ"),
    ({"cum": "cum-khong-co", "am-luong": "50"}, "Không có cụm loa này"),
    ({"cum": "../../x", "am-luong": "50"}, "Không có cụm loa này"),
])
def test_bad_control_input_is_a_400_in_vietnamese(browser, registry, form, words):
    r = browser("bien-tap").post("/cum-loa/dieu-khien", form)
    assert r.status_code == 400 and words in r.text
    assert "Traceback" not in r.text
    assert registry.control("cum-dong") == {}


def test_a_revoked_cluster_shows_without_controls(browser, registry):
    registry.revoke("cum-tay", now=NOW)
    html = card(browser("quan-tri").get("/cum-loa").text, "cum-tay")
    assert '<span class="state revoked">Đã thu hồi</span>' in html and "dieu-khien" not in html


def test_a_station_without_clusters_says_so_and_makes_no_folder(browser, console):
    page = browser("bien-tap").get("/cum-loa").text
    assert "Đài chưa có cụm loa IP nào" in page
    assert not (console.station.path(console.station.paths.state) / "cum-loa").exists()
    assert "canh-bao-cum-loa" not in browser("bien-tap").get("/trang-thai").text


# -- warnings on the status page ---------------------------------------------------------------

def row(name, uid, **fields):
    return {"uid": uid, "date": "2026-12-03", "programme_id": "2026-12-03-sang", "title": "Chương trình buổi sáng",
            "zone": "toan-xa", "cluster": name, "scheduled_at": "2026-12-03T05:30:00+07:00",
            "started_at": "2026-12-03T05:30:00+07:00", "status": "played", **fields}


def test_the_status_page_warns_when_a_cluster_went_silent_or_missed_a_programme(browser, registry):
    registry.record_rows("cum-dong", [row("cum-dong", "a", fault="im lặng trên loa")])
    registry.record_rows("cum-trung", [row("cum-trung", "b", status="failed",
                                           error="không mở được card âm thanh: OSError /dev/snd")])
    page = browser("duyet").get("/trang-thai").text
    box = page.split('id="canh-bao-cum-loa"', 1)[1].split("</div>", 1)[0]
    assert "Cụm loa cum-dong (Toàn xã): im lặng trên loa khi phát “Chương trình buổi sáng” lúc 05:30 03/12." in box
    assert "Cụm loa cum-trung (Toàn xã) không phát trọn “Chương trình buổi sáng” lúc 05:30 03/12" in box
    assert "Cụm loa cum-tay (Toàn xã) mất kết nối từ 3 giờ trước." in box
    assert "/dev" not in box and "OSError" not in box
    assert re.search(r'href="/cum-loa"', box)


def test_a_played_row_is_no_warning(browser, registry):
    registry.record_rows("cum-dong", [row("cum-dong", "a")])
    page = browser("duyet").get("/trang-thai").text
    assert "cum-dong" not in page.split('id="canh-bao-cum-loa"', 1)[1].split("</div>", 1)[0]


def test_a_programme_a_cluster_never_reported_is_a_warning_after_it_ended(browser, registry, console, clock):
    from broadcast.build import build_day

    build_day(console.station, START.date(), toolkit=console.toolkit, now=START)
    from broadcast.play.state import read_day

    programmes = read_day(console.station.path(console.station.paths.audio_out), START.date())["programmes"]
    first, rest = programmes[0], programmes[1:]
    registry.record_rows("cum-dong", [row("cum-dong", "a", programme_id=first["id"])])
    clock.now = START.replace(hour=23, minute=30)
    box = browser("duyet").get("/trang-thai").text.split('id="canh-bao-cum-loa"', 1)[1].split("</div>", 1)[0]
    mine = [line for line in box.split("<li>") if line.startswith("Cụm loa cum-dong") and "mất kết nối từ" not in line]
    assert len(mine) == len(rest) and rest
    assert all("chưa báo đã phát" in line and "có thể đã lỡ buổi này hoặc mất kết nối" in line for line in mine)
    clock.now = START.replace(hour=5, minute=0)          # before the first slot: nothing is due yet
    page = browser("duyet").get("/trang-thai").text
    assert "chưa báo đã phát" not in page


def test_the_nav_shows_cum_loa_only_once_the_station_has_clusters(browser, console):
    """A station without IP clusters gets no Cụm loa link (the page still answers); the first one adds it."""
    officer = browser("bien-tap")
    assert 'href="/cum-loa"' not in officer.get("/tuan").text
    assert officer.get("/cum-loa").status_code == 200
    registry = registry_for(console.station)
    registry.add("cum-dong", "toan-xa", now=NOW)
    registry.close()
    assert 'href="/cum-loa"' in officer.get("/tuan").text
