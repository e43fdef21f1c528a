"""Sending a message to supporters: what each copy says (escaped names, headers,
footer, language), who gets one (the audience, once each; never the unsubscribed,
undeliverable, erased), the pace, a mail server that refuses, cancelling, and a
worker killed mid-send (a real SMTP server and worker processes)."""

import io
import logging
import re
import smtplib
import time
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd import controller as aiosmtpd_controller
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from home.models import OrganisationText
from membership import mailing_send
from membership.mailing_send import (
    CannotSend,
    cancel,
    mark_undeliverable,
    preview_html,
    progress,
    queue_copies,
    render_message,
    run_mailing,
    send_due_mailings,
    start_sending,
)
from membership.mailings import Delivery, Mailing, MailingVersion, UndeliverableAddress
from membership.records import AuditEntry, MembershipSettings, SignUp, Supporter
from membership.unsubscribe import read_token

pytestmark = pytest.mark.django_db

BODY_SQ = (
    '<p data-block-key="a1">Përshëndetje {name},</p>'
    '<p data-block-key="a2">Ejani te <a href="/sq/takimi/">takimi</a>.</p>'
    '<ul><li data-block-key="a3">e shtunë</li></ul>'
)
BODY_EN = '<p data-block-key="b1">Hello {name},</p><p data-block-key="b2">Come to the meeting.</p>'


def person(site, email, *, kind="membership", state="confirmed", consent=True, **fields):
    now = timezone.now()
    supporter = Supporter.objects.create(
        site=site,
        email=email,
        given_name=fields.pop("given_name", "Arta"),
        contact_consent_at=now if consent else None,
        language=fields.pop("language", "sq"),
    )
    SignUp.objects.create(
        supporter=supporter,
        kind=kind,
        state=state,
        confirmed_at=now if state == "confirmed" else None,
    )
    return supporter


def make_mailing(site, *, english=True, audience=None, **fields):
    mailing = Mailing.objects.create(site=site, name="Takimi", audience=audience or {}, **fields)
    MailingVersion.objects.create(
        mailing=mailing,
        language="sq",
        subject="Ftesë për ju, {name}",
        preview_text="Takimi i së shtunës",
        body=BODY_SQ,
    )
    if english:
        MailingVersion.objects.create(
            mailing=mailing,
            language="en",
            subject="An invitation for you, {name}",
            preview_text="Saturday's meeting",
            body=BODY_EN,
        )
    return mailing


@pytest.fixture
def officer(org):
    return get_user_model().objects.create_user(
        "officer", "officer@example.org", "pw", first_name="Besa"
    )


@pytest.fixture
def fast(org):
    """No pauses between copies (the pace has its own test)."""
    rules = MembershipSettings.for_site(org.site)
    rules.messages_per_minute = 30000
    rules.save()
    return rules


@pytest.fixture
def no_waiting(monkeypatch):
    monkeypatch.setattr(mailing_send, "pause", lambda seconds: None)


def send_now(mailing, user, capture):
    """Start sending and run the sender as the task backend would after commit."""
    with capture(execute=True):
        return start_sending(mailing, user)


def outbox_to():
    return sorted(address for message in mail.outbox for address in message.to)


def statuses(mailing):
    return dict(Delivery.objects.filter(mailing=mailing).values_list("supporter__email", "status"))


# --- what a copy says -----------------------------------------------------------------


def test_a_hostile_name_is_escaped_in_html_plain_in_text_and_on_one_line_in_the_subject(org):
    name = "<script>alert(1)</script>\r\nBcc: victim@example.org"
    supporter = person(org.site, "arta@example.org", given_name=name)
    message = render_message(make_mailing(org.site), supporter)
    html = message.alternatives[0][0]
    assert "<script>alert(1)</script>" not in html
    assert "Përshëndetje &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Përshëndetje <script>alert(1)</script>" in message.body  # plain text is plain
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject == "Ftesë për ju, <script>alert(1)</script> Bcc: victim@example.org"
    # The header stays one header: nobody is added as a recipient by a name.
    sent = message.message()
    assert sent["Bcc"] is None
    assert message.recipients() == ["arta@example.org"]


