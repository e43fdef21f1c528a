"""WCAG 2.2 AA in a real browser, on the demo sites in both languages.

- axe-core (carried by axe-playwright-python) over every page type and every form, in
  the default state and with the form's errors shown: zero violations.
- Reflow: no horizontal scrolling at 320 CSS px, nor at 1280 px zoomed to 200 %
  (a 640 CSS px wide viewport at device scale factor 2, what a browser lays out then).
- Reduced motion: nothing animates or transitions when the visitor asks for less.
- Keyboard: every form is completed and sent with Tab, Space, arrows and Enter only,
  with a visible focus indicator on every stop; errors come back as a focused summary
  at the top of the form whose links lead to the fields, and each field in error has
  aria-invalid and aria-describedby pointing at its message.

Each test loads the demo once and loops, collecting every finding into one message.
"""

from axe_playwright_python.sync_playwright import Axe

from tests.browser.demo import (
    DEMO_HOSTS,
    demo_pages,
    first_url,
    host_url,
    load_demo,
    reopen_signing,
)

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}
SUBMIT = "main form.signup-form button[type=submit]"
STATEMENT_SUBMIT = "#statement form.signup-form button[type=submit]"
NO_HORIZONTAL_SCROLL = (
    "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
)
WIDER_THAN_VIEWPORT = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > width + 1)
        .slice(0, 5)
        .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
}"""
MOVING = """() => {
    const moving = document.getAnimations().map((a) => 'animation on ' + a.effect?.target?.tagName);
    for (const e of document.querySelectorAll('*')) {
        const style = getComputedStyle(e);
        const durations = (style.transitionDuration + ',' + style.animationDuration).split(',');
        if (durations.some((d) => parseFloat(d) > 0.01)) {
            moving.push(e.tagName.toLowerCase() + '.' + e.className);
        }
    }
    return moving.slice(0, 5);
}"""
FOCUS_STYLE = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const s = getComputedStyle(e);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    const shadow = s.boxShadow && s.boxShadow !== 'none';
    return {
        tag: e.tagName.toLowerCase(),
        name: e.name || e.id || (e.textContent || '').trim().slice(0, 40),
        type: e.type || '',
        visible: Boolean(outline || shadow),
        inForm: Boolean(e.closest('form')),
    };
}"""


def audit(axe, tab, label):
    results = axe.run(tab, options=AXE_OPTIONS).response["violations"]
    return [
        f"{label} {tab.url}: {v['id']} ({v['impact']}) "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in results
    ]


def test_axe_reflow_and_motion_on_every_page_and_form(
    browser, live_server, settings, tmp_path, monkeypatch
):
    load_demo(settings, tmp_path, monkeypatch)
    pages = demo_pages(live_server)
    axe = Axe()
    problems = []

    context = browser.new_context(viewport={"width": 390, "height": 844})
    narrow = browser.new_context(viewport={"width": 320, "height": 640})
    zoomed = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    calm = browser.new_context(viewport={"width": 390, "height": 844}, reduced_motion="reduce")
    tab, narrow_tab, zoomed_tab, calm_tab = (c.new_page() for c in (context, narrow, zoomed, calm))
    try:
        for label, url in pages:
            response = tab.goto(url)
            expected = 404 if label.startswith("404") else 200
            if response.status != expected:
                problems.append(f"{label} {url}: status {response.status}")
                continue
            if label.startswith("search"):
                assert tab.locator(".search-results li").count() > 0, f"no results at {url}"
            problems += audit(axe, tab, label)
            for name, other in (("320 px", narrow_tab), ("200 % zoom", zoomed_tab)):
                other.goto(url)
                if not other.evaluate(NO_HORIZONTAL_SCROLL):
                    wide = other.evaluate(WIDER_THAN_VIEWPORT)
                    problems.append(f"{label} {url}: horizontal scrolling at {name}: {wide}")
            calm_tab.goto(url)
            moving = calm_tab.evaluate(MOVING)
            if moving:
                problems.append(f"{label} {url}: moves despite reduced motion: {moving}")

        # Every form with its errors shown (sent empty), in both languages.
        reopen_signing()
        for language in ("sq", "en"):
            for type_name in ("JoinPage", "VolunteerPage"):
                tab.goto(first_url(live_server, type_name, language))
                tab.locator(SUBMIT).click()
                tab.wait_for_selector("[data-error-summary]")
                problems += audit(axe, tab, f"{type_name} with errors ({language})")
            tab.goto(first_url(live_server, "CampaignPage", language) + "sign/")
            tab.locator(STATEMENT_SUBMIT).click()
            tab.wait_for_selector("#statement [data-error-summary]")
            problems += audit(axe, tab, f"statement with errors ({language})")
            # The search form: no query, and a query without results.
            for query in ("", "?q=zzzqqxx"):
                tab.goto(host_url(live_server, DEMO_HOSTS[2], f"/{language}/search/{query}"))
                problems += audit(axe, tab, f"search {query or 'empty'} ({language})")
    finally:
        for c in (context, narrow, zoomed, calm):
            c.close()
    assert not problems, "\n".join(problems)


# -- keyboard ------------------------------------------------------------------------


