"""Registering for a congress: the form on ``register/``, double opt-in, places and
the waiting list, cancelling, changes by a confirmed person, the emails and the
command that sends the reminder and the livestream link."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from congress.registration_emails import deliver, run
from congress.registrations import Registration, RegistrationEmail
from membership.models import ConsentRecord, SignUp, Supporter
from membership.services import erase_supporter, person_export
from tests.membership.conftest import follow_confirm_link, old_token, path_of

from .conftest import kosovo

CONSENT_SQ = "Pajtohem që të dhënat e mia të ruhen për regjistrimin në kongres."
CONSENT_EN = "I agree that my data is kept for my congress registration."


@pytest.fixture(autouse=True)
def _commit_at_once(monkeypatch):
    """Work queued for after the commit (the emails) runs at once: these tests run
    in a transaction that is rolled back."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)


@pytest.fixture
def congress(make_congress, clock):
    clock.set(kosovo(2030, 5, 1, 12, 0))
    page, page_en = make_congress(
        start=kosovo(2030, 5, 23, 10, 0),
        registration_enabled=True,
        in_person_places=2,
        online_places=None,
        registration_consent_text=CONSENT_SQ,
    )
    page_en.registration_consent_text = CONSENT_EN
    page_en.save_revision().publish()
    return page, page_en


def register_url(page):
    return page.url + "register/"


def form_data(**overrides):
    data = {
        "given_name": "Drita",
        "family_name": "Shembulli",
        "email": "drita@example.org",
        "organisation": "Shoqata e Grave",
        "role": "Koordinatore",
        "municipality": "prishtine",
        "country": "",
        "mode": "in_person",
        "accessibility": "Qasje pa shkallë",
        "email_language": "sq",
        "consent": "on",
        "website": "",
        "form_time": old_token(),
    }
    data.update(overrides)
    return {f"registration-{k}": v for k, v in data.items() if v is not None}


def register(client, page, host, **overrides):
    return client.post(register_url(page), form_data(**overrides), HTTP_HOST=host)


