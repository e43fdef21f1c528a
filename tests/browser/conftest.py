"""Browser tests: Playwright (Python) driving Debian's Chromium against a live server.

They skip, saying why, when Chromium or Playwright is missing; CI installs both.
Set CHROMIUM_PATH to use another Chromium binary.
"""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))