def test_a_copy_has_the_unsubscribe_headers_sender_footer_and_preheader(org, settings):
    settings.DEFAULT_FROM_EMAIL = "no-reply@org-a.example"
    supporter = person(org.site, "arta@example.org")
    mailing = make_mailing(org.site)
    message = render_message(mailing, supporter)
    html, kind = message.alternatives[0]
    assert kind == "text/html"

    url = re.search(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert read_token(token) == (supporter.pk, mailing.pk)
    with translation.override("sq"):
        assert url == "http://org-a.example" + reverse("membership_unsubscribe", args=[token])
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    headers = message.message()
    assert headers["Message-ID"].endswith("@org-a.example>")
    assert str(make_header(decode_header(headers["From"]))) == (
        "Organizata A <no-reply@org-a.example>"
    )
    assert message.reply_to == ["info@org-a.example"]

    assert '<html lang="sq"' in html
    assert 'style="display:none;' in html and "Takimi i së shtunës" in html
    # The footer: who, where, why, and the way out, in both parts.
    for part in (html, message.body):
        assert "Organizata A" in part and "Prishtinë" in part
        assert "kur u regjistruat" in part  # why: you agreed when you signed up
        assert url in part
    assert f'href="{url}"' in html
    # Links of the body are whole addresses; the plain text shows them.
    assert 'href="http://org-a.example/sq/takimi/"' in html
    assert "takimi (http://org-a.example/sq/takimi/)" in message.body
    assert "- e shtunë" in message.body
    assert "<p" not in message.body


def test_each_person_gets_their_language_else_the_organisations_first(org):
    english = person(org.site, "en@example.org", language="en")
    nobody = person(org.site, "none@example.org", language="")
    message = render_message(make_mailing(org.site), english)
    assert message.subject == "An invitation for you, Arta"
    assert "Prishtina" in message.body and "Prishtinë" not in message.body
    assert "agreed to receive email from Organisation A" in message.body
    assert '<html lang="en"' in message.alternatives[0][0]
    assert render_message(make_mailing(org.site), nobody).subject == "Ftesë për ju, Arta"
    # Only an Albanian version: English speakers get it.
    only_sq = make_mailing(org.site, english=False)
    assert render_message(only_sq, english).subject == "Ftesë për ju, Arta"


def test_preview_and_test_send_reach_only_the_officer(org, officer):
    mailing = make_mailing(org.site)
    assert "Hello Arta," in preview_html(mailing, "en")
    assert mailing_send.test_send(mailing, officer, "sq") is True
    (message,) = mail.outbox
    assert message.to == ["officer@example.org"]
    assert message.subject == "[Provë] Ftesë për ju, Besa"
    assert "Përshëndetje Besa," in message.body
    assert not Delivery.objects.exists()
    officer.email = ""
    assert mailing_send.test_send(mailing, officer, "sq") is False


# --- who receives it -------------------------------------------------------------------


def test_a_segment_receives_the_message_once_each(
    org, officer, fast, no_waiting, django_capture_on_commit_callbacks
):
    volunteers = [person(org.site, f"v{n}@example.org", kind="volunteer") for n in range(3)]
    person(org.site, "member@example.org")
    person(org.site, "pending@example.org", kind="volunteer", state="pending")
    person(org.site, "no-consent@example.org", kind="volunteer", consent=False)
    mailing = make_mailing(org.site, audience={"kinds": ["volunteer"]})

    assert send_now(mailing, officer, django_capture_on_commit_callbacks) == 3
    assert outbox_to() == sorted(v.email for v in volunteers)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT and mailing.finished_at is not None
    assert mailing.recipients == 3 and mailing.lease_until is None
    assert set(statuses(mailing).values()) == {Delivery.Status.SENT}
    assert progress(mailing) == {
        "queued": 0,
        "sending": 0,
        "sent": 3,
        "failed": 0,
        "skipped": 0,
        "interrupted": 0,
        "total": 3,
    }
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MAILING).count() == 1

    # Nothing sends it again: not the timer, not a second start.
    assert send_due_mailings(older_than=timedelta(0)) == []
    assert run_mailing(mailing.pk) == (0, None)
    with pytest.raises(CannotSend):
        start_sending(mailing, officer)
    assert len(mail.outbox) == 3


