"""Kosovo We Want in its three languages (Albanian, Serbian in Latin script, English),
in a real browser against the demo.

- Every live page of the site in each language: it loads, says its language, has one
  h1 and no script error, and its language switcher lists the three languages and
  leads to the same page in the other language; search and the 404 page in Serbian;
  Volt Kosova, which offers no Serbian, has no Serbian prefix nor switcher entry.
- Joining and registering for a congress in Serbian: the forms by their Serbian
  labels, the Serbian errors, thank-you and confirmation pages, and emails in Serbian.
- Screenshots of the Serbian home, congress and join pages at 1280 and 360 px wide,
  in /tmp/shots/kww-sr/ (SHOTS_DIR), to look at.

Each test loads the demo once and walks many pages, collecting what is wrong into one
message.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext, ngettext
from wagtail.models import Site

from membership.models import SignUp, Supporter
from tests.browser.demo import host_url, load_demo, page_url
from tests.home.test_language_purity import MARKERS, one_language_texts, problems

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KWW = "kosovowewant.localhost"
VOLT = "voltkosova.localhost"
LANGUAGES = ["sq", "sr-latn", "en"]
# The switcher is a navigation named in the page's language; it names each language
# in that language.
SWITCHER = {"sq": "Gjuha", "sr-latn": "Jezik", "en": "Language"}
LANGUAGE_NAMES = {"sq": "Shqip", "sr-latn": "Srpski", "en": "English"}
SHOTS_DIR = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/kww-sr"))


def in_language(language, message, **values):
    """``message`` as the catalogue of ``language`` has it, filled in with ``values``."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def site_pages(host):
    """{language: [live pages of the site in that language, in tree order]}."""
    site = Site.objects.get(hostname=host)
    found = {}
    for home in site.root_page.get_translations(inclusive=True):
        pages = home.get_descendants(inclusive=True).live().specific().order_by("path")
        found[home.locale.language_code] = list(pages)
    return found


def path_of(url):
    return urlsplit(url).path


def watch_errors(tab):
    """A list that fills with the console errors and uncaught exceptions of ``tab``,
    and the failed requests of its pages. A form sent with errors comes back with
    status 400 on purpose (membership/models.py); Chromium logs that as a console
    error, which is left out."""
    errors = []
    refused_forms = set()

    def on_response(response):
        request = response.request
        if (
            response.status == 400
            and request.method == "POST"
            and request.resource_type == "document"
        ):
            refused_forms.add(response.url)
        elif response.status >= 400 and request.resource_type != "document":
            errors.append(f"{response.status} for {request.method} {response.url}")

    def on_console(message):
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and (
            message.location.get("url") in refused_forms
        ):
            return
        errors.append(f"console: {message.text} ({message.location.get('url')})")

    tab.on("response", on_response)
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


def switcher_of(tab, language):
    return tab.get_by_role("navigation", name=SWITCHER[language], exact=True)


def follow_switcher(tab, language, to_language):
    link = switcher_of(tab, language).get_by_role(
        "link", name=LANGUAGE_NAMES[to_language], exact=True
    )
    with tab.expect_navigation():
        link.click()
    return path_of(tab.url)


def other_language_problems(tab, language, only, label):
    return [f"{label} {tab.url}: {found}" for found in problems(tab.content(), language, only)]


