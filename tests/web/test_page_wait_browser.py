"""The browser tests' wait holds while pages replace each other, in Debian's Chromium.

A form submitted in a browser test loads the next page while the test polls for it; a poll can
find an element in the page being left and read it after the next one has replaced it. CI once
failed on exactly that (chromedriver: "Node with given id does not belong to the document").
Here a chain of pages replace each other as fast as they load while each kind of condition the
browser tests use is polled without pause: Selenium's conditions, a plain lambda that reads an
element, and a script. `PageWait` must see the last page every time, whatever poll meets the race.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from chromium_driver import CHROMEDRIVER, CHROMIUM, PageWait, across_navigation, headless_chromium

WAIT_S = 60          # an upper bound for the pages to settle, never a speed assertion
HOPS = 12            # pages in one chain: each replaces itself with the next soon after it has loaded
PAUSES_MS = (0, 7, 23, 3, 41, 13, 29, 1, 17, 37, 5, 11)   # how soon: while the test polls the loaded page

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
    pytest.skip("no Chromium here: install Debian's chromium and chromium-driver (apt-get install chromium "
                "chromium-driver) to run the browser test", allow_module_level=True)

from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402


class Chain(BaseHTTPRequestHandler):
    """`/trang?con=N`: a page whose h1 says "Trang N" and which goes on to N−1 just after loading, until 0."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        left = int(parse_qs(urlsplit(self.path).query).get("con", ["0"])[0])
        onward = (f'<script>addEventListener("load", () => setTimeout('
                  f'() => location.replace("/trang?con={left - 1}"), {PAUSES_MS[left % len(PAUSES_MS)]}))</script>'
                  if left > 0 else "")
        body = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                f"<title>Trang {left}</title></head><body><main><h1>Trang {left}</h1>"
                + "<p>Nội dung của trang.</p>" * 200 + f"</main>{onward}</body></html>").encode("utf-8")
        time.sleep(0.02)                 # a server's think time, so one poll can span two pages
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def chain_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Chain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def h1_text(driver) -> bool:
    return driver.find_element(By.TAG_NAME, "h1").text == "Trang 0"


def main_text_by_script(driver) -> bool:
    return driver.execute_script("return document.querySelector('main h1').textContent") == "Trang 0"


CONDITIONS = {
    "Selenium's text condition": ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Trang 0"),
    "a lambda reading the element": h1_text,
    "an element read twice": lambda d: (h := d.find_element(By.CSS_SELECTOR, "main h1")).is_displayed()
                                       and h.text == "Trang 0",
    "a script": main_text_by_script,
    "Selenium's title condition": ec.title_is("Trang 0"),
}


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_each_kind_of_wait_sees_the_last_page_of_a_chain_that_replaces_itself(name):
    with chain_server() as base, headless_chromium(WAIT_S) as driver:
        for round_ in range(3):
            driver.execute_script(f"location.replace('{base}/trang?con={HOPS}')")   # no wait for the load
            assert PageWait(driver, WAIT_S, poll_frequency=0.001).until(CONDITIONS[name]), (name, round_)
            assert driver.title == "Trang 0"


class Replaced:
    """A driver stand-in for one poll: the condition raises `error` on its first `times` calls."""

    def __init__(self, error: Exception, times: int = 1) -> None:
        self.error, self.times, self.calls = error, times, 0

    def condition(self, driver) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "trang mới"


@pytest.mark.parametrize("error", [
    WebDriverException('unknown error: unhandled inspector error: {"code":-32000,"message":'
                       '"Node with given id does not belong to the document"}'),
    WebDriverException("unknown error: unhandled inspector error: {\"code\":-32000,\"message\":"
                       "\"No node with given id found\"}"),
    WebDriverException("javascript error: Execution context was destroyed."),
    WebDriverException("unknown error: Cannot find context with specified id"),
    WebDriverException("unknown error: Inspected target navigated or closed"),
    TimeoutException("timeout\nfrom no such execution context"),
    TimeoutException("timeout\nfrom aborted by navigation: loader has changed while resolving nodes"),
    StaleElementReferenceException("stale element reference: stale element not found"),
    NoSuchElementException("no such element: Unable to locate element"),
], ids=["not-in-document", "no-node", "context-destroyed", "no-context", "target-navigated", "no-execution-context",
    "loader-changed", "stale", "not-yet"])
def test_a_page_replaced_mid_poll_is_not_yet_and_the_next_poll_answers(error):
    replaced = Replaced(error, times=2)
    poll = across_navigation(replaced.condition)
    assert [poll(None), poll(None), poll(None)] == [False, False, "trang mới"]


@pytest.mark.parametrize("error", [
    WebDriverException("unknown error: session deleted because of page crash"),
    WebDriverException("invalid session id"),
    TimeoutException("script timeout"),
    WebDriverException("javascript error: missingFunction is not defined"),
    ValueError("a mistake in the test itself"),
])
def test_any_other_error_ends_the_wait_at_once_instead_of_after_its_timeout(error):
    poll = across_navigation(Replaced(error).condition)
    with pytest.raises(type(error)):
        poll(None)
