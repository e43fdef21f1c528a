"""Staff review of candidates' pledges: approve, ask for proof, decline (each emailed
to the candidate, logged, one winner when two staff press at once), erasing the
candidate's contact data, the retention rules (``movement_purge``), the review
screen's per-object check, and the candidates' records in the admin."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.log_actions import registry as log_registry
from wagtail.models import Locale

from home.models import SiteRole
from movement import review
from movement.models import CandidateRecord, Pledge, PledgeCommitment

from .conftest import make_campaign
from .test_admin_scope import forbidden, make_user

pytestmark = pytest.mark.django_db

State = Pledge.State


def online_pledge(page, name="Drita Kandidatja", email="drita@example.org", **fields):
    values = {
        "campaign": page,
        "name": name,
        "party": "Lista E",
        "state": State.CONFIRMED,
        "source": Pledge.Source.ONLINE,
        "email": email,
        "language": "sq",
        "consent_text": "Pajtohem që zotimi im të publikohet.",
        "confirmed_at": timezone.now(),
        "link_digest": f"{name:x<64}"[:64].replace(" ", "x"),
        "link_expires_at": timezone.now() + datetime.timedelta(days=30),
        **fields,
    }
    pledge = Pledge.objects.create(**values)
    for demand in page.demands.all():
        PledgeCommitment.objects.create(pledge=pledge, demand=demand, comment=f"Po, {demand.title}")
    return pledge


@pytest.fixture
def sites(org, make_org):
    org_b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    page, page_en = make_campaign(org, demands=2)
    page_b, _ = make_campaign(org_b, demands=1, slug="zeri")
    return {
        "org": org,
        "org_b": org_b,
        "page": page,
        "page_en": page_en,
        "page_b": page_b,
        "pledge": online_pledge(page),
        "pledge_b": online_pledge(page_b, name="Besa Kandidatja", email="besa@example.org"),
    }


@pytest.fixture
def editor(client, sites):
    user = make_user(sites["org"].site)
    client.force_login(user)
    return user


def review_url(pledge):
    return reverse("wagtailsnippets_movement_pledge:review", args=[pledge.pk])


def actions_of(pledge):
    return [entry.action for entry in log_registry.get_logs_for_instance(pledge)]


# The review functions


def test_approve_publishes_logs_and_emails_the_candidate(
    sites, editor, django_capture_on_commit_callbacks
):
    pledge = sites["pledge"]
    assert not pledge.is_public
    with django_capture_on_commit_callbacks(execute=True):
        review.approve(pledge, editor)
    pledge.refresh_from_db()
    assert pledge.state == State.APPROVED and pledge.is_public
    assert pledge.reviewed_by == editor and pledge.approved_at is not None
    assert pledge in Pledge.objects.public()
    assert actions_of(pledge) == [review.APPROVE]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["drita@example.org"]
    assert pledge.email_status == "sent"


@pytest.mark.parametrize(
    ("step", "state", "message"),
    [
        (review.ask_for_proof, State.PROOF, "Dërgoni skanimin e zotimit të nënshkruar."),
        (review.decline, State.DECLINED, "Nuk jeni kandidat në këto zgjedhje."),
    ],
)
def test_proof_and_decline_need_a_message_and_send_it(
    sites, editor, django_capture_on_commit_callbacks, step, state, message
):
    pledge = sites["pledge"]
    with pytest.raises(review.ReviewError):
        step(pledge, editor, "   ")
    pledge.refresh_from_db()
    assert pledge.state == State.CONFIRMED and actions_of(pledge) == []
    with django_capture_on_commit_callbacks(execute=True):
        step(pledge, editor, message)
    pledge.refresh_from_db()
    assert pledge.state == state and pledge.review_message == message
    assert not pledge.is_public and pledge.reviewed_by == editor
    assert len(mail.outbox) == 1 and message in mail.outbox[0].body


def test_a_pledge_asked_for_proof_can_then_be_approved(
    sites, editor, django_capture_on_commit_callbacks
):
    pledge = sites["pledge"]
    with django_capture_on_commit_callbacks(execute=True):
        review.ask_for_proof(pledge, editor, "Skanimi, ju lutem.")
        review.approve(pledge, editor)
    pledge.refresh_from_db()
    assert pledge.state == State.APPROVED and pledge.review_message == ""
    assert actions_of(pledge) == [review.APPROVE, review.ASK_FOR_PROOF]


@pytest.mark.parametrize("state", [State.PENDING, State.APPROVED, State.DECLINED, State.WITHDRAWN])
def test_only_confirmed_or_proof_pledges_are_decided(sites, editor, state):
    pledge = sites["pledge"]
    Pledge.objects.filter(pk=pledge.pk).update(state=state)
    for step in (
        lambda: review.approve(pledge, editor),
        lambda: review.decline(pledge, editor, "Jo."),
        lambda: review.ask_for_proof(pledge, editor, "Provë."),
    ):
        with pytest.raises(review.ReviewError) as error:
            step()
        if state == State.PENDING:
            assert str(error.value) == str(review.NOT_REVIEWABLE[State.PENDING])
    pledge.refresh_from_db()
    assert pledge.state == state and pledge.reviewed_by is None
    assert actions_of(pledge) == [] and mail.outbox == []


def test_two_staff_at_once_one_update_wins(sites, editor, django_capture_on_commit_callbacks):
    """Both loaded the pledge while it waited; the first decision wins, the second
    (approve or decline) finds it changed and nothing more happens."""
    other = make_user(sites["org"].site, username="redaktor2")
    first = Pledge.objects.get(pk=sites["pledge"].pk)
    second = Pledge.objects.get(pk=sites["pledge"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        review.approve(first, editor, seen_state=State.CONFIRMED)
        with pytest.raises(review.ReviewError):
            review.approve(second, other, seen_state=State.CONFIRMED)
        with pytest.raises(review.ReviewError):
            review.decline(second, other, "Jo.", seen_state=State.CONFIRMED)
    pledge = Pledge.objects.get(pk=first.pk)
    assert pledge.state == State.APPROVED and pledge.reviewed_by == editor
    assert actions_of(pledge) == [review.APPROVE]
    assert len(mail.outbox) == 1


def test_a_decision_on_an_outdated_screen_is_refused(sites, editor):
    """Seen while it waited for review; meanwhile proof was asked for: approving
    from the old screen is refused with "someone else has just reviewed it"."""
    pledge = sites["pledge"]
    review.ask_for_proof(Pledge.objects.get(pk=pledge.pk), editor, "Skanimi.")
    with pytest.raises(review.ReviewError) as error:
        review.approve(pledge, editor, seen_state=State.CONFIRMED)
    assert str(error.value) == str(review.CHANGED)
    assert Pledge.objects.get(pk=pledge.pk).state == State.PROOF


def test_an_approval_of_text_the_candidate_changed_meanwhile_is_refused(client, sites, editor):
    """The reviewer read version 0; the candidate edited it through their link: the
    approval on that screen publishes nothing."""
    pledge = sites["pledge"]
    client.force_login(editor)
    url = reverse("wagtailsnippets_movement_pledge:review", args=[pledge.pk])
    screen = client.get(url).content.decode()
    assert 'name="approve-version" value="0"' in screen
    Pledge.objects.filter(pk=pledge.pk).update(version=1, party="Lista e Ndryshuar")
    response = client.post(
        url,
        {"action": "approve", "approve-state": "confirmed", "approve-version": "0"},
        follow=True,
    )
    assert str(review.EDITED) in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.state == State.CONFIRMED and not pledge.is_public
    assert mail.outbox == []


def test_erase_contact_keeps_the_public_record(sites, editor):
    pledge = sites["pledge"]
    review.approve(pledge, editor)
    assert review.erase_contact(pledge, editor) is True
    pledge.refresh_from_db()
    assert pledge.email == "" and pledge.link_digest is None and pledge.link_expires_at is None
    assert pledge.review_message == ""
    assert pledge.is_public and pledge.name == "Drita Kandidatja"
    assert pledge.commitments.count() == 2
    assert actions_of(pledge)[0] == review.ERASE_CONTACT
    assert review.erase_contact(pledge, editor) is False


# Retention


def test_purge_deletes_expired_unconfirmed_pledges_and_erases_old_contacts(sites):
    page = sites["page"]  # election day 2019-10-06, long past
    now = timezone.now()
    expired = online_pledge(
        page,
        name="Skaduar",
        email="skaduar@example.org",
        state=State.PENDING,
        link_expires_at=now - datetime.timedelta(minutes=1),
    )
    waiting = online_pledge(
        page,
        name="Pret",
        email="pret@example.org",
        state=State.PENDING,
        link_expires_at=now + datetime.timedelta(days=3),
    )
    sites["page_b"].election_date = timezone.localdate() + datetime.timedelta(days=20)
    sites["page_b"].save()
    future_campaign = sites["pledge_b"]  # confirmed, before its election: kept
    declined_old = online_pledge(
        sites["page_b"],
        name="Refuzuar",
        email="refuzuar@example.org",
        state=State.DECLINED,
        created_at=now - datetime.timedelta(days=200),
        reviewed_at=now - datetime.timedelta(days=91),
    )
    # Received long ago, declined today: 90 days count from the decision.
    declined_new = online_pledge(
        sites["page_b"],
        name="Refuzuar sot",
        email="sot@example.org",
        state=State.DECLINED,
        created_at=now - datetime.timedelta(days=200),
        reviewed_at=now,
    )
    out = io.StringIO()
    call_command("movement_purge", stdout=out)
    assert "1 unconfirmed pledges deleted" in out.getvalue()
    assert not Pledge.objects.filter(pk=expired.pk).exists()
    assert Pledge.objects.get(pk=waiting.pk).email == "pret@example.org"  # link still valid
    approved = Pledge.objects.get(pk=sites["pledge"].pk)  # a year after its election
    assert approved.email == "" and approved.link_digest is None
    assert Pledge.objects.get(pk=future_campaign.pk).email == "besa@example.org"
    assert Pledge.objects.get(pk=declined_old.pk).email == ""
    assert Pledge.objects.get(pk=declined_new.pk).email == "sot@example.org"
    assert Pledge.objects.get(pk=declined_old.pk).name == "Refuzuar"  # the row stays
    call_command("movement_purge", stdout=io.StringIO())  # nothing more to do
    assert Pledge.objects.get(pk=waiting.pk).email == "pret@example.org"


# The review screen


def test_review_screen_shows_the_pledge_and_approves_it(
    client, sites, editor, django_capture_on_commit_callbacks
):
    pledge = sites["pledge"]
    html = client.get(review_url(pledge)).content.decode()
    for shown in (
        "Drita Kandidatja",
        "drita@example.org",
        "Pajtohem që zotimi im të publikohet.",
        "Po, Kërkesa 1",
        "Po, Kërkesa 2",
        'name="csrfmiddlewaretoken"',
    ):
        assert shown in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(pledge),
            {"action": "approve", "approve-state": "confirmed", "approve-version": "0"},
        )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.state == State.APPROVED and pledge.reviewed_by == editor
    assert len(mail.outbox) == 1
    # Pressed again (a second tab): a message, nothing more.
    response = client.post(
        review_url(pledge),
        {"action": "approve", "approve-state": "confirmed", "approve-version": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert actions_of(pledge) == [review.APPROVE] and len(mail.outbox) == 1


def test_review_screen_requires_the_message_for_proof_and_decline(client, sites, editor):
    pledge = sites["pledge"]
    for action in ("proof", "decline"):
        response = client.post(
            review_url(pledge),
            {"action": action, f"{action}-state": "confirmed", f"{action}-version": "0"},
        )
        assert response.status_code == 200
        decision = next(d for d in response.context["decisions"] if d["action"] == action)
        assert "message" in decision["form"].errors
    response = client.post(review_url(pledge), {"action": "nonsense"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.state == State.CONFIRMED and actions_of(pledge) == []


def test_a_pending_pledge_cannot_be_approved_from_the_screen(client, sites, editor):
    pledge = sites["pledge"]
    Pledge.objects.filter(pk=pledge.pk).update(state=State.PENDING)
    with translation.override("sq"):  # the admin's language by default
        message = str(review.NOT_REVIEWABLE[State.PENDING])
    assert message.startswith("Kandidati nuk e ka konfirmuar")
    html = client.get(review_url(pledge)).content.decode()
    assert message in html
    assert 'value="approve"' not in html
    response = client.post(
        review_url(pledge),
        {"action": "approve", "approve-state": "pending", "approve-version": "0"},
        follow=True,
    )
    assert message in response.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).state == State.PENDING


def test_review_posts_need_the_csrf_token(sites, editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(
        review_url(sites["pledge"]),
        {"action": "approve", "approve-state": "confirmed", "approve-version": "0"},
    )
    assert response.status_code == 403
    assert Pledge.objects.get(pk=sites["pledge"].pk).state == State.CONFIRMED


@pytest.mark.parametrize("role", [SiteRole.EDITOR, SiteRole.TRANSLATOR, SiteRole.EVENT_STAFF])
def test_another_organisations_staff_cannot_review(client, sites, role):
    """Staff of B (any role), and A's own non-editors, get 403 on A's pledge: no
    email shown, nothing changed."""
    pledge = sites["pledge"]
    for site, username in ((sites["org_b"].site, "b"), (sites["org"].site, "a")):
        if site == sites["org"].site and role == SiteRole.EDITOR:
            continue
        client.force_login(make_user(site, role, username=f"{username}-{role}"))
        response = client.get(review_url(pledge))
        assert forbidden(response) and "drita@example.org" not in response.content.decode()
        for action in ("approve", "decline", "proof", "erase"):
            data = {
                "action": action,
                f"{action}-state": "confirmed",
                f"{action}-version": "0",
                f"{action}-message": "x",
            }
            assert forbidden(client.post(review_url(pledge), data))
    pledge.refresh_from_db()
    assert pledge.state == State.CONFIRMED and pledge.email == "drita@example.org"
    assert actions_of(pledge) == [] and mail.outbox == []


def test_listing_filters_and_buttons_lead_to_the_review(client, sites, editor):
    online_pledge(sites["page"], name="Zana Miratuar", email="zana@example.org", state="approved")
    listing = reverse("wagtailsnippets_movement_pledge:list")
    html = client.get(listing).content.decode()
    with translation.override("sq"):
        assert str(State.CONFIRMED.label) in html  # the state column
    # Waiting pledges first, with a "Review" button.
    assert html.index("Drita Kandidatja") < html.index("Zana Miratuar")
    assert review_url(sites["pledge"]) in html
    assert review_url(sites["pledge_b"]) not in html
    html = client.get(listing, {"state": "approved"}).content.decode()
    assert "Zana Miratuar" in html and "Drita Kandidatja" not in html
    html = client.get(listing, {"source": "online", "q": "Drita"}).content.decode()
    assert "Drita Kandidatja" in html
    edit = reverse("wagtailsnippets_movement_pledge:edit", args=[sites["pledge"].pk])
    assert review_url(sites["pledge"]) in client.get(edit).content.decode()
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert f"{listing}?state=confirmed" in dashboard


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("sq", ["Kërko provë", "Mirato", "Refuzo", "Vendimi", "Shqyrtimi i zotimit: Drita"]),
        ("en", ["Ask for proof", "Approve", "Decline", "Decision", "Review the pledge of Drita"]),
    ],
)
def test_review_screen_in_both_languages(client, sites, editor, language, texts):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = language
    profile.save()
    html = client.get(review_url(sites["pledge"])).content.decode()
    for text in texts:
        assert text in html
    response = client.post(review_url(sites["pledge"]), {"action": "proof"}, follow=True)
    decision = next(d for d in response.context["decisions"] if d["action"] == "proof")
    with translation.override(language):
        assert decision["form"].errors["message"] == [str(review.MESSAGE_REQUIRED)]


# Candidates' records


def record_data(pledge, demand=None, **extra):
    return {
        "pledge": pledge.pk,
        "demand": demand.pk if demand else "",
        "date": "2021-03-01",
        "kind": "vote",
        "stance": "kept",
        "summary": "Votoi për ligjin.",
        "source_url": "https://example.org/votimi",
        **extra,
    }


def records_url(view, *args):
    return reverse(f"wagtailsnippets_movement_candidaterecord:{view}", args=args)


def test_record_form_offers_only_public_pledges_and_demands_of_the_users_campaigns(
    client, sites, editor
):
    page, page_b = sites["page"], sites["page_b"]
    review.approve(sites["pledge"], editor)
    Pledge.objects.filter(pk=sites["pledge_b"].pk).update(state=State.APPROVED)
    waiting = online_pledge(page, name="Pa Miratuar", email="pa@example.org")
    form = client.get(records_url("add")).context["form"]
    assert set(form.fields["pledge"].queryset) == {sites["pledge"]}
    demands = set(form.fields["demand"].queryset)
    assert set(page.demands.all()) <= demands and not demands & set(page_b.demands.all())

    for data in (
        record_data(sites["pledge_b"]),  # another organisation's pledge
        record_data(waiting),  # not public
        record_data(sites["pledge"], page_b.demands.get()),  # another site's demand
    ):
        response = client.post(records_url("add"), data)
        assert response.status_code == 200
    other, _ = make_campaign(sites["org"], demands=1, slug="tjeter")
    response = client.post(records_url("add"), record_data(sites["pledge"], other.demands.get()))
    assert response.status_code == 200 and "demand" in response.context["form"].errors
    assert not CandidateRecord.objects.exists()

    # A demand of the campaign in another language is the same demand.
    english_demand = sites["page_en"].demands.first()
    response = client.post(records_url("add"), record_data(sites["pledge"], english_demand))
    assert response.status_code == 302, response.content.decode()[:2000]
    record = CandidateRecord.objects.get()
    assert record.pledge == sites["pledge"] and record.demand == english_demand


def test_records_of_another_organisation_are_refused(client, sites, editor):
    Pledge.objects.filter(pk=sites["pledge_b"].pk).update(state=State.APPROVED)
    record_b = CandidateRecord.objects.create(
        pledge=sites["pledge_b"],
        locale=sites["page_b"].locale,
        summary="Deklaratë e B",
        source_url="https://example.org/b",
    )
    assert "Deklaratë e B" not in client.get(records_url("list")).content.decode()
    for view in ("edit", "delete", "history", "usage", "copy"):
        assert forbidden(client.get(records_url(view, record_b.pk)))
    assert forbidden(client.post(records_url("delete", record_b.pk)))
    assert CandidateRecord.objects.filter(pk=record_b.pk).exists()


def test_translators_translate_their_sites_records(client, sites, editor):
    """A translator of A sees A's records and translates them with wagtail-localize
    ("Translate"), but cannot change the Albanian ones; B's stay shut."""
    from wagtail_localize.models import Translation

    review.approve(sites["pledge"], editor)
    Pledge.objects.filter(pk=sites["pledge_b"].pk).update(state=State.APPROVED)
    record = CandidateRecord.objects.create(
        pledge=sites["pledge"],
        locale=sites["page"].locale,
        summary="Votoi për ligjin.",
        source_url="https://example.org/votimi",
    )
    record_b = CandidateRecord.objects.create(
        pledge=sites["pledge_b"],
        locale=sites["page_b"].locale,
        summary="Deklaratë e B",
        source_url="https://example.org/b",
    )
    translator = make_user(sites["org"].site, SiteRole.TRANSLATOR, "perkthyes")
    client.force_login(translator)

    def submit(obj):
        return reverse(
            "wagtail_localize:submit_snippet_translation",
            args=["movement", "candidaterecord", obj.pk],
        )

    english = Locale.objects.get(language_code="en")
    assert client.get(submit(record)).status_code == 200
    assert forbidden(client.get(submit(record_b)))
    response = client.post(submit(record), {"locales": [english.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    translated = CandidateRecord.objects.get(translation_key=record.translation_key, locale=english)
    assert translated.pledge == record.pledge
    assert Translation.objects.filter(target_locale=english).exists()
    assert forbidden(client.get(records_url("edit", record.pk)))
    assert client.get(records_url("edit", translated.pk)).status_code in (200, 302)
    assert "Deklaratë e B" not in client.get(records_url("list")).content.decode()


def test_superuser_reviews_every_organisation(client, sites):
    client.force_login(get_user_model().objects.create_superuser("rr", "rr@example.org", "x"))
    assert client.get(review_url(sites["pledge_b"])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_the_same_moment_one_wins(org):
    """Two staff press "Approve" at the same moment, in two threads with their own
    database connections: exactly one UPDATE wins, one email, one log entry."""
    import threading

    from django.db import connection

    page, _ = make_campaign(org, demands=1)
    pledge = online_pledge(page)
    users = [make_user(org.site, username=f"redaktor{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def press(user):
        try:
            mine = Pledge.objects.get(pk=pledge.pk)
            barrier.wait(timeout=10)
            review.approve(mine, user, seen_state=State.CONFIRMED)
            results.append("approved")
        except review.ReviewError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["approved", "refused"]
    pledge.refresh_from_db()
    assert pledge.state == State.APPROVED and pledge.reviewed_by in users
    assert actions_of(pledge) == [review.APPROVE]
    assert len(mail.outbox) == 1


def test_staff_send_again_an_email_the_mail_server_refused_to_the_end(
    client, sites, editor, django_capture_on_commit_callbacks
):
    from movement.tasks import MAX_ATTEMPTS

    pledge = sites["pledge"]
    Pledge.objects.filter(pk=pledge.pk).update(email_status="failed", email_attempts=MAX_ATTEMPTS)
    client.force_login(editor)
    url = reverse("wagtailsnippets_movement_pledge:review", args=[pledge.pk])
    screen = client.get(url).content.decode()
    assert 'value="resend"' in screen and "serveri i postës e refuzoi" in screen.lower()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "resend", "resend-state": "confirmed", "resend-version": "0"}
        )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.email_status == "sent" and len(mail.outbox) == 1
    assert mail.outbox[0].to == [pledge.email]
    assert 'value="resend"' not in client.get(url).content.decode()


def test_candidates_photos_go_with_pledges_never_made_public(sites, tmp_path, settings):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    settings.MEDIA_ROOT = tmp_path
    Image = get_image_model()

    def photo(title):
        return Image.objects.create(title=title, file=get_test_image_file())

    now = timezone.now()
    declined = online_pledge(
        sites["page"],
        name="Refuzuar",
        email="r@example.org",
        state=State.DECLINED,
        reviewed_at=now - datetime.timedelta(days=91),
        photo=photo("refuzuar"),
    )
    public = online_pledge(
        sites["page_b"],
        name="Publik",
        email="p@example.org",
        state=State.APPROVED,
        approved_at=now,
        photo=photo("publik"),
    )
    paper = Pledge.objects.create(campaign=sites["page"], name="Letër", photo=photo("letër"))
    call_command("movement_purge", stdout=io.StringIO())
    declined.refresh_from_db()
    assert declined.photo is None and not Image.objects.filter(title="refuzuar").exists()
    assert Image.objects.filter(title="publik").exists()
    # Deleting a pledge deletes the photo its candidate sent, not staff's images.
    public.delete()
    paper.delete()
    assert list(Image.objects.values_list("title", flat=True)) == ["letër"]
