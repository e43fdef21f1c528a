"""The Messages area: writing a message in both languages, its audience and count,
the preview, a test to oneself, sending directly or after another officer's
approval, progress and stopping; who may do what (another organisation's messages
are a 404, other roles a 403); a person's messages and undeliverable address."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.rich_text import get_rich_text_editor_widget
from wagtail.users.models import UserProfile

from home.models import OrganisationText, SiteRole
from membership import mailing_send
from membership.mailings import (
    BODY_FEATURES,
    Delivery,
    Mailing,
    MailingVersion,
    UndeliverableAddress,
)
from membership.models import MembershipSettings, Supporter
from membership.records import AuditEntry
from membership.services import confirm, store_submission

pytestmark = pytest.mark.django_db


def rich(html):
    """What the rich-text editor posts for ``html`` (its content state)."""
    return get_rich_text_editor_widget(features=BODY_FEATURES).format_value(html)


def add_person(site, page, email, consent=True, language="sq", **person):
    ids = store_submission(
        site=site,
        page=page,
        language=language,
        email=email,
        person={"given_name": "Arta", "family_name": "Shembulli", **person},
        signups=[{"kind": "membership", "fields": {}, "consents": [("signup", "Pajtohem.")]}],
        notify=False,
    )
    confirm(ids)
    supporter = Supporter.objects.get(site=site, email=email)
    if consent:
        Supporter.objects.filter(pk=supporter.pk).update(
            contact_consent_at=timezone.now(), language=language
        )
    return supporter


@pytest.fixture
def people(org, org_b):
    """Two of A's people who agreed to email (Prishtina, Prizren), one who did not,
    and one of B's."""
    return {
        "arta": add_person(org.site, org.home_sq, "arta@example.org", municipality="prishtine"),
        "besim": add_person(
            org.site, org.home_sq, "besim@example.org", municipality="prizren", language="en"
        ),
        "no_consent": add_person(org.site, org.home_sq, "jo@example.org", consent=False),
        "of_b": add_person(org_b.site, org_b.home_sq, "b-person@example.org"),
    }


