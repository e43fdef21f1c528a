"""Who a message selects: only confirmed people who agreed to email and did not
unsubscribe, never erased or undeliverable ones, of one organisation only; each
criterion narrows the audience."""

from datetime import timedelta

import pytest
from django.utils import timezone

from membership.audience import Audience, contactable, recipients, site_languages
from membership.mailings import UndeliverableAddress
from membership.records import SignUp, Supporter

pytestmark = pytest.mark.django_db


def person(site, email, *, kind="membership", state="confirmed", consent=True, **fields):
    now = timezone.now()
    supporter = Supporter.objects.create(
        site=site,
        email=email,
        contact_consent_at=now if consent else None,
        language=fields.pop("language", "sq"),
        municipality=fields.pop("municipality", "prishtine"),
    )
    SignUp.objects.create(
        supporter=supporter,
        kind=kind,
        state=state,
        confirmed_at=fields.pop("confirmed_at", now) if state == "confirmed" else None,
        areas=fields.pop("areas", []),
        page=fields.pop("page", None),
    )
    return supporter


def emails(queryset):
    return sorted(queryset.values_list("email", flat=True))


def test_only_confirmed_consenting_reachable_people_of_the_organisation(make_org):
    a = make_org("org-a.example", default=True)
    b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    person(a.site, "yes@example.org")
    person(a.site, "pending@example.org", state="pending")
    person(a.site, "no-consent@example.org", consent=False)
    withdrawn = person(a.site, "withdrawn@example.org", state="withdrawn")
    assert withdrawn.signups.get().state == "withdrawn"
    erased = person(a.site, "erased@example.org")
    Supporter.objects.filter(pk=erased.pk).update(email=None, erased_at=timezone.now())
    person(a.site, "bounced@example.org")
    UndeliverableAddress.objects.create(site=a.site, email="bounced@example.org", reason="bounce")
    # The same address bounced at another organisation does not matter here.
    UndeliverableAddress.objects.create(site=b.site, email="yes@example.org", reason="bounce")
    person(b.site, "other-org@example.org")

    assert emails(contactable(a.site)) == ["yes@example.org"]
    assert emails(recipients(a.site, {})) == ["yes@example.org"]
    assert emails(recipients(b.site, {})) == ["other-org@example.org"]


def test_each_criterion_narrows(org):
    site = org.site
    long_ago = timezone.now() - timedelta(days=400)
    person(site, "member@example.org", municipality="peje", language="en", confirmed_at=long_ago)
    person(site, "events@example.org", kind="volunteer", areas=["events", "door-to-door"])
    person(site, "door@example.org", kind="volunteer", areas=["door-to-door"])
    person(site, "abroad@example.org", municipality="jashte")

    assert emails(recipients(site, {"kinds": ["volunteer"]})) == [
        "door@example.org",
        "events@example.org",
    ]
    assert emails(recipients(site, {"areas": ["events"]})) == ["events@example.org"]
    # "door-to-door" is not found inside another key, nor "door" inside it.
    assert emails(recipients(site, {"areas": ["door"]})) == []
    assert emails(recipients(site, {"municipalities": ["jashte"]})) == ["abroad@example.org"]
    assert emails(recipients(site, {"languages": ["en"]})) == ["member@example.org"]
    since = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert "member@example.org" not in emails(recipients(site, {"confirmed_since": since}))
    assert emails(recipients(site, {"kinds": ["membership"], "municipalities": ["peje"]})) == [
        "member@example.org"
    ]


def test_unsubscribing_removes_a_person(org):
    someone = person(org.site, "someone@example.org")
    assert emails(recipients(org.site, {})) == ["someone@example.org"]
    Supporter.objects.filter(pk=someone.pk).update(
        contact_consent_at=None, contact_withdrawn_at=timezone.now()
    )
    assert emails(recipients(org.site, {})) == []


def test_the_form_offers_the_organisations_languages_areas_and_pages(org, rules):
    form = Audience(
        {"kinds": ["volunteer"], "areas": ["events"], "confirmed_since": "2026-01-31"},
        site=org.site,
        language="en",
    )
    assert form.is_valid(), form.errors
    assert [code for code, _ in form.fields["languages"].choices] == ["sq", "en"]
    assert dict(form.fields["areas"].choices)["events"] == "Events"
    stored = form.as_json()
    assert stored["confirmed_since"] == "2026-01-31"
    assert stored["areas"] == ["events"]
    assert site_languages(org.site)[0][0] == "sq"
    bad = Audience({"kinds": ["organisation"], "areas": ["nowhere"]}, site=org.site)
    assert not bad.is_valid()
    assert set(bad.errors) == {"kinds", "areas"}


def test_pages_are_titled_in_the_officers_language_and_empty_criteria_hidden(org, standard_page):
    page_sq, page_en = standard_page
    person(org.site, "signer@example.org", kind="signature", page=page_sq)
    english = Audience(site=org.site, language="en")
    assert english.fields["pages"].choices == [(str(page_sq.translation_key), page_en.title)]
    albanian = Audience(site=org.site, language="sq")
    assert albanian.fields["pages"].choices == [(str(page_sq.translation_key), page_sq.title)]
    # No volunteer areas configured: the criterion is not offered.
    assert "areas" not in english.fields
    chosen = Audience({"pages": [str(page_sq.translation_key)]}, site=org.site, language="en")
    assert chosen.is_valid(), chosen.errors
    assert emails(recipients(org.site, chosen.as_json())) == ["signer@example.org"]
