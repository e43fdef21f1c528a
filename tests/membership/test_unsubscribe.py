"""The unsubscribe link of every message: GET asks, POST (the button, or a mail
program's RFC 8058 one-click POST, without cookie or CSRF token) unsubscribes, once,
with its time and an audit entry; copies still waiting are not sent; bad links and
erased people get a clear page in the visitor's language, never an error."""

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone, translation

from membership.mailings import Delivery, Mailing
from membership.models import AuditEntry, Supporter
from membership.services import confirm, erase_supporter, store_submission
from membership.unsubscribe import (
    make_token,
    masked_email,
    read_token,
    unsubscribe,
    unsubscribe_url,
    unsubscribe_view,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(org, join_page):
    ids = store_submission(
        site=org.site,
        page=join_page[0],
        language="sq",
        email="arta.shembulli@example.org",
        person={"given_name": "Arta"},
        signups=[
            {"kind": "membership", "consents": [("signup", "Po"), ("contact", "Më dërgoni.")]}
        ],
        notify=False,
    )
    confirm(ids)
    supporter = Supporter.objects.get(email="arta.shembulli@example.org")
    assert supporter.contact_consent_at is not None
    return supporter


@pytest.fixture
def mailing(org):
    return Mailing.objects.create(site=org.site, name="Thirrja", status="sending")


def url(person, mailing=None, language="sq"):
    with translation.override(language):
        return reverse(
            "membership_unsubscribe", args=[make_token(person.pk, mailing.pk if mailing else None)]
        )


def one_click(path, host):
    """The POST of a mail program's one-click unsubscribe: no cookie, no CSRF token."""
    return Client(enforce_csrf_checks=True).post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=host,
    )


def test_the_link_of_a_message_leads_here_in_its_language(org, person, mailing):
    full = unsubscribe_url(org.site, person.pk, mailing.pk, "en")
    assert full.startswith("http://org-a.example/en/unsubscribe/")
    path = full.removeprefix("http://org-a.example")
    with translation.override("en"):
        assert resolve(path).func is unsubscribe_view
    token = path.removeprefix("/en/unsubscribe/").rstrip("/")
    assert read_token(token) == (person.pk, mailing.pk)


def test_opening_the_link_asks_and_changes_nothing(client, org, person, mailing):
    response = client.get(url(person, mailing), HTTP_HOST=org.hostname)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Organizata A" in html
    assert "a***@example.org" in html and "arta.shembulli@" not in html
    assert '<html lang="sq"' in html
    form = re.search(r'<form class="link-form" method="post" action="([^"]+)">', html)
    assert form and form.group(1) == url(person, mailing)
    assert ">Çregjistrohu</button>" in html
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in html
    person.refresh_from_db()
    assert person.contact_consent_at is not None and person.contact_withdrawn_at is None
    assert not AuditEntry.objects.filter(action="unsubscribe").exists()


def test_english_link_speaks_english(client, org, person):
    html = client.get(url(person, language="en"), HTTP_HOST=org.hostname).content.decode()
    assert '<html lang="en"' in html
    assert "Organisation A" in html and ">Unsubscribe</button>" in html


def test_one_click_post_unsubscribes_and_skips_the_waiting_copies(org, person, mailing):
    other = Supporter.objects.create(site=org.site, email="other@example.org")
    earlier = Mailing.objects.create(site=org.site, name="E mëparshmja", status="sent")
    later = Mailing.objects.create(site=org.site, name="E ardhshmja", status="queued")
    sent = Delivery.objects.create(
        mailing=earlier, supporter=person, status="sent", sent_at=timezone.now()
    )
    waiting = Delivery.objects.create(mailing=later, supporter=person)
    this_one = Delivery.objects.create(mailing=mailing, supporter=person, status="sending")
    others = Delivery.objects.create(mailing=later, supporter=other)
    before = timezone.now()

    response = one_click(url(person, mailing), org.hostname)

    assert response.status_code == 200
    assert "Organizata A nuk ju dërgon më mesazhe" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    person.refresh_from_db()
    assert person.contact_consent_at is None and person.contact_withdrawn_at >= before
    entry = AuditEntry.objects.get(action="unsubscribe")
    assert entry.supporter_ref == person.pk and entry.site_id == org.site.pk
    assert entry.detail == {"mailing": mailing.pk} and entry.user is None
    statuses = {
        d.pk: (d.status, d.reason) for d in Delivery.objects.filter(pk__in=[sent.pk, waiting.pk])
    }
    assert statuses == {sent.pk: ("sent", ""), waiting.pk: ("skipped", "unsubscribed")}
    # The copy being handed to the mail server is its sender's: it checks the person.
    this_one.refresh_from_db()
    others.refresh_from_db()
    assert this_one.status == "sending" and others.status == "queued"
    # Nobody who unsubscribed is selected by a message's audience.
    from membership.audience import contactable

    assert not contactable(org.site).filter(pk=person.pk).exists()