def press_tab_until(tab, matches, problems, limit=200):
    """Tab forward until the focused element satisfies ``matches`` (a JS predicate
    over ``document.activeElement``), checking the focus indicator at every stop."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        focus = tab.evaluate(FOCUS_STYLE)
        if focus and not focus["visible"]:
            problems.append(f"{tab.url}: no visible focus on {focus}")
        if tab.evaluate(f"(e => {matches})(document.activeElement)"):
            return focus
    raise AssertionError(f"{tab.url}: never reached {matches} with Tab")


def check_error_summary(tab, form_selector, problems):
    summary = tab.locator(f"{form_selector} [data-error-summary]")
    if summary.count() != 1:
        problems.append(f"{tab.url}: no error summary in {form_selector}")
        return
    # The summary is announced: focus moves to it.
    if not tab.evaluate("document.activeElement.hasAttribute('data-error-summary')"):
        problems.append(f"{tab.url}: focus is not on the error summary")
    links = summary.locator("a[href^='#']")
    assert links.count() >= 2, f"{tab.url}: the summary links to no field"
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")[1:]
        field = tab.locator(f"[id='{target}']")
        if field.count() != 1:
            problems.append(f"{tab.url}: summary link #{target} leads nowhere")
            continue
        invalid = field.get_attribute("aria-invalid")
        described = (field.get_attribute("aria-describedby") or "").split()
        in_fieldset = field.evaluate("e => e.closest('fieldset') !== null")
        if in_fieldset:
            described = (
                field.evaluate("e => e.closest('fieldset').getAttribute('aria-describedby')") or ""
            ).split()
        elif invalid != "true":
            problems.append(f"{tab.url}: #{target} in error without aria-invalid")
        if f"{target.removesuffix('_0')}_error" not in described:
            problems.append(f"{tab.url}: #{target} not described by its error ({described})")
    # Following a link of the summary by keyboard puts the focus on its field.
    tab.keyboard.press("Tab")
    first = links.first.get_attribute("href")[1:]
    tab.keyboard.press("Enter")
    if tab.evaluate("document.activeElement.id") != first:
        problems.append(f"{tab.url}: the summary link did not move focus to #{first}")


VALUES = {
    "given_name": "Lira",
    "family_name": "Shembulli",
    "year_of_birth": "1990",
}


def fill_by_keyboard(tab, form_selector, email, problems):
    """Tab through the form from the top of the page and fill in what is required:
    text by typing, a choice in a list with the arrow keys, boxes with Space; then
    send it with Enter on its button."""
    is_submit = f"e.matches('{form_selector} button[type=submit]')"
    in_form = (
        f"(e.closest('{form_selector}') !== null && e.matches('input, select, textarea, button'))"
    )
    ticked_area = False
    # Start where the focus is (the first field in error, after the summary's link).
    if tab.evaluate(f"(e => {in_form})(document.activeElement)"):
        focus = tab.evaluate(FOCUS_STYLE)
    else:
        focus = press_tab_until(tab, in_form, problems)
    while True:
        if tab.evaluate(f"(e => {is_submit})(document.activeElement)"):
            tab.keyboard.press("Enter")
            return
        name = focus["name"].split("-", 1)[-1]
        if name in VALUES:
            tab.keyboard.type(VALUES[name])
        elif name == "email":
            tab.keyboard.type(email)
        elif name == "municipality":
            tab.keyboard.press("ArrowDown")
            tab.keyboard.press("ArrowDown")
        elif name in ("consent", "age_confirmed") or (name == "areas" and not ticked_area):
            tab.keyboard.press("Space")
            ticked_area = ticked_area or name == "areas"
        focus = press_tab_until(tab, in_form, problems)


def test_forms_by_keyboard_alone(browser, live_server, settings, tmp_path, monkeypatch):
    from membership.models import SignUp

    load_demo(settings, tmp_path, monkeypatch)
    reopen_signing()
    problems = []
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        forms = [
            ("JoinPage", "sq", "", "main form.signup-form", "#thank-you"),
            ("VolunteerPage", "en", "", "main form.signup-form", "#thank-you"),
            ("CampaignPage", "sq", "sign/", "#statement form.signup-form", "#statement-thank-you"),
        ]
        for type_name, language, route, form, thanks in forms:
            tab.goto(first_url(live_server, type_name, language) + route)
            # Sent empty: the errors come back, announced and linked.
            press_tab_until(tab, f"e.matches('{form} button[type=submit]')", problems)
            tab.keyboard.press("Enter")
            tab.wait_for_selector(f"{form} [data-error-summary]")
            tab.wait_for_load_state("load")
            check_error_summary(tab, form, problems)
            # Then completed and sent, still by keyboard.
            email = f"keyboard-{type_name.lower()}-{language}@example.org"
            fill_by_keyboard(tab, form, email, problems)
            tab.wait_for_selector(thanks)
            assert SignUp.objects.filter(supporter__email=email).exists(), type_name

        # The search form in the header.
        tab.goto(first_url(live_server, "HomePage", "en"))
        press_tab_until(tab, "e.id === 'site-search-q'", problems)
        tab.keyboard.type("Kosovo")
        tab.keyboard.press("Enter")
        tab.wait_for_url("**/search/?q=Kosovo")
        assert tab.locator(".search-results li").count() > 0
    finally:
        context.close()
    assert not problems, "\n".join(problems)
