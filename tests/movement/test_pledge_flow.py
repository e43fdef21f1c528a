"""The candidate's pledge online: the form, the emailed link (confirm, edit,
withdraw), the same address again, two identical forms at once, the closed form
after the election, spam traps, mail server failures and the photo."""

import datetime
import io
import re
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_tasks import default_task_backend
from PIL import Image as PILImage
from wagtail.images import get_image_model

from home.roles import site_collection
from movement import links, pledges, tasks
from movement.models import Pledge, PledgeCommitment

from .conftest import open_for_pledges, pledge_form_data

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/\S*pledge/manage/\?token=[\w-]+)")

is_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it",
)


class BrokenBackend:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def pledge_url(page):
    return page.url + "pledge/"


def link_of(message):
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def token_of(link):
    return link.rsplit("token=", 1)[1]


def png(name="foto.png", size=(20, 20)):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    PILImage.new("RGB", size, "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def online_pledge(page, state=Pledge.State.CONFIRMED, email="besa@example.org", **fields):
    """An online pledge as the form leaves it, committing to the first demand; with
    a valid link (returns the pledge and its token)."""
    pledge = Pledge.objects.create(
        campaign=page,
        name=fields.pop("name", "Besa Kandidatja"),
        party=fields.pop("party", "Lista B"),
        office=Pledge.Office.ASSEMBLY,
        email=email,
        language=fields.pop("language", "sq"),
        state=state,
        source=Pledge.Source.ONLINE,
        consent_text="Pajtohem.",
        **fields,
    )
    PledgeCommitment.objects.create(pledge=pledge, demand=page.demands.first(), comment="Po")
    return pledge, links.issue_token(pledge)


def manage(page, token):
    return f"{page.url}pledge/manage/?token={token}"


# -- the form --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_form_shows_every_demand_and_what_is_published(client, org, pledge_campaign, language):
    page = pledge_campaign[0 if language == "sq" else 1]
    response = client.get(pledge_url(page), HTTP_HOST=org.hostname)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="robots" content="noindex"' in html
    assert "no-store" in response["Cache-Control"]
    assert 'enctype="multipart/form-data"' in html
    assert f'<html lang="{language}"' in html
    for demand in page.demands.all():
        assert f'name="commit_{demand.pk}"' in html
        assert demand.title in html
    if language == "sq":
        assert "Zotohem për: Kërkesa 1" in html
        assert "CC BY 4.0" in html and "nuk publikohet kurrë" in html
    else:
        assert "I commit to: Demand 1" in html
        assert "CC BY 4.0" in html and "never published" in html
    assert 'name="website"' in html and 'name="form_time"' in html


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "sq",
            [
                "Zgjidhni komunën ku kandidoni.",
                "Shënoni të paktën një kërkesë për të cilën zotoheni.",
                "Shkruani një adresë uebi që fillon me https:// ose http://.",
            ],
        ),
        (
            "en",
            [
                "Choose the municipality where you stand for election.",
                "Tick at least one demand you commit to.",
                "Enter a web address that starts with https:// or http://.",
            ],
        ),
    ],
)
def test_form_errors_in_both_languages_store_nothing(
    post_pledge, pledge_campaign, language, messages
):
    page = pledge_campaign[0 if language == "sq" else 1]
    data = pledge_form_data(
        page, commit=(), office="mayor", municipality="", profile_url="ftp://example.org/x"
    )
    response = post_pledge(pledge_url(page), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    for message in messages:
        assert message in html
    assert Pledge.objects.count() == 0
    assert mail.outbox == []


def test_a_comment_without_its_box_and_a_list_number_out_of_range(post_pledge, pledge_campaign):
    sq, _ = pledge_campaign
    data = pledge_form_data(sq, commit=(0,), comments={1: "Pa zotim"}, list_number="1000")
    response = post_pledge(pledge_url(sq), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Keni shkruar një koment" in html
    assert Pledge.objects.count() == 0


def test_a_pledge_is_stored_pending_and_the_candidate_gets_one_email_with_a_link(
    post_pledge, client, org, pledge_campaign
):
    sq, _ = pledge_campaign
    data = pledge_form_data(
        sq, commit=(0, 2), comments={2: "Do ta mbroj në Kuvend."}, email="Arta@Example.ORG"
    )
    response = post_pledge(pledge_url(sq), data)
    assert response.status_code == 302
    assert response["Location"] == pledge_url(sq) + "?sent=1"
    pledge = Pledge.objects.get()
    assert pledge.campaign_id == sq.pk
    assert pledge.email == "arta@example.org"
    assert pledge.state == Pledge.State.PENDING and pledge.source == Pledge.Source.ONLINE
    assert pledge.language == "sq"
    assert "CC BY 4.0" in pledge.consent_text and "nuk publikohet kurrë" in pledge.consent_text
    assert (pledge.name, pledge.party, pledge.list_number, pledge.gender) == (
        "Arta Kandidatja",
        "Lista A",
        7,
        "female",
    )
    demands = list(sq.demands.all())
    assert [(c.demand_id, c.comment) for c in pledge.commitments.order_by("sort_order")] == [
        (demands[0].pk, ""),
        (demands[2].pk, "Do ta mbroj në Kuvend."),
    ]
    assert not Pledge.objects.public().exists()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["arta@example.org"]
    assert message.reply_to == [f"info@{org.hostname}"]
    assert sq.title in message.subject and "Konfirmoni" in message.subject
    assert "Përshëndetje Arta Kandidatja," in message.body
    html = message.alternatives[0][0]
    assert '<html lang="sq">' in html
    link = link_of(message)
    assert link.startswith(sq.url + "pledge/manage/")
    token = token_of(link)
    pledge.refresh_from_db()
    assert pledge.email_status == "sent" and pledge.email_attempts == 1
    assert pledge.link_digest == links.token_digest(token) and token not in pledge.link_digest

    thanks = client.get(response["Location"], HTTP_HOST=org.hostname)
    assert "Faleminderit për zotimin tuaj!" in thanks.content.decode()


def test_a_pledge_in_english_hangs_on_the_first_page_and_commits_to_its_demands(
    post_pledge, pledge_campaign
):
    sq, en = pledge_campaign
    response = post_pledge(pledge_url(en), pledge_form_data(en, commit=(1,)))
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.campaign_id == sq.pk and pledge.language == "en"
    assert "never published" in pledge.consent_text
    commitment = pledge.commitments.get()
    second = list(sq.demands.all())[1]
    assert commitment.demand_id == second.pk  # the first page's row, same translation key
    message = mail.outbox[0]
    assert "Confirm your pledge" in message.subject and en.title in message.subject
    assert link_of(message).startswith(en.url + "pledge/manage/")


def test_opening_the_link_changes_nothing_and_its_button_confirms_once(
    post_pledge, client, org, pledge_campaign
):
    sq, _ = pledge_campaign
    post_pledge(pledge_url(sq), pledge_form_data(sq))
    link = link_of(mail.outbox[0])
    token = token_of(link)
    shown = client.get(link, HTTP_HOST=org.hostname)
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"] and shown["Referrer-Policy"] == "same-origin"
    html = shown.content.decode()
    assert 'name="robots" content="noindex"' in html
    assert 'value="confirm"' in html and "Arta Kandidatja" in html
    assert Pledge.objects.get().state == Pledge.State.PENDING

    done = post_pledge(sq.url + "pledge/manage/", {"token": token, "action": "confirm"})
    assert done.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.state == Pledge.State.CONFIRMED and pledge.confirmed_at is not None
    confirmed_at = pledge.confirmed_at
    page = client.get(done["Location"], HTTP_HOST=org.hostname).content.decode()
    assert "adresa juaj e emailit është konfirmuar" in page
    assert 'value="confirm"' not in page

    again = post_pledge(sq.url + "pledge/manage/", {"token": token, "action": "confirm"})
    assert again.status_code == 302
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.CONFIRMED and pledge.confirmed_at == confirmed_at
    assert len(mail.outbox) == 1  # confirming sends nothing


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Pledge.State.PENDING, Pledge.State.PENDING),
        (Pledge.State.CONFIRMED, Pledge.State.CONFIRMED),
        (Pledge.State.PROOF, Pledge.State.PROOF),  # still asked for its proof
    ],
)
def test_the_candidate_edits_an_unapproved_pledge(
    post_pledge, client, org, pledge_campaign, before, after
):
    sq, _ = pledge_campaign
    pledge, token = online_pledge(sq, state=before)
    form = client.get(manage(sq, token), HTTP_HOST=org.hostname).content.decode()
    assert 'value="save"' in form and 'value="Lista B"' in form
    assert 'name="email"' not in form  # the address stays the confirmed one
    data = pledge_form_data(
        sq, commit=(1, 2), comments={1: "Ndryshuar"}, party="Lista C", token=token, action="save"
    )
    del data["email"]
    response = post_pledge(sq.url + "pledge/manage/", data)
    assert response.status_code == 302, response.content.decode()
    pledge.refresh_from_db()
    assert pledge.state == after and pledge.party == "Lista C"
    assert pledge.version == 1  # a review of the version before is refused
    assert pledge.email == "besa@example.org"
    demands = list(sq.demands.all())
    assert sorted(pledge.commitments.values_list("demand_id", "comment")) == [
        (demands[1].pk, "Ndryshuar"),
        (demands[2].pk, ""),
    ]
    saved = client.get(response["Location"], HTTP_HOST=org.hostname).content.decode()
    assert "Ndryshimet tuaja u ruajtën." in saved


