"""Zones in the console: the week per zone, zones picked in compose and urgent, outputs per zone on the status page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import yaml
from test_workflow_pages import FORM
from web_helpers import START
from zoned import ZONES, add_zones

from broadcast.log.asrun import AsRunLog
from broadcast.play.state import state_paths
from broadcast.station.config import load_station

QUIET_ZONES = ZONES.replace("title: Xóm Bãi\n", 'title: Xóm Bãi\n    quiet_hours: "21:00-06:00"\n').replace(
    "title: Thôn Trung\n    outputs: [file]", 'title: Thôn Trung\n    outputs: [file, "null"]')
WEEK = "/tuan?tu=2026-12-07"
TITLES = ("Thôn Đông", "Thôn Trung", "Thôn Tây", "Xóm Bãi")


@pytest.fixture
def web_station(web_station):
    """The console's station with four zones: a meeting notice for each of three, quiet hours for Xóm Bãi."""
    add_zones(web_station.root, zones=QUIET_ZONES)
    return load_station(web_station.root)


def text_of(html: str) -> str:
    """What the officer reads: the page without tags and attribute values."""
    body = html.split("<main>", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


def cells(html: str, day: str, zone_title: str) -> list[str]:
    """The cells of one zone's column on one day."""
    section = html.split(f'id="ngay-{day}"', 1)[1].split("</section>", 1)[0]
    return [c.split("</td>", 1)[0] for c in section.split(f'data-zone="{zone_title}">')[1:]]


# -- the week --------------------------------------------------------------------------------

def test_the_week_shows_every_zone_side_by_side_with_its_own_programme(browser):
    page = browser("bien-tap").get(WEEK)
    assert page.status_code == 200
    head = page.text.split('<table class="zones">', 1)[1].split("</thead>", 1)[0]
    assert [t for t in TITLES if t in head] == list(TITLES)
    east = " ".join(cells(page.text, "2026-12-07", "Thôn Đông"))
    middle = " ".join(cells(page.text, "2026-12-07", "Thôn Trung"))
    assert "Họp thôn Đông" in east and "Họp thôn Đông" not in middle
    assert "Họp thôn Trung" in middle and "Họp thôn Trung" not in east


def test_a_slot_in_a_zones_quiet_hours_is_shown_skipped_with_the_reason(browser):
    page = browser("duyet").get(WEEK).text
    bai = cells(page, "2026-12-07", "Xóm Bãi")
    morning = bai[0]                                   # the 05:30 slot comes first
    assert "Bỏ qua" in morning and "giờ yên lặng của Xóm Bãi (21:00-06:00)" in morning
    assert all("Bỏ qua" not in c for c in cells(page, "2026-12-07", "Thôn Đông"))


@pytest.mark.parametrize("zone, title", [("thon-tay", "Thôn Tây"), ("xom-bai", "Xóm Bãi")])
def test_one_zone_chosen_shows_that_zone_alone_named_by_title(browser, zone, title):
    page = browser("quan-tri").get(f"{WEEK}&vung={zone}").text
    head = page.split('<table class="zones">', 1)[1].split("</thead>", 1)[0]
    assert title in head and all(t not in head for t in TITLES if t != title)
    assert 'aria-current="true">' + title in page
    assert zone not in text_of(page)                  # ids travel in links only
    assert f"ngay=2026-12-08&amp;vung={zone}" in page  # a phone's day tabs keep the zone


@pytest.mark.parametrize("bad", ["khong-co", "THON-DONG", "thon-dong'", "../x", "x" * 300])
def test_an_unknown_zone_in_the_link_is_a_400_in_vietnamese(browser, bad):
    page = browser("bien-tap").get("/tuan", params={"vung": bad})
    assert page.status_code == 400
    assert "Vùng phát đã chọn không có trong lịch phát của đài" in page.text
    assert "Traceback" not in page.text and "InputError" not in page.text


def test_the_week_page_asks_for_a_session(browser):
    assert browser().get(WEEK).status_code == 303


# -- compose ---------------------------------------------------------------------------------

def zone_boxes(html: str) -> dict[str, bool]:
    return {m.group(1): bool(m.group(2)) for m in
            re.finditer(r'name="vung" value="([a-z-]+)"( checked)?', html)}


def notice_file(console) -> dict:
    files = sorted(console.store.folder.glob("*.yaml"))
    return yaml.safe_load(files[-1].read_text(encoding="utf-8"))


def test_compose_offers_every_zone_by_title_all_ticked(browser):
    page = browser("bien-tap").get("/soan/tra_ket_qua").text
    assert zone_boxes(page) == {"thon-dong": True, "thon-trung": True, "thon-tay": True, "xom-bai": True}
    assert all(f"> {t}</label>" in page for t in TITLES)


@pytest.mark.parametrize("ticked, saved", [
    (["thon-dong"], ["thon-dong"]),
    (["xom-bai", "thon-trung"], ["thon-trung", "xom-bai"]),              # in the zones' order
    (["thon-dong", "thon-trung", "thon-tay", "xom-bai"], None),          # every zone: no `zones:`
])
def test_the_zones_picked_are_saved_as_zones_in_the_notice_file(browser, console, ticked, saved):
    officer = browser("bien-tap")
    r = officer.post("/soan/tra_ket_qua", {**FORM, "action": "draft", "vung": ticked})
    assert r.status_code == 303, r.text[:2000]
    entry = notice_file(console)
    assert entry.get("zones") == saved
    reopened = officer.get(f"/soan/tra_ket_qua?sua={entry['id']}").text
    assert [z for z, on in zone_boxes(reopened).items() if on] == (saved or
                                                                  ["thon-dong", "thon-trung", "thon-tay", "xom-bai"])


def test_a_notice_for_one_zone_then_for_all_loses_its_zones(browser, console):
    officer = browser("bien-tap")
    officer.post("/soan/tra_ket_qua", {**FORM, "action": "draft", "vung": ["thon-tay"]})
    entry = notice_file(console)
    r = officer.post("/soan/tra_ket_qua", {**FORM, "action": "draft", "id": entry["id"],
                                           "version": str(entry["version"]), "vung": list(TITLE_NAMES)})
    assert r.status_code == 303
    assert "zones" not in notice_file(console)


TITLE_NAMES = ("thon-dong", "thon-trung", "thon-tay", "xom-bai")


def test_no_zone_ticked_keeps_the_form_with_a_vietnamese_error(browser, console):
    r = browser("bien-tap").post("/soan/tra_ket_qua", {**FORM, "action": "draft"})
    assert r.status_code == 400
    assert "Chọn ít nhất một vùng phát" in r.text
    assert "ông Nguyễn Văn Bình" in r.text                 # nothing typed is lost
    assert not list(console.store.folder.glob("*.yaml"))


@pytest.mark.parametrize("bad", ["thon-bac", "", "toan-xa"])
def test_a_zone_the_page_never_offered_is_a_400(browser, console, bad):
    r = browser("bien-tap").post("/soan/tra_ket_qua", {**FORM, "action": "draft", "vung": ["thon-dong", bad]})
    assert r.status_code == 400
    assert "Vùng phát đã chọn không có trong lịch phát của đài" in r.text
    assert not list(console.store.folder.glob("*.yaml"))


def test_compose_without_csrf_is_refused(browser, console):
    officer = browser("bien-tap")
    r = officer.client.post("/soan/tra_ket_qua", data={**FORM, "action": "draft", "vung": ["thon-dong"]},
                            follow_redirects=False)
    assert r.status_code == 403
    assert not list(console.store.folder.glob("*.yaml"))


# -- urgent ----------------------------------------------------------------------------------

def prepared_meta(console) -> dict:
    folder = console.station.path(console.station.paths.state) / "web" / "khan-cap"
    return json.loads(sorted(folder.glob("*.json"))[-1].read_text(encoding="utf-8"))


@pytest.mark.parametrize("role", ["bien-tap", "duyet"])
def test_an_urgent_text_for_some_zones_says_where_and_keeps_the_zones(browser, console, role):
    sender = browser(role)
    page = sender.get("/khan-cap").text
    assert zone_boxes(page) == {"thon-dong": True, "thon-trung": True, "thon-tay": True, "xom-bai": True}
    r = sender.post("/khan-cap/van-ban", {"text": "Mất điện đột xuất tại thôn Đông đến 17 giờ.",
                                          "vung": ["thon-dong", "xom-bai"]})
    assert r.status_code == 200
    assert "Chỉ phát ở:" in r.text and "Thôn Đông, Xóm Bãi" in r.text
    assert prepared_meta(console)["zones"] == ["thon-dong", "xom-bai"]


def test_an_urgent_for_every_zone_has_no_zones(browser, console):
    r = browser("bien-tap").post("/khan-cap/van-ban", {"text": "Bão số 9 đang vào.", "vung": list(TITLE_NAMES)})
    assert r.status_code == 200 and "Chỉ phát ở" not in r.text
    assert "zones" not in prepared_meta(console)


def test_an_urgent_from_a_template_takes_the_zones_too(browser, console):
    sender = browser("bien-tap")
    form = sender.get("/khan-cap/mau/canh_bao_bao_lu").text
    assert zone_boxes(form)
    fields = dict(re.findall(r'name="(v\.[^"]+)" value="([^"]*)"', form))
    r = sender.post("/khan-cap/mau/canh_bao_bao_lu", {**fields, "vung": ["thon-tay"]})
    assert r.status_code == 200, r.text[-2000:]
    assert "Chỉ phát ở:" in r.text and "Thôn Tây" in r.text
    assert prepared_meta(console)["zones"] == ["thon-tay"]


@pytest.mark.parametrize("ticked, status, words", [
    ([], 400, "Chọn ít nhất một vùng phát"),
    (["thon-dong", "vung-la"], 400, "Vùng phát đã chọn không có"),
])
def test_an_urgent_with_no_zone_or_a_strange_one_is_a_400(browser, console, ticked, status, words):
    r = browser("bien-tap").post("/khan-cap/van-ban", {"text": "Mất điện.", "vung": ticked})
    assert r.status_code == status and words in r.text
    folder = console.station.path(console.station.paths.state) / "web" / "khan-cap"
    assert not folder.is_dir() or not list(folder.glob("*.json"))


def test_quan_tri_cannot_send_an_urgent(browser):
    r = browser("quan-tri").post("/khan-cap/van-ban", {"text": "Mất điện.", "vung": ["thon-dong"]})
    assert r.status_code == 403


def test_a_direct_urgent_plays_on_the_outputs_of_its_zones_only(console, monkeypatch):
    """As `broadcast announce --zone`: the console's direct play passes the zones to `play_directly`."""
    from broadcast.daemon import announce
    from broadcast.web import console as console_module

    seen = {}
    monkeypatch.setattr(announce, "play_directly", lambda station, audio, meta, **kw: seen.update(kw) or "ok")
    assert console_module._play_directly(console.station, "x.mp3", {"zones": ["thon-tay"]}, now=START) == "ok"
    assert [z.name for z in seen["zones"]] == ["thon-tay"] and seen["zones"][0].outputs == ("file",)
    console_module._play_directly(console.station, "x.mp3", {}, now=START)
    assert seen["zones"] is None


# -- status ----------------------------------------------------------------------------------

def log_programme(console, zone, status, pid, *, minutes_ago=60, error=None):
    moment = START - timedelta(minutes=minutes_ago)
    with AsRunLog(state_paths(console.station)[0]) as log:
        log.programme_started(programme_id=pid, day=moment.date(), slot="sang", session="sang",
                              scheduled_at=moment, title="Chương trình buổi sáng", started_at=moment,
                              status=status, zone=zone, ended_at=moment + timedelta(minutes=20), error=error)
    return moment


def test_the_status_page_lists_each_output_of_each_zone_and_its_last_programme(browser, console):
    log_programme(console, "thon-dong", "played", "2026-12-03-sang")
    moment = log_programme(console, "thon-trung", "played", "2026-12-03-sang")
    with AsRunLog(state_paths(console.station)[0]) as log:
        log.event("output", moment + timedelta(seconds=5),
                  "Vùng Thôn Trung: Đầu ra không mở được (null; kiểm tra lại) [2026-12-03-sang]")
    page = browser("duyet").get("/trang-thai").text
    table = page.split('class="list zone-status"', 1)[1].split("</table>", 1)[0]
    rows = {t: r for r in table.split("<tr>")[1:] for t in TITLES if f"<strong>{t}</strong>" in r}
    assert set(rows) == set(TITLES)
    assert "Ghi ra tệp (chạy thử): <span class=\"badge built\">đã phát" in rows["Thôn Đông"]
    assert "Ghi ra tệp (chạy thử): <span class=\"badge built\">đã phát" in rows["Thôn Trung"]
    assert "Không ra loa (chạy thử): <span class=\"badge stale\">không phát được</span> Đầu ra không mở được" \
        in rows["Thôn Trung"]
    assert "chưa phát buổi nào" in rows["Thôn Tây"]
    assert "yên lặng 21:00-06:00" in rows["Xóm Bãi"]
    assert "Buổi tới" in table
    assert "null" not in text_of(page) and "thon-" not in text_of(page)


def test_a_failed_last_programme_is_said_without_technical_words(browser, console):
    log_programme(console, "thon-tay", "failed", "2026-12-03-sang",
                  error="Không mở được card âm thanh (ffmpeg: /dev/snd/pcmC1D0p: No such file)")
    page = browser("bien-tap").get("/trang-thai").text
    row = page.split("<strong>Thôn Tây</strong>", 1)[1].split("</tr>", 1)[0]
    assert '<span class="badge stale">lỗi</span>' in row
    assert "/dev/" not in row and "ffmpeg" not in row


def test_the_next_programme_skips_a_zones_quiet_hours(browser, console, clock):
    clock.now = START.replace(hour=4, minute=0)        # before the 05:30 slot
    page = browser("bien-tap").get("/trang-thai").text
    east = page.split("<strong>Thôn Đông</strong>", 1)[1].split("</tr>", 1)[0]
    bai = page.split("<strong>Xóm Bãi</strong>", 1)[1].split("</tr>", 1)[0]
    assert "05:30 03/12/2026" in east
    assert "05:30 03/12/2026" not in bai


def test_a_recorded_notice_takes_its_zones_too(browser, console, tmp_path):
    from test_store_uploads import tone

    officer = browser("bien-tap")
    assert zone_boxes(officer.get("/tai-len").text) == dict.fromkeys(TITLE_NAMES, True)
    form = {"title": "Thông báo của trưởng thôn", "from": "07/12/2026", "slots": ["sang"], "days": ["T2"],
            "action": "draft", "vung": ["thon-trung"]}
    with open(tone(tmp_path / "thong-bao.m4a"), "rb") as handle:
        r = officer.post("/tai-len", form, files={"recording": ("thong-bao.m4a", handle, "audio/mp4")})
    assert r.status_code == 303, r.text[-1500:]
    assert notice_file(console)["zones"] == ["thon-trung"]
    with open(tone(tmp_path / "lan-hai.m4a"), "rb") as handle:
        r = officer.post("/tai-len", {**form, "vung": []}, files={"recording": ("lan-hai.m4a", handle, "audio/mp4")})
    assert r.status_code == 400 and "Chọn ít nhất một vùng phát" in r.text


def test_a_built_day_shows_each_zones_own_file_and_what_went_stale_where(browser, console):
    from broadcast.build import build_day

    build_day(console.station, START.date().replace(day=7), toolkit=console.toolkit, now=START)
    officer = browser("bien-tap")
    page = officer.get(WEEK).text
    east, middle = cells(page, "2026-12-07", "Thôn Đông")[0], cells(page, "2026-12-07", "Thôn Trung")[0]
    assert "Đã dựng" in east and "Đã dựng" in middle
    files = [re.search(r'src="/audio/2026-12-07/([^"]+)"', c).group(1) for c in (east, middle)]
    assert files == ["0530-sang-thon-dong.wav", "0530-sang-thon-trung.wav"]
    assert officer.get(f"/audio/2026-12-07/{files[0]}").status_code == 200
    meeting = console.station.root / "schedules" / "hop-thon.yaml"
    meeting.write_text(meeting.read_text(encoding="utf-8").replace("Họp thôn Đông", "Họp thôn Đông (dời lịch)"),
                       encoding="utf-8")
    page = officer.get(WEEK).text
    east, middle = cells(page, "2026-12-07", "Thôn Đông")[0], cells(page, "2026-12-07", "Thôn Trung")[0]
    assert "Cần dựng lại" in east and "Vì sao cần dựng lại" in east
    assert "Đã dựng" in middle and "Vì sao" not in middle
    assert "Dựng lại ngày 07/12" in page.split('id="ngay-2026-12-07"', 1)[1].split("</section>", 1)[0]