@pytest.fixture
def second_officer(staff, roles_a):
    user = get_user_model().objects.create_user(
        "officer_a2", "officer_a2@example.org", "pw", is_staff=True
    )
    user.groups.add(roles_a[SiteRole.MEMBERSHIP_OFFICER])
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def message_data(**overrides):
    data = {
        "name": "Thirrje për takim",
        "sq-subject": "Takimi i lagjes",
        "sq-preview_text": "Të presim të enjten",
        "sq-body": rich("<p>Përshëndetje {name}, ejani të enjten.</p>"),
        "en-subject": "Neighbourhood meeting",
        "en-preview_text": "",
        "en-body": rich("<p>Hello {name}, come on Thursday.</p>"),
        "save": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def mailing(org, staff):
    mailing = Mailing.objects.create(site=org.site, name="Mesazhi A", created_by=staff["officer_a"])
    MailingVersion.objects.create(
        mailing=mailing, language="sq", subject="Lënda shqip", body="<p>Tekst {name}</p>"
    )
    MailingVersion.objects.create(
        mailing=mailing, language="en", subject="English subject", body="<p>Text {name}</p>"
    )
    return mailing


def mailing_urls(mailing):
    pk = mailing.pk
    return {
        "edit": reverse("membership_mailing", args=[pk]),
        "preview": reverse("membership_mailing_preview", args=[pk, "sq"]),
        "test": reverse("membership_mailing_test", args=[pk]),
        "send": reverse("membership_mailing_send", args=[pk]),
        "approve": reverse("membership_mailing_approve", args=[pk]),
        "progress": reverse("membership_mailing_progress", args=[pk]),
        "cancel": reverse("membership_mailing_cancel", args=[pk]),
    }


def assert_denied(response):
    """Wagtail answers a PermissionDenied in the admin with a redirect to the
    dashboard (and a message), or a 403."""
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


def assert_not_found(client, response, method="get"):
    """404 (the language middleware first offers the same path under /sq/, which is
    not found either)."""
    if response.status_code == 302:
        response = getattr(client, method)(response["Location"])
    assert response.status_code == 404, response.status_code
    return response


def stamp(client, url):
    html = client.get(url).content.decode()
    return re.search(r'name="stamp" value="([^"]+)"', html).group(1)


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    # The sender paces its copies; these tests do not wait for it.
    monkeypatch.setattr(mailing_send, "pause", lambda seconds: None)


# -- writing ------------------------------------------------------------------------------


def test_officer_writes_a_message_in_both_languages(client, staff, people, org):
    client.force_login(staff["officer_a"])
    page = client.get(reverse("membership_mailing_add"))
    html = page.content.decode()
    assert page.status_code == 200
    # One fieldset per language of the organisation, marked with its language.
    assert re.search(r'<fieldset class="membership-mailing-version" lang="sq">\s*<legend>', html)
    assert '<fieldset class="membership-mailing-version" lang="en">' in html
    assert '<span lang="sq">Shqip</span>' in html
    assert "{name}" in html  # the help about the merge field
    assert 'for="id_sq-subject"' in html and 'lang="en">Subject' in html
    assert "2 people will receive it." in html

    response = client.post(reverse("membership_mailing_add"), message_data())
    created = Mailing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("membership_mailing", args=[created.pk])
    assert created.site == org.site and created.created_by == staff["officer_a"]
    assert created.status == Mailing.Status.DRAFT
    versions = {v.language: v for v in created.versions.all()}
    assert versions["sq"].subject == "Takimi i lagjes"
    assert "Përshëndetje {name}" in versions["sq"].body
    assert versions["en"].subject == "Neighbourhood meeting"
    assert "Hello {name}" in versions["en"].body

    edit = client.get(response["Location"]).content.decode()
    assert "The message was saved. 2 people will receive it." in edit
    assert 'value="Takimi i lagjes"' in edit
    assert "Send…" in edit and "Ask for approval" not in edit


def test_first_language_is_required_the_others_optional(client, staff, people):
    client.force_login(staff["officer_a"])
    url = reverse("membership_mailing_add")
    response = client.post(url, message_data(**{"sq-subject": "", "sq-body": rich("")}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write the message." in html
    assert 'aria-describedby="id_sq-body_errors id_sq-body_helptext"' in html
    assert not Mailing.objects.exists()

    half = message_data(**{"en-body": rich("")})  # an English subject without text
    assert "Write the message." in client.post(url, half).content.decode()
    assert not Mailing.objects.exists()

    only_albanian = message_data(**{"en-subject": "", "en-body": rich("")})
    assert client.post(url, only_albanian).status_code == 302
    assert list(Mailing.objects.get().versions.values_list("language", flat=True)) == ["sq"]


def test_emptying_a_language_removes_its_version(client, staff, people, mailing):
    client.force_login(staff["officer_a"])
    data = message_data(**{"en-subject": "", "en-body": rich("")})
    assert client.post(reverse("membership_mailing", args=[mailing.pk]), data).status_code == 302
    assert list(mailing.versions.values_list("language", flat=True)) == ["sq"]


def test_audience_count_before_saving_and_after(client, staff, people, mailing):
    client.force_login(staff["officer_a"])
    url = reverse("membership_mailing", args=[mailing.pk])
    # Nobody without consent, nobody of another organisation.
    assert "2 people will receive it." in client.get(url).content.decode()

    counted = client.post(
        url, message_data(**{"count": "1", "save": None, "audience-municipalities": ["prizren"]})
    )
    html = counted.content.decode()
    assert counted.status_code == 200
    assert "With these choices 1 person would receive it. Not saved yet." in html
    assert "1 person will receive it." in html
    mailing.refresh_from_db()
    assert mailing.audience == {}  # counting stores nothing
    assert mailing.name == "Mesazhi A"

    saved = client.post(url, message_data(**{"audience-municipalities": ["prizren"]}))
    assert saved.status_code == 302
    mailing.refresh_from_db()
    assert mailing.audience["municipalities"] == ["prizren"]
    assert "1 person will receive it." in client.get(url).content.decode()

    english = client.post(url, message_data(**{"audience-languages": ["en"]}))
    assert english.status_code == 302
    assert "1 person will receive it." in client.get(url).content.decode()


# -- looking at it -------------------------------------------------------------------------


def test_preview_is_escaped_and_sandboxed(client, staff, people):
    client.force_login(staff["officer_a"])
    data = message_data(
        **{
            "name": "<b>Emri</b>",
            "sq-subject": "<script>alert(1)</script>",
            "sq-body": rich("<p>&lt;script&gt;alert(2)&lt;/script&gt; {name}</p>"),
        }
    )
    client.post(reverse("membership_mailing_add"), data)
    mailing = Mailing.objects.get()
    edit = client.get(reverse("membership_mailing", args=[mailing.pk])).content.decode()
    assert "<script>alert(1)" not in edit and "<b>Emri</b>" not in edit
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in edit
    preview_url = reverse("membership_mailing_preview", args=[mailing.pk, "sq"])
    assert f'<iframe sandbox src="{preview_url}"' in edit

    preview = client.get(preview_url)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "<script" not in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body
    assert mailing_send.SAMPLE_NAME in body
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    policy = preview["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    # A language the message is not written in has no preview.
    mailing.versions.filter(language="en").delete()
    missing = client.get(reverse("membership_mailing_preview", args=[mailing.pk, "en"]))
    assert_not_found(client, missing)


def test_a_test_goes_to_the_users_own_address_only(client, staff, people, mailing):
    officer = staff["officer_a"]
    client.force_login(officer)
    url = reverse("membership_mailing_test", args=[mailing.pk])
    # Nothing in the request can change where it goes.
    response = client.post(url, {"language": "en", "email": "someone@example.org", "to": "x@y.z"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [officer.email]
    assert not sent.cc and not sent.bcc
    assert "English subject" in sent.subject and sent.subject.startswith("[")
    assert not Delivery.objects.exists()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MAILING).count() == 1

    client.post(url, {"language": "de"})  # not a version of the message
    assert len(mail.outbox) == 1
    assert client.get(url).status_code == 405  # sending is a POST only


# -- sending -------------------------------------------------------------------------------


def test_author_sends_directly_when_no_approval_is_needed(
    client, staff, people, mailing, django_capture_on_commit_callbacks
):
    client.force_login(staff["officer_a"])
    urls = mailing_urls(mailing)
    confirm_page = client.get(urls["send"]).content.decode()
    assert "Send to 2 people?" in confirm_page
    assert client.post(urls["send"], {"stamp": "old"}).status_code == 302  # changed since
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls["send"], {"stamp": stamp(client, urls["send"])})
    assert response["Location"] == urls["progress"]
    mailing.refresh_from_db()
    assert mailing.recipients == 2
    assert set(Delivery.objects.values_list("supporter__email", flat=True)) == {
        "arta@example.org",
        "besim@example.org",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["arta@example.org", "besim@example.org"]
    assert mailing.status == Mailing.Status.SENT
    progress = client.get(urls["progress"]).content.decode()
    assert re.search(r"<th scope=\"row\">Sent</th><td>2</td>", progress)
    assert 'http-equiv="refresh"' not in progress  # finished: nothing to follow
    # Once sent it cannot change, nor be sent again.
    assert client.get(urls["edit"])["Location"] == urls["progress"]
    client.post(urls["send"], {"stamp": "x"})
    assert Delivery.objects.count() == 2 and len(mail.outbox) == 2


def test_nobody_in_the_audience_cannot_be_sent(client, staff, people, mailing):
    mailing.audience = {"municipalities": ["gjakove"]}
    mailing.save()
    client.force_login(staff["officer_a"])
    response = client.get(reverse("membership_mailing_send", args=[mailing.pk]))
    assert response.status_code == 302
    assert not Delivery.objects.exists()


def test_approval_by_another_officer_the_author_cannot_approve(
    client, staff, people, mailing, second_officer, org
):
    rules = MembershipSettings.for_site(org.site)
    rules.mailings_need_approval = True
    rules.save()
    author = staff["officer_a"]
    urls = mailing_urls(mailing)
    client.force_login(author)
    edit = client.get(urls["edit"]).content.decode()
    assert "Ask for approval…" in edit and "Send…" not in edit
    assert "Ask for approval to send it to 2 people?" in client.get(urls["send"]).content.decode()
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.AWAITING_APPROVAL
    assert mailing.submitted_by == author
    assert not Delivery.objects.exists()

    # The author cannot approve their own message.
    assert "Approve and send" not in client.get(urls["edit"]).content.decode()
    assert_denied(client.get(urls["approve"]))
    assert_denied(client.post(urls["approve"], {"stamp": mailing.updated_at.isoformat()}))
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.AWAITING_APPROVAL and mailing.approved_by is None
    # An officer of another organisation does not even find it.
    client.force_login(staff["officer_b"])
    assert_not_found(client, client.get(urls["approve"]))

    client.force_login(second_officer)
    assert "Approve and send…" in client.get(urls["edit"]).content.decode()
    page = client.get(urls["approve"]).content.decode()
    assert "Send to 2 people?" in page and "officer_a" in page
    response = client.post(urls["approve"], {"stamp": stamp(client, urls["approve"])})
    assert response["Location"] == urls["progress"]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.QUEUED
    assert mailing.approved_by == second_officer and mailing.submitted_by == author
    assert mailing_send.queue_copies(mailing) == 2  # the sender's first step


def test_a_change_after_asking_asks_again(client, staff, people, mailing, second_officer, org):
    MembershipSettings.objects.filter(pk=MembershipSettings.for_site(org.site).pk).update(
        mailings_need_approval=True
    )
    urls = mailing_urls(mailing)
    client.force_login(staff["officer_a"])
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})
    client.force_login(second_officer)
    seen = stamp(client, urls["approve"])
    client.force_login(staff["officer_a"])
    client.post(urls["edit"], message_data(**{"sq-subject": "Tjetër lëndë"}))
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT and mailing.submitted_by is None
    # The approver's page showed the old text: approving it now sends nothing.
    client.force_login(second_officer)
    client.post(urls["approve"], {"stamp": seen})
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT and mailing.approved_by is None
    assert not Delivery.objects.exists()


def test_withdrawing_the_request_makes_a_draft(client, staff, people, mailing, org):
    MembershipSettings.objects.filter(pk=MembershipSettings.for_site(org.site).pk).update(
        mailings_need_approval=True
    )
    urls = mailing_urls(mailing)
    client.force_login(staff["officer_a"])
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})
    assert "Withdraw the request" in client.get(urls["cancel"]).content.decode()
    client.post(urls["cancel"])
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT and mailing.submitted_by is None


def test_progress_page_and_stopping(client, staff, people, mailing):
    client.force_login(staff["officer_a"])
    urls = mailing_urls(mailing)
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})  # sender not run
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.QUEUED
    mailing_send.queue_copies(mailing)  # the sender's first step, not yet its sending
    first = Delivery.objects.filter(mailing=mailing).order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    page = client.get(urls["progress"]).content.decode()
    assert 'http-equiv="refresh"' in page  # follows the sending by itself
    assert re.search(r"<th scope=\"row\">Sent</th><td>1</td>", page)
    assert re.search(r"<th scope=\"row\">Waiting</th><td>1</td>", page)
    assert re.search(r"<th scope=\"row\">Total</th><td>2</td>", page)
    listing = client.get(reverse("membership_mailings")).content.decode()
    assert "Mesazhi A" in listing and "1 of 2" in listing

    assert "Stop sending? 1 copy not sent yet will not be sent." in (
        client.get(urls["cancel"]).content.decode()
    )
    assert mailing.status == Mailing.Status.QUEUED  # asking changed nothing
    client.post(urls["cancel"])
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.CANCELLED
    assert Delivery.objects.filter(status=Delivery.Status.SKIPPED).count() == 1
    page = client.get(urls["progress"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "The message was cancelled: 1" in page


# -- who may do what -------------------------------------------------------------------


def test_another_organisations_officer_gets_404s(client, staff, people, mailing, org):
    client.force_login(staff["officer_b"])
    listing = client.get(reverse("membership_mailings")).content.decode()
    assert "Mesazhi A" not in listing
    for name, url in mailing_urls(mailing).items():
        # A method the view does not take is refused before anything is looked up.
        if name != "test":
            assert_not_found(client, client.get(url))
        if name not in ("preview", "progress"):
            data = message_data(stamp="x", language="sq")
            assert_not_found(client, client.post(url, data), method="post")
    assert_not_found(client, client.get(reverse("membership_mailing_add") + f"?site={org.site.pk}"))
    client.post(reverse("membership_mailing_add") + f"?site={org.site.pk}", message_data())
    mailing.refresh_from_db()
    assert mailing.name == "Mesazhi A" and mailing.status == Mailing.Status.DRAFT
    assert Mailing.objects.count() == 1
    assert not mail.outbox and not Delivery.objects.exists()


@pytest.mark.parametrize("role", ["editor_a", "events_a", "translator_a"])
def test_other_roles_are_refused(client, staff, people, mailing, role):
    client.force_login(staff[role])
    assert not staff[role].has_perm("membership.send_mailing")
    assert_denied(client.get(reverse("membership_mailings")))
    assert_denied(client.get(reverse("membership_mailing_add")))
    for name, url in mailing_urls(mailing).items():
        if name != "test":
            assert_denied(client.get(url))
        if name not in ("preview", "progress"):
            assert_denied(client.post(url, message_data(stamp="x", language="sq")))
    assert_denied(client.post(reverse("membership_mailing_add"), message_data()))
    assert Mailing.objects.count() == 1 and not mail.outbox
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("membership_mailings") not in menu


def test_officers_get_the_permission_and_the_menu(client, staff):
    officer = staff["officer_a"]
    assert officer.has_perm("membership.send_mailing")
    client.force_login(officer)
    assert (
        reverse("membership_mailings") in client.get(reverse("wagtailadmin_home")).content.decode()
    )


# -- a person's messages ----------------------------------------------------------------


def test_person_page_lists_messages_and_marks_an_address_undeliverable(
    client, staff, people, mailing
):
    client.force_login(staff["officer_a"])
    urls = mailing_urls(mailing)
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})
    mailing_send.queue_copies(mailing)
    besim = people["besim"]
    Delivery.objects.filter(supporter=besim).update(
        status=Delivery.Status.SENT, sent_at=timezone.now()
    )
    person_url = reverse("membership_person", args=[besim.pk])
    page = client.get(person_url).content.decode()
    assert "Mesazhi A" in page
    assert '<td lang="en">English subject</td>' in page  # the subject in his language
    undeliverable = reverse("membership_person_undeliverable", args=[besim.pk])
    assert undeliverable in page

    client.force_login(staff["officer_b"])
    assert_not_found(client, client.post(undeliverable), method="post")
    client.force_login(staff["editor_a"])
    assert_denied(client.post(undeliverable))
    assert not UndeliverableAddress.objects.exists()

    client.force_login(staff["officer_a"])
    assert client.get(undeliverable).status_code == 405
    client.post(undeliverable)
    marked = UndeliverableAddress.objects.get()
    assert marked.site == besim.site and marked.email == "besim@example.org"
    assert marked.reason == UndeliverableAddress.Reason.MANUAL
    page = client.get(person_url).content.decode()
    assert "This address is marked undeliverable" in page
    assert undeliverable not in page