def test_every_page_in_three_languages_with_switcher_search_and_404(
    browser, live_server, settings, tmp_path, monkeypatch
):
    load_demo(settings, tmp_path, monkeypatch)
    pages = site_pages(KWW)
    assert sorted(pages) == sorted(LANGUAGES), pages.keys()
    by_path = {path_of(page_url(live_server, page)): page for ps in pages.values() for page in ps}
    types = {type(page).__name__ for page in pages["sq"]}
    # Every page type of the site is there in each language, the same number of each
    # (so both congresses, the one past and the one to come, in every language).
    for language in LANGUAGES:
        counts = sorted(type(page).__name__ for page in pages[language])
        assert counts == sorted(type(page).__name__ for page in pages["sq"]), language
    assert {"HomePage", "CongressPage", "JoinPage", "VolunteerPage"} <= types
    assert len(pages["sq"]) >= 10, pages["sq"]
    only = one_language_texts()
    problems_found = []

    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors = watch_errors(tab)
    try:
        for language in LANGUAGES:
            for page in pages[language]:
                label = f"{type(page).__name__} ({language})"
                url = page_url(live_server, page)
                errors.clear()
                response = tab.goto(url)
                tab.wait_for_load_state("load")
                if response.status != 200:
                    problems_found.append(f"{label} {url}: status {response.status}")
                    continue
                lang = tab.locator("html").get_attribute("lang")
                if lang != language:
                    problems_found.append(f"{label} {url}: <html lang={lang!r}>")
                if (count := tab.locator("h1").count()) != 1:
                    problems_found.append(f"{label} {url}: {count} h1")
                switcher = switcher_of(tab, language)
                if switcher.count() != 1:
                    problems_found.append(f"{label} {url}: no navigation {SWITCHER[language]!r}")
                    continue
                links = switcher.get_by_role("link")
                names = [name.strip() for name in links.all_inner_texts()]
                if names != list(LANGUAGE_NAMES.values()):
                    problems_found.append(f"{label} {url}: switcher lists {names}")
                # Each link of the switcher leads to this page in that language.
                for i, code in enumerate(LANGUAGES[: len(names)]):
                    href = path_of(links.nth(i).get_attribute("href"))
                    target = by_path.get(href)
                    if (
                        target is None
                        or target.translation_key != page.translation_key
                        or target.locale.language_code != code
                    ):
                        problems_found.append(f"{label} {url}: {names[i]} leads to {href}")
                problems_found += other_language_problems(tab, language, only, label)
                if language == "sq":
                    # Srpski from the Albanian page, then English from the Serbian one.
                    serbian = by_path.get(follow_switcher(tab, "sq", "sr-latn"))
                    if serbian is None or (
                        serbian.translation_key,
                        serbian.locale.language_code,
                    ) != (page.translation_key, "sr-latn"):
                        problems_found.append(f"{label} {url}: Srpski led to {tab.url}")
                    elif tab.locator("html").get_attribute("lang") != "sr-latn":
                        problems_found.append(f"{label}: {tab.url} is not in Serbian")
                    else:
                        english = by_path.get(follow_switcher(tab, "sr-latn", "en"))
                        if english is None or (
                            english.translation_key,
                            english.locale.language_code,
                        ) != (page.translation_key, "en"):
                            problems_found.append(f"{label} {url}: English led to {tab.url}")
                problems_found += [f"{label} {url}: {error}" for error in errors]

        # Search in Serbian finds Serbian pages.
        errors.clear()
        url = host_url(live_server, KWW, "/sr-latn/search/?q=kongres")
        response = tab.goto(url)
        assert response.status == 200, url
        assert tab.locator("html").get_attribute("lang") == "sr-latn"
        assert tab.locator("h1").count() == 1
        results = tab.locator(".search-results li a")
        assert results.count() > 0, f"no results at {url}"
        for href in results.evaluate_all("links => links.map((a) => a.getAttribute('href'))"):
            target = by_path.get(path_of(href))
            if target is None or target.locale.language_code != "sr-latn":
                problems_found.append(f"search (sr-latn): result {href} is not a Serbian page")
        status = tab.locator("[role=status]").inner_text()
        if "kongres" not in status or "result" in status or "rezultat" not in status:
            problems_found.append(f"search (sr-latn): the count says {status!r}")
        problems_found += other_language_problems(tab, "sr-latn", only, "search (sr-latn)")
        problems_found += [f"search (sr-latn): {error}" for error in errors]

        # The 404 page in Serbian.
        url = host_url(live_server, KWW, "/sr-latn/nema-takve-stranice/")
        response = tab.goto(url)
        assert response.status == 404, url
        assert tab.locator("html").get_attribute("lang") == "sr-latn"
        heading = tab.locator("h1").inner_text()
        assert heading == in_language("sr-latn", "Page not found"), heading
        assert heading != "Page not found"
        assert in_language("sq", "Page not found") not in tab.locator("body").inner_text()
        home_link = tab.get_by_role(
            "link", name=in_language("sr-latn", "Go to the home page"), exact=True
        )
        assert home_link.get_attribute("href") == "/sr-latn/"
        problems_found += other_language_problems(tab, "sr-latn", only, "404 (sr-latn)")

        # Volt Kosova offers Albanian and English only.
        for path in ("/sr-latn/", "/sr-latn/search/?q=Volt"):
            response = tab.goto(host_url(live_server, VOLT, path))
            assert response.status == 404, path
            offered = tab.locator(".language-switcher a").all_inner_texts()
            assert "Srpski" not in [name.strip() for name in offered], offered
        for language in ("sq", "en"):
            tab.goto(host_url(live_server, VOLT, f"/{language}/"))
            assert tab.locator("html").get_attribute("lang") == language
            names = switcher_of(tab, language).get_by_role("link").all_inner_texts()
            assert [name.strip() for name in names] == ["Shqip", "English"], names
            assert tab.locator("link[hreflang=sr-latn]").count() == 0

        # Screenshots of Serbian pages, wide and narrow, to look at.
        take_screenshots(browser, live_server, pages["sr-latn"])
    finally:
        context.close()
    assert not problems_found, "\n".join(problems_found)


