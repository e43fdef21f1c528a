"""Page weight of each demo home page on a phone, in a real browser at a
360 x 740 viewport: every request goes to the site itself (no third party), HTML + CSS
+ JS weigh at most 50 KB compressed and everything with images at most 300 KB; images
are responsive (srcset with modern formats), have their size set (no layout shift)
and load lazily below the fold; no web font over 50 KB.

The test server does not compress (whitenoise compresses only collected static files),
so text is measured gzip-compressed here, as production sends it. `make bench`
measures the same against the production setup (tests/load/bench.py).
"""

import gzip
from urllib.parse import urlsplit

from tests.browser.demo import DEMO_HOSTS, LANGUAGES, host_url, load_demo

KB = 1000
TEXT_BUDGET = 50 * KB
TOTAL_BUDGET = 300 * KB
FONT_BUDGET = 50 * KB
TEXT_TYPES = {"document", "stylesheet", "script"}
IMAGES = """() => [...document.querySelectorAll('img')].map((img) => {
    const picture = img.closest('picture');
    return {
        src: img.currentSrc || img.src,
        width: img.getAttribute('width'),
        height: img.getAttribute('height'),
        loading: img.getAttribute('loading'),
        top: img.getBoundingClientRect().top + window.scrollY,
        srcset: Boolean(img.srcset || (picture && picture.querySelector('source[srcset]'))),
        types: picture ? [...picture.querySelectorAll('source')].map((s) => s.type) : [],
        logo: img.closest('.site-brand') !== null,
    };
})"""


def weigh(browser, url, host):
    """{kind: bytes} of everything the page made the browser fetch, and any problem."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    finished, problems = [], []
    context.on("requestfinished", lambda request: finished.append(request))
    context.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    tab = context.new_page()
    try:
        tab.goto(url, wait_until="load")
        tab.wait_for_load_state("networkidle")
        images = tab.evaluate(IMAGES)
        weights = {"text": 0, "images": 0, "fonts": 0, "other": 0}
        for request in finished:
            parts = urlsplit(request.url)
            if parts.scheme in ("data", "blob"):
                continue
            if parts.netloc != host:
                problems.append(f"third-party request: {request.url}")
                continue
            response = request.response()
            body = response.body() if response and response.status not in (204, 304) else b""
            kind = request.resource_type
            if kind in TEXT_TYPES:
                weights["text"] += len(gzip.compress(body))
            elif kind == "image":
                weights["images"] += len(body)
            elif kind == "font":
                weights["fonts"] += len(body)
                if len(body) > FONT_BUDGET:
                    problems.append(f"web font over {FONT_BUDGET} bytes: {request.url}")
            else:  # the service worker and what it fetches, the offline page…
                weights["other"] += len(gzip.compress(body))
        for image in images:
            if not (image["width"] and image["height"]):
                problems.append(f"image without width and height: {image['src']}")
            if not image["logo"] and not image["srcset"]:
                problems.append(f"image without srcset: {image['src']}")
            if image["types"] and "image/avif" not in image["types"]:
                problems.append(f"picture without a modern format: {image['src']}")
            if image["top"] > 740 and image["loading"] != "lazy":
                problems.append(f"image below the fold not lazy: {image['src']}")
        return weights, problems
    finally:
        context.close()


def test_home_pages_are_light_on_a_phone(browser, live_server, settings, tmp_path, monkeypatch):
    load_demo(settings, tmp_path, monkeypatch)
    port = urlsplit(live_server.url).port
    problems, report = [], []
    for host in DEMO_HOSTS:
        for language in LANGUAGES:
            url = host_url(live_server, host, f"/{language}/")
            weights, found = weigh(browser, url, f"{host}:{port}")
            text = weights["text"] + weights["other"]
            total = sum(weights.values())
            report.append(f"{url}: HTML+CSS+JS {text} B compressed, total {total} B {weights}")
            problems += [f"{url}: {problem}" for problem in found]
            if text > TEXT_BUDGET:
                problems.append(f"{url}: HTML+CSS+JS {text} B > {TEXT_BUDGET} B")
            if total > TOTAL_BUDGET:
                problems.append(f"{url}: everything {total} B > {TOTAL_BUDGET} B")
    print("\n".join(report))
    assert not problems, "\n".join(problems + report)
