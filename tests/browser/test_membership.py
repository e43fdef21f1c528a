"""Join, volunteer and confirm by following the link in the email and pressing its
button, in both languages, with a real browser against a live server."""

import re

import pytest
from django.core import mail

from membership.models import SignUp, Supporter
from tests.membership.conftest import join_page, rules, volunteer_page  # noqa: F401 - fixtures

# The live server needs real commits; the marker (rather than only the browser
# conftest's fixture) makes pytest-django restore Wagtail's migrated data (tree root,
# locales, content types) before every one of these tests in any test order.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TEXTS = {
    "sq": {
        "send_join": "Dërgo kërkesën",
        "send_volunteer": "Ofroj ndihmën",
        "thanks": "Faleminderit!",
        "confirmed": "adresa juaj e emailit është konfirmuar",
        "confirm": "Konfirmo adresën time të emailit",
    },
    "en": {
        "send_join": "Send my application",
        "send_volunteer": "Offer my help",
        "thanks": "Thank you!",
        "confirmed": "your email address is confirmed",
        "confirm": "Confirm my email address",
    },
}


@pytest.fixture(autouse=True)
def _fast_forms(settings):
    # A browser fills the form in well under the spam trap's minimum time.
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)


def follow_email_link(tab, live_server, email, language):
    """Open the emailed link: it only shows a button (email scanners open links too);
    pressing the button confirms, and the page after the redirect says so."""
    message = [m for m in mail.outbox if m.to == [email]][-1]
    link = re.search(r"https?://\S+\?confirm=\S+", message.body).group(0)
    tab.goto(live_server.url + re.sub(r"^https?://[^/]+", "", link))
    assert tab.locator("html").get_attribute("lang") == language
    assert SignUp.objects.get(supporter__email=email).state == "pending"
    tab.get_by_role("button", name=TEXTS[language]["confirm"]).click()
    tab.wait_for_url("**?confirmed=*")
    return message


@pytest.mark.parametrize("language", ["sq", "en"])
def test_join_and_confirm(tab, live_server, org, join_page, language):  # noqa: F811
    page = join_page[0] if language == "sq" else join_page[1]
    email = f"browser-join-{language}@example.org"
    tab.goto(live_server.url + page.url)
    assert tab.locator("html").get_attribute("lang") == language
    tab.fill("[name=given_name]", "Lira")
    tab.fill("[name=family_name]", "Shembulli")
    tab.fill("[name=email]", email)
    tab.fill("[name=phone]", "+383 44 123 456")
    tab.select_option("[name=municipality]", "gjakove")
    tab.fill("[name=year_of_birth]", "1994")
    tab.check("[name=consent]")
    tab.get_by_role("button", name=TEXTS[language]["send_join"]).click()
    tab.wait_for_url("**?sent=1")
    assert TEXTS[language]["thanks"] in tab.locator("#thank-you").inner_text()

    message = follow_email_link(tab, live_server, email, language)
    assert ("Konfirmoni" in message.subject) is (language == "sq")
    assert TEXTS[language]["confirmed"] in tab.locator("main").inner_text()
    signup = SignUp.objects.get(supporter__email=email)
    assert signup.kind == "membership" and signup.state == "confirmed"
    assert signup.language == language


@pytest.mark.parametrize("language", ["sq", "en"])
def test_volunteer_with_errors_then_confirm(tab, live_server, org, volunteer_page, language):  # noqa: F811
    page = volunteer_page[0] if language == "sq" else volunteer_page[1]
    email = f"browser-volunteer-{language}@example.org"
    tab.goto(live_server.url + page.url)
    tab.fill("[name=given_name]", "Mentor")
    tab.fill("[name=family_name]", "Shembulli")
    tab.fill("[name=email]", "not-an-address")
    tab.select_option("[name=municipality]", "jashte")
    tab.get_by_role("button", name=TEXTS[language]["send_volunteer"]).click()
    # Errors, with what was typed kept, and nothing stored.
    assert tab.locator("[aria-invalid=true]").count() >= 2
    assert tab.input_value("[name=given_name]") == "Mentor"
    assert Supporter.objects.count() == 0

    tab.fill("[name=email]", email)
    tab.fill("[name=country]", "Gjermani")
    tab.check("input[name=areas][value=door-to-door]")
    tab.check("input[name=availability][value=weekends]")
    tab.check("[name=consent]")
    tab.get_by_role("button", name=TEXTS[language]["send_volunteer"]).click()
    tab.wait_for_url("**?sent=1")
    follow_email_link(tab, live_server, email, language)
    assert TEXTS[language]["confirmed"] in tab.locator("main").inner_text()
    signup = SignUp.objects.get(supporter__email=email)
    assert signup.kind == "volunteer" and signup.state == "confirmed"
    assert signup.areas == ["door-to-door"] and signup.supporter.country == "Gjermani"