def test_a_user_of_several_organisations_chooses_one_first(client, staff, people, org, org_b):
    client.force_login(staff["admin"])  # a superuser: every organisation
    add = reverse("membership_mailing_add")
    choose = client.get(add).content.decode()
    assert "Which organisation writes to its supporters?" in choose
    assert f'value="{org.site.pk}"' in choose and f'value="{org_b.site.pk}"' in choose
    form = client.get(f"{add}?site={org_b.site.pk}").content.decode()
    assert f'name="site" value="{org_b.site.pk}"' in form
    assert "1 person will receive it." in form  # B's one person, not A's two
    client.post(add, message_data(site=str(org_b.site.pk)))
    assert Mailing.objects.get().site == org_b.site
    assert_not_found(client, client.get(f"{add}?site=999999"))


def test_only_a_superuser_lifts_the_approval_rule(client, staff, org):
    """Officers set their organisation's pace but not the rule that binds them."""
    url = reverse("wagtailsettings:edit", args=["membership", "membershipsettings", org.site.pk])
    client.force_login(staff["officer_a"])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="messages_per_minute"' in page.content.decode()
    assert 'name="mailings_need_approval"' not in page.content.decode()
    client.force_login(staff["admin"])
    assert 'name="mailings_need_approval"' in client.get(url).content.decode()


