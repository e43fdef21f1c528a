"""Browser tests: Playwright (Python) driving Debian's Chromium against a live server.

They skip, saying why, when Chromium or Playwright is missing; CI installs both.
Set CHROMIUM_PATH to use another Chromium binary.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the Django ORM calls the
# tests make around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def _playwright():
    if not CHROMIUM:
        pytest.skip("No Chromium on this machine: apt-get install chromium (or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        pytest.skip("Playwright is not installed: pip install -r requirements.txt")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def tab(browser):
    """A fresh browser tab (own cookies) at a phone-like width, no JavaScript limits."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sq-AL")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