def test_people_are_queued_in_chunks_and_copies_sent_in_batches_over_one_connection(
    org, officer, fast, no_waiting, monkeypatch, django_capture_on_commit_callbacks, settings
):
    monkeypatch.setattr(mailing_send, "QUEUE_CHUNK", 2)
    monkeypatch.setattr(mailing_send, "SEND_BATCH", 3)
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened = 0
    people = [person(org.site, f"p{n}@example.org") for n in range(7)]
    mailing = make_mailing(org.site)
    assert send_now(mailing, officer, django_capture_on_commit_callbacks) == 7
    assert outbox_to() == sorted(p.email for p in people)
    assert CountingBackend.opened == 3  # batches of 3, 3 and 1


def test_queueing_renews_the_lease_between_chunks_and_stops_when_it_is_lost(
    org, officer, fast, no_waiting, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(mailing_send, "QUEUE_CHUNK", 2)
    for n in range(5):
        person(org.site, f"p{n}@example.org")
    mailing = make_mailing(org.site)
    with django_capture_on_commit_callbacks(execute=False):
        start_sending(mailing, officer)
    calls = []
    assert queue_copies(mailing, keep=lambda: calls.append(1) or True) == 5
    assert len(calls) == 3  # after each chunk of 2, 2 and 1

    # The sender's lease is taken over after its first chunk: it stops queueing
    # (and sending), and leaves the rest to the one that took over.
    other = make_mailing(org.site)
    with django_capture_on_commit_callbacks(execute=False):
        start_sending(other, officer)

    def taken_over(lease):
        """Another sender took the message; ``keep`` finds it out."""
        Mailing.objects.filter(pk=lease.mailing_id).update(
            lease_until=timezone.now() + timedelta(minutes=1)
        )
        return False

    monkeypatch.setattr(mailing_send._Lease, "keep", taken_over)
    assert run_mailing(other.pk) == (0, None)
    assert Delivery.objects.filter(mailing=other).count() == 2
    other.refresh_from_db()
    assert other.recipients is None and not mail.outbox


def test_no_message_starts_without_the_postal_address_in_the_first_language(
    org, officer, fast, no_waiting, django_capture_on_commit_callbacks
):
    person(org.site, "p@example.org")
    mailing = make_mailing(org.site)
    texts = OrganisationText.objects.filter(settings__site=org.site)
    assert mailing_send.has_postal_address(org.site)
    texts.filter(locale__language_code="sq").update(postal_address="  ")
    # The English one does not stand in for the first language's.
    assert not mailing_send.has_postal_address(org.site)
    with translation.override("sq"), pytest.raises(CannotSend, match="Shtoni fillimisht adresën"):
        start_sending(mailing, officer)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT and not Delivery.objects.exists()
    # A language without its own address gets the first language's.
    texts.filter(locale__language_code="sq").update(postal_address="Rruga B, Prishtinë")
    texts.filter(locale__language_code="en").update(postal_address="")
    english = person(org.site, "en@example.org", language="en")
    assert "Rruga B, Prishtinë" in render_message(mailing, english).body
    assert send_now(mailing, officer, django_capture_on_commit_callbacks) == 2
    assert outbox_to() == ["en@example.org", "p@example.org"]


def test_the_organisations_texts_are_read_once_for_all_languages(org):
    mailing = make_mailing(org.site)
    people = {code: person(org.site, f"{code}@example.org", language=code) for code in ("sq", "en")}
    renderer = mailing_send._Renderer(mailing)
    with CaptureQueriesContext(db_connection) as queries:
        for language, supporter in people.items():
            assert renderer.render(supporter, language)[4].postal_address
    read = [q["sql"] for q in queries.captured_queries if "home_organisationtext" in q["sql"]]
    assert len(read) == 1


def test_unsubscribed_undeliverable_erased_and_withdrawn_people_are_skipped(
    org, officer, fast, no_waiting, django_capture_on_commit_callbacks
):
    keep = person(org.site, "keep@example.org")
    gone = person(org.site, "unsubscribed@example.org")
    bounced = person(org.site, "bounced@example.org")
    erased = person(org.site, "erased@example.org")
    withdrawn = person(org.site, "withdrawn@example.org")
    mailing = make_mailing(org.site)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        start_sending(mailing, officer)
    assert len(callbacks) == 1
    queue_copies(mailing)  # the sender's first step
    # Between queueing and sending:
    Supporter.objects.filter(pk=gone.pk).update(contact_consent_at=None)
    UndeliverableAddress.objects.create(site=org.site, email=bounced.email, reason="bounce")
    Supporter.objects.filter(pk=erased.pk).update(email=None, erased_at=timezone.now())
    withdrawn.signups.update(state=SignUp.State.WITHDRAWN)

    callbacks[0]()  # the sender's task
    assert outbox_to() == [keep.email]
    reasons = dict(Delivery.objects.values_list("supporter_id", "reason"))
    assert reasons == {
        keep.pk: "",
        gone.pk: Delivery.Reason.UNSUBSCRIBED,
        bounced.pk: Delivery.Reason.UNDELIVERABLE,
        erased.pk: Delivery.Reason.ERASED,
        withdrawn.pk: Delivery.Reason.WITHDRAWN,
    }
    assert progress(mailing)["skipped"] == 4


def test_messages_go_at_the_organisations_pace(
    org, officer, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """A clock of the test's own: each pause moves it on; each copy notes its time."""
    now = [1000.0]
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(mailing_send, "clock", lambda: now[0])
    monkeypatch.setattr(mailing_send, "pause", pause)
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.times, CountingBackend.clock = [], lambda: now[0]
    rules = MembershipSettings.for_site(org.site)
    rules.messages_per_minute = 20  # one every 3 seconds
    rules.save()
    for n in range(5):
        person(org.site, f"p{n}@example.org")
    send_now(make_mailing(org.site), officer, django_capture_on_commit_callbacks)
    assert CountingBackend.times == [1000.0, 1003.0, 1006.0, 1009.0, 1012.0]
    assert sum(pauses) == pytest.approx(12.0)
    # Long waits are cut into pieces, so that the lease is renewed in between.
    rules.messages_per_minute = 1
    rules.save()
    settings.MEMBERSHIP_MAILING_LEASE = 20
    pauses.clear()
    person(org.site, "late-a@example.org")
    person(org.site, "late-b@example.org")
    send_now(make_mailing(org.site), officer, django_capture_on_commit_callbacks)
    # 7 people now: 6 waits of a minute, each in pieces of a quarter of the lease.
    assert max(pauses) <= 5 and sum(pauses) == pytest.approx(360.0)


class CountingBackend(EmailBackend):
    """The in-memory backend, counting connections; copies to ``refuse*`` addresses
    are refused, to ``cut*`` ones cut off mid-send."""

    opened = 0
    times = []
    clock = None

    def open(self):
        type(self).opened += 1
        return True

    def send_messages(self, messages):
        for message in messages:
            if message.to[0].startswith("refuse"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
            if message.to[0].startswith("cut"):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        if type(self).clock:
            type(self).times.append(type(self).clock())
        return super().send_messages(messages)


def test_a_refused_copy_fails_a_cut_off_one_is_interrupted_and_the_others_go(
    org, officer, fast, no_waiting, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened, CountingBackend.clock = 0, None
    for email in ["a@example.org", "refuse@example.org", "cut@example.org", "z@example.org"]:
        person(org.site, email)
    mailing = make_mailing(org.site)
    send_now(mailing, officer, django_capture_on_commit_callbacks)
    assert outbox_to() == ["a@example.org", "z@example.org"]
    left = statuses(mailing)
    assert left["refuse@example.org"] == Delivery.Status.FAILED
    assert left["cut@example.org"] == Delivery.Status.INTERRUPTED  # maybe sent: never again
    errors = dict(Delivery.objects.values_list("supporter__email", "error"))
    assert "No such user" in errors["refuse@example.org"]
    assert "closed" in errors["cut@example.org"]
    assert CountingBackend.opened == 3  # opened again after each error
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_server_refusing_everything_stops_the_sender_with_the_rest_queued(
    org, officer, fast, no_waiting, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    for n in range(2 * mailing_send.FAILURES_IN_A_ROW + 5):
        person(org.site, f"refuse{n:02d}@example.org")
    mailing = make_mailing(org.site)
    before = timezone.now()
    with caplog.at_level(logging.WARNING, logger="membership.mailing_send"):
        send_now(mailing, officer, django_capture_on_commit_callbacks)
    counts = progress(mailing)
    assert counts["failed"] == mailing_send.FAILURES_IN_A_ROW and counts["queued"] == 15
    assert "sending paused" in caplog.text and "refused in a row" in caplog.text
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING  # what the officer sees
    # It really stops: the lease is let go for a few minutes, not kept to be taken
    # up again by the timer as soon as it runs out.
    assert mailing.lease_until >= before + timedelta(minutes=3)
    assert send_due_mailings(older_than=timedelta(0)) == []
    # Stopped again by refusals in a row, it rests longer.
    Mailing.objects.filter(pk=mailing.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    before = timezone.now()
    assert run_mailing(mailing.pk) == (0, None)
    counts = progress(mailing)
    assert counts["failed"] == 2 * mailing_send.FAILURES_IN_A_ROW and counts["queued"] == 5
    mailing.refresh_from_db()
    assert mailing.lease_until >= before + timedelta(minutes=7)


def test_cancelling_skips_what_was_not_sent(
    org, officer, fast, no_waiting, django_capture_on_commit_callbacks
):
    for n in range(3):
        person(org.site, f"p{n}@example.org")
    mailing = make_mailing(org.site)
    with django_capture_on_commit_callbacks(execute=False):
        start_sending(mailing, officer)
    queue_copies(mailing)  # the sender's first step
    assert cancel(mailing, officer) is True
    assert mailing.status == Mailing.Status.CANCELLED
    assert run_mailing(mailing.pk) == (0, None)
    assert not mail.outbox
    assert set(Delivery.objects.values_list("reason", flat=True)) == {"cancelled"}
    assert cancel(mailing, officer) is False


def test_sending_waits_for_approval_where_the_organisation_asks_for_it(
    org, officer, fast, no_waiting, django_capture_on_commit_callbacks
):
    fast.mailings_need_approval = True
    fast.save()
    person(org.site, "p@example.org")
    mailing = make_mailing(org.site)
    with pytest.raises(CannotSend):
        start_sending(mailing, officer)
    other = get_user_model().objects.create_user("other", "other@example.org", "pw")
    Mailing.objects.filter(pk=mailing.pk).update(
        status=Mailing.Status.AWAITING_APPROVAL, submitted_by=officer
    )
    with pytest.raises(CannotSend):  # submitted, not approved
        start_sending(mailing, officer)
    Mailing.objects.filter(pk=mailing.pk).update(approved_by=other, approved_at=timezone.now())
    assert send_now(mailing, other, django_capture_on_commit_callbacks) == 1
    assert outbox_to() == ["p@example.org"]


# --- senders that stop -------------------------------------------------------------------


def test_a_copy_left_sending_by_a_dead_sender_is_interrupted_never_resent(
    org, officer, fast, no_waiting, django_capture_on_commit_callbacks
):
    people = [person(org.site, f"p{n}@example.org") for n in range(3)]
    mailing = make_mailing(org.site)
    with django_capture_on_commit_callbacks(execute=False):
        start_sending(mailing, officer)
    queue_copies(mailing)  # the sender's first step
    # A sender took the message, claimed the first copy and died.
    Mailing.objects.filter(pk=mailing.pk).update(
        status=Mailing.Status.SENDING, lease_until=timezone.now() + timedelta(seconds=60)
    )
    Delivery.objects.filter(supporter=people[0]).update(status=Delivery.Status.SENDING)
    # While its lease holds, nobody else sends.
    assert send_due_mailings(older_than=timedelta(0)) == []
    assert run_mailing(mailing.pk) == (0, None)
    assert not mail.outbox
    # Its lease ran out: the timer hands the message on.
    Mailing.objects.filter(pk=mailing.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("membership_send_mailings", older_than=0, stdout=out)
    assert out.getvalue().strip() == "1 messages handed to the sender"
    assert outbox_to() == ["p1@example.org", "p2@example.org"]
    assert statuses(mailing)["p0@example.org"] == Delivery.Status.INTERRUPTED
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_sender_hands_on_to_the_next_with_its_token(
    org, officer, fast, monkeypatch, django_capture_on_commit_callbacks
):
    now = [0.0]
    monkeypatch.setattr(mailing_send, "clock", lambda: now[0])
    monkeypatch.setattr(mailing_send, "pause", lambda seconds: now.__setitem__(0, now[0] + seconds))
    for n in range(3):
        person(org.site, f"p{n}@example.org")
    mailing = make_mailing(org.site)
    with django_capture_on_commit_callbacks(execute=False):
        start_sending(mailing, officer)
    queue_copies(mailing)  # the sender's first step
    sent, rest = run_mailing(mailing.pk, seconds=0)  # its time is up at once
    assert sent == 0 and rest is not None
    token, when = rest
    assert when <= timezone.now() + timedelta(seconds=1)
    # Nobody else takes it meanwhile; the one with the token does.
    assert run_mailing(mailing.pk) == (0, None)
    assert send_due_mailings(older_than=timedelta(0)) == []
    assert run_mailing(mailing.pk, token=token) == (3, None)
    assert len(mail.outbox) == 3


def test_marking_an_address_undeliverable(org, officer, django_capture_on_commit_callbacks):
    arta = person(org.site, "arta@example.org")
    person(org.site, "besa@example.org")
    mailing = make_mailing(org.site)
    with django_capture_on_commit_callbacks(execute=False):
        start_sending(mailing, officer)
    queue_copies(mailing)  # the sender's first step
    mark_undeliverable(org.site, " ARTA@Example.ORG ", "bounce", note="550", user=officer)
    marked = UndeliverableAddress.objects.get()
    assert (marked.email, marked.reason, marked.note) == ("arta@example.org", "bounce", "550")
    assert Delivery.objects.get(supporter=arta).reason == Delivery.Reason.UNDELIVERABLE
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UNDELIVERABLE)
    assert entry.supporter_ref == arta.pk and entry.user == officer

    out = io.StringIO()
    call_command(
        "membership_undeliverable",
        "besa@example.org",
        "nonsense",
        site=org.hostname,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().strip() == "1 addresses marked undeliverable, 1 not addresses"
    call_command(
        "membership_undeliverable", "Besa@example.org", site=org.hostname, remove=True, stdout=out
    )
    assert list(UndeliverableAddress.objects.values_list("email", flat=True)) == [
        "arta@example.org"
    ]


# --- a mail server that drops connections or says "not now" ------------------------------


class FakeSMTP:
    """The ``smtplib.SMTP`` of ``DroppingBackend``: answers NOOP until dropped."""

    def __init__(self):
        self.dropped = False

    def noop(self):
        if self.dropped:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return 250, b"2.0.0 OK"


class DroppingBackend(EmailBackend):
    """An SMTP-like backend (it has a ``connection``) whose server drops the
    connection after each message, as a server does with one left idle: a message
    sent into a dropped connection fails the way it does over smtplib."""

    opened = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = None

    def open(self):
        type(self).opened += 1
        self.connection = FakeSMTP()
        return True

    def close(self):
        self.connection = None

    def send_messages(self, messages):
        if self.connection is None or self.connection.dropped:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        sent = super().send_messages(messages)
        self.connection.dropped = True
        return sent


def test_a_connection_dropped_while_idle_is_opened_again_before_a_copy_is_claimed(
    org, officer, fast, no_waiting, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.DroppingBackend"
    DroppingBackend.opened = 0
    people = [person(org.site, f"p{n}@example.org") for n in range(3)]
    mailing = make_mailing(org.site)
    send_now(mailing, officer, django_capture_on_commit_callbacks)
    # The NOOP found each dropped connection before the copy was at risk.
    assert outbox_to() == sorted(p.email for p in people)
    assert set(statuses(mailing).values()) == {Delivery.Status.SENT}
    assert DroppingBackend.opened == 3


def test_a_connection_idle_too_long_is_not_trusted(
    org, officer, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """At one copy a minute the connection is idle a minute between copies: each
    copy goes over a connection opened for it."""
    now = [0.0]
    monkeypatch.setattr(mailing_send, "clock", lambda: now[0])
    monkeypatch.setattr(mailing_send, "pause", lambda seconds: now.__setitem__(0, now[0] + seconds))
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened, CountingBackend.clock = 0, None
    rules = MembershipSettings.for_site(org.site)
    rules.messages_per_minute = 1
    rules.save()
    for n in range(3):
        person(org.site, f"p{n}@example.org")
    send_now(make_mailing(org.site), officer, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    assert CountingBackend.opened == 3


class BusyBackend(CountingBackend):
    """Answers ``answer`` (an exception) for copies to ``busy*`` addresses."""

    answer = None

    def send_messages(self, messages):
        for message in messages:
            if message.to[0].startswith("busy") and type(self).answer is not None:
                raise type(self).answer
        return super().send_messages(messages)


@pytest.mark.parametrize(
    "answer",
    [
        smtplib.SMTPDataError(451, b"4.7.1 Rate limit, try again later"),
        smtplib.SMTPRecipientsRefused({"busy@example.org": (450, b"4.2.1 Mailbox busy")}),
        smtplib.SMTPSenderRefused(550, b"5.7.1 Sender not allowed", "no-reply@org-a.example"),
        smtplib.SMTPResponseException(421, b"4.3.2 Service not available"),
    ],
    ids=["data-451", "recipient-450", "sender-550", "421"],
)
def test_a_not_now_answer_queues_the_copy_again_and_the_sender_rests(
    answer, org, officer, fast, no_waiting, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.BusyBackend"
    BusyBackend.opened, BusyBackend.clock, BusyBackend.answer = 0, None, answer
    for email in ["a@example.org", "busy@example.org", "z@example.org"]:
        person(org.site, email)
    mailing = make_mailing(org.site)
    before = timezone.now()
    send_now(mailing, officer, django_capture_on_commit_callbacks)
    assert outbox_to() == ["a@example.org"]
    left = statuses(mailing)
    # Not taken, not refused: queued again, and the rest waits with it.
    assert left["busy@example.org"] == Delivery.Status.QUEUED
    assert left["z@example.org"] == Delivery.Status.QUEUED
    assert Delivery.objects.get(supporter__email="busy@example.org").claimed_at is None
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING  # what the officer sees
    # The sender let go of the message for a few minutes: nobody takes it meanwhile.
    assert mailing.lease_until >= before + timedelta(minutes=3)
    assert send_due_mailings(older_than=timedelta(0)) == []
    assert run_mailing(mailing.pk) == (0, None)
    # Once the rest is over the timer hands it on; the server takes them now.
    BusyBackend.answer = None
    Mailing.objects.filter(pk=mailing.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert send_due_mailings(older_than=timedelta(0)) == [mailing.pk]
    assert outbox_to() == ["a@example.org", "busy@example.org", "z@example.org"]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_mail_server_that_cannot_be_reached_leaves_the_copies_queued_for_later(
    org, officer, fast, no_waiting, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
    person(org.site, "p@example.org")
    mailing = make_mailing(org.site)
    before = timezone.now()
    send_now(mailing, officer, django_capture_on_commit_callbacks)
    assert statuses(mailing) == {"p@example.org": Delivery.Status.QUEUED}
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING
    assert mailing.lease_until >= before + timedelta(minutes=3)


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("Connection refused")


# --- the kill test: a real SMTP server, worker processes, SIGKILL --------------------------


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_never_sends_a_copy_twice(org, officer, settings, tmp_path):
    """The kill lands where nobody can see: the mail server has the copy, the
    worker has not recorded it. A second worker takes over once the lease ran out
    (the timer's command hands the message on): every other person receives the
    message once, the one cut off at most once, and nobody twice."""
    from tests.deploy.stack import Sink, Worker, free_port, production_env
    from tests.deploy.test_worker import database_url

    count, held = 30, 9
    emails = [f"person{n:02d}@example.org" for n in range(count)]
    for email in emails:
        person(org.site, email)
    rules = MembershipSettings.for_site(org.site)
    rules.messages_per_minute = 6000  # 10 ms apart
    rules.save()
    mailing = make_mailing(org.site)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "exports", "mailings"],
        }
    }
    assert start_sending(mailing, officer) == count  # its task waits in the database

    sink = Sink(hold_at=held)
    controller = aiosmtpd_controller.Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = production_env(
        tmp_path / "var",
        database_url=database_url(),
        redis_url=settings.REDIS_URL or None,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=0,
        EMAIL_TIMEOUT=60,
        DEFAULT_FROM_EMAIL="no-reply@org-a.example",
        MEMBERSHIP_MAILING_LEASE=60,
    )
    workers = []
    try:
        first = Worker(env, tmp_path, queue="mailings", interval=0.1, name="first")
        workers.append(first.start())
        assert sink.holding.wait(30), first.log_tail()
        first.kill()  # SIGKILL while it waits for the server's answer
        sink.release.set()
        stuck = sink.received[held - 1][0]
        assert sink.total() == held
        assert statuses(mailing)[stuck] == Delivery.Status.SENDING
        assert progress(mailing)["sent"] == held - 1

        # Another worker is running; the message is not its until the lease runs out.
        second = Worker(env, tmp_path, queue="mailings", interval=0.1, name="second")
        workers.append(second.start())
        assert send_due_mailings(older_than=timedelta(0)) == []
        Mailing.objects.filter(pk=mailing.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        assert send_due_mailings(older_than=timedelta(0)) == [mailing.pk]
        assert send_due_mailings(older_than=timedelta(0)) == [mailing.pk]  # twice: harmless
        wait_for(
            lambda: Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.SENT,
            30,
            "the second worker to finish the message:\n" + second.log_tail(),
        )
        time.sleep(0.5)  # anything sent twice would have arrived by now
    finally:
        for worker in workers:
            worker.kill()
        sink.release.set()
        controller.stop()

    counts = sink.counts()
    assert set(counts) == set(emails)
    assert max(counts.values()) == 1, counts.most_common(3)
    assert {subject for _, subject in sink.received} == {"Ftesë për ju, Arta"}
    left = statuses(mailing)
    assert left.pop(stuck) == Delivery.Status.INTERRUPTED  # it arrived; it might not have
    assert set(left.values()) == {Delivery.Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_at_any_moment_leaves_at_most_one_copy_in_doubt(
    org, officer, settings, tmp_path
):
    """A kill wherever it falls (reading, claiming, sending, recording), with short
    leases, so that the senders hand on to each other through the task queue: after
    the lease ran out by itself and the timer's command, everyone received the
    message at most once, all but at most one exactly once."""
    from django_tasks_db.models import DBTaskResult

    from tests.deploy.stack import Sink, Worker, free_port, production_env
    from tests.deploy.test_worker import database_url

    count = 50
    emails = [f"person{n:02d}@example.org" for n in range(count)]
    for email in emails:
        person(org.site, email)
    rules = MembershipSettings.for_site(org.site)
    rules.messages_per_minute = 600  # 100 ms apart: 5 s for everyone
    rules.save()
    mailing = make_mailing(org.site)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "exports", "mailings"],
        }
    }
    start_sending(mailing, officer)

    sink = Sink()
    controller = aiosmtpd_controller.Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = production_env(
        tmp_path / "var",
        database_url=database_url(),
        redis_url=settings.REDIS_URL or None,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=0,
        EMAIL_TIMEOUT=30,
        DEFAULT_FROM_EMAIL="no-reply@org-a.example",
        MEMBERSHIP_MAILING_LEASE=6,  # each task sends for 3 s, then hands on
    )
    workers = []
    try:
        first = Worker(env, tmp_path, queue="mailings", interval=0.1, name="first")
        workers.append(first.start())
        wait_for(lambda: sink.total() >= 12, 30, "a dozen copies:\n" + first.log_tail())
        first.kill()
        before = sink.total()
        assert before < count, "everything was sent before the kill"
        second = Worker(env, tmp_path, queue="mailings", interval=0.1, name="second")
        workers.append(second.start())
        wait_for(
            lambda: Mailing.objects.get(pk=mailing.pk).lease_until < timezone.now(),
            10,
            "the killed worker's lease to run out",
        )
        assert send_due_mailings(older_than=timedelta(0)) == [mailing.pk]
        wait_for(
            lambda: Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.SENT,
            30,
            "the second worker to finish the message:\n" + second.log_tail(),
        )
        time.sleep(0.5)
    finally:
        for worker in workers:
            worker.kill()
        controller.stop()

    counts = sink.counts()
    assert max(counts.values()) == 1, counts.most_common(3)
    left = statuses(mailing)
    doubt = [email for email, status in left.items() if status == Delivery.Status.INTERRUPTED]
    assert len(doubt) <= 1, doubt
    assert {s for e, s in left.items() if e not in doubt} == {Delivery.Status.SENT}
    assert all(counts[email] == 1 for email, status in left.items() if status == "sent")
    assert set(counts) | set(doubt) == set(emails)
    # The second worker's sender handed on to a task of its own at least once.
    tasks = DBTaskResult.objects.filter(task_path="membership.mailing_send.send_mailing")
    assert tasks.filter(status="SUCCESSFUL").count() >= 2
