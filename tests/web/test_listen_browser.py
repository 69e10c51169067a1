"""Nghe lại on a 390x844 phone in Debian's Chromium, against a real `broadcast web` and a really built day.

The page fits the screen (no sideways scroll), each programme's player loads its audio (the
element gets a duration), a notice opens on tap, tap targets are at least 44 px high. Screenshots
go to tests/web/artifacts/ (not tracked).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).parent / "artifacts"
WAIT_S = 60          # an upper bound for the page to react, never a speed assertion

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
    pytest.skip("no Chromium here: apt-get install chromium chromium-driver", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def broadcast_cmd() -> list[str]:
    script = Path(sys.executable).parent / "broadcast"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "broadcast"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_day(station_dir):
    # A real server reads the wall clock, so the day built is the station's today.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    subprocess.run([*broadcast_cmd(), "--station", str(station_dir), "build", "--date", today], check=True,
                   capture_output=True, timeout=600)
    port = free_port()
    proc = subprocess.Popen([*broadcast_cmd(), "--station", str(station_dir), "web", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(600):
            if proc.poll() is not None:
                pytest.fail(f"broadcast web stopped: {proc.stdout.read()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        else:
            pytest.fail("broadcast web did not open its port")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def phone():
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="broadcast-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=390,844", "--lang=vi",
                 "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_a_villager_listens_again_on_a_phone(served_day, phone):
    phone.get(f"{served_day}/nghe-lai")
    assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    width = phone.execute_script("return document.documentElement.clientWidth")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width
    players = phone.find_elements(By.TAG_NAME, "audio")
    assert len(players) == 2
    for player in players:
        phone.execute_script("arguments[0].preload = 'metadata'; arguments[0].load();", player)
    WebDriverWait(phone, WAIT_S).until(
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
