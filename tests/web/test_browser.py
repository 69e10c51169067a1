"""The console in a real browser: Debian's Chromium driven by Selenium, against `broadcast web` on a free port.

The officer logs in, writes an announcement from a template with a list of people, previews
it, listens to it (the audio element loads and has a duration) and sends it for approval; the
approver approves it on a phone; it then shows in the week's plan. Every page is then opened
at 1366×900 and on a 390×844 phone: a screenshot of each in tests/web/artifacts/ (not tracked),
axe-core (vendored in tests/web/vendor/, MPL-2.0) finds no serious or critical violation, the
phone never scrolls sideways, and its tap targets are at least 44 px high.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from chromium_driver import CHROMEDRIVER, CHROMIUM, PageWait, axe_problems, headless_chromium
from served import broadcast_cmd, serving
from web_helpers import PASSWORD

ARTIFACTS = Path(__file__).parent / "artifacts"
SIZES = ((1366, 900, False), (390, 844, True))
WAIT_S = 60          # an upper bound for the page to react, never a speed assertion

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
    pytest.skip("no Chromium here: install Debian's chromium and chromium-driver (apt-get install chromium "
                "chromium-driver) to run the browser test", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402


@contextmanager
def web_process(station_dir) -> Iterator[str]:
    """`broadcast web` for `station_dir` on a free port: its base URL once the port answers; stopped after."""
    with serving(["--station", str(station_dir), "web"]) as base:
        yield base


@pytest.fixture
def server(station_dir):
    for name, role in (("can-bo", "bien-tap"), ("chu-tich", "duyet"), ("quan-tri", "quan-tri")):
        subprocess.run([*broadcast_cmd(), "--station", str(station_dir), "users", "add", name, "--role", role,
                        "--password-stdin"], input=PASSWORD + "\n", text=True, check=True, timeout=120)
    with web_process(station_dir) as base:
        yield base


@pytest.fixture
def chrome():
    with headless_chromium(WAIT_S) as driver:
        yield driver


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def viewport(driver, width: int, height: int, mobile: bool) -> None:
    """The page's viewport exactly (a phone's is 390×844), whatever the window manager does."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


_SMALL_TARGETS = """
return [...document.querySelectorAll(
    'main button, main a.button, main input:not([type=hidden]), main select, main summary, nav a, header button')]
  .filter(e => e.offsetParent !== null && e.type !== 'checkbox' && e.type !== 'radio')
  .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect().height])
  .filter(([_, h]) => h < 44);
"""


def check_page(driver, base: str, path: str, name: str) -> None:
    """One page at both sizes: screenshots, axe-core, no sideways scrolling and thumb-sized targets on the phone."""
    for width, height, mobile in SIZES:
        viewport(driver, width, height, mobile)
        driver.get(f"{base}{path}")
        PageWait(driver, WAIT_S).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert driver.find_element(By.TAG_NAME, "h1").text, path
        shot(driver, f"{name}-{width}")
        assert axe_problems(driver) == [], (path, width)
        page = driver.page_source
        for leak in ("Traceback", "ConnectionError", "gaierror", "systemctl", "broadcast users", "status: approved"):
            assert leak not in page, (path, leak)
        if mobile:
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width + 1, path
            assert driver.execute_script(_SMALL_TARGETS) == [], path
    viewport(driver, 1366, 900, False)


def login(driver, base: str, name: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "username").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    PageWait(driver, WAIT_S).until(ec.url_contains("/tuan"))


def fill(driver, name: str, value: str) -> None:
    box = driver.find_element(By.NAME, name)
    box.clear()
    box.send_keys(value)