def test_the_button_unsubscribes_too_and_pressing_again_is_harmless(client, org, person):
    path = url(person)
    first = client.post(path, {}, HTTP_HOST=org.hostname)
    second = client.post(path, {}, HTTP_HOST=org.hostname)
    assert first.status_code == second.status_code == 200
    assert AuditEntry.objects.filter(action="unsubscribe").count() == 1
    person.refresh_from_db()
    assert person.contact_consent_at is None
    # Opening the link afterwards says so, without a button.
    html = client.get(path, HTTP_HOST=org.hostname).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "nuk ju dërgon më mesazhe" in main and "<button" not in main


def test_the_page_after_unsubscribing_tells_only_what_brings_the_messages_back(client, org, person):
    path = url(person, language="en")
    html = client.post(path, {}, HTTP_HOST=org.hostname).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    # A form whose sign-up is confirmed already cannot start the email again.
    assert "when you sign a new statement of the organisation" in main
    assert "one of the organisation's forms" not in main


def test_every_no_after_a_new_yes_is_audited(org, join_page, campaign, person, mailing):
    unsubscribe(person.pk, mailing.pk)
    first = Supporter.objects.get(pk=person.pk).contact_withdrawn_at
    # A new "yes": a statement signed with the box ticked, and confirmed.
    confirm(
        store_submission(
            site=org.site,
            page=campaign[0],
            language="sq",
            email=person.email,
            person={"given_name": "Arta"},
            signups=[
                {"kind": "signature", "consents": [("signup", "Po"), ("contact", "Më dërgoni.")]}
            ],
            notify=False,
        )
    )
    assert Supporter.objects.get(pk=person.pk).contact_consent_at > first
    unsubscribe(person.pk)
    # Pressed again with nothing in force: nothing more to audit.
    unsubscribe(person.pk)
    entries = AuditEntry.objects.filter(action="unsubscribe").order_by("pk")
    assert [entry.detail for entry in entries] == [{"mailing": mailing.pk}, {"mailing": None}]
    assert all(entry.supporter_ref == person.pk for entry in entries)


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "WzEsMl0:1xZI8K:forged-signature-forged-signature-aaaaa",
        signing.dumps([1, 2], salt="another.purpose"),
        signing.dumps(["1", None], salt="membership.unsubscribe"),
        signing.dumps({"a": 1}, salt="membership.unsubscribe"),
        make_token(999999, None),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_that_is_not_valid_gets_a_clear_page(client, org, token, method):
    path = reverse("membership_unsubscribe", args=[token]).replace("/sq/", "/en/", 1)
    response = getattr(client, method)(path, HTTP_HOST=org.hostname)
    html = response.content.decode()
    assert response.status_code == 404
    assert "This unsubscribe link is not valid" in html and '<html lang="en"' in html
    assert "no-store" in response["Cache-Control"]
    assert not AuditEntry.objects.filter(action="unsubscribe").exists()


def test_an_erased_person_gets_the_clear_page_in_albanian(client, org, person, mailing):
    Delivery.objects.create(mailing=mailing, supporter=person)
    erase_supporter(person)
    for method in ("get", "post"):
        response = getattr(client, method)(url(person, mailing), HTTP_HOST=org.hostname)
        assert response.status_code == 404
        assert "Kjo lidhje për çregjistrim nuk është e vlefshme" in response.content.decode()
    assert not AuditEntry.objects.filter(action="unsubscribe").exists()
    assert unsubscribe(person.pk) is None


def test_other_methods_are_refused(client, org, person):
    response = client.put(url(person), HTTP_HOST=org.hostname)
    assert response.status_code == 405
    person.refresh_from_db()
    assert person.contact_consent_at is not None


def test_the_address_is_shown_partly_hidden():
    assert masked_email("arta@example.org") == "a***@example.org"
    assert masked_email("a@example.org") == "a***@example.org"
    assert masked_email(None) == masked_email("") == ""
