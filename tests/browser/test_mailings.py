"""A membership officer emails the organisation's supporters, in the admin's language
(an Albanian-speaking officer and an English-speaking one), with a real browser
against a live server.

A visitor joins on the public form, ticking the box agreeing to email, and confirms
by the emailed link; two more people join the same way (one in the other language)
and one joins without ticking the box. The officer opens "Messages", writes a
message in both languages (subject, preview text, body in the rich-text editor),
chooses the members, sees how many people it reaches, looks at the previews, sends
a test to their own address and then sends it. The sender runs at once (the test
task backend is immediate): each person receives one copy, in their language, with
the headers that let mail programs unsubscribe. The visitor unsubscribes by the
link in the browser; another person by the mail program's one-click POST, with no
browser and no cookie; a second message to the members reaches only the person who
stayed, and the visitor's page in the People area lists the copy they received.
The new admin pages and the unsubscribe page pass axe's checks of names,
labels and landmarks.
"""

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from home.models import SiteRole
from home.roles import ensure_site_roles
from membership.forms import contact_consent_text
from membership.mailings import Delivery, Mailing
from membership.models import (
    AuditEntry,
    ConsentRecord,
    MembershipSettings,
    SignUp,
    Supporter,
)
from membership.tasks import sender_identity
from tests.membership.conftest import follow_confirm_link, join_data, join_page  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "zyrtar-mesazhesh-123"
OTHER = {"sq": "en", "en": "sq"}

# The message as the officer writes it, in each language; {name} is the merge field.
WRITTEN = {
    "sq": {
        "subject": "Takim në Prishtinë të shtunën",
        "preview_text": "Ejani të flasim për fushatën e verës.",
        "greeting": "Përshëndetje {name},",
        "body": "të shtunën në orën 10 takohemi në zyrë.",
    },
    "en": {
        "subject": "Meeting in Prishtina on Saturday",
        "preview_text": "Come and talk about the summer campaign.",
        "greeting": "Hello {name},",
        "body": "on Saturday at 10 we meet at the office.",
    },
}
SECOND = {
    "subject": "Faleminderit për ndihmën",
    "greeting": "Të dashur {name},",
    "body": "ju falënderojmë që erdhët.",
}

# What the new admin pages and the unsubscribe page are checked for: every field
# and control named, frames titled, one main landmark and a page heading.
NAMES_AND_LANDMARKS = {
    "runOnly": {
        "type": "rule",
        "values": [
            "label",
            "select-name",
            "button-name",
            "link-name",
            "input-button-name",
            "aria-input-field-name",
            "form-field-multiple-labels",
            "frame-title",
            "duplicate-id-aria",
            "landmark-one-main",
            "landmark-no-duplicate-main",
            "page-has-heading-one",
            "document-title",
            "html-has-lang",
            "valid-lang",
        ],
    },
    "resultTypes": ["violations"],
    # The previews are sandboxed frames where no script runs, axe's neither.
    "iframes": False,
}
# The unsubscribe page is a public page: all of WCAG 2.2 AA.
WCAG_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}


def say(language, text, plural=None, count=None):
    """``text`` as the site says it in ``language`` (an Albanian translation must
    exist: a missing one is a failure, not an English page passing)."""
    with translation.override(language):
        said = translation.ngettext(text, plural, count) if plural else translation.gettext(text)
    if language != "en":
        assert said != (text if not plural or count == 1 else plural), (
            f"no {language} translation of {text!r}"
        )
    return said