def test_officer_writes_listens_sends_and_the_approver_approves_on_a_phone(server, chrome):
    d, wait = chrome, PageWait(chrome, WAIT_S)
    d.get(f"{server}/login")
    shot(d, "0-dang-nhap")
    login(d, server, "can-bo")
    shot(d, "1-tuan-nay")

    d.get(f"{server}/soan")
    shot(d, "3-soan-chon-mau")
    d.find_element(By.ID, "mau-tra_ket_qua").click()
    wait.until(ec.presence_of_element_located((By.NAME, "v.nguoi_nhan.0.ho_ten")))
    fill(d, "v.nguoi_nhan.0.ho_ten", "ông Nguyễn Văn Bình")
    fill(d, "v.nguoi_nhan.0.thon", "Đông")
    fill(d, "v.nguoi_nhan.0.thu_tuc", "giấy chứng nhận quyền sử dụng đất")
    d.find_element(By.CSS_SELECTOR, "button[value=add-row]").click()          # one more person
    wait.until(ec.presence_of_element_located((By.NAME, "v.nguoi_nhan.1.ho_ten")))
    fill(d, "v.nguoi_nhan.1.ho_ten", "bà Trần Thị Lan")
    fill(d, "v.nguoi_nhan.1.thon", "Trung")
    fill(d, "v.nguoi_nhan.1.thu_tuc", "trích lục khai sinh")
    fill(d, "v.thoi_gian", "07/12/2026 đến 11/12/2026")
    fill(d, "title", "Mời nhận kết quả thủ tục hành chính")
    fill(d, "from", "07/12/2026")
    fill(d, "until", "09/12/2026")

    d.find_element(By.ID, "xem").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "xem-truoc"), "Máy đọc"))
    preview = d.find_element(By.ID, "xem-truoc").text
    assert "Ông Nguyễn Văn Bình, thôn Đông" in preview and "Bà Trần Thị Lan" in preview

    d.find_element(By.ID, "nghe").click()
    player = wait.until(ec.presence_of_element_located((By.ID, "nghe-audio")))
    duration = wait.until(lambda drv: drv.execute_script(
        "const a = document.getElementById('nghe-audio');"
        "return a && a.readyState >= 1 && isFinite(a.duration) && a.duration > 0 ? a.duration : false;"))
    assert duration > 5 and player.get_attribute("src").endswith(".mp3")
    assert d.execute_script("return document.getElementById('nghe-audio').error") is None
    shot(d, "3-soan-thong-bao")

    d.find_element(By.ID, "gui-duyet").click()
    wait.until(ec.url_contains("/thong-bao"))
    assert "Đã gửi duyệt" in d.page_source and "Chờ duyệt" in d.page_source
    assert "just-saved" in d.find_element(By.CSS_SELECTOR, "tr[aria-current=true]").get_attribute("class")
    shot(d, "2-thong-bao-vua-luu")
    d.find_element(By.CSS_SELECTOR, "form.who button").click()
    wait.until(ec.url_contains("/login"))

    # The chairman, on a phone.
    viewport(d, 390, 844, True)
    login(d, server, "chu-tich")
    d.get(f"{server}/duyet")
    card = d.find_element(By.CSS_SELECTOR, "article.review")
    assert "Ông Nguyễn Văn Bình" in card.text and "Mời nhận kết quả thủ tục hành chính" in card.text
    assert d.execute_script("return document.documentElement.scrollWidth") <= 390 + 1   # no sideways scrolling
    listen = card.find_element(By.CSS_SELECTOR, "form.listen button").rect
    approve = card.find_element(By.CSS_SELECTOR, "button[value=approve]").rect
    assert approve["y"] - (listen["y"] + listen["height"]) > 150      # "Nghe" is not just above "Duyệt"
    shot(d, "4-duyet-dien-thoai")
    card.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.flash"), "Đã duyệt"))

    d.get(f"{server}/tuan?tu=2026-12-07&ngay=2026-12-07")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "section.day.shown")))
    assert "Mời nhận kết quả thủ tục hành chính" in d.find_element(By.CSS_SELECTOR, "section.day.shown").text
    assert len([s for s in d.find_elements(By.CSS_SELECTOR, "section.day") if s.is_displayed()]) == 1
    assert d.execute_script("return document.documentElement.scrollHeight") < 4000     # a day, not a week
    shot(d, "1-tuan-nay-dien-thoai")


def test_the_officer_composes_a_three_column_list_on_a_phone(server, chrome):
    d, wait = chrome, PageWait(chrome, WAIT_S)
    viewport(d, 390, 844, True)
    login(d, server, "can-bo")
    d.get(f"{server}/soan/tra_ket_qua")
    wait.until(ec.presence_of_element_located((By.NAME, "v.nguoi_nhan.0.ho_ten")))
    assert d.execute_script("return document.documentElement.scrollWidth") <= 390 + 1
    box = d.find_element(By.NAME, "v.nguoi_nhan.0.thu_tuc").rect
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390            # every field of the row is on screen
    fill(d, "v.nguoi_nhan.0.ho_ten", "ông Lê Văn Hùng")
    fill(d, "v.nguoi_nhan.0.thon", "Bắc")
    fill(d, "v.nguoi_nhan.0.thu_tuc", "bản sao trích lục")
    fill(d, "v.thoi_gian", "07/12/2026 đến 11/12/2026")
    d.find_element(By.ID, "nghe").click()                                  # "Nghe thử" works on the phone too
    wait.until(lambda drv: drv.execute_script(
        "const a = document.getElementById('nghe-audio');"
        "return a && a.readyState >= 1 && isFinite(a.duration) && a.duration > 0;"))
    shot(d, "3-soan-dien-thoai")


PAGES = {
    "can-bo": (("/tuan", "1-tuan-nay"), ("/thong-bao", "2-thong-bao"), ("/soan", "3-soan-chon-mau"),
               ("/soan/tra_ket_qua", "3-soan-danh-sach"), ("/tai-len", "3-ghi-am-tai-len"),
               ("/khan-cap", "5-phat-khan-cap"), ("/khan-cap/mau/canh_bao_bao_lu", "5-khan-cap-mau"),
               ("/da-phat", "6-da-phat"), ("/bao-cao", "6-bao-cao"), ("/trang-thai", "7-trang-thai")),
    "chu-tich": (("/duyet", "4-duyet"), ("/thong-bao", "4-thong-bao-lanh-dao")),
    "quan-tri": (("/quan-tri", "8-tai-khoan"),),
}


def test_every_page_at_both_sizes_passes_axe_and_fits_a_phone(server, chrome):
    check_page(chrome, server, "/login", "0-dang-nhap")
    for account, pages in PAGES.items():
        login(chrome, server, account)
        for path, name in pages:
            check_page(chrome, server, path, name)
        chrome.find_element(By.CSS_SELECTOR, "form.who button").click()
        PageWait(chrome, WAIT_S).until(ec.url_contains("/login"))