def test_an_edit_with_errors_changes_nothing(post_pledge, pledge_campaign):
    sq, _ = pledge_campaign
    pledge, token = online_pledge(sq, state=Pledge.State.CONFIRMED)
    data = pledge_form_data(sq, commit=(), party="Lista C", token=token, action="save")
    del data["email"]
    response = post_pledge(sq.url + "pledge/manage/", data)
    assert response.status_code == 400
    assert "Shënoni të paktën një kërkesë" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.party == "Lista B" and pledge.commitments.count() == 1


def test_an_approved_pledge_cannot_be_edited_through_the_link(post_pledge, pledge_campaign):
    sq, _ = pledge_campaign
    pledge, token = online_pledge(
        sq, state=Pledge.State.APPROVED, approved_at=timezone.now(), party="Lista B"
    )
    data = pledge_form_data(sq, party="Lista C", token=token, action="save")
    response = post_pledge(sq.url + "pledge/manage/", data)
    assert response.status_code == 409
    pledge.refresh_from_db()
    assert pledge.party == "Lista B"


def test_withdrawing_before_the_election_takes_the_pledge_off_the_public_pages(
    post_pledge, client, org, pledge_campaign
):
    sq, _ = pledge_campaign
    pledge, token = online_pledge(sq, state=Pledge.State.APPROVED, approved_at=timezone.now())
    assert Pledge.objects.public().filter(pk=pledge.pk).exists()
    shown = client.get(manage(sq, token), HTTP_HOST=org.hostname).content.decode()
    assert "nuk shfaqet më në faqen e fushatës" in shown
    response = post_pledge(sq.url + "pledge/manage/", {"token": token, "action": "withdraw"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.WITHDRAWN
    assert pledge.withdrawn_on == timezone.localdate()
    assert not Pledge.objects.public().filter(pk=pledge.pk).exists()
    assert len(mail.outbox) == 1
    assert "tërhequr" in mail.outbox[0].subject
    assert "Nuk shfaqet në faqen e fushatës." in mail.outbox[0].body
    done = client.get(response["Location"], HTTP_HOST=org.hostname)
    assert done.status_code == 200 and "Zotimi juaj është tërhequr." in done.content.decode()
    # The email's new link replaces the one used; withdrawn is final: no button, and
    # pressing it again changes nothing.
    assert client.get(manage(sq, token), HTTP_HOST=org.hostname).status_code == 404
    newest = link_of(mail.outbox[0])
    page = client.get(newest, HTTP_HOST=org.hostname).content.decode()
    assert "E tërhoqët zotimin tuaj më" in page and 'value="withdraw"' not in page
    post_pledge(sq.url + "pledge/manage/", {"token": token_of(newest), "action": "withdraw"})
    assert len(mail.outbox) == 1


def test_withdrawing_after_the_election_keeps_the_record_and_says_so(
    post_pledge, client, org, pledge_campaign
):
    sq, _ = pledge_campaign
    open_for_pledges(sq, days=-30)  # the election was a month ago
    pledge, token = online_pledge(
        sq, state=Pledge.State.APPROVED, approved_at=timezone.now() - timedelta(days=40)
    )
    shown = client.get(manage(sq, token), HTTP_HOST=org.hostname).content.decode()
    assert "regjistrimi juaj mbetet publik" in shown
    response = post_pledge(sq.url + "pledge/manage/", {"token": token, "action": "withdraw"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.WITHDRAWN
    assert Pledge.objects.public().filter(pk=pledge.pk).exists()
    page = client.get(link_of(mail.outbox[0]), HTTP_HOST=org.hostname).content.decode()
    assert "regjistrimi mbetet publik" in page
    assert "mbetet publik" in mail.outbox[0].body


def test_withdrawing_on_the_election_day_itself_keeps_the_record(post_pledge, pledge_campaign):
    sq, _ = pledge_campaign
    open_for_pledges(sq, days=0)  # the polls are open today: pledging has closed
    pledge, token = online_pledge(sq, state=Pledge.State.APPROVED, approved_at=timezone.now())
    assert (
        post_pledge(sq.url + "pledge/manage/", {"token": token, "action": "withdraw"}).status_code
        == 302
    )
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.WITHDRAWN and pledge.withdrawn_on == sq.election_date
    assert Pledge.objects.public().filter(pk=pledge.pk).exists() and pledge.is_public


def test_the_same_address_again_changes_no_pledge_and_reveals_nothing(
    post_pledge, client, org, pledge_campaign, settings
):
    """Only the candidate's link edits a pledge: whoever sends the form with the
    candidate's address changes nothing; the address gets its link again (a few
    times an hour at most), and the answer is the same as for a new pledge."""
    settings.MEMBERSHIP_EMAILS_PER_ADDRESS = (1, 3600)  # emails sent again, per hour
    sq, _ = pledge_campaign
    first = post_pledge(pledge_url(sq), pledge_form_data(sq, party="Lista A"))
    second = post_pledge(pledge_url(sq), pledge_form_data(sq, commit=(1,), party="Lista X"))
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    pledge = Pledge.objects.get()
    assert pledge.party == "Lista A" and pledge.state == Pledge.State.PENDING
    assert list(pledge.commitments.values_list("demand_id", flat=True)) == [sq.demands.first().pk]
    # Still waiting for its confirmation: the confirmation email again, a new link.
    assert len(mail.outbox) == 2 and mail.outbox[1].subject == mail.outbox[0].subject
    token = token_of(link_of(mail.outbox[1]))
    post_pledge(sq.url + "pledge/manage/", {"token": token, "action": "confirm"})
    assert Pledge.objects.get().state == Pledge.State.CONFIRMED

    third = post_pledge(pledge_url(sq), pledge_form_data(sq, party="Lista Y"))
    assert third["Location"] == first["Location"]
    pledge.refresh_from_db()
    assert pledge.party == "Lista A" and pledge.state == Pledge.State.CONFIRMED
    assert pledge.confirmed_at is not None
    # Beyond the limit per address nothing more is sent (the answer stays the same).
    assert len(mail.outbox) == 2
    assert client.get(manage(sq, token), HTTP_HOST=org.hostname).status_code == 200


@pytest.mark.parametrize(
    "state", [Pledge.State.APPROVED, Pledge.State.DECLINED, Pledge.State.WITHDRAWN]
)
def test_the_same_address_again_leaves_a_reviewed_pledge_as_it_is_and_sends_a_link(
    post_pledge, client, org, pledge_campaign, state
):
    sq, _ = pledge_campaign
    pledge, token = online_pledge(sq, state=state, email="arta@example.org", party="Lista B")
    response = post_pledge(pledge_url(sq), pledge_form_data(sq, party="Lista X"))
    assert response.status_code == 302 and response["Location"] == pledge_url(sq) + "?sent=1"
    pledge.refresh_from_db()
    assert pledge.state == state and pledge.party == "Lista B"
    assert Pledge.objects.count() == 1
    assert len(mail.outbox) == 1
    assert "lidhje e re" in mail.outbox[0].subject
    assert client.get(manage(sq, token), HTTP_HOST=org.hostname).status_code == 404
    assert client.get(link_of(mail.outbox[0]), HTTP_HOST=org.hostname).status_code == 200


def test_a_lost_race_on_the_unique_address_ends_in_one_pledge(
    post_pledge, pledge_campaign, monkeypatch
):
    """Two identical forms at once: both find no pledge, the second insert breaks the
    unique constraint; it runs again, finds the first and leaves it as it is."""
    sq, _ = pledge_campaign
    post_pledge(pledge_url(sq), pledge_form_data(sq, party="Lista A"))
    real_find = pledges._find
    calls = []

    def find_nothing_first(campaign_id, email):
        calls.append(email)
        return None if len(calls) == 1 else real_find(campaign_id, email)

    monkeypatch.setattr(pledges, "_find", find_nothing_first)
    response = post_pledge(pledge_url(sq), pledge_form_data(sq, party="Lista B"))
    assert response.status_code == 302
    assert len(calls) == 2
    pledge = Pledge.objects.get()
    assert pledge.party == "Lista A"


@is_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_pledges_at_once_make_one(org, pledge_campaign):
    sq, _ = pledge_campaign
    data = pledge_form_data(sq)
    barrier = threading.Barrier(2)
    results = []

    def post():
        try:
            barrier.wait()
            results.append(Client().post(pledge_url(sq), data, HTTP_HOST=org.hostname).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [302, 302]
    assert Pledge.objects.count() == 1
    assert PledgeCommitment.objects.count() == 1


# -- closed, spam, limits ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sq", "en"])
def test_after_the_election_the_form_is_closed_and_stores_nothing(
    post_pledge, client, org, pledge_campaign, language
):
    page = pledge_campaign[0 if language == "sq" else 1]
    open_for_pledges(page, days=0)  # the election day itself: closed
    shown = client.get(pledge_url(page), HTTP_HOST=org.hostname)
    assert shown.status_code == 200
    assert 'name="consent"' not in shown.content.decode()
    response = post_pledge(pledge_url(page), pledge_form_data(page))
    assert response.status_code == 403
    html = response.content.decode()
    expected = (
        "Zotimi në internet është mbyllur, prandaj zotimi juaj nuk u ruajt."
        if language == "sq"
        else "Pledging online has closed, so your pledge was not saved."
    )
    assert expected in html
    assert Pledge.objects.count() == 0 and mail.outbox == []


def test_an_election_day_not_set_keeps_the_form_open(pledge_campaign):
    sq, _ = pledge_campaign
    sq.election_date = None
    assert pledges.pledging_is_open(sq)
    sq.live = False
    assert not pledges.pledging_is_open(sq)


def test_the_honeypot_and_a_forged_token_get_the_thank_you_and_store_nothing(
    post_pledge, pledge_campaign
):
    sq, _ = pledge_campaign
    for data in (
        pledge_form_data(sq, website="http://spam.example"),
        pledge_form_data(sq, form_time="forged"),
    ):
        response = post_pledge(pledge_url(sq), data)
        assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    assert Pledge.objects.count() == 0 and mail.outbox == []


def test_a_form_sent_too_fast_is_shown_again_and_nothing_is_stored(post_pledge, pledge_campaign):
    from membership.forms import form_time_token

    sq, _ = pledge_campaign
    response = post_pledge(pledge_url(sq), pledge_form_data(sq, form_time=form_time_token()))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Formulari juaj arriti shumë shpejt" in html
    assert 'value="Arta Kandidatja"' in html  # what was typed is kept
    assert Pledge.objects.count() == 0


def test_too_many_forms_from_one_address_get_429(post_pledge, pledge_campaign, settings):
    sq, _ = pledge_campaign
    settings.MEMBERSHIP_RATE_LIMIT = (1, 600)
    assert post_pledge(pledge_url(sq), pledge_form_data(sq)).status_code == 302
    limited = post_pledge(pledge_url(sq), pledge_form_data(sq, party="Lista X"))
    assert limited.status_code == 429
    assert "Arta Kandidatja" in limited.content.decode()
    assert Pledge.objects.get().party == "Lista A"


def test_a_name_cannot_add_headers_to_the_email(post_pledge, pledge_campaign):
    sq, _ = pledge_campaign
    name = "Arta\r\nBcc: someone@evil.example\r\nSubject: hi"
    response = post_pledge(pledge_url(sq), pledge_form_data(sq, name=name))
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert "\n" not in pledge.name and "\r" not in pledge.name
    message = mail.outbox[0]
    assert message.bcc == [] and message.to == ["arta@example.org"]
    assert "evil" not in message.subject and "\n" not in message.subject
    headers = message.message().as_string().split("\n\n", 1)[0]
    assert "evil.example" not in headers
    assert message.recipients() == ["arta@example.org"]


# -- links -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sq", "en"])
def test_an_unknown_or_expired_link_says_how_to_get_a_new_one(
    client, org, pledge_campaign, language
):
    page = pledge_campaign[0 if language == "sq" else 1]
    pledge, token = online_pledge(page.get_translation(pledge_campaign[0].locale))
    Pledge.objects.filter(pk=pledge.pk).update(
        link_expires_at=timezone.now() - timedelta(seconds=1)
    )
    expected = (
        "Për të marrë një lidhje të re"
        if language == "sq"
        else "To get a new link, send the pledge form again"
    )
    for url in (manage(page, token), manage(page, "nothing"), page.url + "pledge/manage/"):
        response = client.get(url, HTTP_HOST=org.hostname)
        assert response.status_code == 404
        assert expected in response.content.decode()
        assert "no-store" in response["Cache-Control"]
    assert Pledge.objects.get().state == Pledge.State.CONFIRMED


def test_a_link_of_another_campaign_does_not_work_here(org, client, pledge_campaign):
    from .conftest import make_campaign

    sq, _ = pledge_campaign
    other, _ = make_campaign(org, slug="tjeter")
    _, token = online_pledge(other)
    assert client.get(manage(sq, token), HTTP_HOST=org.hostname).status_code == 404
    assert client.get(manage(other, token), HTTP_HOST=org.hostname).status_code == 200


def test_the_link_lasts_thirty_days_and_until_400_days_after_the_election(pledge_campaign):
    sq, _ = pledge_campaign
    pledge, _ = online_pledge(sq)
    now = timezone.now()
    expiry = links.link_expiry(pledge, now)
    assert timezone.localdate(expiry) == sq.election_date + timedelta(days=400)
    sq.election_date = datetime.date(2019, 10, 6)
    pledge.campaign = sq
    assert links.link_expiry(pledge, now) == now + timedelta(days=30)


# -- emails ---------------------------------------------------------------------------------


def test_a_mail_server_down_loses_nothing_and_the_retry_sends_once(
    post_pledge, client, org, pledge_campaign, settings
):
    settings.EMAIL_BACKEND = "tests.movement.test_pledge_flow.BrokenBackend"
    sq, _ = pledge_campaign
    response = post_pledge(pledge_url(sq), pledge_form_data(sq))
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.state == Pledge.State.PENDING
    assert pledge.email_status == "failed" and pledge.email_attempts == 1
    assert pledge.link_digest is None  # the link of an email that never went is taken back

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # What the timer runs every five minutes (deploy/systemd/civic-send-emails.service):
    # nothing before the back-off is over, then the email.
    out = io.StringIO()
    call_command("movement_send_emails", stdout=out)
    assert out.getvalue().strip() == "0 pledge emails sent" and mail.outbox == []
    Pledge.objects.filter(pk=pledge.pk).update(email_due_at=timezone.now())
    call_command("movement_send_emails", stdout=out)
    assert out.getvalue().split("\n")[1] == "1 pledge emails sent"
    assert len(mail.outbox) == 1
    pledge.refresh_from_db()
    assert pledge.email_status == "sent" and pledge.email_attempts == 2
    assert tasks.retry_failed() == 0
    assert len(mail.outbox) == 1
    assert client.get(link_of(mail.outbox[0]), HTTP_HOST=org.hostname).status_code == 200


def test_a_failed_email_keeps_the_link_of_the_one_before(pledge_campaign, settings):
    sq, _ = pledge_campaign
    pledge, token = online_pledge(sq)
    settings.EMAIL_BACKEND = "tests.movement.test_pledge_flow.BrokenBackend"
    Pledge.objects.filter(pk=pledge.pk).update(email_status="queued")
    assert tasks.deliver(pledge.pk, "link") == tasks.FAILED
    assert links.pledge_for_token(sq, token) == pledge


def test_a_failed_email_is_tried_again_later_on_a_backend_that_can_wait(pledge_campaign, settings):
    settings.EMAIL_BACKEND = "tests.movement.test_pledge_flow.BrokenBackend"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    sq, _ = pledge_campaign
    pledge, _ = online_pledge(sq, state=Pledge.State.PENDING)
    Pledge.objects.filter(pk=pledge.pk).update(email_status="queued")
    assert default_task_backend.supports_defer

    def retries():
        return [
            result
            for result in default_task_backend.results
            if result.task.func is tasks.send_pledge_email.func
        ]

    delays = []
    for attempt in range(1, tasks.MAX_ATTEMPTS + 1):
        before = timezone.now()
        assert tasks.send_pledge_email.call(pledge_id=pledge.pk, message="confirm") is False
        pledge.refresh_from_db()
        assert pledge.email_attempts == attempt and pledge.email_status == "failed"
        queued = retries()
        assert len(queued) == min(attempt, tasks.MAX_ATTEMPTS - 1)  # then it stops
        if attempt < tasks.MAX_ATTEMPTS:
            delays.append(queued[-1].task.run_after - before)
    minutes = [round(d.total_seconds() / 60) for d in delays]
    assert minutes == [2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]  # at most 6 hours apart
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.deliver(pledge.pk, "confirm") == tasks.SKIPPED  # given up (a day and a half)
    # Nor does the five-minute command send it any more: staff can (the review screen).
    Pledge.objects.filter(pk=pledge.pk).update(email_due_at=timezone.now())
    assert tasks.retry_failed() == 0


def test_an_email_that_never_reached_the_worker_is_sent_by_the_command(
    pledge_campaign, django_capture_on_commit_callbacks
):
    sq, _ = pledge_campaign
    pledge, _ = online_pledge(sq, state=Pledge.State.PENDING)
    broken = mock.Mock(**{"enqueue.side_effect": OSError("the task store is down")})
    with mock.patch.object(tasks, "send_pledge_email", broken):
        with django_capture_on_commit_callbacks(execute=True):
            pledges.notify(pledge, "confirm")
    pledge.refresh_from_db()
    assert pledge.email_status == "queued" and mail.outbox == []
    assert tasks.retry_failed() == 0  # the worker may still send it
    assert tasks.retry_failed(now=timezone.now() + tasks.WORKER_GRACE) == 1
    assert len(mail.outbox) == 1


def test_two_senders_send_one_email(pledge_campaign):
    sq, _ = pledge_campaign
    pledge, _ = online_pledge(sq, state=Pledge.State.PENDING)
    Pledge.objects.filter(pk=pledge.pk).update(email_status="queued")
    assert tasks.deliver(pledge.pk, "confirm") == tasks.SENT
    assert tasks.deliver(pledge.pk, "confirm") == tasks.SKIPPED
    assert len(mail.outbox) == 1


def test_an_email_that_no_longer_fits_the_state_is_not_sent(pledge_campaign):
    sq, _ = pledge_campaign
    pledge, _ = online_pledge(sq, state=Pledge.State.APPROVED, approved_at=timezone.now())
    Pledge.objects.filter(pk=pledge.pk).update(email_status="queued")
    assert tasks.deliver(pledge.pk, "confirm") == tasks.SKIPPED
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("message", "state", "language", "words"),
    [
        ("approved", Pledge.State.APPROVED, "sq", ["publikuar", "/candidates/"]),
        ("approved", Pledge.State.APPROVED, "en", ["published", "/candidates/"]),
        ("proof", Pledge.State.PROOF, "sq", ["Sillni skanimin", "pledge/print/?token="]),
        ("proof", Pledge.State.PROOF, "en", ["Bring the scan", "pledge/print/?token="]),
        ("declined", Pledge.State.DECLINED, "sq", ["Sillni skanimin", "refuzoi"]),
        ("declined", Pledge.State.DECLINED, "en", ["Bring the scan", "declined"]),
    ],
)
def test_the_review_emails_in_the_candidates_language(
    django_capture_on_commit_callbacks, pledge_campaign, message, state, language, words
):
    sq, en = pledge_campaign
    pledge, _ = online_pledge(
        sq,
        state=state,
        language=language,
        approved_at=timezone.now() if state == Pledge.State.APPROVED else None,
        review_message="Sillni skanimin / Bring the scan",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert pledges.notify(pledge, message)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    page = sq if language == "sq" else en
    assert page.title in email.subject
    link = link_of(email)
    assert link.startswith(page.url + "pledge/manage/")
    for word in words:
        assert word in email.body
    pledge.refresh_from_db()
    assert pledge.email_status == "sent"


def test_notify_refuses_an_unknown_message_and_skips_a_paper_pledge(pledge_campaign):
    sq, _ = pledge_campaign
    pledge, _ = online_pledge(sq)
    with pytest.raises(ValueError):
        pledges.notify(pledge, "hello")
    paper = Pledge.objects.create(campaign=sq, name="Nga letra")
    assert pledges.notify(paper, "approved") is False


# -- the photo ---------------------------------------------------------------------------------


def test_a_photo_is_kept_in_the_organisations_collection_and_never_replaced_by_the_form(
    post_pledge, org, pledge_campaign, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    sq, _ = pledge_campaign
    Image = get_image_model()
    first = post_pledge(pledge_url(sq), {**pledge_form_data(sq), "photo": png()})
    assert first.status_code == 302
    pledge = Pledge.objects.get()
    photo = pledge.photo
    assert photo is not None and photo.collection == site_collection(org.site)
    assert photo.width == 20 and photo.file_size and photo.file_hash
    # The same address again (anyone may type it) stores no other photo.
    second = post_pledge(pledge_url(sq), {**pledge_form_data(sq), "photo": png("tjeter.png")})
    assert second.status_code == 302
    pledge.refresh_from_db()
    assert pledge.photo_id == photo.pk
    assert Image.objects.count() == 1


def test_a_file_that_is_no_image_is_refused_and_nothing_is_stored(
    post_pledge, pledge_campaign, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    sq, _ = pledge_campaign
    fake = SimpleUploadedFile("foto.png", b"<script>alert(1)</script>", content_type="image/png")
    response = post_pledge(pledge_url(sq), {**pledge_form_data(sq), "photo": fake})
    assert response.status_code == 400
    assert Pledge.objects.count() == 0
    assert get_image_model().objects.count() == 0


def test_the_candidate_removes_their_photo_through_the_link(
    post_pledge, pledge_campaign, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    sq, _ = pledge_campaign
    post_pledge(pledge_url(sq), {**pledge_form_data(sq), "photo": png()})
    token = token_of(link_of(mail.outbox[0]))
    data = pledge_form_data(sq, token=token, action="save", remove_photo="on")
    del data["email"]
    response = post_pledge(sq.url + "pledge/manage/", data)
    assert response.status_code == 302
    assert Pledge.objects.get().photo is None
    assert get_image_model().objects.count() == 0


# -- never public before review -------------------------------------------------------------


def test_only_reviewed_pledges_are_public(pledge_campaign):
    sq, _ = pledge_campaign
    made = {
        state: online_pledge(sq, state=state, email=f"{state}@example.org")[0]
        for state in Pledge.State.values
    }
    Pledge.objects.filter(pk=made[Pledge.State.WITHDRAWN].pk).update(
        approved_at=timezone.now(), withdrawn_on=timezone.localdate()
    )
    public = set(Pledge.objects.public().values_list("pk", flat=True))
    assert public == {made[Pledge.State.APPROVED].pk}


def test_the_pledge_url_helper(org, pledge_campaign):
    sq, en = pledge_campaign
    assert sq.pledge_url() == sq.url + "pledge/"
    assert en.pledge_url() == en.url + "pledge/"
    with mock.patch.object(type(sq), "get_url", return_value=None):
        assert sq.pledge_url() == "/pledge/"
