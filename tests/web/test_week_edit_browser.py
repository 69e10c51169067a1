"""Lịch phát and Ghi âm in Debian's Chromium against a real `broadcast web`: both sizes, axe-core, a refused and a
saved slot, and a real MediaRecorder take (Chromium's fake microphone) sent through the page and converted."""

from __future__ import annotations

import time
from html import unescape

import pytest
from chromium_driver import PageWait, headless_chromium
from test_browser import WAIT_S, By, check_page, ec, login, server, shot  # noqa: F401

from broadcast import audio
from broadcast.station.config import load_station

RECORD_S = 3.0       # how long the fake microphone is recorded (a length, not a speed)


@pytest.fixture
def chrome_mic():
    """Chromium with a fake microphone (a beep) that the page may use without asking."""
    with headless_chromium(WAIT_S, flags=("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                                          "--autoplay-policy=no-user-gesture-required")) as driver:
        yield driver


def test_the_administrator_edits_a_slot_and_records_in_the_browser(server, chrome_mic, station_dir):  # noqa: F811
    d, wait = chrome_mic, PageWait(chrome_mic, WAIT_S)
    login(d, server, "quan-tri")
    check_page(d, server, "/lich-phat", "20-lich-phat")
    check_page(d, server, "/ghi-am", "21-ghi-am")
    check_page(d, server, "/trang-thai", "22-trang-thai-quan-tri")

    d.get(f"{server}/lich-phat")
    start = d.find_element(By.CSS_SELECTOR, "#buoi-sang input[name=start]")
    start.clear()
    start.send_keys("25:00")
    d.find_element(By.CSS_SELECTOR, "#buoi-sang button.primary").click()
    wait.until(ec.presence_of_element_located((By.ID, "buoi-sang-start-loi")))
    assert "Giờ bắt đầu '25:00' không hợp lệ" in d.find_element(By.ID, "buoi-sang-start-loi").text
    assert d.find_element(By.CSS_SELECTOR, "#buoi-sang input[name=start]").get_attribute("aria-invalid") == "true"
    shot(d, "20-lich-phat-loi-1366")
    start = d.find_element(By.CSS_SELECTOR, "#buoi-sang input[name=start]")
    start.clear()
    start.send_keys("06:00")
    d.find_element(By.CSS_SELECTOR, "#buoi-sang button.primary").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.flash")))
    assert "Đã lưu" in d.find_element(By.CSS_SELECTOR, "p.flash").text
    assert 'start: "06:00"' in (station_dir / "schedules" / "slots.yaml").read_text(encoding="utf-8")
    assert "Buổi sáng 06:00" in unescape(d.page_source)

    d.get(f"{server}/ghi-am")
    form = "#them form[data-recorder]"
    d.find_element(By.CSS_SELECTOR, f"{form} [data-start]").click()
    wait.until(lambda drv: "Đang ghi" in drv.find_element(By.CSS_SELECTOR, f"{form} [data-state]").text)
    time.sleep(RECORD_S)                    # the take's length: the fake microphone runs in real time
    d.find_element(By.CSS_SELECTOR, f"{form} [data-stop]").click()
    wait.until(lambda drv: drv.execute_script(
        f"return document.querySelector('{form} input[type=file]').files.length") == 1)
    name = d.execute_script(f"return document.querySelector('{form} input[type=file]').files[0].name")
    assert name.startswith("ghi-am-trinh-duyet") and name.endswith((".webm", ".ogg"))
    shot(d, "21-ghi-am-da-ghi-1366")
    d.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.flash, p.error-box")))
    assert "Đã lưu bản ghi" in d.find_element(By.CSS_SELECTOR, "main").text, d.find_element(By.TAG_NAME, "main").text
    station = load_station(station_dir)
    kept = [p for p in station.path(station.web.recordings).glob(f"*.{station.audio.format}")]
    assert len(kept) == 1
    info = audio.probe(kept[0])
    assert info.channels == 1 and info.duration_s > 1.0
    shot(d, "21-ghi-am-thu-vien-1366")


def test_the_officer_records_a_notice_in_the_browser(server, chrome_mic, station_dir):  # noqa: F811
    d, wait = chrome_mic, PageWait(chrome_mic, WAIT_S)
    login(d, server, "can-bo")
    check_page(d, server, "/ghi-am", "23-ghi-am-bien-tap")
    check_page(d, server, "/tai-len", "3-ghi-am-tai-len")
    d.get(f"{server}/tai-len")
    d.find_element(By.CSS_SELECTOR, "form[data-recorder] [data-start]").click()
    wait.until(lambda drv: "Đang ghi" in drv.find_element(By.CSS_SELECTOR, "[data-state]").text)
    time.sleep(RECORD_S)
    d.find_element(By.CSS_SELECTOR, "[data-stop]").click()
    wait.until(lambda drv: drv.execute_script(
        "return document.querySelector('form[data-recorder] input[type=file]').files.length") == 1)
    title = d.find_element(By.NAME, "title")
    title.clear()
    title.send_keys("Thông báo họp thôn Đông")
    d.find_element(By.CSS_SELECTOR, "button[name=action][value=draft]").click()
    wait.until(ec.url_contains("/thong-bao"))
    assert "Thông báo họp thôn Đông" in d.find_element(By.TAG_NAME, "main").text
    d.get(f"{server}/ghi-am")
    assert "thông báo “Thông báo họp thôn Đông”" in d.find_element(By.TAG_NAME, "main").text
    shot(d, "23-ghi-am-dang-dung-1366")
