"""Zones and loudspeaker clusters in a real browser: Debian's Chromium driven by Selenium, `broadcast web` on a free port.

A station with four zones (quiet hours in Xóm Bãi) and four paired clusters. The week shows every
zone side by side at 1366×900 and one zone at a time on a 390×844 phone; the urgent page sends an
announcement to the zones ticked; the Cụm loa page shows states in colour and words and takes a
volume. Every page: screenshots in tests/web/artifacts/, axe-core with no serious or critical
violation, no sideways scrolling and 44 px targets on the phone (`test_browser.check_page`).

The server runs on the wall clock, so the clusters' heartbeats are written relative to it and only
states far from a boundary are asserted (three hours: offline; none: never in contact).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import test_browser
from chromium_driver import PageWait
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_browser import WAIT_S, By, check_page, ec, login, shot, viewport
from zoned import ZONES, add_zones

from broadcast.clusters import protocol
from broadcast.clusters.registry import registry_for
from broadcast.station.config import load_station

server, chrome = test_browser.server, test_browser.chrome       # the same Chromium and `broadcast web` fixtures
QUIET_ZONES = ZONES.replace("title: Xóm Bãi\n", 'title: Xóm Bãi\n    quiet_hours: "21:00-06:00"\n')
WEEK = "/tuan?tu=2026-12-07&ngay=2026-12-07"
TITLES = ["Thôn Đông", "Thôn Trung", "Thôn Tây", "Xóm Bãi"]


@pytest.fixture
def station_dir(station_dir):
    """Four zones, a meeting notice for three of them, and four clusters paired (one silent for hours)."""
    add_zones(station_dir, zones=QUIET_ZONES)
    registry = registry_for(load_station(station_dir))
    now = datetime.now(UTC)
    for name, zone, age in (("cum-dong-1", "thon-dong", 5), ("cum-trung-1", "thon-trung", 300),
                            ("cum-tay-1", "thon-tay", 3 * 3600), ("cum-bai-1", "xom-bai", None)):
        code = registry.add(name, zone, now=now - timedelta(days=1))
        registry.pair(code, protocol.public_text(Ed25519PrivateKey.generate().public_key()),
                      now=now - timedelta(days=1))
        if age is not None:
            registry.record_heartbeat(name, {"version": "0.9.0", "clock_offset_s": 0.2, "playing": None,
                                             "last_fault": "im lặng trên loa" if zone == "thon-tay" else None},
                                      now=now - timedelta(seconds=age))
    registry.close()
    return station_dir


PAGES = {
    "can-bo": ((WEEK, "z1-tuan-vung"), (f"{WEEK}&vung=xom-bai", "z1-tuan-xom-bai"),
               ("/soan/tra_ket_qua", "z3-soan-vung"), ("/khan-cap", "z5-khan-cap-vung"),
               ("/khan-cap/mau/canh_bao_bao_lu", "z5-khan-cap-mau-vung"), ("/trang-thai", "z7-trang-thai-vung"),
               ("/cum-loa", "z9-cum-loa")),
    "chu-tich": (("/cum-loa", "z9-cum-loa-chi-xem"),),
    "quan-tri": (("/cum-loa", "z9-cum-loa-quan-tri"), ("/trang-thai", "z7-trang-thai-quan-tri")),
}


def test_zone_and_cluster_pages_at_both_sizes_pass_axe_and_fit_a_phone(server, chrome):
    for account, pages in PAGES.items():
        login(chrome, server, account)
        for path, name in pages:
            check_page(chrome, server, path, name)
        chrome.find_element(By.CSS_SELECTOR, "form.who button").click()
        PageWait(chrome, WAIT_S).until(ec.url_contains("/login"))


def visible_cells(driver, row: int = 0) -> list:
    section = driver.find_element(By.CSS_SELECTOR, "section.day.shown")
    rows = section.find_elements(By.CSS_SELECTOR, "table.zones tbody tr")
    return [c for c in rows[row].find_elements(By.CSS_SELECTOR, "td.z") if c.is_displayed()]


def test_the_week_puts_zones_side_by_side_wide_and_one_at_a_time_on_a_phone(server, chrome):
    d, wait = chrome, PageWait(chrome, WAIT_S)
    login(d, server, "can-bo")
    viewport(d, 1366, 900, False)
    d.get(f"{server}{WEEK}")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.zones")))
    cells = visible_cells(d)
    assert [c.get_attribute("data-zone") for c in cells] == TITLES
    xs = [c.rect["x"] for c in cells]
    assert xs == sorted(xs) and len(set(xs)) == 4                      # side by side, in order
    assert "Bỏ qua" in cells[3].text and "giờ yên lặng" in cells[3].text   # Xóm Bãi's 05:30
    day = d.find_element(By.CSS_SELECTOR, "section.day.shown").text
    assert "Họp thôn Đông" in day
    shot(d, "z1-tuan-vung-rong")

    viewport(d, 390, 844, True)
    d.get(f"{server}{WEEK}")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.zones")))
    cells = visible_cells(d)
    assert [c.get_attribute("data-zone") for c in cells] == ["Thôn Đông"]
    assert "Thôn Đông" in cells[0].text                                 # the zone named in the card itself
    assert d.execute_script("return document.documentElement.scrollWidth") <= 390 + 1
    d.find_element(By.LINK_TEXT, "Xóm Bãi").click()
    wait.until(ec.url_contains("vung=xom-bai"))
    cells = visible_cells(d)
    assert [c.get_attribute("data-zone") for c in cells] == ["Xóm Bãi"] and "Bỏ qua" in cells[0].text
    tabs = d.find_elements(By.CSS_SELECTOR, ".week-tabs a")
    assert all("vung=xom-bai" in t.get_attribute("href") for t in tabs)   # another day keeps the zone
    shot(d, "z1-tuan-xom-bai-dien-thoai")


def test_an_urgent_for_one_zone_is_prepared_for_that_zone_only(server, chrome):
    d, wait = chrome, PageWait(chrome, WAIT_S)
    viewport(d, 390, 844, True)
    login(d, server, "can-bo")
    d.get(f"{server}/khan-cap")
    form = d.find_element(By.ID, "khan-van-ban")
    boxes = form.find_elements(By.CSS_SELECTOR, "input[name=vung]")
    assert len(boxes) == 4 and all(b.is_selected() for b in boxes)       # every zone by default
    for box in boxes[1:]:
        box.click()
    form.find_element(By.NAME, "text").send_keys("Mất điện đột xuất tại thôn Đông đến 17 giờ.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "phat-o-vung")))
    assert d.find_element(By.ID, "phat-o-vung").text == "Chỉ phát ở: Thôn Đông."
    shot(d, "z5-khan-cap-xac-nhan-vung")


def test_the_officer_sets_a_clusters_volume_and_sees_the_states(server, chrome):
    d, wait = chrome, PageWait(chrome, WAIT_S)
    viewport(d, 390, 844, True)
    login(d, server, "can-bo")
    d.get(f"{server}/cum-loa")
    far = d.find_element(By.ID, "cum-cum-tay-1")
    assert "Mất kết nối" in far.find_element(By.CSS_SELECTOR, ".state").text
    assert "Im lặng trên loa" in far.text and "Thôn Tây" in far.text
    assert "Chưa liên lạc" in d.find_element(By.ID, "cum-cum-bai-1").text
    colours = {d.find_element(By.ID, f"cum-{n}").value_of_css_property("border-left-color")
               for n in ("cum-tay-1", "cum-bai-1")}
    assert len(colours) == 2                                              # a colour per state, words beside it
    card = d.find_element(By.ID, "cum-cum-dong-1")
    volume = card.find_element(By.NAME, "am-luong")
    volume.clear()
    volume.send_keys("35")
    card.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.flash"), "âm lượng 35"))
    assert "35" in d.find_element(By.ID, "cum-cum-dong-1").text
    shot(d, "z9-cum-loa-dat-am-luong")
    d.get(f"{server}/trang-thai")
    warning = d.find_element(By.ID, "canh-bao-cum-loa").text
    assert "Cụm loa cum-tay-1 (Thôn Tây) mất kết nối" in warning