def look(axe, tab, label, options=NAMES_AND_LANDMARKS):
    """The problems axe finds on the page shown in ``tab``, each naming the page."""
    violations = axe.run(tab, options=options).response["violations"]
    return [
        f"{label} {tab.url}: {v['id']} "
        + "; ".join(", ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in violations
    ]


def local(url):
    """The path and query of an emailed link, to open it on the live server."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def join_by_client(page, email, given_name, contact):
    """A person joins on ``page`` and confirms by the emailed link, without a browser."""
    client = Client()
    host = "localhost"
    data = join_data(email=email, given_name=given_name)
    if contact:
        data["contact"] = "on"
    response = client.post(page.url, data, HTTP_HOST=host)
    assert response.status_code == 302, response.content.decode()[:500]
    message = [m for m in mail.outbox if m.to == [email]][-1]
    follow_confirm_link(client, message, host)
    assert SignUp.objects.get(supporter__email=email).state == SignUp.State.CONFIRMED


def join_in_browser(tab, live_server, page, language, email):
    """The visitor joins on the public form, ticks the box agreeing to email (never
    ticked in advance), and confirms by the emailed link's button."""
    tab.goto(live_server.url + page.url)
    assert tab.locator("html").get_attribute("lang") == language
    tab.fill("[name=given_name]", "Lira")
    tab.fill("[name=family_name]", "Shembulli")
    tab.fill("[name=email]", email)
    tab.select_option("[name=municipality]", "gjakove")
    tab.fill("[name=year_of_birth]", "1994")
    tab.check("[name=consent]")
    contact = tab.get_by_label(contact_consent_text(page.get_site(), language))
    assert not contact.is_checked()
    contact.check()
    with tab.expect_navigation():
        tab.locator("main form.signup-form button[type=submit]").click()
    assert tab.locator("#thank-you").count() == 1, tab.locator("main").inner_text()[:500]

    message = [m for m in mail.outbox if m.to == [email]][-1]
    link = re.search(r"https?://\S+\?confirm=\S+", message.body).group(0)
    tab.goto(live_server.url + local(link))
    with tab.expect_navigation():
        tab.locator("main form.link-form button[type=submit]").click()
    assert SignUp.objects.get(supporter__email=email).state == SignUp.State.CONFIRMED


def type_in_editor(admin, field_id, lines):
    """Type ``lines`` (paragraphs) into the rich-text editor of the field ``field_id``."""
    editor = admin.locator(f"#{field_id}").locator("xpath=..").locator("[contenteditable=true]")
    editor.click()
    for index, line in enumerate(lines):
        if index:
            admin.keyboard.press("Enter")
        admin.keyboard.insert_text(line)
    # The editor writes its content to the form's field a moment after the typing.
    admin.wait_for_function(
        "([id, text]) => document.getElementById(id).value.includes(text)",
        arg=[field_id, lines[-1]],
    )


def write_version(admin, language, text):
    admin.fill(f"#id_{language}-subject", text["subject"])
    if "preview_text" in text:
        admin.fill(f"#id_{language}-preview_text", text["preview_text"])
    type_in_editor(admin, f"id_{language}-body", [text["greeting"], text["body"]])


def status_text(admin):
    """The admin's messages (saved, counted, sent…) on the page shown."""
    return admin.locator(".messages").inner_text()


def copies_to(email):
    return [m for m in mail.outbox if email in m.to]


def unsubscribe_link(message):
    """The URL of the List-Unsubscribe header, checked against the one in the text."""
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https?://[^>]+)>", headers["List-Unsubscribe"]).group(1)
    assert url in message.body
    assert url in message.alternatives[0][0]
    return url


@pytest.mark.parametrize("language", ["sq", "en"])
def test_an_officer_writes_tests_and_sends_a_message(
    browser,
    tab,
    live_server,
    org,
    join_page,  # noqa: F811
    settings,
    language,
):
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    # The sender waits between two copies as the mail server asks; here, barely.
    rules = MembershipSettings.for_site(org.site)
    rules.messages_per_minute = 6000
    rules.save()
    other = OTHER[language]
    pages = {"sq": join_page[0], "en": join_page[1]}
    axe = Axe()
    problems = []
    mail.outbox.clear()

    # The people: the visitor in the browser; three more without one.
    visitor = f"lira-{language}@example.org"
    join_in_browser(tab, live_server, pages[language], language, visitor)
    join_by_client(pages[other], "drita@example.org", "Drita", contact=True)
    join_by_client(pages[language], "arben@example.org", "Arben", contact=True)
    join_by_client(pages[language], "mira@example.org", "Mira", contact=False)
    consent = ConsentRecord.objects.get(
        signup__supporter__email=visitor, purpose=ConsentRecord.Purpose.CONTACT
    )
    assert consent.text == contact_consent_text(org.site, language)
    assert consent.language == language
    people = {p.email: p for p in Supporter.objects.all()}
    assert people[visitor].contact_consent_at is not None
    assert people["mira@example.org"].contact_consent_at is None
    mail.outbox.clear()

    # The officer, whose admin speaks their language.
    officer = get_user_model().objects.create_user(
        f"zyrtar-{language}", f"zyrtar-{language}@example.org", PASSWORD
    )
    officer.groups.add(ensure_site_roles(org.site)[SiteRole.MEMBERSHIP_OFFICER])
    profile = UserProfile.get_for_user(officer)
    profile.preferred_language = language
    profile.save()

    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sq-AL")
    admin = staff.new_page()
    admin.set_default_timeout(15_000)
    try:
        admin.goto(f"{live_server.url}/admin/login/")
        admin.fill("#id_username", officer.username)
        admin.fill("#id_password", PASSWORD)
        with admin.expect_navigation():
            admin.locator("form button[type=submit]").first.click()
        assert admin.locator("html").get_attribute("lang") == language

        # "Messages" in the menu, then a new message.
        admin.get_by_role("link", name=say(language, "Messages"), exact=True).click()
        admin.wait_for_url(f"**{reverse('membership_mailings')}")
        problems += look(axe, admin, "messages")
        admin.get_by_role("link", name=say(language, "New message")).click()
        admin.wait_for_url(f"**{reverse('membership_mailing_add')}*")
        problems += look(axe, admin, "new message")

        admin.fill("#id_name", "Takimi i së shtunës")
        for code in ("sq", "en"):
            write_version(admin, code, WRITTEN[code])
        admin.get_by_label(say(language, "Members"), exact=True).check()

        # The count, before anything is stored.
        with admin.expect_navigation():
            admin.get_by_role("button", name=say(language, "Count"), exact=True).click()
        would = say(
            language,
            "With these choices %(count)s person would receive it. Not saved yet.",
            "With these choices %(count)s people would receive it. Not saved yet.",
            3,
        ) % {"count": 3}
        assert would in status_text(admin)
        will = say(
            language,
            "%(counter)s person will receive it.",
            "%(counter)s people will receive it.",
            3,
        ) % {"counter": 3}
        assert will in admin.locator(".membership-count").inner_text()
        assert not Mailing.objects.exists()
        # The words typed are still there after counting.
        assert admin.input_value(f"#id_{language}-subject") == WRITTEN[language]["subject"]

        with admin.expect_navigation():
            admin.get_by_role("button", name=say(language, "Save"), exact=True).click()
        assert Mailing.objects.count() == 1, admin.locator("main").inner_text()[:1500]
        mailing = Mailing.objects.get()
        admin.wait_for_url(f"**{reverse('membership_mailing', args=[mailing.pk])}")
        assert mailing.created_by == officer and mailing.status == Mailing.Status.DRAFT
        assert mailing.audience["kinds"] == ["membership"]
        versions = {v.language: v for v in mailing.versions.all()}
        assert set(versions) == {"sq", "en"}
        assert versions["en"].preview_text == WRITTEN["en"]["preview_text"]
        assert re.search(r"<p[^>]*>Hello \{name\},</p><p[^>]*>on Saturday", versions["en"].body)
        saved = say(
            language,
            "The message was saved. %(count)s person will receive it.",
            "The message was saved. %(count)s people will receive it.",
            3,
        ) % {"count": 3}
        assert saved in status_text(admin)

        # The previews, one per language, as people see them (with a sample name).
        for code in ("sq", "en"):
            frame = admin.frame_locator(
                f'iframe[src="{reverse("membership_mailing_preview", args=[mailing.pk, code])}"]'
            )
            body = frame.locator("body")
            body.wait_for()
            greeting = WRITTEN[code]["greeting"].replace("{name}", "Arta")
            assert greeting in body.inner_text()
            assert WRITTEN[code]["body"] in body.inner_text()
        problems += look(axe, admin, "saved message")

        # A test, to the officer's own address only, in the version they choose.
        admin.select_option("#id_test_language", language)
        with admin.expect_navigation():
            admin.get_by_role("button", name=say(language, "Send a test to me")).click()
        (test,) = mail.outbox
        assert test.to == [officer.email] and not test.cc and not test.bcc
        with translation.override(language):
            assert test.subject == translation.gettext("[Test] %(subject)s") % {
                "subject": WRITTEN[language]["subject"]
            }
        only_you = "This is a test: only you received it. Its unsubscribe link unsubscribes nobody."
        assert say(language, only_you) in test.body
        assert not Delivery.objects.exists()
        # Its unsubscribe link unsubscribes nobody.
        nobody = Client().post(local(unsubscribe_link(test)), HTTP_HOST="localhost")
        assert nobody.status_code == 404
        assert Supporter.objects.filter(contact_consent_at__isnull=False).count() == 3
        mail.outbox.clear()

        # Send it: the officer is asked first, then it goes.
        admin.get_by_role("link", name=say(language, "Send…")).click()
        admin.wait_for_url(f"**{reverse('membership_mailing_send', args=[mailing.pk])}")
        question = say(language, "Send to %(counter)s person?", "Send to %(counter)s people?", 3)
        assert question % {"counter": 3} in admin.locator("main").inner_text()
        problems += look(axe, admin, "send?")
        with admin.expect_navigation():
            admin.get_by_role("button", name=say(language, "Send"), exact=True).click()
        admin.wait_for_url(f"**{reverse('membership_mailing_progress', args=[mailing.pk])}")
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.SENT and mailing.recipients == 3
        progress = admin.locator("table.membership-progress")
        with translation.override(language):
            sent_label = str(Delivery.Status.SENT.label)
        sent_row = progress.locator("tr", has_text=sent_label).first
        assert sent_row.locator("td").inner_text() == "3"
        problems += look(axe, admin, "progress")

        # One copy each, in the person's language, with their name and the headers.
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            [visitor, "drita@example.org", "arben@example.org"]
        )
        assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
        copies = {m.to[0]: m for m in mail.outbox}
        for email, code, name in (
            (visitor, language, "Lira"),
            ("drita@example.org", other, "Drita"),
            ("arben@example.org", language, "Arben"),
        ):
            copy = copies[email]
            assert copy.subject == WRITTEN[code]["subject"]
            assert WRITTEN[code]["greeting"].replace("{name}", name) in copy.body
            assert WRITTEN[code]["preview_text"] in copy.alternatives[0][0]
            assert ("Prishtinë" if code == "sq" else "Prishtina") in copy.body
            assert f"/{code}/unsubscribe/" in unsubscribe_link(copy)
        assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}

        # The visitor unsubscribes by the link, in the browser.
        shown = tab.goto(live_server.url + local(unsubscribe_link(copies[visitor])))
        assert tab.locator("html").get_attribute("lang") == language
        assert "no-store" in shown.headers["cache-control"]
        assert shown.headers["x-robots-tag"] == "noindex"
        asking = tab.locator("#unsubscribe").inner_text()
        assert sender_identity(org.site, language)[0] in asking
        assert visitor not in asking  # the address is shown partly hidden
        problems += look(axe, tab, "unsubscribe", WCAG_AA)
        assert Supporter.objects.get(email=visitor).contact_consent_at is not None
        with tab.expect_navigation():
            tab.get_by_role("button", name=say(language, "Unsubscribe")).click()
        tab.locator("#unsubscribed").wait_for()
        problems += look(axe, tab, "unsubscribed", WCAG_AA)
        person = Supporter.objects.get(email=visitor)
        assert person.contact_consent_at is None and person.contact_withdrawn_at is not None
        (entry,) = AuditEntry.objects.filter(action=AuditEntry.Action.UNSUBSCRIBE)
        assert entry.supporter_ref == person.pk and entry.detail["mailing"] == mailing.pk

        # Arben's mail program unsubscribes him with one click: a POST, no cookie.
        one_click = Client(enforce_csrf_checks=True).post(
            local(unsubscribe_link(copies["arben@example.org"])),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
            HTTP_HOST="localhost",
        )
        assert one_click.status_code == 200
        assert Supporter.objects.get(email="arben@example.org").contact_consent_at is None
        # Sent again, it changes nothing and still answers.
        again = Client().post(
            local(unsubscribe_link(copies["arben@example.org"])), HTTP_HOST="localhost"
        )
        assert again.status_code == 200
        mail.outbox.clear()

        # A second message to the members reaches only Drita (in the first language,
        # the only one it is written in).
        admin.goto(live_server.url + reverse("membership_mailing_add"))
        admin.fill("#id_name", "Faleminderit")
        write_version(admin, "sq", SECOND)
        admin.get_by_label(say(language, "Members"), exact=True).check()
        with admin.expect_navigation():
            admin.get_by_role("button", name=say(language, "Save"), exact=True).click()
        second = Mailing.objects.exclude(pk=mailing.pk).get()
        one = say(
            language,
            "%(counter)s person will receive it.",
            "%(counter)s people will receive it.",
            1,
        ) % {"counter": 1}
        assert one in admin.locator(".membership-count").inner_text()
        admin.get_by_role("link", name=say(language, "Send…")).click()
        with admin.expect_navigation():
            admin.get_by_role("button", name=say(language, "Send"), exact=True).click()
        admin.wait_for_url(f"**{reverse('membership_mailing_progress', args=[second.pk])}")
        (thanks,) = mail.outbox
        assert thanks.to == ["drita@example.org"]
        assert thanks.subject == SECOND["subject"]
        assert "Të dashur Drita," in thanks.body
        assert not copies_to(visitor) and not copies_to("arben@example.org")
        second.refresh_from_db()
        assert second.status == Mailing.Status.SENT and second.recipients == 1

        # Both messages are listed.
        admin.goto(live_server.url + reverse("membership_mailings"))
        rows = admin.locator("table.listing tbody tr")
        assert rows.count() == 2
        first = rows.filter(has_text="Takimi i së shtunës").inner_text()
        assert say(language, "%(sent)s of %(total)s") % {"sent": 3, "total": 3} in first
        assert "Faleminderit" in rows.first.inner_text()  # the newest first

        # The visitor's page lists the copy they received, not the one they did not.
        admin.goto(live_server.url + reverse("membership_person", args=[person.pk]))
        received = admin.locator("main").get_by_role("row", name=re.compile("Takimi"))
        assert WRITTEN[language]["subject"] in received.inner_text()
        with translation.override(language):
            assert str(Delivery.Status.SENT.label) in received.inner_text()
        assert "Faleminderit" not in admin.locator("main table").last.inner_text()
        problems += look(axe, admin, "person")
    finally:
        staff.close()
    assert not problems, "\n".join(problems)
