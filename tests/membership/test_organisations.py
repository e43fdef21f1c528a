"""Organisations applying to join a platform: the form on ``apply/``, double opt-in of
the contact person, staff review with emails, the public list, and the contact's
data (export, erasure, withdrawal)."""

import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage
from membership import services
from membership.models import MemberOrganisationsPage, OrganisationApplication, SignUp, Supporter
from membership.organisation_flow import member_organisations, review

from .conftest import follow_confirm_link, old_token, path_of

CONSENT_SQ = "Pajtohem që të dhënat e mia të ruhen për aplikimin e organizatës."
CONSENT_EN = "I agree that my data is kept for the application of the organisation."


def application_data(**overrides):
    data = {
        "organisation_name": "Shoqata Zëri i të Rinjve",
        "kind": "association",
        "registration_number": "5110123-4",
        "municipality": "prizren",
        "country": "",
        "web_address": "https://zeri.example.org",
        "work": "Punojmë me të rinjtë e Prizrenit për pjesëmarrje qytetare.",
        "given_name": "Besa",
        "family_name": "Shembulli",
        "email": "besa@example.org",
        "phone": "+383 44 123 456",
        "principles": "on",
        "consent": "on",
        "website": "",
        "form_time": old_token(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def members_page(org):
    return org.add_page(
        MemberOrganisationsPage(
            title="Organizatat anëtare",
            slug="organizatat",
            intro="Bashkohuni me platformën.",
            principles="<p>Të pavarur nga partitë.</p>",
            consent_text=CONSENT_SQ,
            thank_you="Faleminderit!",
        ),
        en_fields={
            "title": "Member organisations",
            "slug": "organisations",
            "intro": "Join the platform.",
            "principles": "<p>Independent of parties.</p>",
            "consent_text": CONSENT_EN,
            "thank_you": "Thank you!",
        },
    )


def apply_url(page):
    return page.url + "apply/"


def apply_and_confirm(submit, client, org, page, **overrides):
    response = submit(apply_url(page), application_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    follow_confirm_link(client, mail.outbox[-1], org.hostname)
    return OrganisationApplication.objects.get(
        signup__supporter__email=overrides.get("email", "besa@example.org")
    )


class TestPageRules(WagtailPageTestCase):
    def test_only_under_a_home_page_and_no_children(self):
        self.assertCanCreateAt(HomePage, MemberOrganisationsPage)
        self.assertCanNotCreateAt(MemberOrganisationsPage, MemberOrganisationsPage)
        self.assertAllowedSubpageTypes(MemberOrganisationsPage, {})


@pytest.mark.django_db
class TestApplying:
    def test_form_shows_principles_labels_and_consent(self, client, org, members_page):
        sq, en = members_page
        html = client.get(apply_url(sq), HTTP_HOST=org.hostname).content.decode()
        assert "Të pavarur nga partitë." in html
        assert CONSENT_SQ in html
        assert 'for="id_organisation_name"' in html
        assert 'type="tel"' in html
        html_en = client.get(apply_url(en), HTTP_HOST=org.hostname).content.decode()
        assert CONSENT_EN in html_en
        assert "Name of the organisation" in html_en

    def test_application_is_stored_pending_and_emails_the_contact(self, submit, org, members_page):
        sq, _en = members_page
        response = submit(apply_url(sq), application_data())
        assert response.status_code == 302
        assert response["Location"].endswith("apply/?sent=1")
        application = OrganisationApplication.objects.get()
        assert application.site == org.site
        assert application.name == "Shoqata Zëri i të Rinjve"
        assert application.kind == "association"
        assert application.principles_agreed
        assert application.review == OrganisationApplication.Review.WAITING
        signup = application.signup
        assert signup.kind == SignUp.Kind.ORGANISATION
        assert signup.state == SignUp.State.PENDING
        assert signup.consents.get().text == CONSENT_SQ
        person = signup.supporter
        assert (person.given_name, person.phone) == ("Besa", "+38344123456")
        assert len(mail.outbox) == 1
        assert "/organizatat/apply/?confirm=" in mail.outbox[0].body

    def test_thank_you_page(self, client, org, members_page):
        sq, _en = members_page
        html = client.get(apply_url(sq) + "?sent=1", HTTP_HOST=org.hostname).content.decode()
        assert 'id="thank-you"' in html
        assert "Faleminderit!" in html

    @pytest.mark.parametrize(
        "overrides,field",
        [
            ({"principles": None}, "principles"),
            ({"consent": None}, "consent"),
            ({"phone": "044 123 456"}, "phone"),
            ({"phone": ""}, "phone"),
            ({"kind": "party"}, "kind"),
            ({"municipality": "jashte", "country": ""}, "country"),
            ({"web_address": "not a url at all"}, "web_address"),
            ({"work": "x" * 2001}, "work"),
            ({"organisation_name": ""}, "organisation_name"),
        ],
    )
    def test_bad_input_is_refused_with_a_message_and_nothing_stored(
        self, submit, org, members_page, overrides, field
    ):
        sq, _en = members_page
        response = submit(apply_url(sq), application_data(**overrides))
        assert response.status_code == 400
        html = response.content.decode()
        assert f'id="id_{field}_error"' in html
        assert not OrganisationApplication.objects.exists()
        assert not Supporter.objects.exists()
        assert mail.outbox == []

    def test_honeypot_stores_nothing_but_thanks(self, submit, members_page):
        sq, _en = members_page
        response = submit(apply_url(sq), application_data(website="http://spam.example"))
        assert response.status_code == 302
        assert not OrganisationApplication.objects.exists()

    def test_rate_limited(self, submit, settings, members_page):
        settings.MEMBERSHIP_RATE_LIMIT = (1, 600)
        sq, _en = members_page
        assert submit(apply_url(sq), application_data()).status_code == 302
        response = submit(apply_url(sq), application_data(organisation_name="Tjetër"))
        assert response.status_code == 429
        assert OrganisationApplication.objects.get().name == "Shoqata Zëri i të Rinjve"

    def test_application_page_is_never_cached(self, client, org, members_page):
        sq, _en = members_page
        response = client.get(apply_url(sq), HTTP_HOST=org.hostname)
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]

    def test_english_application_emails_in_english(self, submit, org, members_page):
        _sq, en = members_page
        submit(apply_url(en), application_data())
        signup = SignUp.objects.get()
        assert signup.language == "en"
        assert "/organisations/apply/?confirm=" in mail.outbox[0].body

    def test_pending_application_sent_again_is_replaced(self, submit, members_page):
        sq, _en = members_page
        submit(apply_url(sq), application_data())
        submit(
            apply_url(sq), application_data(organisation_name="Emri i ri", form_time=old_token())
        )
        application = OrganisationApplication.objects.get()
        assert application.name == "Emri i ri"
        assert application.proposed == {}

    def test_confirmed_contact_sending_again_only_proposes(self, submit, client, org, members_page):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        review(application, OrganisationApplication.Review.APPROVED, "", None)
        response = submit(
            apply_url(sq), application_data(organisation_name="Emri i ri", form_time=old_token())
        )
        assert response.status_code == 302
        application.refresh_from_db()
        assert application.name == "Shoqata Zëri i të Rinjve"
        assert application.proposed == {"name": "Emri i ri"}
        assert application.review == OrganisationApplication.Review.APPROVED


@pytest.mark.django_db
class TestConfirmationAndList:
    def test_confirmation_link_lands_on_the_form_page(self, submit, client, org, members_page):
        sq, _en = members_page
        submit(apply_url(sq), application_data())
        link = path_of(re.search(r"https?://\S+\?confirm=\S+", mail.outbox[0].body).group(0))
        page = client.get(link, HTTP_HOST=org.hostname)
        assert page.status_code == 200
        assert 'name="membership-token"' in page.content.decode()
        assert SignUp.objects.get().state == SignUp.State.PENDING  # GET changes nothing
        follow_confirm_link(client, mail.outbox[0], org.hostname)
        assert SignUp.objects.get().state == SignUp.State.CONFIRMED

    def test_listed_only_when_approved_and_confirmed(self, submit, client, org, members_page):
        sq, en = members_page
        submit(apply_url(sq), application_data())
        application = OrganisationApplication.objects.get()
        review(application, OrganisationApplication.Review.APPROVED, "", None)
        assert member_organisations(org.site) == []  # not confirmed yet
        html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
        assert 'id="no-member-organisations"' in html
        follow_confirm_link(client, mail.outbox[0], org.hostname)
        [row] = member_organisations(org.site)
        assert row["name"] == "Shoqata Zëri i të Rinjve"
        assert row["municipality"] == "Prizren"
        html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
        assert "Shoqata Zëri i të Rinjve" in html
        assert 'href="https://zeri.example.org"' in html
        assert "5110123-4" not in html  # the registration number stays with staff
        assert "besa@example.org" not in html
        html_en = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
        assert "Shoqata Zëri i të Rinjve" in html_en
        assert "Association" in html_en

    def test_declined_and_waiting_are_not_listed(self, submit, client, org, members_page):
        sq, _en = members_page
        app = apply_and_confirm(submit, client, org, sq)
        assert member_organisations(org.site) == []
        review(app, OrganisationApplication.Review.DECLINED, "Jo tani.", None)
        assert member_organisations(org.site) == []

    def test_albanian_alphabetical_order(self, org):
        names = ["Zëri", "Çelësi", "Dhembshuria", "Cicërima", "Ditari", "Ëndrra", "Arti"]
        for number, name in enumerate(names):
            person = Supporter.objects.create(site=org.site, email=f"p{number}@example.org")
            signup = SignUp.objects.create(
                supporter=person,
                kind=SignUp.Kind.ORGANISATION,
                state=SignUp.State.CONFIRMED,
            )
            OrganisationApplication.objects.create(
                signup=signup,
                site=org.site,
                name=name,
                kind="ngo",
                work="…",
                review=OrganisationApplication.Review.APPROVED,
            )
        listed = [row["name"] for row in member_organisations(org.site)]
        assert listed == ["Arti", "Cicërima", "Çelësi", "Ditari", "Dhembshuria", "Ëndrra", "Zëri"]

    def test_visitor_text_is_escaped(self, submit, client, org, members_page):
        sq, _en = members_page
        application = apply_and_confirm(
            submit, client, org, sq, organisation_name="<script>alert(1)</script>"
        )
        review(application, OrganisationApplication.Review.APPROVED, "", None)
        html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_approval_empties_the_cached_list(self, submit, client, org, members_page, settings):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        client.logout()
        first = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
        assert "Shoqata Zëri i të Rinjve" not in first
        review(application, OrganisationApplication.Review.APPROVED, "", None)
        again = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
        assert "Shoqata Zëri i të Rinjve" in again

    def test_other_sites_list_is_separate(self, submit, client, org, org_b, members_page):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        review(application, OrganisationApplication.Review.APPROVED, "", None)
        assert member_organisations(org_b.site) == []


@pytest.mark.django_db
class TestReviewEmails:
    @pytest.mark.parametrize(
        "decision,message,expected",
        [
            ("approved", "", "anëtare"),
            ("more", "Na dërgoni statutin.", "Na dërgoni statutin."),
            ("declined", "Nuk punoni në Kosovë.", "Nuk punoni në Kosovë."),
        ],
    )
    def test_each_decision_is_emailed_in_the_contacts_language(
        self, submit, client, org, members_page, decision, message, expected
    ):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        mail.outbox.clear()
        assert review(application, decision, message, None) is True
        [email] = mail.outbox
        assert email.to == ["besa@example.org"]
        assert expected in email.body
        assert "?withdraw=" in email.body
        application.refresh_from_db()
        assert application.review == decision
        assert application.reviewed_at is not None

    def test_english_contact_gets_english(self, submit, client, org, members_page):
        _sq, en = members_page
        application = apply_and_confirm(submit, client, org, en)
        mail.outbox.clear()
        review(application, "approved", "", None)
        assert "member organisation" in mail.outbox[0].subject
        assert "/organisations/" in mail.outbox[0].body

    def test_mail_server_down_keeps_the_decision(
        self, submit, client, org, members_page, monkeypatch
    ):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)

        def refuse(*args, **kwargs):
            raise OSError("down")

        monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        assert review(application, "approved", "", None) is False
        application.refresh_from_db()
        assert application.review == "approved"


@pytest.mark.django_db
class TestContactData:
    def test_withdrawal_takes_the_organisation_off_the_list(
        self, submit, client, org, members_page
    ):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        review(application, "approved", "", None)
        assert member_organisations(org.site)
        services.withdraw(application.signup.supporter, application.signup.page_id)
        assert member_organisations(org.site) == []

    def test_a_member_that_withdrew_and_applies_again_changes_nothing_unreviewed(
        self, submit, client, org, members_page
    ):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        review(application, "approved", "", None)
        services.withdraw(application.signup.supporter, application.signup.page_id)
        mail.outbox.clear()
        apply_and_confirm(
            submit,
            client,
            org,
            sq,
            organisation_name="Diçka Tjetër",
            web_address="https://tjeter.example.org",
        )
        [row] = member_organisations(org.site)
        assert row["name"] == "Shoqata Zëri i të Rinjve"  # as reviewed
        application.refresh_from_db()
        assert application.proposed["name"] == "Diçka Tjetër"  # waits for staff

    def test_erasure_clears_proposals_and_unlists(self, submit, client, org, members_page):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        review(application, "approved", "", None)
        submit(apply_url(sq), application_data(work="Diçka tjetër", form_time=old_token()))
        application.refresh_from_db()
        assert application.proposed
        services.erase_supporter(application.signup.supporter)
        application.refresh_from_db()
        assert application.proposed == {}
        assert member_organisations(org.site) == []
        html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
        assert "Shoqata Zëri i të Rinjve" not in html

    def test_person_export_includes_the_application(self, submit, client, org, members_page):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        data = services.person_export(application.signup.supporter)
        [row] = data["organisation_applications"]
        assert row["organisation"] == "Shoqata Zëri i të Rinjve"
        assert row["review"] == "waiting"
        json.dumps(data)  # serialisable as the export is

    def test_purging_the_signup_deletes_the_application(self, submit, client, org, members_page):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        application.signup.delete()
        assert not OrganisationApplication.objects.exists()


@pytest.mark.django_db
class TestAdminReview:
    def test_officer_lists_waiting_first_and_reviews(
        self, submit, client, org, members_page, staff
    ):
        sq, _en = members_page
        first = apply_and_confirm(submit, client, org, sq)
        review(first, "declined", "Jo.", None)
        apply_and_confirm(
            submit, client, org, sq, email="tjeter@example.org", organisation_name="Grupi Tjetër"
        )
        client.force_login(staff["officer_a"])
        html = client.get(reverse("membership_organisations")).content.decode()
        assert html.index("Grupi Tjetër") < html.index("Shoqata Zëri i të Rinjve")
        second = OrganisationApplication.objects.get(name="Grupi Tjetër")
        url = reverse("membership_organisation", args=[second.pk])
        detail = client.get(url)
        assert detail.status_code == 200
        assert "tjeter@example.org" in detail.content.decode()
        mail.outbox.clear()
        response = client.post(url, {"decision": "approved", "message": ""})
        assert response.status_code == 302
        second.refresh_from_db()
        assert second.review == "approved"
        assert second.reviewed_by == staff["officer_a"]
        assert len(mail.outbox) == 1

    def test_decline_needs_a_reason(self, submit, client, org, members_page, staff):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        client.force_login(staff["officer_a"])
        url = reverse("membership_organisation", args=[application.pk])
        response = client.post(url, {"decision": "declined", "message": ""})
        assert response.status_code == 400
        assert 'id="id_message_error"' in response.content.decode()
        application.refresh_from_db()
        assert application.review == "waiting"

    def test_apply_proposed_changes(self, submit, client, org, members_page, staff):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        submit(
            apply_url(sq), application_data(organisation_name="Emri i ri", form_time=old_token())
        )
        client.force_login(staff["officer_a"])
        url = reverse("membership_organisation", args=[application.pk])
        assert "Emri i ri" in client.get(url).content.decode()
        client.post(url, {"action": "apply_proposed"})
        application.refresh_from_db()
        assert (application.name, application.proposed) == ("Emri i ri", {})


@pytest.mark.django_db
class TestOnTheCongressPage:
    def _congress(self, org, show):
        import datetime

        from django.utils import timezone

        from congress.models import CongressIndexPage, CongressPage

        index, _ = org.add_page(CongressIndexPage(title="Kongreset", slug="kongreset"))
        start = timezone.now() + datetime.timedelta(days=30)
        page, _ = org.add_page(
            CongressPage(
                title="Kongresi",
                slug="kongresi",
                number=1,
                start_at=start,
                end_at=start + datetime.timedelta(hours=4),
                venue_name="Salla",
                livestreams="[]",
                show_member_organisations=show,
            ),
            parent=index,
        )
        return page

    @pytest.mark.parametrize("show", [True, False])
    def test_congress_page_shows_the_list_when_asked(self, submit, client, org, members_page, show):
        sq, _en = members_page
        application = apply_and_confirm(submit, client, org, sq)
        review(application, OrganisationApplication.Review.APPROVED, "", None)
        congress = self._congress(org, show)
        html = client.get(congress.url, HTTP_HOST=org.hostname).content.decode()
        assert ("Shoqata Zëri i të Rinjve" in html) is show
        assert ('id="member-organisations"' in html) is show
