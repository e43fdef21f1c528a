"""Two people register for a congress with one place left, in their language: each
confirms by the emailed link; the first gets the place (with the calendar file),
the second the waiting list; the first cancels by the link in their email and the
second moves up and is told."""

import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from django.core import mail

from congress.registrations import Registration
from congress.timing import CONGRESS_TIME_ZONE
from tests.congress.conftest import congress_index, make_congress  # noqa: F401

SAYS = {
    "sq": {
        "call": "Regjistrohuni për të marrë pjesë",
        "mode": "Në sallë",
        "send": "Regjistrohu",
        "thanks": "Faleminderit që u regjistruat!",
        "confirm": "Konfirmo adresën time të emailit",
        "confirmed": "Faleminderit: regjistrimi juaj është konfirmuar.",
        "place": "Keni vend në",
        "waitlist": "Jeni në listën e pritjes",
        "withdraw": "Tërhiq",
        "cancelled": "Regjistrimi juaj është anuluar.",
        "moved_up": "Është liruar një vend për ju",
    },
    "en": {
        "call": "Register to take part",
        "mode": "In person",
        "send": "Register",
        "thanks": "Thank you for registering!",
        "confirm": "Confirm my email address",
        "confirmed": "Thank you: your registration is confirmed.",
        "place": "You have a place at",
        "waitlist": "You are on the waiting list",
        "withdraw": "Withdraw",
        "cancelled": "Your registration is cancelled.",
        "moved_up": "A place is free for you at",
    },
}


def local_path(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def link_in(message, param):
    return re.search(rf"https?://\S+\?{param}=\S+", message.body).group(0)


def register(tab, live_server, page, says, name, email):
    tab.goto(f"{live_server.url}{page.url}")
    tab.get_by_role("link", name=says["call"]).click()
    tab.wait_for_url(f"**{page.url}register/")
    tab.fill('[name="registration-given_name"]', name)
    tab.fill('[name="registration-family_name"]', "Shembulli")
    tab.fill('[name="registration-email"]', email)
    tab.select_option('[name="registration-municipality"]', "prishtine")
    tab.get_by_label(says["mode"]).check()
    tab.check('[name="registration-consent"]')
    with tab.expect_navigation():
        tab.get_by_role("button", name=says["send"], exact=True).click()
    thanks = tab.locator("#registration-thank-you")
    assert thanks.count() == 1, tab.locator("body").inner_text()[:500]
    assert says["thanks"] in thanks.inner_text()


def confirm_by_email(tab, live_server, says, email):
    (message,) = [m for m in mail.outbox if m.to == [email]]
    mail.outbox.remove(message)
    tab.goto(f"{live_server.url}{local_path(link_in(message, 'confirm'))}")
    tab.get_by_role("button", name=says["confirm"]).click()  # the link alone only asks
    tab.locator("#registration-confirmed").wait_for()
    assert says["confirmed"] in tab.locator("#registration-confirmed").inner_text()


@pytest.mark.parametrize("language", ["sq", "en"])
def test_register_confirm_cancel_and_move_up(
    tab,
    live_server,
    org,
    make_congress,  # noqa: F811
    settings,
    language,
):
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    says = SAYS[language]
    page_sq, page_en = make_congress(
        start=datetime(2030, 5, 23, 10, 0, tzinfo=CONGRESS_TIME_ZONE),
        registration_enabled=True,
        in_person_places=1,
        registration_consent_text="Pajtohem që të dhënat e mia të ruhen për regjistrimin.",
    )
    page_en.registration_consent_text = "I agree that my data is kept for my registration."
    page_en.save_revision().publish()
    page = page_sq if language == "sq" else page_en
    mail.outbox.clear()

    register(tab, live_server, page, says, "Arta", "arta@example.org")
    assert tab.locator("html").get_attribute("lang") == language
    confirm_by_email(tab, live_server, says, "arta@example.org")
    (place,) = mail.outbox
    mail.outbox.clear()
    assert place.subject.startswith(says["place"])
    assert place.attachments and place.attachments[0][0].endswith(".ics")

    register(tab, live_server, page, says, "Besa", "besa@example.org")
    confirm_by_email(tab, live_server, says, "besa@example.org")
    (waiting,) = mail.outbox
    mail.outbox.clear()
    assert waiting.subject.startswith(says["waitlist"])
    assert Registration.objects.get(signup__supporter__email="besa@example.org").status == (
        "waitlist"
    )

    # Arta cannot come: she cancels by the link in her email.
    tab.goto(f"{live_server.url}{local_path(link_in(place, 'withdraw'))}")
    tab.get_by_role("button", name=says["withdraw"], exact=True).click()
    tab.locator("#registration-cancelled").wait_for()
    assert says["cancelled"] in tab.locator("#registration-cancelled").inner_text()
    assert tab.locator("html").get_attribute("lang") == language

    statuses = dict(Registration.objects.values_list("signup__supporter__email", "status"))
    assert statuses == {"arta@example.org": "cancelled", "besa@example.org": "place"}
    moved = next(m for m in mail.outbox if m.to == ["besa@example.org"])
    assert moved.subject.startswith(says["moved_up"])
    assert moved.attachments