def register_and_confirm(client, page, host, **overrides):
    mail.outbox.clear()
    response = register(client, page, host, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    (message,) = mail.outbox
    mail.outbox.clear()
    return follow_confirm_link(client, message, host)


def registration_of(email):
    return Registration.objects.get(signup__supporter__email=email)


def link_in(message, param):
    match = re.search(rf"https?://\S+\?{param}=\S+", message.body)
    assert match, message.body
    return match.group(0)


# -- the form -------------------------------------------------------------------------


def test_form_is_shown_in_both_languages_with_the_consent_text(client, org, congress):
    sq, en = congress
    page = client.get(register_url(sq), HTTP_HOST=org.hostname)
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    assert CONSENT_SQ in html
    assert 'name="registration-website"' in html  # the honeypot
    assert "<legend>" in html
    html_en = client.get(register_url(en), HTTP_HOST=org.hostname).content.decode()
    assert CONSENT_EN in html_en
    assert "How will you take part?" in html_en


def test_the_congress_page_calls_to_register(client, org, congress):
    sq, _en = congress
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert register_url(sq) in html


def test_registering_stores_a_pending_registration_with_its_consent(client, org, congress):
    sq, _en = congress
    response = register(client, sq, org.hostname)
    assert response.status_code == 302
    assert response["Location"].endswith("register/?registered=1")
    registration = registration_of("drita@example.org")
    assert registration.status == Registration.Status.PENDING
    assert registration.congress_id == sq.pk
    assert registration.organisation == "Shoqata e Grave"
    assert registration.accessibility == "Qasje pa shkallë"
    assert registration.signup.kind == SignUp.Kind.REGISTRATION
    consent = ConsentRecord.objects.get(signup=registration.signup)
    assert consent.text == CONSENT_SQ
    # The double opt-in email links to the registration page.
    (message,) = mail.outbox
    assert "/register/?confirm=" in message.body


def test_registering_in_english_confirms_in_english(client, org, congress):
    _sq, en = congress
    register(client, en, org.hostname, email="ela@example.org", email_language="en")
    (message,) = mail.outbox
    assert "/register/?confirm=" in message.body
    assert "congress-" in message.body  # the English page's slug
    mail.outbox.clear()
    follow_confirm_link(client, message, org.hostname)
    (place,) = mail.outbox
    assert place.subject.startswith("You have a place at")
    assert registration_of("ela@example.org").congress_id == _sq.pk


def test_invalid_form_stores_nothing(client, org, congress):
    sq, _en = congress
    response = register(client, sq, org.hostname, email="not-an-address", consent=None)
    assert response.status_code == 400
    assert "id_registration-email_error" in response.content.decode()
    assert not Registration.objects.exists()
    assert not Supporter.objects.exists()


def test_mode_not_offered_is_refused(client, org, congress):
    sq, _en = congress
    sq.online_places = 0
    sq.save_revision().publish()
    response = register(client, sq, org.hostname, mode="online")
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_honeypot_stores_nothing(client, org, congress):
    sq, _en = congress
    response = register(client, sq, org.hostname, website="http://spam.example")
    assert response.status_code == 302
    assert not Registration.objects.exists()


@pytest.mark.parametrize("closed_by", ["closes_at", "start", "disabled"])
def test_closed_registration_refuses_and_stores_nothing(client, org, congress, clock, closed_by):
    sq, _en = congress
    if closed_by == "closes_at":
        sq.registration_closes_at = kosovo(2030, 4, 30, 12, 0)
        sq.save_revision().publish()
    elif closed_by == "start":
        clock.set(kosovo(2030, 5, 23, 10, 30))
    else:
        sq.registration_enabled = False
        sq.save_revision().publish()
    response = register(client, sq, org.hostname)
    assert response.status_code in (403, 404)
    assert not Registration.objects.exists()
    assert not Supporter.objects.exists()
    if closed_by != "disabled":
        assert "Regjistrimi është mbyllur" in response.content.decode()


# -- places and the waiting list --------------------------------------------------------------


def test_confirmation_gives_a_place_with_the_calendar_then_the_waiting_list(client, org, congress):
    sq, _en = congress
    for n in range(3):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
        if n == 0:
            (place,) = mail.outbox
            assert sq.title in place.subject
            assert place.attachments[0][0].endswith(".ics")
            content = place.attachments[0][1]
            assert "BEGIN:VEVENT" in (content if isinstance(content, str) else content.decode())
            assert "openstreetmap" in place.body or sq.map_link in place.body
            assert "facebook.com" in place.body  # the livestream
            assert "?withdraw=" in place.body
    statuses = [registration_of(f"p{n}@example.org").status for n in range(3)]
    assert statuses == ["place", "place", "waitlist"]
    (waitlist,) = mail.outbox
    assert "listën e pritjes" in waitlist.subject
    assert RegistrationEmail.objects.filter(status=RegistrationEmail.Status.SENT).count() == 3


def test_cancelling_moves_the_first_waiting_up_and_tells_them(client, org, congress):
    sq, _en = congress
    for n in range(4):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
    first = RegistrationEmail.objects.get(
        registration=registration_of("p0@example.org"), message="place"
    )
    assert first.status == "sent"
    # p0's place email has the cancel link: open it, press the button.
    mail.outbox.clear()
    p0 = registration_of("p0@example.org")
    # A new email with a fresh link (the sent one is not kept): send p0 a reminder.
    RegistrationEmail.objects.create(registration=p0, message="reminder")
    deliver(RegistrationEmail.objects.get(registration=p0, message="reminder").pk)
    (reminder,) = mail.outbox
    mail.outbox.clear()
    page = client.get(path_of(link_in(reminder, "withdraw")), HTTP_HOST=org.hostname)
    token = re.search(r'name="membership-token" value="([^"]*)"', page.content.decode()).group(1)
    done = client.post(
        register_url(sq),
        {"membership-action": "withdraw", "membership-token": token, "membership-scope": "page"},
        HTTP_HOST=org.hostname,
    )
    assert done.status_code == 302
    shown = client.get(done["Location"], HTTP_HOST=org.hostname)
    assert "Regjistrimi juaj është anuluar" in shown.content.decode()
    assert registration_of("p0@example.org").status == "cancelled"
    assert registration_of("p2@example.org").status == "place"  # first waiting
    assert registration_of("p3@example.org").status == "waitlist"
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2
    assert any("anuluar" in s for s in subjects)
    moved = next(m for m in mail.outbox if m.to == ["p2@example.org"])
    assert "vend" in moved.subject
    assert moved.attachments


def test_cancelling_a_waitlisted_registration_moves_nobody(client, org, congress):
    sq, _en = congress
    for n in range(4):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
    from membership.services import withdraw

    withdraw(registration_of("p2@example.org").signup.supporter, sq.pk)
    assert registration_of("p3@example.org").status == "waitlist"
    assert registration_of("p2@example.org").status == "cancelled"


def test_online_is_counted_apart(client, org, congress):
    sq, _en = congress
    sq.online_places = 1
    sq.save_revision().publish()
    register_and_confirm(client, sq, org.hostname, email="a@example.org")
    register_and_confirm(client, sq, org.hostname, email="b@example.org", mode="online")
    register_and_confirm(client, sq, org.hostname, email="c@example.org", mode="online")
    assert registration_of("a@example.org").status == "place"
    assert registration_of("b@example.org").status == "place"
    assert registration_of("c@example.org").status == "waitlist"


# -- the same address again ---------------------------------------------------------------


def test_a_pending_registration_is_replaced_by_the_newest(client, org, congress):
    sq, _en = congress
    register(client, sq, org.hostname, organisation="E para")
    first = client.post(
        register_url(sq), form_data(organisation="E dyta", mode="online"), HTTP_HOST=org.hostname
    )
    assert first.status_code == 302
    registration = registration_of("drita@example.org")
    assert (registration.organisation, registration.mode) == ("E dyta", "online")
    assert Registration.objects.count() == 1


def test_a_confirmed_registration_keeps_its_place_until_the_change_is_confirmed(
    client, org, congress
):
    sq, _en = congress
    register_and_confirm(client, sq, org.hostname)
    mail.outbox.clear()
    response = register(client, sq, org.hostname, organisation="Tjetër", mode="online")
    # The same answer as for a new address: nothing is revealed.
    assert response.status_code == 302
    assert response["Location"].endswith("?registered=1")
    registration = registration_of("drita@example.org")
    assert (registration.status, registration.mode) == ("place", "in_person")
    assert registration.organisation == "Shoqata e Grave"
    assert registration.proposed == {"organisation": "Tjetër", "mode": "online"}
    (change,) = mail.outbox
    mail.outbox.clear()
    link = path_of(link_in(change, "change"))
    shown = client.get(link, HTTP_HOST=org.hostname)
    assert "Tjetër" in shown.content.decode()
    assert registration_of("drita@example.org").mode == "in_person"  # GET changes nothing
    token = re.search(r'name="membership-token" value="([^"]*)"', shown.content.decode()).group(1)
    done = client.post(
        register_url(sq),
        {"membership-action": "registration-change", "membership-token": token},
        HTTP_HOST=org.hostname,
    )
    assert done.status_code == 302
    registration = registration_of("drita@example.org")
    assert (registration.mode, registration.organisation) == ("online", "Tjetër")
    assert registration.status == "place"
    assert registration.proposed == {}
    (place,) = mail.outbox
    assert place.to == ["drita@example.org"]
    # The link works once.
    again = client.post(
        register_url(sq),
        {"membership-action": "registration-change", "membership-token": token},
        HTTP_HOST=org.hostname,
    )
    assert again.status_code == 400


def test_a_changed_mode_frees_the_old_place_for_the_waiting_list(client, org, congress):
    sq, _en = congress
    for n in range(3):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
    mail.outbox.clear()
    register(client, sq, org.hostname, email="p0@example.org", mode="online")
    (change,) = mail.outbox
    shown = client.get(path_of(link_in(change, "change")), HTTP_HOST=org.hostname)
    token = re.search(r'name="membership-token" value="([^"]*)"', shown.content.decode()).group(1)
    client.post(
        register_url(sq),
        {"membership-action": "registration-change", "membership-token": token},
        HTTP_HOST=org.hostname,
    )
    assert registration_of("p0@example.org").mode == "online"
    assert registration_of("p2@example.org").status == "place"


def test_a_forged_change_token_changes_nothing(client, org, congress):
    sq, _en = congress
    register_and_confirm(client, sq, org.hostname)
    response = client.post(
        register_url(sq),
        {"membership-action": "registration-change", "membership-token": "x" * 43},
        HTTP_HOST=org.hostname,
    )
    assert response.status_code == 400
    assert registration_of("drita@example.org").proposed == {}


# -- the emails ------------------------------------------------------------------------------


def test_a_failed_email_is_retried_by_the_command(client, org, congress, monkeypatch, clock):
    sq, _en = congress
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def refuse(self, messages):
        if any("vend" in m.subject for m in messages):
            raise OSError("mail server down")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    register_and_confirm(client, sq, org.hostname)
    row = RegistrationEmail.objects.get(message="place")
    assert (row.status, row.attempts) == ("failed", 1)
    monkeypatch.setattr(EmailBackend, "send_messages", real)
    assert run(timezone.now())["due"] == 0  # not due yet
    clock.set(clock.now + timedelta(minutes=3))
    assert run(clock.now)["due"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert run(clock.now)["due"] == 0  # never twice


def test_reminder_the_day_before_and_the_live_email_go_once(client, org, congress, clock):
    sq, _en = congress
    register_and_confirm(client, sq, org.hostname, email="hall@example.org")
    register_and_confirm(client, sq, org.hostname, email="online@example.org", mode="online")
    mail.outbox.clear()
    assert run(clock.now) == {"due": 0, "reminders": 0, "live": 0}
    clock.set(kosovo(2030, 5, 22, 12, 0))
    call_command("congress_send_emails", verbosity=0)
    call_command("congress_send_emails", verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == ["hall@example.org", "online@example.org"]
    assert all(m.subject.startswith("Nesër") for m in mail.outbox)
    mail.outbox.clear()
    clock.set(kosovo(2030, 5, 23, 10, 5))
    assert run(clock.now)["live"] == 1
    assert run(clock.now)["live"] == 0
    (live,) = mail.outbox
    assert live.to == ["online@example.org"]
    assert "facebook.com" in live.body
    assert RegistrationEmail.objects.filter(message="reminder").count() == 2


def test_no_email_after_erasure(client, org, congress, clock):
    sq, _en = congress
    register_and_confirm(client, sq, org.hostname)
    registration = registration_of("drita@example.org")
    supporter = registration.signup.supporter
    export = person_export(supporter)
    assert export["congress_registrations"][0]["accessibility_needs"] == "Qasje pa shkallë"
    erase_supporter(supporter)
    registration.refresh_from_db()
    assert (registration.organisation, registration.accessibility) == ("", "")
    mail.outbox.clear()
    clock.set(kosovo(2030, 5, 22, 12, 0))
    run(clock.now)
    assert mail.outbox == []


def test_visitor_text_is_escaped(client, org, congress):
    sq, _en = congress
    response = register(client, sq, org.hostname, given_name="<script>alert(1)</script>", email="")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_walk_in_spec_makes_a_place_at_once(org, congress):
    from congress.registration_forms import registration_signup
    from membership.services import store_submission

    sq, _en = congress
    staff = None
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_user("staff", password="x")
    store_submission(
        site=org.site,
        page=sq,
        language="sq",
        email="",
        person={"given_name": "Ardian", "family_name": "Hyrja"},
        signups=[registration_signup(sq, mode="in_person", organisation="OJQ")],
        entered_by=staff,
    )
    registration = Registration.objects.get()
    assert (registration.status, registration.walk_in) == ("place", True)


def test_more_places_move_the_waiting_list_up(client, org, congress):
    from congress.registration_flow import fill_free_places

    sq, _en = congress
    for n in range(4):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
    mail.outbox.clear()
    sq.in_person_places = 3
    sq.save_revision().publish()
    # Publishing moved p2 up already (the page_published receiver); filling again
    # moves nobody and sends nothing more.
    assert fill_free_places(sq.pk, "in_person") == []
    assert registration_of("p2@example.org").status == "place"
    assert registration_of("p3@example.org").status == "waitlist"
    (email,) = mail.outbox
    assert email.to == ["p2@example.org"]


# -- findings of the review -----------------------------------------------------------------


def test_the_html_part_of_the_emails_escapes_the_name(client, org, congress):
    sq, _en = congress
    name = '<a href="https://evil.example/">Click</a><img src=https://evil.example/t.png>'
    register_and_confirm(client, sq, org.hostname, given_name=name)
    (place,) = mail.outbox
    html = place.alternatives[0][0]
    assert "<img" not in html
    assert 'href="https://evil.example' not in html
    assert "&lt;img" in html and "&lt;a href=" in html
    assert name in place.body  # the plain text part keeps the name as typed


def test_subjects_are_not_html_escaped(client, org, congress):
    sq, _en = congress
    sq.title = "Kongresi \"Punë & jetë\" i 'denjë'"
    sq.save_revision().publish()
    register_and_confirm(client, sq, org.hostname)
    (place,) = mail.outbox
    assert "\"Punë & jetë\" i 'denjë'" in place.subject
    assert "&amp;" not in place.subject


def test_closing_registration_on_the_first_version_closes_the_translations(client, org, congress):
    sq, en = congress
    sq.registration_enabled = False
    sq.save_revision().publish()
    response = register(client, en, org.hostname, email_language="en")
    assert response.status_code in (403, 404)
    assert not Registration.objects.exists()
    assert not Supporter.objects.exists()


def test_a_mode_closed_on_the_first_version_is_not_offered_in_translations(client, org, congress):
    sq, en = congress
    sq.online_places = 0
    sq.save_revision().publish()
    html = client.get(register_url(en), HTTP_HOST=org.hostname).content.decode()
    assert 'value="in_person"' in html
    assert 'value="online"' not in html
    response = register(client, en, org.hostname, mode="online", email_language="en")
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_erasure_cancels_the_registration_and_moves_the_waiting_list_up(client, org, congress):
    sq, _en = congress
    for n in range(3):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
    p0 = registration_of("p0@example.org")
    mail.outbox.clear()
    erase_supporter(p0.signup.supporter)
    p0.refresh_from_db()
    assert p0.status == Registration.Status.CANCELLED
    assert registration_of("p2@example.org").status == Registration.Status.PLACE
    (moved,) = mail.outbox
    assert moved.to == ["p2@example.org"]


def test_nobody_moves_up_once_the_congress_has_begun(client, org, congress, clock):
    from congress.registration_flow import signups_withdrawn

    sq, _en = congress
    for n in range(3):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
    mail.outbox.clear()
    clock.set(kosovo(2030, 5, 23, 13, 0))
    p0 = registration_of("p0@example.org")
    signups_withdrawn([p0.signup])
    assert registration_of("p0@example.org").status == Registration.Status.CANCELLED
    assert registration_of("p2@example.org").status == Registration.Status.WAITLIST
    assert not RegistrationEmail.objects.filter(message="moved_up").exists()
    assert all(m.to != ["p2@example.org"] for m in mail.outbox)


def test_publishing_more_places_moves_the_waiting_list_up_before_newcomers(client, org, congress):
    sq, _en = congress
    for n in range(4):
        register_and_confirm(client, sq, org.hostname, email=f"p{n}@example.org")
    mail.outbox.clear()
    sq.in_person_places = 3
    sq.save_revision().publish()
    assert registration_of("p2@example.org").status == Registration.Status.PLACE
    assert registration_of("p3@example.org").status == Registration.Status.WAITLIST
    (email,) = mail.outbox
    assert email.to == ["p2@example.org"]
    register_and_confirm(client, sq, org.hostname, email="p4@example.org")
    assert registration_of("p4@example.org").status == Registration.Status.WAITLIST
