"""A real headless Chromium driven by playwright, for the page tests: the system's chromium
(no browser is downloaded), started once per test module."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright
from serving import KEYS, Server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# For a test that runs the chromium command itself (printing a page to PDF): it waits up to
# five seconds of the page's own time for what the page loads.
CHROMIUM_FLAGS = ["--headless", *CHROMIUM_ARGS, "--virtual-time-budget=5000"]
# A page is given this long to do what is awaited (to load, to draw): a bound for a machine
# under load, not a pace the test expects.
PATIENCE_MS = 60_000
SCREEN: ViewportSize = {"width": 1000, "height": 800}


def find_chromium() -> str:
    """Debian's chromium; installed here once when missing and apt can (CI installs it)."""
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(step, capture_output=True, timeout=900, check=False)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("no chromium: apt-get install chromium (needs root) to run the browser tests")
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = find_chromium()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def signed_in(
    browser: Browser, server: Server, holder: str = "inspector", language: str = "zh-CN"
) -> Iterator[Page]:
    """A page of a new browser context that speaks `language`, logged in through the login
    form with `holder`'s key (the session cookie carries it from there)."""
    context: BrowserContext = browser.new_context(
        viewport=SCREEN, locale=language, accept_downloads=True
    )
    context.set_default_timeout(PATIENCE_MS)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.locator('input[name="key"]').fill(KEYS[holder])
        with page.expect_navigation():
            page.locator('button[type="submit"]').click()
        assert urlsplit(page.url).path == "/", page.url
        yield page
    finally:
        context.close()
