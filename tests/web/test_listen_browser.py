"""Nghe lại on a 390x844 phone in Debian's Chromium, against a real `broadcast web` and a really built day.

The page fits the screen (no sideways scroll), each programme's player loads its audio (the
element gets a duration), a notice opens on tap, tap targets are at least 44 px high. Screenshots
go to tests/web/artifacts/ (not tracked).
"""

from __future__ import annotations

import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from chromium_driver import PageWait, headless_chromium
from test_browser import ARTIFACTS, WAIT_S, By, broadcast_cmd, web_process


@pytest.fixture
def served_day(station_dir):
    # A real server reads the wall clock, so the day built is the station's today.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    subprocess.run([*broadcast_cmd(), "--station", str(station_dir), "build", "--date", today], check=True,
                   capture_output=True, timeout=600)
    with web_process(station_dir) as base:
        yield base


@pytest.fixture
def phone():
    with headless_chromium(WAIT_S, size=(390, 844), flags=("--autoplay-policy=no-user-gesture-required",)) as driver:
        yield driver


def test_a_villager_listens_again_on_a_phone(served_day, phone):
    phone.get(f"{served_day}/nghe-lai")
    assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    width = phone.execute_script("return document.documentElement.clientWidth")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width
    players = phone.find_elements(By.TAG_NAME, "audio")
    assert len(players) == 2
    for player in players:
        phone.execute_script("arguments[0].preload = 'metadata'; arguments[0].load();", player)
    PageWait(phone, WAIT_S).until(
        lambda d: all(d.execute_script("return arguments[0].duration > 1", p) for p in players))
    summaries = phone.find_elements(By.TAG_NAME, "summary")
    assert summaries and all(s.size["height"] >= 44 for s in summaries[:5])
    assert all(p.size["height"] >= 44 for p in players)
    summaries[0].click()
    text = phone.find_element(By.CSS_SELECTOR, "details[open] .text")
    assert text.is_displayed() and len(text.text) > 20
    ARTIFACTS.mkdir(exist_ok=True)
    phone.save_screenshot(str(ARTIFACTS / "nghe-lai-390.png"))
    phone.get(f"{served_day}/nghe-lai/podcast.xml")
    assert "rss" in phone.page_source