# -- review: the stamp under the lock, the last author, the postal address --------------


def officer(name, roles_a, language="en"):
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "pw", is_staff=True)
    user.groups.add(roles_a[SiteRole.MEMBERSHIP_OFFICER])
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return user


def change_before_the_lock(monkeypatch, change):
    """Make ``change`` commit just before the view locks the message's row: the
    moment between an early check and the lock that the review pointed at."""
    real = Mailing.objects.select_for_update
    done = []

    def changed_first(*args, **kwargs):
        if not done:
            done.append(True)
            change()
        return real(*args, **kwargs)

    monkeypatch.setattr(Mailing.objects, "select_for_update", changed_first)


def test_a_change_just_before_the_lock_is_not_sent(
    client, staff, people, mailing, second_officer, monkeypatch
):
    client.force_login(staff["officer_a"])
    urls = mailing_urls(mailing)
    seen = stamp(client, urls["send"])

    def rewrite():
        MailingVersion.objects.filter(mailing=mailing, language="sq").update(subject="Tjetër")
        Mailing.objects.filter(pk=mailing.pk).update(
            updated_at=timezone.now() + timedelta(seconds=1), updated_by=second_officer
        )

    change_before_the_lock(monkeypatch, rewrite)
    response = client.post(urls["send"], {"stamp": seen})
    assert response["Location"] == urls["send"]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT and mailing.queued_at is None
    assert mailing.submitted_by is None and not Delivery.objects.exists()
    page = client.get(urls["send"]).content.decode()
    assert "The message changed while you were looking at it" in page


