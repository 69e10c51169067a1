"""One headless Chromium for the browser tests (Debian's chromium and chromium-driver), and a wait that
holds across page loads.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE = Path(__file__).parent / "web" / "vendor" / "axe.min.js"       # axe-core, vendored (MPL-2.0)


@contextmanager
def headless_chromium(wait_s: float, *, size: tuple[int, int] = (1280, 1000), flags: Sequence[str] = ()) -> Iterator[Any]:
    """A Selenium driver on a fresh profile, `size` (1280×1000), Vietnamese; the profile removed after.

    `flags` are more Chromium switches, e.g. a fake microphone ("--use-fake-device-for-media-stream")
    or sound without a tap ("--autoplay-policy=no-user-gesture-required").
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="broadcast-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", "--lang=vi", *flags):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(wait_s)
    driver.set_script_timeout(wait_s)           # axe-core's run is an async script: as long as a page load
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def axe_problems(driver: Any) -> list[str]:
    """Serious and critical axe-core violations of the page as it is now, one "impact rule: where" each."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => [v.impact, v.id, v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')])))"
        ".catch(e => done([['critical', 'axe-failed', String(e)]]));")
    return [f"{impact} {rule}: {where}" for impact, rule, where in result if impact in ("serious", "critical")]


# What chromedriver says when the page it was asked about is replaced in the middle of one command:
# the element was found in the old document and is read after the new one has taken its place. Each
# is the DevTools protocol's or chromedriver's own wording (Chromium 156 reports the first as "unhandled
# inspector error", and the last two as a TimeoutException although they come at once).
PAGE_REPLACED = (
    "does not belong to the document",
    "No node with given id found",
    "Cannot find context with specified id",
    "Execution context was destroyed",
    "Inspected target navigated or closed",
    "no such execution context",                # "timeout from no such execution context"
    "aborted by navigation",                    # "timeout from aborted by navigation: loader has changed ..."
)


def across_navigation(condition: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`condition`, where a page replaced while it is being read means "not yet" rather than an error.

    After a click that submits a form, a poll may find an element in the page being left and read
    it once the next page has replaced it. Selenium's own conditions catch a stale element but not
    chromedriver's "unhandled inspector error" for the same race, and a plain lambda catches
    neither. Any other WebDriver error still ends the wait at once.
    """
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )

    def poll(driver: Any) -> Any:
        try:
            return condition(driver)
        except (StaleElementReferenceException, NoSuchElementException):
            return False
        except WebDriverException as error:
            if any(words in (error.msg or "") for words in PAGE_REPLACED):
                return False
            raise

    return poll


class PageWait:
    """Selenium's `WebDriverWait(driver, timeout)` whose `until` holds across a page being replaced.

    Every browser test waits through this, so no poll can fail on the race `across_navigation`
    describes; the timeout is an upper bound for the page to react, never a speed assertion.
    """

    def __init__(self, driver: Any, timeout: float, poll_frequency: float = 0.5) -> None:
        from selenium.webdriver.support.ui import WebDriverWait
        self._wait = WebDriverWait(driver, timeout, poll_frequency=poll_frequency)

    def until(self, condition: Callable[[Any], Any], message: str = "") -> Any:
        return self._wait.until(across_navigation(condition), message)