def take_screenshots(browser, live_server, serbian_pages):
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    chosen = [
        ("home", next(p for p in serbian_pages if type(p).__name__ == "HomePage")),
        ("join", next(p for p in serbian_pages if type(p).__name__ == "JoinPage")),
    ]
    congresses = [p for p in serbian_pages if type(p).__name__ == "CongressPage"]
    chosen += [(f"congress-{page.slug}", page) for page in congresses]
    for width, height in ((1280, 800), (360, 740)):
        context = browser.new_context(viewport={"width": width, "height": height})
        shot_tab = context.new_page()
        try:
            for name, page in chosen:
                shot_tab.goto(page_url(live_server, page))
                shot_tab.wait_for_load_state("load")
                shot_tab.screenshot(path=str(SHOTS_DIR / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()


# -- forms and emails in Serbian ------------------------------------------------------


def email_body_problems(message, expected_lines):
    """What in this email is not Serbian: an expected Serbian line missing, the English
    or Albanian version of one present, or words that mark another language."""
    found = []
    body = message.body
    text = re.sub(r"https?://\S+", " ", body)
    for line in expected_lines:
        msgid, values = line if isinstance(line, tuple) else (line, {})
        serbian = in_language("sr-latn", msgid, **values)
        if serbian not in body:
            found.append(f"{message.subject!r}: no {serbian!r}")
        for other in ("en", "sq"):
            version = in_language(other, msgid, **values)
            if version != serbian and version in body:
                found.append(f"{message.subject!r}: {other} text {version!r}")
    for other in ("sq", "en"):
        for match in MARKERS[other].finditer(text):
            if match.group().lower() == "to":  # Serbian too
                continue
            at = match.start()
            found.append(
                f"{message.subject!r}: {other} word {match.group()!r} in "
                f"…{text[max(at - 40, 0) : at + 40]}…"
            )
    return found


def field(tab, label):
    """The field whose label starts with ``label`` (labels end with a colon, and with
    an asterisk when required)."""
    return tab.get_by_label(re.compile(rf"^{re.escape(label)}(:|\s|$)"))


def local(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def link_in(message, param):
    return re.search(rf"https?://\S+\?{param}=\S+", message.body).group(0)


def test_join_and_congress_registration_in_serbian(
    browser, live_server, settings, tmp_path, monkeypatch
):
    load_demo(settings, tmp_path, monkeypatch)
    pages = site_pages(KWW)["sr-latn"]
    join = next(p for p in pages if type(p).__name__ == "JoinPage")
    organisation = "Kosovo koje želimo"
    only = one_language_texts()
    found = []

    def sr(message, **values):
        text = in_language("sr-latn", message, **values)
        assert text != (message % values if values else message), f"{message!r} untranslated"
        return text

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sr-Latn-RS")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors = watch_errors(tab)
    try:
        # -- join: first without an email address --------------------------------------
        email = "milan.serbian-join@example.org"
        supporters = Supporter.objects.count()
        tab.goto(page_url(live_server, join))
        assert tab.locator("html").get_attribute("lang") == "sr-latn"
        field(tab, sr("Given name")).fill("Milan")
        field(tab, sr("Family name")).fill("Primerović")
        field(tab, sr("Phone")).fill("+383 44 123 456")
        field(tab, sr("Municipality")).select_option(label="Gračanica")
        field(tab, sr("Year of birth")).fill("1994")
        tab.get_by_label(join.consent_text).check()
        send = tab.get_by_role("button", name=sr("Send my application"), exact=True)
        with tab.expect_navigation():
            send.click()
        required = sr("This field is required.")
        assert required != "This field is required."
        summary = tab.locator("[data-error-summary]")
        assert summary.count() == 1
        assert field(tab, sr("Email")).get_attribute("aria-invalid") == "true"
        email_error = tab.locator("#id_email_error")
        assert required in email_error.inner_text(), email_error.inner_text()
        for text in (summary.inner_text(), email_error.inner_text()):
            for other in ("en", "sq"):
                assert in_language(other, "This field is required.") not in text, text
        found += other_language_problems(tab, "sr-latn", only, "join with errors")
        # What was typed is kept; nothing was stored.
        assert field(tab, sr("Given name")).input_value() == "Milan"
        assert Supporter.objects.count() == supporters
        assert not mail.outbox

        # -- then complete ----------------------------------------------------------------
        field(tab, sr("Email")).fill(email)
        with tab.expect_navigation():
            send.click()
        thanks = tab.locator("#thank-you")
        assert thanks.count() == 1, tab.locator("main").inner_text()[:500]
        assert sr("Thank you!") in thanks.inner_text()
        assert join.thank_you.split("\n")[0].strip() in thanks.inner_text()
        found += other_language_problems(tab, "sr-latn", only, "join thank-you")
        signup = SignUp.objects.get(supporter__email=email)
        assert signup.language == "sr-latn" and signup.state == "pending"
        assert signup.supporter.municipality == "gracanice"

        (message,) = [m for m in mail.outbox if m.to == [email]]
        assert message.subject == sr(
            "Please confirm your email address for %(organisation)s", organisation=organisation
        )
        with translation.override("sr-latn"):
            validity = [
                ngettext(
                    "The link is valid for %(counter)s day.",
                    "The link is valid for %(counter)s days.",
                    days,
                )
                % {"counter": days}
                for days in range(1, 366)
            ]
        assert any(line in message.body for line in validity), message.body
        found += email_body_problems(
            message,
            [
                "Hello,",
                (
                    "Someone, probably you, used this email address on the website of "
                    "%(organisation)s.",
                    {"organisation": organisation},
                ),
                "To confirm it, open this link:",
                "If it was not you, ignore this email: without confirmation nothing is kept "
                "for long.",
                "Changed your mind later? You can withdraw at any time:",
            ],
        )
        for html, _type in message.alternatives:
            assert 'lang="sr-latn"' in html or "lang=sr-latn" in html, html[:300]

        # The link only asks; the button confirms, in Serbian.
        tab.goto(host_url(live_server, KWW, local(link_in(message, "confirm"))))
        assert tab.locator("html").get_attribute("lang") == "sr-latn"
        found += other_language_problems(tab, "sr-latn", only, "confirm page")
        with tab.expect_navigation():
            tab.get_by_role("button", name=sr("Confirm my email address"), exact=True).click()
        tab.wait_for_url("**?confirmed=*")
        main = tab.locator("main").inner_text()
        assert sr("Thank you: your email address is confirmed.") in main, main
        assert sr("Your membership application is confirmed. We will be in touch.") in main
        found += other_language_problems(tab, "sr-latn", only, "confirmed page")
        assert SignUp.objects.get(supporter__email=email).state == "confirmed"
        found += [f"join: {error}" for error in errors]

        # -- congress registration --------------------------------------------------------
        errors.clear()
        mail.outbox.clear()
        upcoming = [
            p for p in pages if type(p).__name__ == "CongressPage" and p.registration_enabled
        ]
        assert upcoming, "the demo has no Serbian congress page that takes registrations"
        congress = upcoming[0]
        email = "jelena.serbian-congress@example.org"
        tab.goto(page_url(live_server, congress))
        tab.get_by_role("link", name=sr("Register to take part"), exact=True).click()
        tab.wait_for_url("**/register/")
        assert tab.locator("html").get_attribute("lang") == "sr-latn"
        found += other_language_problems(tab, "sr-latn", only, "congress registration")
        choice = field(tab, sr("Language of our emails"))
        options = choice.locator("option")
        assert options.all_inner_texts() == ["Shqip", "Srpski", "English"]
        assert options.evaluate_all("os => os.map((o) => o.value)") == LANGUAGES
        assert choice.input_value() == "sr-latn"
        field(tab, sr("Given name")).fill("Jelena")
        field(tab, sr("Family name")).fill("Primerović")
        field(tab, sr("Email")).fill(email)
        field(tab, sr("Municipality")).select_option(label="Gračanica")
        tab.get_by_label(sr("In person"), exact=True).check()
        tab.get_by_label(congress.registration_consent_text).check()
        with tab.expect_navigation():
            tab.get_by_role("button", name=sr("Register"), exact=True).click()
        thanks = tab.locator("#registration-thank-you")
        assert thanks.count() == 1, tab.locator("main").inner_text()[:500]
        assert sr("Thank you for registering!") in thanks.inner_text()
        found += other_language_problems(tab, "sr-latn", only, "registration thank-you")

        (message,) = [m for m in mail.outbox if m.to == [email]]
        mail.outbox.remove(message)
        assert message.subject == sr(
            "Please confirm your email address for %(organisation)s", organisation=organisation
        )
        found += email_body_problems(message, ["Hello,", "To confirm it, open this link:"])
        tab.goto(host_url(live_server, KWW, local(link_in(message, "confirm"))))
        with tab.expect_navigation():
            tab.get_by_role("button", name=sr("Confirm my email address"), exact=True).click()
        tab.locator("#registration-confirmed").wait_for()
        confirmed = tab.locator("#registration-confirmed").inner_text()
        assert sr("Thank you: your registration is confirmed.") in confirmed, confirmed
        found += other_language_problems(tab, "sr-latn", only, "registration confirmed")

        (place,) = [m for m in mail.outbox if m.to == [email]]
        title = congress.title
        expected_subject = sr("You have a place at “%(title)s”", title=title)
        assert place.subject == expected_subject, place.subject
        assert place.attachments and place.attachments[0][0].endswith(".ics")
        found += email_body_problems(
            place,
            [
                ("Hello %(name)s,", {"name": "Jelena"}),
                "When:",
                "Where:",
                "The calendar file is attached: open it to add the congress to your calendar.",
                "Cannot come? Please cancel your registration, so that the next person on the "
                "waiting list gets the place:",
            ],
        )
        found += [f"congress: {error}" for error in errors]
    finally:
        context.close()
    assert not found, "\n".join(found)