def test_an_approval_just_after_a_new_request_is_refused(
    client, staff, people, mailing, second_officer, org, monkeypatch
):
    MembershipSettings.objects.filter(pk=MembershipSettings.for_site(org.site).pk).update(
        mailings_need_approval=True
    )
    urls = mailing_urls(mailing)
    client.force_login(staff["officer_a"])
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})
    client.force_login(second_officer)
    seen = stamp(client, urls["approve"])

    def asked_again():
        # Withdrawn, changed and asked for again: waiting for approval as before.
        Mailing.objects.filter(pk=mailing.pk).update(
            updated_at=timezone.now() + timedelta(seconds=1)
        )

    change_before_the_lock(monkeypatch, asked_again)
    response = client.post(urls["approve"], {"stamp": seen})
    assert response["Location"] == urls["approve"]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.AWAITING_APPROVAL
    assert mailing.approved_by is None and not Delivery.objects.exists()


def test_whoever_changed_it_last_cannot_approve_it(
    client, staff, people, mailing, second_officer, roles_a, org
):
    MembershipSettings.objects.filter(pk=MembershipSettings.for_site(org.site).pk).update(
        mailings_need_approval=True
    )
    urls = mailing_urls(mailing)
    # B rewrites A's draft, A asks for approval: neither may approve it.
    client.force_login(second_officer)
    client.post(urls["edit"], message_data(**{"sq-subject": "Teksti i B"}))
    mailing.refresh_from_db()
    assert mailing.created_by == staff["officer_a"] and mailing.updated_by == second_officer
    client.force_login(staff["officer_a"])
    ask = client.get(urls["send"]).content.decode()
    assert "Whoever wrote it, last changed it or asked for approval cannot approve it." in ask
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.AWAITING_APPROVAL
    for user in (staff["officer_a"], second_officer):
        client.force_login(user)
        assert "Approve and send…" not in client.get(urls["edit"]).content.decode()
        assert_denied(client.get(urls["approve"]))
        assert_denied(client.post(urls["approve"], {"stamp": mailing.updated_at.isoformat()}))
    mailing.refresh_from_db()
    assert mailing.approved_by is None and not Delivery.objects.exists()

    # A third officer may, and sees who wrote, changed and asked.
    third = officer("officer_a3", roles_a)
    client.force_login(third)
    page = client.get(urls["approve"]).content.decode()
    assert (
        "Written by officer_a, last changed by officer_a2, approval asked for by officer_a." in page
    )
    client.post(urls["approve"], {"stamp": stamp(client, urls["approve"])})
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.QUEUED and mailing.approved_by == third


