"""Joining and volunteering: forms, storage, confirmation, thank-you."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage, StandardPage
from membership.models import ConsentRecord, JoinPage, SignUp, Supporter, VolunteerPage

from .conftest import (
    JOIN_CONSENT_EN,
    JOIN_CONSENT_SQ,
    confirm_link,
    follow_confirm_link,
    join_data,
    path_of,
    sign_url,
    statement_data,
    volunteer_data,
)

pytestmark = pytest.mark.django_db


def test_join_form_renders_in_both_languages_with_labels(client, org, join_page):
    sq, en = join_page
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert '<html lang="sq"' in html
    assert JOIN_CONSENT_SQ in html
    assert 'for="id_email"' in html and 'autocomplete="email"' in html
    assert "Emri" in html  # Albanian label of "Given name"
    assert 'name="website"' in html  # the honeypot is there, hidden
    html = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
    assert '<html lang="en"' in html
    assert JOIN_CONSENT_EN in html
    assert "Given name" in html


def test_form_pages_are_never_cached(client, org, join_page):
    sq, _ = join_page
    first = client.get(sq.url, HTTP_HOST=org.hostname)
    second = client.get(sq.url, HTTP_HOST=org.hostname)
    assert "no-cache" in first["Cache-Control"] or "no-store" in first["Cache-Control"]
    assert second.get("X-Cache") != "HIT"


def test_each_visitor_gets_their_own_time_token(client, org, join_page, monkeypatch):
    import re

    from membership import forms as membership_forms

    sq, _ = join_page
    token_input = re.compile(r'name="form_time" value="([^"]+)"')
    pages = []
    for now in (1_700_000_000, 1_700_000_000, 1_700_000_100):
        monkeypatch.setattr(membership_forms.time, "time", lambda now=now: now)
        pages.append(client.get(sq.url, HTTP_HOST=org.hostname).content.decode())
    tokens = [token_input.search(html).group(1) for html in pages]
    assert len(set(tokens)) == 3  # even two in the same second
    times = [membership_forms.read_form_time_token(t) for t in tokens]
    assert times == [1_700_000_000, 1_700_000_000, 1_700_000_100]


def test_form_follows_publishing_and_previews_show_unsaved_texts(client, org, join_page):
    sq, _ = join_page
    assert JOIN_CONSENT_SQ in client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    sq.consent_text = "Pajtohem me kushtet e reja."
    preview = sq.make_preview_request().content.decode()
    assert "Pajtohem me kushtet e reja." in preview
    assert JOIN_CONSENT_SQ in client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    sq.save_revision().publish()
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert "Pajtohem me kushtet e reja." in html and JOIN_CONSENT_SQ not in html


def test_valid_join_stores_pending_signup_with_consent_and_sends_email(
    submit, client, org, join_page
):
    sq, _ = join_page
    response = submit(sq, join_data(email="  Arta@Example.ORG "))
    assert response.status_code == 302
    assert response["Location"] == f"{sq.url}?sent=1"
    supporter = Supporter.objects.get()
    assert supporter.email == "arta@example.org"
    assert supporter.site == org.site
    assert supporter.phone == "+383 44 123 456"
    signup = supporter.signups.get()
    assert signup.kind == SignUp.Kind.MEMBERSHIP
    assert signup.state == SignUp.State.PENDING
    assert signup.page.pk == sq.pk
    assert signup.language == "sq"
    consent = signup.consents.get()
    assert consent.text == JOIN_CONSENT_SQ
    assert consent.language == "sq"
    assert consent.revision_id == sq.live_revision_id
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["arta@example.org"]
    assert "konfirm" in message.subject.lower()
    assert signup.__class__.objects.get().email_status == SignUp.EmailStatus.SENT

    thanks = client.get(response["Location"], HTTP_HOST=org.hostname).content.decode()
    assert "Faleminderit që u bashkuat!" in thanks
    assert 'name="email"' not in thanks


def test_confirmation_link_confirms_in_the_submitters_language(submit, client, org, join_page):
    _, en = join_page
    submit(en, join_data())
    message = mail.outbox[0]
    assert "confirm" in message.subject.lower()
    link = confirm_link(message)
    assert path_of(link).startswith(en.url)
    assert SignUp.objects.get().state == SignUp.State.PENDING
    response = follow_confirm_link(client, message, org.hostname)
    assert response.status_code == 200
    assert "Your membership application is confirmed" in response.content.decode()
    signup = SignUp.objects.get()
    assert signup.state == SignUp.State.CONFIRMED and signup.confirmed_at
    # A second click is harmless.
    again = client.get(path_of(link), HTTP_HOST=org.hostname)
    assert "confirmed" in again.content.decode()
    assert SignUp.objects.get().state == SignUp.State.CONFIRMED


def test_forged_and_expired_links_confirm_nothing(submit, client, org, join_page, settings):
    sq, _ = join_page
    submit(sq, join_data())
    link = path_of(confirm_link(mail.outbox[0]))
    forged = client.get(link[:-3] + "xyz", HTTP_HOST=org.hostname)
    assert forged.status_code == 200
    assert "nuk është e vlefshme" in forged.content.decode()
    from membership.models import MembershipSettings

    rules = MembershipSettings.for_site(org.site)
    rules.confirmation_link_days = 0
    rules.save()
    from membership.tokens import issue_links

    signup = SignUp.objects.get()
    expired, _ = issue_links(signup.supporter, sq.pk, [signup.pk], 0)
    import time

    time.sleep(1.1)
    response = client.get(f"{sq.url}?confirm={expired}", HTTP_HOST=org.hostname)
    assert "ka skaduar" in response.content.decode()
    assert SignUp.objects.get().state == SignUp.State.PENDING


def test_a_link_of_one_organisation_confirms_nothing_on_another(
    submit, client, org, join_page, make_org
):
    sq, _ = join_page
    other = make_org("org-c.example", name="Organizata C", name_en="Organisation C")
    submit(sq, join_data())
    token = path_of(confirm_link(mail.outbox[0])).split("?confirm=")[1]
    other_join, _ = other.add_page(
        JoinPage(
            title="Anëtarësohu", slug="anetaresohu", consent_text="Po", thank_you="Faleminderit"
        )
    )
    client.get(f"{other_join.url}?confirm={token}", HTTP_HOST=other.hostname)
    posted = client.post(
        other_join.url,
        {"membership-action": "confirm", "membership-token": token},
        HTTP_HOST=other.hostname,
    )
    assert posted.status_code == 400
    assert SignUp.objects.get().state == SignUp.State.PENDING


def test_invalid_join_stores_nothing_and_shows_errors_with_what_was_typed(submit, org, join_page):
    sq, _ = join_page
    response = submit(sq, join_data(email="not-an-email", consent=None, given_name="Arta<b>"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="id_email_error"' in html
    assert 'value="Arta&lt;b&gt;"' in html  # kept, and escaped
    assert "<b>" not in html.split("<main")[1]
    assert Supporter.objects.count() == 0 and SignUp.objects.count() == 0
    assert mail.outbox == []


def test_minimum_age_and_country_rules(submit, client, org, join_page):
    sq, _ = join_page
    from django.utils import timezone

    young = str(timezone.localdate().year - 10)
    response = submit(sq, join_data(year_of_birth=young))
    assert response.status_code == 400
    assert "16" in response.content.decode()
    response = submit(sq, join_data(municipality="jashte", country=""))
    assert response.status_code == 400
    assert Supporter.objects.count() == 0
    response = submit(sq, join_data(municipality="jashte", country="Zvicër"))
    assert response.status_code == 302
    supporter = Supporter.objects.get()
    assert supporter.municipality == "jashte" and supporter.country == "Zvicër"


def test_age_box_instead_of_year(submit, client, org, join_page):
    from membership.models import MembershipSettings

    rules = MembershipSettings.for_site(org.site)
    rules.ask_year_of_birth = False
    rules.minimum_age = 18
    rules.save()
    sq, _ = join_page
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert 'name="age_confirmed"' in html and 'name="year_of_birth"' not in html
    assert submit(sq, join_data(year_of_birth=None)).status_code == 400
    response = submit(sq, join_data(year_of_birth=None, age_confirmed="on"))
    assert response.status_code == 302
    assert SignUp.objects.get().age_confirmed


def test_the_same_thank_you_and_email_whether_or_not_the_address_is_known(
    submit, client, org, join_page
):
    sq, _ = join_page
    first = submit(sq, join_data())
    second = submit(sq, join_data(given_name="Someone", family_name="Else"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(mail.outbox) == 2
    a, b = mail.outbox
    assert a.subject == b.subject
    assert a.body.split("?confirm=")[0] == b.body.split("?confirm=")[0]
    # One person, one membership; the existing name is not overwritten.
    supporter = Supporter.objects.get()
    assert supporter.given_name == "Arta"
    assert supporter.signups.count() == 1
    assert ConsentRecord.objects.count() == 1


def test_join_volunteer_and_sign_make_one_person_with_three_signups(
    submit, client, org, join_page, volunteer_page, campaign
):
    submit(join_page[0], join_data(email="x@example.org"))
    submit(volunteer_page[1], volunteer_data(email="X@example.org"))
    submit(sign_url(campaign[0]), statement_data(email="x@EXAMPLE.org"))
    supporter = Supporter.objects.get()
    assert sorted(supporter.signups.values_list("kind", flat=True)) == [
        "membership",
        "signature",
        "volunteer",
    ]


def test_supporter_is_unique_per_site_and_email_in_the_database(org, make_org):
    Supporter.objects.create(site=org.site, email="a@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Supporter.objects.create(site=org.site, email="a@example.org")
    other = make_org("org-z.example", name="Z", name_en="Z")
    Supporter.objects.create(site=other.site, email="a@example.org")  # another organisation
    assert Supporter.objects.count() == 2


def test_volunteer_with_areas_and_membership_too(submit, client, org, volunteer_page):
    sq, en = volunteer_page
    html = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
    assert "Door to door" in html and "Evenings" in html
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert "Derë më derë" in html
    # Membership too needs the year of birth.
    response = submit(sq, volunteer_data(also_member="on"))
    assert response.status_code == 400
    response = submit(sq, volunteer_data(also_member="on", year_of_birth="1995"))
    assert response.status_code == 302
    supporter = Supporter.objects.get()
    volunteer = supporter.signups.get(kind="volunteer")
    assert volunteer.areas == ["events"] and volunteer.availability == ["evenings"]
    membership = supporter.signups.get(kind="membership")
    assert membership.consents.get().text == JOIN_CONSENT_SQ
    assert len(mail.outbox) == 1  # one email confirms both
    follow_confirm_link(client, mail.outbox[0], org.hostname)
    assert set(supporter.signups.values_list("state", flat=True)) == {"confirmed"}


def test_volunteer_areas_must_be_from_the_sites_list(submit, client, org, volunteer_page):
    sq, _ = volunteer_page
    assert submit(sq, volunteer_data(areas=["hacking"])).status_code == 400
    assert submit(sq, volunteer_data(areas=[])).status_code == 400
    assert Supporter.objects.count() == 0


def test_withdrawn_member_who_joins_again_is_pending_again(submit, client, org, join_page):
    sq, _ = join_page
    submit(sq, join_data())
    SignUp.objects.update(state=SignUp.State.WITHDRAWN)
    submit(sq, join_data())
    signup = SignUp.objects.get()
    assert signup.state == SignUp.State.PENDING
    assert signup.consents.count() == 2


class TestPageRules(WagtailPageTestCase):
    def test_parents_and_children(self):
        for model in (JoinPage, VolunteerPage):
            self.assertAllowedParentPageTypes(model, {HomePage})
            self.assertAllowedSubpageTypes(model, {})
            self.assertCanNotCreateAt(StandardPage, model)
        assert JoinPage.max_count_per_parent == 1
        assert JoinPage.page_cache is False and VolunteerPage.page_cache is False


def test_volunteer_form_shows_an_area_added_later(client, org, volunteer_page, rules):
    """The shared empty form follows the organisation's inline rows (areas) too."""
    from wagtail.models import Locale

    from membership.models import VolunteerArea

    sq, _ = volunteer_page
    assert "Evente" in client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    VolunteerArea.objects.create(
        settings=rules,
        key="social",
        locale=Locale.objects.get(language_code="sq"),
        name="Rrjetet sociale",
        sort_order=5,
    )
    assert "Rrjetet sociale" in client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
