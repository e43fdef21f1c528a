"""Each demo organisation in a real browser at 360 px: its own colours and typeface
(from its brand stylesheet), its logo named by its name, and its main actions in the
header as buttons that can be seen, reached with the keyboard and read."""

import pytest

from tests.browser.demo import DEMO_HOSTS, host_url, load_demo

pytestmark = pytest.mark.django_db(transaction=True)

EXPECTED = {
    "voltkosova.localhost": ("rgb(80, 35, 121)", "Inter", ["Join", "Volunteer"]),
    "kosovowewant.localhost": ("rgb(29, 63, 143)", "Noto Serif", ["Join", "Volunteer"]),
    # Its 2019 statement is closed: the campaign, not a Sign button.
    "myvotecounts.localhost": ("rgb(11, 93, 94)", "Lato", ["Our campaign"]),
}

CONTRAST = """(el) => {
    const channel = (v) => {
        v /= 255;
        return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const lum = (rgb) => { const [r, g, b] = rgb.match(/\\d+/g).map(Number);
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b); };
    const style = getComputedStyle(el);
    let bg = style.backgroundColor, node = el;
    while (bg === 'rgba(0, 0, 0, 0)' && node.parentElement) {
        node = node.parentElement; bg = getComputedStyle(node).backgroundColor; }
    const [a, b] = [lum(style.color), lum(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""


def test_each_organisation_looks_like_itself_with_its_actions_in_the_header(
    live_server, browser, settings, tmp_path, monkeypatch
):
    load_demo(settings, tmp_path, monkeypatch)  # once: the demo is slow to build
    for host in DEMO_HOSTS:
        look_at(live_server, browser, host)


def look_at(live_server, browser, host):
    colour, font, labels = EXPECTED[host]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    tab = context.new_page()
    try:
        tab.goto(host_url(live_server, host, "/en/"), wait_until="networkidle")
        header = tab.locator(".site-header")
        assert header.evaluate("el => getComputedStyle(el).backgroundColor") == colour
        assert font in tab.evaluate("getComputedStyle(document.body).fontFamily")
        assert tab.evaluate(f"document.fonts.check('16px \"{font}\"')")
        logo = tab.locator(".site-brand__logo")
        assert logo.get_attribute("alt") == tab.locator(".site-brand__name").inner_text()
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")

        buttons = tab.locator(".header-actions a")
        assert buttons.all_inner_texts() == labels
        for index in range(buttons.count()):
            button = buttons.nth(index)
            assert button.is_visible()
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 24
            assert button.evaluate(CONTRAST) >= 4.5
        # Reached with the keyboard: the skip link, the home link, then the actions.
        tab.keyboard.press("Tab")
        tab.keyboard.press("Tab")
        tab.keyboard.press("Tab")
        assert tab.evaluate("document.activeElement.textContent.trim()") == labels[0]
    finally:
        context.close()