def test_a_new_message_was_last_changed_by_its_author(client, staff, people):
    client.force_login(staff["officer_a"])
    client.post(reverse("membership_mailing_add"), message_data())
    created = Mailing.objects.get()
    assert created.created_by == created.updated_by == staff["officer_a"]


def test_no_postal_address_no_sending(client, staff, people, mailing, roles_a, org):
    OrganisationText.objects.filter(settings__site=org.site).update(postal_address=" ")
    urls = mailing_urls(mailing)
    settings_url = reverse(
        "wagtailsettings:edit", args=["home", "organisationsettings", org.site.pk]
    )
    # In the officer's own language, without a button to send.
    client.force_login(officer("zyrtari", roles_a, language="sq"))
    edit = client.get(urls["edit"]).content.decode()
    assert "Organizata nuk ka ende adresë postare" in edit
    assert urls["send"] not in edit
    assert settings_url not in edit  # an officer cannot change the settings
    assert "Kërkojini një administratori të sajtit ta shtojë." in edit
    response = client.get(urls["send"])
    assert response["Location"] == urls["edit"]
    client.post(urls["send"], {"stamp": mailing.updated_at.isoformat()})
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT and not Delivery.objects.exists()
    assert not mail.outbox

    # Whoever may change the settings is sent there.
    client.force_login(staff["admin"])
    edit = client.get(urls["edit"]).content.decode()
    assert "The organisation has no postal address yet" in edit
    assert f'href="{settings_url}"' in edit and urls["send"] not in edit

    # Neither can it be approved.
    mailing.status = Mailing.Status.AWAITING_APPROVAL
    mailing.submitted_by = staff["officer_a"]
    mailing.save()
    client.force_login(officer("officer_a3", roles_a))
    edit = client.get(urls["edit"]).content.decode()
    assert urls["approve"] not in edit
    assert client.get(urls["approve"])["Location"] == urls["edit"]
    client.post(urls["approve"], {"stamp": mailing.updated_at.isoformat()})
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.AWAITING_APPROVAL and not Delivery.objects.exists()

    # With the address in the first language, it may go.
    OrganisationText.objects.filter(settings__site=org.site, locale__language_code="sq").update(
        postal_address="Rruga B, Prishtinë"
    )
    assert urls["approve"] in client.get(urls["edit"]).content.decode()


def test_queued_before_its_copies_are_counted(client, staff, people, mailing):
    client.force_login(staff["officer_a"])
    urls = mailing_urls(mailing)
    client.post(urls["send"], {"stamp": stamp(client, urls["send"])})  # sender not run
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.QUEUED and mailing.recipients is None
    progress = client.get(urls["progress"]).content.decode()  # where the view led
    assert "Sending to 2 people has begun." in progress
    assert "Not known yet: the copies are being prepared." in progress
    listing = client.get(reverse("membership_mailings")).content.decode()
    assert f'<a href="{urls["progress"]}">Preparing the copies…</a>' in listing
