"""The box agreeing to the organisation's email on the public forms: never ticked in
advance, its exact words kept, in force from the confirmation; an unsubscribe wins
over a box ticked before it; erasure and the person's export."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from membership import unsubscribe
from membership.audience import contactable
from membership.forms import contact_consent_text
from membership.mailings import Delivery, Mailing, MailingVersion, UndeliverableAddress
from membership.models import ConsentRecord, SignUp, Supporter
from membership.services import (
    confirm,
    erase_supporter,
    person_export,
    store_submission,
    withdraw_signups,
)
from tests.congress.conftest import congress_index, kosovo, make_congress  # noqa: F401

from .conftest import (
    follow_confirm_link,
    join_data,
    sign_url,
    statement_data,
    volunteer_data,
)

pytestmark = pytest.mark.django_db

LABEL_SQ = (
    "Më dërgoni me email lajme dhe thirrje për veprim nga Organizata A. Mund të "
    "çregjistrohem në çdo kohë me një klikim."
)
LABEL_EN = (
    "Email me news and calls to action from Organisation A. I can unsubscribe at any "
    "time with one click."
)


def checkbox(html, name):
    """The <input> of a checkbox, by name (None when the form has none)."""
    match = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', html)
    return match.group(0) if match else None


def contact_consents(email):
    return ConsentRecord.objects.filter(
        signup__supporter__email=email, purpose=ConsentRecord.Purpose.CONTACT
    )


def submit_and_confirm(submit, client, org, page, data):
    mail.outbox.clear()
    response = submit(page, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    (message,) = mail.outbox
    return follow_confirm_link(client, message, org.hostname)


# -- the box on each form ---------------------------------------------------------------


def test_join_form_offers_the_box_unticked_naming_the_organisation_in_each_language(
    client, org, join_page
):
    sq, en = join_page
    html_sq = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    html_en = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
    for html, label in ((html_sq, LABEL_SQ), (html_en, LABEL_EN)):
        box = checkbox(html, "contact")
        assert box is not None and "checked" not in box and "required" not in box
        assert f'<label for="id_contact">{label}</label>' in html
    assert contact_consent_text(org.site, "sq") == LABEL_SQ
    assert contact_consent_text(org.site, "en") == LABEL_EN


def test_volunteer_statement_and_registration_forms_offer_the_box_unticked(
    client,
    org,
    volunteer_page,
    campaign,
    make_congress,  # noqa: F811
):
    congress, _ = make_congress(
        start=kosovo(2030, 5, 23, 10, 0),
        registration_enabled=True,
        in_person_places=5,
        registration_consent_text="Pajtohem.",
    )
    pages = [
        (volunteer_page[0].url, "contact"),
        (sign_url(campaign[0]), "statement-contact"),
        (congress.url + "register/", "registration-contact"),
    ]
    for url, name in pages:
        html = client.get(url, HTTP_HOST=org.hostname).content.decode()
        box = checkbox(html, name)
        assert box is not None and "checked" not in box, url
        assert LABEL_SQ in html, url


def test_without_the_box_nobody_is_emailed(submit, client, org, join_page):
    sq, _ = join_page
    submit_and_confirm(submit, client, org, sq, join_data())
    person = Supporter.objects.get(email="arta@example.org")
    assert SignUp.objects.get(supporter=person).state == SignUp.State.CONFIRMED
    assert not contact_consents(person.email).exists()
    assert person.contact_consent_at is None
    assert not contactable(org.site).filter(pk=person.pk).exists()


def test_the_ticked_box_is_kept_word_for_word_and_counts_from_the_confirmation(
    submit, client, org, join_page
):
    sq, _ = join_page
    mail.outbox.clear()
    submit(sq, join_data(contact="on"))
    person = Supporter.objects.get(email="arta@example.org")
    consent = contact_consents(person.email).get()
    assert (consent.text, consent.language) == (LABEL_SQ, "sq")
    assert consent.page_id == sq.pk and consent.revision_id == sq.live_revision_id
    assert consent.signup.consents.count() == 2  # with the sign-up's own consent
    # Not before the address is confirmed: anybody can type anybody's address.
    assert person.contact_consent_at is None
    before = timezone.now()
    follow_confirm_link(client, mail.outbox[0], org.hostname)
    person.refresh_from_db()
    assert person.contact_consent_at >= before
    assert contactable(org.site).filter(pk=person.pk).exists()


def test_english_page_keeps_the_english_words(submit, client, org, join_page):
    _, en = join_page
    submit_and_confirm(submit, client, org, en, join_data(contact="on"))
    consent = contact_consents("arta@example.org").get()
    assert (consent.text, consent.language) == (LABEL_EN, "en")
    assert Supporter.objects.get(email="arta@example.org").contact_consent_at is not None


def test_volunteer_who_also_joins_agrees_on_both_sign_ups(submit, client, org, volunteer_page):
    sq, _ = volunteer_page
    sq.offer_membership = True
    sq.save_revision().publish()
    data = volunteer_data(contact="on", also_member="on", year_of_birth="1990")
    submit_and_confirm(submit, client, org, sq, data)
    kinds = set(contact_consents("blerim@example.org").values_list("signup__kind", flat=True))
    assert kinds == {"volunteer", "membership"}
    assert Supporter.objects.get(email="blerim@example.org").contact_consent_at is not None


def test_statement_signature_with_the_box(submit, client, org, campaign):
    sq, _ = campaign
    submit_and_confirm(submit, client, org, sign_url(sq), statement_data(contact="on"))
    consent = contact_consents("drita@example.org").get()
    assert consent.signup.kind == "signature" and consent.text == LABEL_SQ
    assert Supporter.objects.get(email="drita@example.org").contact_consent_at is not None


def test_congress_registration_with_the_box(client, org, make_congress, settings):  # noqa: F811
    from tests.congress.test_registration import form_data

    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    congress, _ = make_congress(
        start=kosovo(2030, 5, 23, 10, 0),
        registration_enabled=True,
        in_person_places=5,
        registration_consent_text="Pajtohem.",
    )
    mail.outbox.clear()
    response = client.post(
        congress.url + "register/",
        {**form_data(), "registration-contact": "on"},
        HTTP_HOST=org.hostname,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consent = contact_consents("drita@example.org").get()
    assert consent.signup.kind == "registration" and consent.text == LABEL_SQ
    confirm([consent.signup_id])
    assert Supporter.objects.get(email="drita@example.org").contact_consent_at is not None


def test_a_box_ticked_when_the_form_is_sent_again_before_confirming_counts(
    submit, client, org, join_page
):
    sq, _ = join_page
    mail.outbox.clear()
    submit(sq, join_data())
    submit(sq, join_data(contact="on"))
    assert contact_consents("arta@example.org").count() == 1
    follow_confirm_link(client, mail.outbox[-1], org.hostname)
    assert Supporter.objects.get(email="arta@example.org").contact_consent_at is not None


def test_a_box_unticked_when_the_form_is_sent_again_before_confirming_wins(
    submit, client, org, join_page
):
    sq, _ = join_page
    mail.outbox.clear()
    submit(sq, join_data(contact="on"))
    submit(sq, join_data())
    # The newest submission decides: its link confirms a sign-up without the box.
    assert not contact_consents("arta@example.org").exists()
    follow_confirm_link(client, mail.outbox[-1], org.hostname)
    person = Supporter.objects.get(email="arta@example.org")
    assert person.signups.get().state == SignUp.State.CONFIRMED
    assert person.contact_consent_at is None


def test_the_box_ticked_again_after_an_untick_counts(submit, client, org, join_page):
    sq, _ = join_page
    mail.outbox.clear()
    submit(sq, join_data(contact="on"))
    submit(sq, join_data())
    submit(sq, join_data(contact="on"))
    assert contact_consents("arta@example.org").count() == 1
    follow_confirm_link(client, mail.outbox[-1], org.hostname)
    assert Supporter.objects.get(email="arta@example.org").contact_consent_at is not None


# -- confirmation and unsubscribe ---------------------------------------------------------


def _signup(org, page, kind="membership", contact=True, email="ilir@example.org"):
    consents = [("signup", "Po")] + ([("contact", LABEL_SQ)] if contact else [])
    return store_submission(
        site=org.site,
        page=page,
        language="sq",
        email=email,
        person={"given_name": "Ilir"},
        signups=[{"kind": kind, "consents": consents}],
        notify=False,
    )


def test_a_tick_withdrawn_before_its_confirmation_does_not_come_back(org, join_page):
    ticked = _signup(org, join_page[0])
    withdraw_signups(ticked)
    # Signed up again, this time without the box, and confirmed.
    confirm(_signup(org, join_page[0], contact=False))
    person = Supporter.objects.get(email="ilir@example.org")
    assert person.signups.get().state == SignUp.State.CONFIRMED
    assert person.contact_consent_at is None


def test_an_earlier_agreement_keeps_its_time(org, join_page, volunteer_page):
    confirm(_signup(org, join_page[0]))
    person = Supporter.objects.get(email="ilir@example.org")
    first = person.contact_consent_at
    assert first is not None
    confirm(_signup(org, volunteer_page[0], kind="volunteer"))
    person.refresh_from_db()
    assert person.contact_consent_at == first


def test_unsubscribing_wins_over_a_box_ticked_before_it(org, join_page, volunteer_page):
    confirm(_signup(org, join_page[0]))
    person = Supporter.objects.get(email="ilir@example.org")
    # A volunteer offer with the box ticked, still waiting for its confirmation...
    waiting = _signup(org, volunteer_page[0], kind="volunteer")
    # ...then the person unsubscribes from a message...
    unsubscribe.unsubscribe(person.pk)
    # ...and confirms the offer afterwards: the later "no" stands.
    confirm(waiting)
    person.refresh_from_db()
    assert person.contact_consent_at is None and person.contact_withdrawn_at is not None


def test_ticking_the_box_again_after_unsubscribing_starts_again(org, join_page, campaign):
    confirm(_signup(org, join_page[0]))
    person = Supporter.objects.get(email="ilir@example.org")
    unsubscribe.unsubscribe(person.pk)
    confirm(_signup(org, campaign[0], kind="signature"))
    person.refresh_from_db()
    assert person.contact_consent_at > person.contact_withdrawn_at


def test_an_erased_person_is_never_given_consent(org, join_page):
    ids = _signup(org, join_page[0])
    erase_supporter(Supporter.objects.get(email="ilir@example.org"))
    confirm(ids)
    assert Supporter.objects.get().contact_consent_at is None


# -- erasure and export -------------------------------------------------------------------


@pytest.fixture
def mailing(org):
    message = Mailing.objects.create(site=org.site, name="Lajmet e qershorit")
    MailingVersion.objects.create(
        mailing=message, language="sq", subject="Lajme nga ne", body="<p>Përshëndetje</p>"
    )
    MailingVersion.objects.create(
        mailing=message, language="en", subject="News from us", body="<p>Hello</p>"
    )
    return message


def test_the_export_has_the_agreement_the_unsubscribe_and_the_messages(org, join_page, mailing):
    confirm(_signup(org, join_page[0]))
    person = Supporter.objects.get(email="ilir@example.org")
    sent_at = timezone.now()
    Delivery.objects.create(
        mailing=mailing, supporter=person, language="en", status="sent", sent_at=sent_at
    )
    data = person_export(person)
    assert data["contact_consent_at"] == person.contact_consent_at.isoformat()
    assert data["unsubscribed_at"] is None
    assert data["messages"] == [
        {
            "message": mailing.pk,
            "subject": "News from us",
            "language": "en",
            "status": "sent",
            "reason": "",
            "error": "",
            "sent_at": sent_at.isoformat(),
        }
    ]
    # The staff's own name of the message never reaches the person.
    assert "Lajmet e qershorit" not in str(data)
    assert data["undeliverable"] is None
    consents = [c for s in data["signups"] for c in s["consents"]]
    assert {"purpose": "contact", "text": LABEL_SQ} == {
        k: v for k, v in consents[-1].items() if k in ("purpose", "text")
    }
    unsubscribe.unsubscribe(person.pk, mailing.pk)
    person.refresh_from_db()
    data = person_export(person)
    assert data["contact_consent_at"] is None
    assert data["unsubscribed_at"] == person.contact_withdrawn_at.isoformat()


def test_erasure_unlinks_the_copies_and_forgets_the_undeliverable_mark(
    org, make_org, join_page, mailing
):
    confirm(_signup(org, join_page[0]))
    confirm(_signup(org, join_page[0], email="other@example.org"))
    person = Supporter.objects.get(email="ilir@example.org")
    other = Supporter.objects.get(email="other@example.org")
    later = Mailing.objects.create(site=org.site, name="Thirrja")
    sent = Delivery.objects.create(
        mailing=mailing, supporter=person, status="failed", error="550 ilir@example.org unknown"
    )
    waiting = Delivery.objects.create(mailing=later, supporter=person)
    others = Delivery.objects.create(mailing=later, supporter=other)
    UndeliverableAddress.objects.create(site=org.site, email="ilir@example.org", reason="bounce")
    UndeliverableAddress.objects.create(site=org.site, email="other@example.org", reason="bounce")
    # The same address marked at another organisation is that organisation's.
    org_b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    UndeliverableAddress.objects.create(site=org_b.site, email="ilir@example.org", reason="bounce")

    erase_supporter(person)

    person.refresh_from_db()
    assert (person.contact_consent_at, person.contact_withdrawn_at) == (None, None)
    sent.refresh_from_db()
    waiting.refresh_from_db()
    others.refresh_from_db()
    assert (sent.supporter_id, sent.status, sent.error) == (None, "failed", "")
    assert (waiting.supporter_id, waiting.status, waiting.reason) == (None, "skipped", "erased")
    assert (others.supporter_id, others.status) == (other.pk, "queued")
    assert Delivery.objects.filter(mailing=later).count() == 2  # still counted
    assert set(UndeliverableAddress.objects.values_list("site__hostname", "email")) == {
        ("org-a.example", "other@example.org"),
        ("org-b.example", "ilir@example.org"),
    }
    assert person_export(person)["messages"] == []


# -- demo ----------------------------------------------------------------------------------


def test_most_demo_people_agree_to_email(org, make_org, settings, tmp_path):
    from home.demo import DemoReport
    from home.roles import ensure_site_roles
    from membership.demo import PEOPLE, load

    settings.VAR_DIR = tmp_path
    sites = {
        "volt": {
            "site": org.site,
            "pages": {"home": org.home_sq},
            "spec": {"name": {"sq": "Volt Kosova", "en": "Volt Kosova"}},
            "roles": ensure_site_roles(org.site),
        },
    }
    load(sites, DemoReport())
    people = Supporter.objects.filter(site=org.site)
    agreeing = contactable(org.site)
    assert people.count() == len(PEOPLE)
    assert 0 < agreeing.count() < people.count()
    texts = set(
        ConsentRecord.objects.filter(signup__supporter__in=agreeing, purpose="contact").values_list(
            "text", flat=True
        )
    )
    assert texts == {contact_consent_text(org.site, "sq")}


def test_the_export_shows_the_undeliverable_mark_and_why_a_copy_was_not_sent(
    org, make_org, join_page, mailing
):
    confirm(_signup(org, join_page[0]))
    person = Supporter.objects.get(email="ilir@example.org")
    Delivery.objects.create(
        mailing=mailing,
        supporter=person,
        language="fr",
        status="skipped",
        reason="undeliverable",
    )
    mark = UndeliverableAddress.objects.create(
        site=org.site, email=person.email, reason="bounce", note="550 no such user"
    )
    # The same address marked at another organisation is not about this person.
    org_b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    UndeliverableAddress.objects.create(site=org_b.site, email=person.email, reason="complaint")
    data = person_export(person)
    assert data["undeliverable"] == {
        "reason": "bounce",
        "note": "550 no such user",
        "marked_at": mark.created_at.isoformat(),
    }
    (copy,) = data["messages"]
    # A language without a version of its own: the first version written.
    assert (copy["subject"], copy["status"], copy["reason"], copy["sent_at"]) == (
        "Lajme nga ne",
        "skipped",
        "undeliverable",
        None,
    )


def test_the_subject_of_a_copy_is_the_one_of_its_language(org, mailing):
    copies = [Delivery(mailing=mailing, language=code) for code in ("sq", "en", "")]
    assert [copy.subject() for copy in copies] == ["Lajme nga ne", "News from us", "Lajme nga ne"]
    assert Delivery(mailing=Mailing.objects.create(site=org.site, name="Bosh")).subject() == ""
