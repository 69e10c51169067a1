"""The province console in a real browser: Debian's Chromium driven by Selenium, against `broadcast province console`.

The leader logs in, writes a khẩn cấp bulletin, is stopped until the confirmation box is ticked,
sends it, and sees it listed; every page on a 390×844 phone never scrolls sideways and axe-core
(vendored under tests/web/vendor/) finds no serious or critical violation.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from bulletin_helpers import BROADCAST, TZ, keys
from chromium_driver import CHROMEDRIVER, CHROMIUM, PageWait, axe_problems, headless_chromium
from console_helpers import PASSWORD
from served import serving

ARTIFACTS = Path(__file__).parents[1] / "web" / "artifacts"
WAIT_S = 60          # an upper bound for the page to react, never a speed assertion

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
    pytest.skip("no Chromium here: install Debian's chromium and chromium-driver (apt-get install chromium "
                "chromium-driver) to run the browser test", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "tinh.sqlite"
    _, _, key_path = keys(tmp_path)
    subprocess.run([*BROADCAST, "province", "users", "--db", str(db), "add", "lanh-dao", "--role", "duyet",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, check=True, timeout=120)
    with serving(["province", "console", "--db", str(db), "--key", str(key_path), "--province", "Quảng Trị"],
                 "province console") as base:
        yield base, db


@pytest.fixture
def chrome():
    with headless_chromium(WAIT_S) as driver:
        yield driver


def on_a_phone(driver, name: str) -> None:
    """The page as it is now at 390×844: no sideways scrolling, no serious axe-core violation; a screenshot."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 391, name
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"tinh-{name}-390.png"))
    assert axe_problems(driver) == [], name
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def fill(driver, name: str, value: str) -> None:
    box = driver.find_element(By.NAME, name)
    box.clear()
    box.send_keys(value)


def test_the_leader_writes_confirms_and_sends_a_khan_cap_bulletin(server, chrome):
    base, db = server
    d, wait = chrome, PageWait(chrome, WAIT_S)
    d.get(f"{base}/ban-tin")
    wait.until(ec.url_contains("/login"))                             # no session: the login page
    on_a_phone(d, "dang-nhap")
    fill(d, "username", "lanh-dao")
    fill(d, "password", PASSWORD)
    d.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Bản tin gửi các xã"))
    assert "Chưa gửi bản tin nào" in d.page_source

    d.get(f"{base}/viet")
    on_a_phone(d, "viet")
    d.find_element(By.CSS_SELECTOR, "input[name=level][value=khan-cap]").click()
    fill(d, "title", "Lũ quét ở các xã miền núi")
    fill(d, "text", "Mưa rất to gây lũ quét, bà con ven suối di chuyển lên vùng cao ngay.")
    fill(d, "expires", f"{datetime.now(TZ) + timedelta(days=1):%d/%m/%Y %H:%M}")
    fill(d, "repeat_every", "30 phút")
    fill(d, "id", "lu-quet")
    d.find_element(By.ID, "luu").click()
    wait.until(ec.url_contains("/nhap/lu-quet"))
    assert "Bản tin KHẨN CẤP" in d.page_source
    on_a_phone(d, "xem-lai")

    d.find_element(By.CSS_SELECTOR, "#gui button[type=submit]").click()           # not confirmed yet
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Chưa xác nhận"))
    d.find_element(By.NAME, "confirm").click()
    d.find_element(By.CSS_SELECTOR, "#gui button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Bản tin gửi các xã"))
    listed = d.find_element(By.ID, "ban-tin-lu-quet").text
    assert "Lũ quét ở các xã miền núi" in listed and "Khẩn cấp" in listed and "lặp lại mỗi 30 phút" in listed
    assert "Đã ký và gửi bản tin số 1" in d.page_source
    on_a_phone(d, "danh-sach")

    from broadcast.province.bulletins.registry import Registry
    with Registry(db) as registry:
        assert [(b["id"], b["level"]) for b in registry.listing()] == [("lu-quet", "khan-cap")]
