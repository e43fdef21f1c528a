"""Mail server failures, retries, retention and the demo content."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from home.models import SiteRole
from home.roles import ensure_site_roles
from membership.models import AuditEntry, MembershipSettings, SignUp, Supporter
from membership.services import store_submission

from .conftest import follow_confirm_link, join_data

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

    # The server is back: the retry command sends it, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("membership_send_emails", older_than=0)
    assert len(mail.outbox) == 1
    signup.refresh_from_db()
    assert signup.email_status == SignUp.EmailStatus.SENT and signup.email_attempts == 2
    call_command("membership_send_emails", older_than=0)
    assert len(mail.outbox) == 1
    follow_confirm_link(client, mail.outbox[0], org.hostname)
    assert SignUp.objects.get().state == "confirmed"


def test_retries_stop_after_the_maximum(org, join_page, settings):
    settings.EMAIL_BACKEND = "tests.membership.test_email_and_retention.BrokenBackend"
    settings.MEMBERSHIP_EMAIL_MAX_ATTEMPTS = 2
    store_submission(
        site=org.site,
        page=join_page[0],
        language="sq",
        email="a@example.org",
        person={},
        signups=[{"kind": "membership", "consents": []}],
    )
    SignUp.objects.update(email_status=SignUp.EmailStatus.FAILED)
    for _ in range(4):
        call_command("membership_send_emails", older_than=0)
    assert SignUp.objects.get().email_attempts == 2


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
            "spec": {"name": ("Volt Kosova", "Volt Kosova")},
            "roles": ensure_site_roles(org.site),
        },
        "kww": {
            "site": kww.site,
            "pages": {"home": kww.home_sq},
            "spec": {"name": ("Kosova që e duam", "Kosovo We Want")},
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
