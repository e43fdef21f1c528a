"""A visitor reads the campaign in both languages, follows its link to the sign page,
signs the statement without any JavaScript help, confirms by the emailed link and
sees the count move (on the sign page at once; the campaign page, which may be
served from the page cache, follows within a minute)."""

import re
from urllib.parse import urlsplit

from django.core import mail

from tests.movement.conftest import make_campaign


def test_read_sign_confirm_and_see_the_count(tab, live_server, org, settings):
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    page, page_en = make_campaign(org)
    mail.outbox.clear()

    tab.goto(f"{live_server.url}{page.url}")
    assert tab.locator("html").get_attribute("lang") == "sq"
    assert tab.get_by_role("heading", level=1).inner_text() == "Vota ime ka peshë"
    assert tab.get_by_role("heading", name="Kërkesat tona").is_visible()
    assert tab.locator("#demand-1 h3").inner_text().endswith("Kërkesa 1")

    tab.locator(".language-switcher").get_by_role("link", name="English").click()
    tab.wait_for_url(f"**{page_en.url}")
    assert tab.locator("html").get_attribute("lang") == "en"
    assert tab.get_by_role("heading", level=1).inner_text() == "My vote counts"
    assert tab.get_by_role("heading", name="Our demands").is_visible()
    counter = tab.locator(".statement__counter")
    assert "Our goal: 100 signatures." in counter.inner_text()
    assert tab.locator("#statement form").count() == 0  # the form is on the sign page

    tab.locator("#statement").get_by_role("link", name="Sign the statement").click()
    tab.wait_for_url(f"**{page_en.url}sign/")
    assert tab.locator("html").get_attribute("lang") == "en"
    tab.fill('[name="statement-given_name"]', "Arta")
    tab.fill('[name="statement-family_name"]', "Shembulli")
    tab.select_option('[name="statement-municipality"]', "prizren")
    tab.fill('[name="statement-email"]', "arta@example.org")
    tab.check('[name="statement-consent"]')
    tab.get_by_role("button", name="Sign").click()
    tab.locator("#statement-thank-you").wait_for()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    parts = urlsplit(link)
    tab.goto(f"{live_server.url}{parts.path}?{parts.query}")
    tab.get_by_role("button", name="Confirm my email address").click()  # the link only asks
    tab.wait_for_url(f"**{page_en.url}sign/?confirmed=*")
    assert "Your signature is confirmed and counted." in tab.locator("main").inner_text()
    tab.goto(f"{live_server.url}{page_en.url}sign/")
    assert "1 signature" in tab.locator(".statement__counter").inner_text()
    # The Albanian version counts the same signature.
    tab.goto(f"{live_server.url}{page.url}sign/")
    assert re.match(r"\s*1\b", tab.locator(".statement__counter").inner_text())


def test_a_closed_campaign_shows_its_final_count_and_takes_no_signature(tab, live_server, org):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from membership.models import SignUp

    page, page_en = make_campaign(org)
    closes = datetime(2019, 10, 6, 19, 0, tzinfo=ZoneInfo("Europe/Belgrade"))
    for version in (page, page_en):
        version.signing_closes = closes
        version.save()

    tab.goto(f"{live_server.url}{page_en.url}")
    statement = tab.locator("#statement")
    assert "Final count: 0 signatures" in statement.inner_text()
    assert "Signing closed on 6 October 2019, 19:00." in statement.inner_text()
    assert statement.get_by_role("link", name="Sign the statement").count() == 0
    # The old link to the sign page says so, with no form to fill in.
    tab.goto(f"{live_server.url}{page_en.url}sign/")
    assert tab.locator("form.signup-form").count() == 0
    assert "Signing closed on" in tab.locator("#signing-not-open").inner_text()
    tab.goto(f"{live_server.url}{page.url}")
    assert "Nënshkrimi u mbyll më 6 tetor 2019" in tab.locator("#statement").inner_text()
    assert SignUp.objects.count() == 0
