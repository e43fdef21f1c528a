"""Mail server failures, retries, the limit per address, what staff see of emails
that were not sent, retention and the demo content."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from home.models import SiteRole
from home.roles import ensure_site_roles
from membership.models import AuditEntry, MembershipSettings, SignUp, Supporter
from membership.records import LinkToken
from membership.services import store_submission
from membership.tasks import retry_unsent

from .conftest import (
    confirm_link,
    follow_confirm_link,
    join_data,
    path_of,
    volunteer_data,
)

pytestmark = pytest.mark.django_db


class BrokenBackend:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_mail_server_down_loses_nothing_and_shows_no_error(
    submit, client, org, join_page, settings
):
    settings.EMAIL_BACKEND = "tests.membership.test_email_and_retention.BrokenBackend"
    sq, _ = join_page
    response = submit(sq, join_data())
    assert response.status_code == 302
    thanks = client.get(response["Location"], HTTP_HOST=org.hostname)
    assert thanks.status_code == 200
    signup = SignUp.objects.get()
    assert signup.state == "pending"
    assert signup.email_status == SignUp.EmailStatus.FAILED and signup.email_attempts == 1
    assert not LinkToken.objects.exists()  # the links of an email never sent are forgotten

    # The server is back: the retry command sends it once its time has come, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("membership_send_emails", older_than=0)
    assert len(mail.outbox) == 0  # not yet: it backs off
    later = signup.email_retry_at
    assert retry_unsent(timedelta(0), now=later) == 1
    assert len(mail.outbox) == 1
    signup.refresh_from_db()
    assert signup.email_status == SignUp.EmailStatus.SENT and signup.email_attempts == 2
    assert retry_unsent(timedelta(0), now=later) == 0
    assert len(mail.outbox) == 1
    follow_confirm_link(client, mail.outbox[0], org.hostname)
    assert SignUp.objects.get().state == "confirmed"


@pytest.fixture
def pending(django_capture_on_commit_callbacks):
    """Store a pending online sign-up and run what follows its commit (the email)."""

    def make(org, page, email="a@example.org", kind="membership"):
        with django_capture_on_commit_callbacks(execute=True):
            store_submission(
                site=org.site,
                page=page,
                language="sq",
                email=email,
                person={},
                signups=[{"kind": kind, "consents": []}],
            )
        return SignUp.objects.get(supporter__email=email, kind=kind)

    return make


def test_failed_emails_back_off_and_are_retried_for_the_links_validity(
    org, join_page, settings, pending
):
    """20 people signed up while the mail server was down: each is retried (far more
    than 8 times), ever less often, until the link would have expired; then it is
    marked as not sent."""
    settings.EMAIL_BACKEND = "tests.membership.test_email_and_retention.BrokenBackend"
    settings.MEMBERSHIP_EMAIL_RETRY_CAP = 3600
    rules = MembershipSettings.for_site(org.site)
    rules.confirmation_link_days = 1
    rules.save()
    for number in range(20):
        pending(org, join_page[0], f"p{number}@example.org")
    assert set(SignUp.objects.values_list("email_status", flat=True)) == {"failed"}
    first = SignUp.objects.order_by("pk").first()
    start = first.email_retry_until - timedelta(days=1)  # the first failure
    delays = [first.email_retry_at - start]
    now = start
    while SignUp.objects.filter(email_status=SignUp.EmailStatus.FAILED).exists():
        now = max(SignUp.objects.values_list("email_retry_at", flat=True))
        assert retry_unsent(timedelta(0), now=now) == 0
        first.refresh_from_db()
        delays.append(first.email_retry_at - now)
        assert len(delays) < 200
    assert delays[:5] == [timedelta(minutes=m) for m in (2, 4, 8, 16, 32)]
    assert delays[-1] == timedelta(hours=1)  # capped
    assert now > start + timedelta(days=1) - timedelta(hours=1)  # tried till the end
    assert set(SignUp.objects.values_list("email_status", flat=True)) == {"gave_up"}
    assert set(SignUp.objects.values_list("email_attempts", flat=True)) == {len(delays)}
    assert len(delays) > 20
    assert not LinkToken.objects.exists()  # no link of an email that never went

    # Given up is final for the command; staff can send it again (see below).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry_unsent(timedelta(0), now=now + timedelta(days=1)) == 0
    assert mail.outbox == []


def test_abandoned_emails_of_before_are_tried_again(org, join_page, pending):
    """Sign-ups left failed after the old 8 attempts are picked up again."""
    signup = pending(org, join_page[0])
    SignUp.objects.update(email_status="failed", email_attempts=8, email_retry_at=None)
    mail.outbox.clear()
    assert retry_unsent(timedelta(0)) == 1
    assert len(mail.outbox) == 1
    signup.refresh_from_db()
    assert signup.email_status == "sent"


def test_at_most_three_confirmation_emails_per_address_and_hour(
    submit, client, org, join_page, volunteer_page
):
    sq, en = join_page
    for number in range(20):
        response = submit(sq if number % 2 else en, join_data(email="inbox@example.org"))
        assert response.status_code == 302 and "sent=1" in response["Location"]
    assert len(mail.outbox) == 3
    # The answer was the same every time, and the sign-up is stored, held back.
    membership = SignUp.objects.get()
    assert membership.state == SignUp.State.PENDING
    assert membership.email_status == SignUp.EmailStatus.HELD

    # Something new held back: the link of an email already sent confirms it too.
    submit(volunteer_page[0], volunteer_data(email="inbox@example.org"))
    assert len(mail.outbox) == 3
    page = client.get(path_of(confirm_link(mail.outbox[-1])), HTTP_HOST=org.hostname)
    assert "Vullnetarizëm" in page.content.decode() or "Volunteering" in page.content.decode()
    follow_confirm_link(client, mail.outbox[-1], org.hostname)
    assert set(SignUp.objects.values_list("state", flat=True)) == {"confirmed"}

    # Another address is not affected.
    submit(sq, join_data(email="other@example.org"))
    assert mail.outbox[-1].to == ["other@example.org"]


def test_an_email_held_back_goes_out_after_the_hour_covering_everything(
    org, join_page, volunteer_page, monkeypatch, pending
):
    for _ in range(3):
        pending(org, join_page[0], "inbox@example.org")
    assert len(mail.outbox) == 3
    pending(org, volunteer_page[0], "inbox@example.org", kind="volunteer")
    assert len(mail.outbox) == 3
    held = SignUp.objects.get(kind="volunteer")
    assert held.email_status == SignUp.EmailStatus.HELD
    assert retry_unsent(timedelta(0)) == 0  # not before its time

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    assert retry_unsent(timedelta(0), now=held.email_retry_at) == 1
    assert len(mail.outbox) == 4
    assert "Anëtarësia, Vullnetarizëm" in mail.outbox[-1].body  # it covers both
    assert set(SignUp.objects.values_list("email_status", flat=True)) == {"sent"}


def test_staff_see_and_resend_unsent_emails_of_their_own_organisation_only(
    client, org, org_b, join_page, staff, settings, pending, django_capture_on_commit_callbacks
):
    def post(url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    settings.EMAIL_BACKEND = "tests.membership.test_email_and_retention.BrokenBackend"
    stuck_a = pending(org, join_page[0], "stuck-a@example.org")
    stuck_b = pending(org_b, org_b.home_sq, "stuck-b@example.org")
    SignUp.objects.filter(pk=stuck_b.pk).update(email_status=SignUp.EmailStatus.GAVE_UP)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    pending(org, join_page[0], "fine@example.org")  # sent: not listed
    people = reverse("membership_people")

    client.force_login(staff["officer_a"])
    index = client.get(people).content.decode()
    assert "1 person has not received their confirmation email" in index
    listing = client.get(people, {"email": "unsent"}).content.decode()
    assert "stuck-a@example.org" in listing
    assert "fine@example.org" not in listing and "stuck-b@example.org" not in listing

    # Officer B can neither see nor resend A's.
    client.force_login(staff["officer_b"])
    listing = client.get(people, {"email": "unsent"}).content.decode()
    assert "stuck-a@example.org" not in listing and "stuck-b@example.org" in listing
    mail.outbox.clear()
    denied = post(reverse("membership_person_resend", args=[stuck_a.supporter_id]))
    assert denied.status_code in (302, 404) and mail.outbox == []
    if denied.status_code == 302:
        assert client.get(denied["Location"]).status_code == 404
    post(reverse("membership_people_resend"), {"site": org.site.pk})
    assert [m.to for m in mail.outbox] == [["stuck-b@example.org"]]

    # Officer A sends theirs again, in bulk or for one person.
    client.force_login(staff["officer_a"])
    assert post(reverse("membership_people_resend")).status_code == 302
    assert mail.outbox[-1].to == ["stuck-a@example.org"]
    stuck_a.refresh_from_db()
    assert stuck_a.email_status == SignUp.EmailStatus.SENT
    post(reverse("membership_person_resend", args=[stuck_a.supporter_id]))
    assert mail.outbox[-1].to == ["stuck-a@example.org"] and len(mail.outbox) == 3
    assert client.get(reverse("membership_people_resend")).status_code == 405

    # Roles without the People area get nothing.
    client.force_login(staff["editor_a"])
    post(reverse("membership_people_resend"))
    assert len(mail.outbox) == 3


def test_an_email_being_sent_is_not_offered_again_until_it_may_have_been_cut_off(
    client, org, join_page, staff, pending, django_capture_on_commit_callbacks
):
    """A sender claims an email ("sending") before handing it over; while it may still
    be on its way staff neither see it as not sent nor send it again. Once the grace
    period is over, a sender that never recorded the outcome was cut off."""
    from membership.tasks import SENDING_GRACE

    signup = pending(org, join_page[0], "slow@example.org")
    claimed = timezone.now()
    SignUp.objects.filter(pk=signup.pk).update(
        email_status=SignUp.EmailStatus.SENDING, email_retry_at=claimed + SENDING_GRACE
    )
    mail.outbox.clear()
    client.force_login(staff["officer_a"])
    listing = client.get(reverse("membership_people"), {"email": "unsent"}).content.decode()
    assert "slow@example.org" not in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("membership_person_resend", args=[signup.supporter_id]))
    signup.refresh_from_db()
    assert signup.email_status == SignUp.EmailStatus.SENDING and mail.outbox == []

    SignUp.objects.filter(pk=signup.pk).update(email_retry_at=claimed - timedelta(seconds=1))
    listing = client.get(reverse("membership_people"), {"email": "unsent"}).content.decode()
    assert "slow@example.org" in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("membership_person_resend", args=[signup.supporter_id]))
    signup.refresh_from_db()
    assert signup.email_status == SignUp.EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [["slow@example.org"]]


def test_email_is_plain_text_with_escaped_html_part(submit, org, join_page):
    sq, _ = join_page
    submit(sq, join_data(given_name="<script>alert(1)</script>"))
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "<script>" not in html and "<script>" not in message.body
    assert "?confirm=" in html


def _age(signup, days):
    SignUp.objects.filter(pk=signup.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_purge_applies_each_sites_retention(org, join_page):
    rules = MembershipSettings.for_site(org.site)
    rules.pending_retention_days = 10
    rules.withdrawn_retention_days = 30
    rules.save()

    def person(email, state, days, withdrawn_days=None):
        store_submission(
            site=org.site,
            page=join_page[0],
            language="sq",
            email=email,
            person={"given_name": email.split("@")[0]},
            signups=[{"kind": "membership", "consents": [("signup", "Po")]}],
            notify=False,
        )
        signup = SignUp.objects.get(supporter__email=email)
        update = {"state": state, "created_at": timezone.now() - timedelta(days=days)}
        if withdrawn_days is not None:
            update["withdrawn_at"] = timezone.now() - timedelta(days=withdrawn_days)
        SignUp.objects.filter(pk=signup.pk).update(**update)

    person("old-pending@example.org", "pending", 11)
    person("new-pending@example.org", "pending", 2)
    person("confirmed@example.org", "confirmed", 400)
    person("old-withdrawn@example.org", "withdrawn", 100, withdrawn_days=31)
    person("new-withdrawn@example.org", "withdrawn", 100, withdrawn_days=5)
    call_command("membership_purge")
    emails = set(Supporter.objects.values_list("email", flat=True))
    assert emails == {
        "new-pending@example.org",
        "confirmed@example.org",
        "new-withdrawn@example.org",
        None,  # the old withdrawn person, anonymised
    }
    assert SignUp.objects.count() == 4
    entry = AuditEntry.objects.get(action="purge")
    assert entry.detail["signups_deleted"] == 1 and entry.detail["people_erased"] == 1
    call_command("membership_purge")  # nothing more to do
    assert SignUp.objects.count() == 4


def test_demo_content_is_idempotent(org, make_org, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    from home.demo import DemoReport
    from membership.demo import load
    from membership.models import JoinPage, VolunteerPage

    kww = make_org("kww.example", name="Kosova që e duam", name_en="Kosovo We Want")
    sites = {
        "volt": {
            "site": org.site,
            "pages": {"home": org.home_sq},
            "spec": {"name": {"sq": "Volt Kosova", "en": "Volt Kosova"}},
            "roles": ensure_site_roles(org.site),
        },
        "kww": {
            "site": kww.site,
            "pages": {"home": kww.home_sq},
            "spec": {"name": {"sq": "Kosova që e duam", "en": "Kosovo We Want"}},
            "roles": ensure_site_roles(kww.site),
        },
    }
    report = DemoReport()
    load(sites, report)
    counts = (
        JoinPage.objects.count(),
        VolunteerPage.objects.count(),
        Supporter.objects.count(),
        SignUp.objects.count(),
    )
    assert counts == (4, 4, 8, 10)
    assert JoinPage.objects.filter(locale__language_code="en", title="Become a member").count() == 2
    assert any("volt-membership" in line for line in report.lines)
    load(sites, DemoReport())
    assert (
        JoinPage.objects.count(),
        VolunteerPage.objects.count(),
        Supporter.objects.count(),
        SignUp.objects.count(),
    ) == counts
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(username="volt-membership")
    assert officer.groups.filter(site_role__role=SiteRole.MEMBERSHIP_OFFICER).exists()
    assert mail.outbox == []  # demo people are confirmed without emails
