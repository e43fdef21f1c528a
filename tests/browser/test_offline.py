"""The service worker (static/js/sw.js) in a real browser: pages read stay readable
offline, any other page shows the offline page in the visitor's language, and pages
with a form are never served from the worker's cache. The site works without it."""

from urllib.parse import urlsplit

from tests.browser.demo import first_url, load_demo
from tests.membership.conftest import join_page, rules  # noqa: F401 - fixtures

OFFLINE_HEADING = {"sq": "Jeni jashtë linje", "en": "You are offline"}
CACHED_URLS = """async () => {
    const urls = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) urls.push(new URL(request.url).pathname
            + new URL(request.url).search);
    }
    return urls;
}"""


def path_of(url):
    return urlsplit(url).path


def wait_for(tab, expression, arg=None, seconds=15):
    """Poll ``expression`` (tab.wait_for_function evaluates strings, which the strict
    Content-Security-Policy of the public pages forbids)."""
    for _ in range(int(seconds * 10)):
        if tab.evaluate(expression, arg):
            return
        tab.wait_for_timeout(100)
    raise AssertionError(f"{tab.url}: {expression} ({arg}) never came true")


def wait_until_cached(tab, path):
    wait_for(tab, "async (path) => Boolean(await caches.match(path, {ignoreVary: true}))", path)


def h1(tab):
    return tab.locator("main h1").first.inner_text()


def test_pages_read_stay_available_offline(browser, live_server, settings, tmp_path, monkeypatch):
    load_demo(settings, tmp_path, monkeypatch)
    from movement.models import NewsPage

    # One site that has news (not every demo organisation publishes any).
    site = NewsPage.objects.live().filter(locale__language_code="sq").first().get_site()
    home_sq = first_url(live_server, "HomePage", "sq", site)
    home_en = first_url(live_server, "HomePage", "en", site)
    news = first_url(live_server, "NewsPage", "sq", site)
    join = first_url(live_server, "JoinPage", "sq", site)
    unvisited_sq = first_url(live_server, "MovementPage", "sq", site)
    unvisited_en = first_url(live_server, "MovementPage", "en", site)
    assert len({urlsplit(u).netloc for u in (home_sq, news, join, unvisited_sq)}) == 1

    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # The first visit installs the worker; it then controls the tab and keeps the
        # offline page of the language read.
        tab.goto(home_sq)
        wait_for(tab, "() => navigator.serviceWorker.controller !== null")
        wait_until_cached(tab, "/sq/offline/")
        tab.goto(news)
        news_heading = h1(tab)
        news_font = tab.evaluate("getComputedStyle(document.body).fontFamily")
        wait_until_cached(tab, path_of(news))
        tab.goto(join)
        join_heading = h1(tab)
        tab.goto(home_en)
        wait_until_cached(tab, "/en/offline/")
        wait_until_cached(tab, path_of(home_en))

        cached = tab.evaluate(CACHED_URLS)
        assert path_of(news) in cached
        assert path_of(join) not in cached, "a page with a form was kept"
        assert not [url for url in cached if "?" in url], cached
        assert any(url.startswith("/static/css/") for url in cached), cached

        context.set_offline(True)
        # A page read before: shown from the device, after a reload too.
        tab.goto(news)
        assert h1(tab) == news_heading
        tab.reload()
        assert h1(tab) == news_heading
        # Styled as online: the site's and the organisation's stylesheets came along.
        assert tab.evaluate("getComputedStyle(document.body).fontFamily") == news_font
        # Pages never read: the offline page, in the language of the address.
        tab.goto(unvisited_sq)
        assert h1(tab) == OFFLINE_HEADING["sq"]
        assert tab.locator("html").get_attribute("lang") == "sq"
        tab.goto(unvisited_en)
        assert h1(tab) == OFFLINE_HEADING["en"]
        # A form page is never served from the worker's cache.
        tab.goto(join)
        assert h1(tab) == OFFLINE_HEADING["sq"] != join_heading

        context.set_offline(False)
        tab.goto(join)
        assert h1(tab) == join_heading
    finally:
        context.close()
    assert not errors, errors


def test_site_works_without_service_workers(browser, live_server, settings, org, join_page):  # noqa: F811
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    context = browser.new_context(service_workers="block")
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        tab.goto(live_server.url + join_page[1].url)
        tab.get_by_role("button", name="Send my application").click()
        # The error summary takes the focus without the worker, too.
        tab.wait_for_selector("[data-error-summary]:focus")
        assert tab.evaluate("navigator.serviceWorker.controller") is None
    finally:
        context.close()
    assert not errors, errors
