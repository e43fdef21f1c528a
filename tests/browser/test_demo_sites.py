"""Each demo organisation, in a real browser: Albanian home, switch to English, menu."""

import io
from urllib.parse import urlsplit

from django.core.management import call_command

SITES = [
    ("voltkosova", "Volt Kosova"),
    ("kosovowewant", "Kosovo We Want"),
    ("myvotecounts", "#MyVoteCounts"),
]


def test_demo_sites_in_albanian_then_english(tab, live_server, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "browser-demo")
    call_command("load_demo", stdout=io.StringIO())
    port = urlsplit(live_server.url).port
    for host, english_name in SITES:
        tab.goto(f"http://{host}.localhost:{port}/")
        tab.wait_for_url("**/sq/")
        assert tab.locator("html").get_attribute("lang") == "sq"
        assert tab.locator("main h1").count() == 1

        tab.get_by_role("navigation", name="Gjuha").get_by_role("link", name="English").click()
        tab.wait_for_url("**/en/")
        assert tab.locator("html").get_attribute("lang") == "en"
        assert english_name in tab.locator("header").inner_text()

        menu = tab.get_by_role("navigation", name="Main menu")
        items = menu.get_by_role("link")
        assert items.count() >= 2
        last = items.nth(items.count() - 1)
        target = last.get_attribute("href")
        last.click()
        tab.wait_for_url(f"**{target}")
        assert tab.locator("html").get_attribute("lang") == "en"
        assert tab.locator("main h1").count() == 1
        assert "/en/" in tab.url
