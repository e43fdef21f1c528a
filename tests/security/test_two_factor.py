"""Two-factor authentication of admin users: enrolment, verification after login,
recovery codes, and who must use it (ADMIN_2FA_REQUIRED_FOR)."""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from home.models import SiteRole
from home.roles import ensure_site_roles
from home.security import twofactor

# The admin speaks the user's language, Albanian unless they chose another.
NOT_CORRECT = "Ky kod nuk është i saktë".encode()
THROTTLED = "Shumë kode të gabuara".encode()
ENROL = "/admin/two-factor/enrol/"
VERIFY = "/admin/two-factor/verify/"
LINK_SENT = "Ju kemi dërguar një lidhje".encode()
LINK_DEAD = "Kjo lidhje nuk funksionon më".encode()


def code_for(device):
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def fresh_code(device):
    """The current code, accepted again: a device takes each time step's code once,
    and the tests enrol and verify within the same 30 seconds."""
    device.refresh_from_db()
    device.last_t = -1
    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.save()
    return code_for(device)


def link_from_email(message=None):
    """The path of the set-up link in the last email sent."""
    message = message or mail.outbox[-1]
    return urlsplit(re.search(r"https?://\S+", message.body).group(0)).path


def enrol(client):
    """Set up a TOTP device through the screens (through the emailed link where the
    user must use two-factor authentication); returns (device, recovery codes)."""
    response = client.get(ENROL)
    assert response.status_code == 200
    path = ENROL
    if b"data-secret" not in response.content:
        client.post(ENROL, {"send": "1"})
        path = link_from_email()
        response = client.get(path)
        assert b"data-secret" in response.content
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(path, {"otp_token": fresh_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


@pytest.fixture
def required_for_superusers(settings):
    settings.ADMIN_2FA_REQUIRED_FOR = ["superuser"]
    return settings


def test_required_user_is_sent_to_enrolment_then_in(required_for_superusers, client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    assert "next=%2Fadmin%2Fpages%2F" in response["Location"]

    # The password alone shows no QR code and sets up nothing.
    response = client.get(ENROL)
    assert b"<svg" not in response.content and b"data-secret" not in response.content
    assert not TOTPDevice.objects.exists()
    assert client.post(ENROL, {"otp_token": "123456"}).status_code == 200
    assert not TOTPDevice.objects.exists()

    # On request, a link goes to the account's address, in the user's language.
    response = client.post(ENROL, {"send": "1"})
    assert LINK_SENT in response.content
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["root@example.org"]
    assert "verifikimin me dy hapa" in mail.outbox[0].subject
    link = link_from_email()

    response = client.get(link)
    content = response.content.decode()
    assert "<svg" in content and "data-secret" in content
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)
    secret = re.search(r"<code data-secret>([A-Z2-7 ]+)</code>", content).group(1)
    assert len(secret.replace(" ", "")) == 32

    response = client.post(link, {"otp_token": "000000" if code_for(device) != "000000" else "1"})
    assert response.status_code == 200
    assert NOT_CORRECT in response.content
    assert client.get("/admin/pages/").status_code == 302

    response = client.post(link, {"otp_token": fresh_code(device)})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=superuser).count() == 10
    assert client.get("/admin/pages/").status_code == 200

    # The link worked once.
    client.logout()
    client.force_login(superuser)
    client.post(VERIFY, {"otp_token": codes[0]})
    response = client.get(link)
    assert response.status_code == 400 and LINK_DEAD in response.content


def test_the_link_needs_the_password_too_and_is_the_users_own(
    required_for_superusers, client, superuser, make_user
):
    twofactor.send_enrolment_link(superuser)
    link = link_from_email()
    # Without signing in: the admin's login page first.
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    # Someone else's session cannot use it.
    other = make_user("other", superuser=True)
    client.force_login(other)
    response = client.get(link)
    assert response.status_code == 400 and b"data-secret" not in response.content
    assert client.post(link, {"otp_token": "123456"}).status_code == 400
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_links_expire_and_a_new_one_replaces_the_old(
    required_for_superusers, client, superuser, monkeypatch
):
    client.force_login(superuser)
    twofactor.send_enrolment_link(superuser)
    first = link_from_email()
    twofactor.send_enrolment_link(superuser)
    second = link_from_email()
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    assert client.get(second[:-3] + "abc/").status_code == 400  # forged
    monkeypatch.setattr(twofactor, "ENROLMENT_LINK_SECONDS", -1)
    assert client.get(second).status_code == 400


def test_asking_again_soon_sends_no_second_email(required_for_superusers, client, superuser):
    client.force_login(superuser)
    client.post(ENROL, {"send": "1"})
    response = client.post(ENROL, {"send": "1"})
    assert LINK_SENT in response.content
    assert len(mail.outbox) == 1
    assert client.get(link_from_email()).status_code == 200


def test_without_an_email_address_ask_an_administrator(required_for_superusers, client, superuser):
    superuser.email = ""
    superuser.save()
    client.force_login(superuser)
    client.cookies["language"] = "sq"
    response = client.get(ENROL, HTTP_ACCEPT_LANGUAGE="sq")
    assert "Llogaria juaj nuk ka adresë email" in response.content.decode()
    client.post(ENROL, {"send": "1"})
    assert mail.outbox == []


def test_superuser_and_command_send_the_link(settings, client, superuser, make_user, make_org):
    settings.ADMIN_2FA_REQUIRED_FOR = ["membership_officer"]
    groups = ensure_site_roles(make_org("org-a.example", default=True).site)
    officer = make_user("officer", groups[SiteRole.MEMBERSHIP_OFFICER])
    client.force_login(superuser)
    assert b"/admin/two-factor/send-link/" in client.get("/admin/users/").content
    url = f"/admin/two-factor/send-link/{officer.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert mail.outbox[-1].to == ["officer@example.org"]

    client.force_login(officer)
    assert client.get(link_from_email()).status_code == 200
    client.force_login(make_user("editor", groups[SiteRole.EDITOR]))
    response = client.post(url)  # only superusers send them: Wagtail's "no permission"
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert len(mail.outbox) == 1
    client.force_login(officer)

    call_command("send_two_factor_link", "officer", stdout=StringIO())
    assert len(mail.outbox) == 2
    out = StringIO()
    call_command("send_two_factor_link", "officer", "--print", stdout=out)
    assert len(mail.outbox) == 2
    printed = urlsplit(out.getvalue().strip()).path
    assert client.get(link_from_email()).status_code == 400  # replaced by the printed one
    assert client.get(printed).status_code == 200


def test_next_login_asks_for_the_code(required_for_superusers, client, superuser, password):
    client.force_login(superuser)
    device, codes = enrol(client)
    client.logout()

    response = client.post(
        "/admin/login/", {"username": "root", "password": password, "next": "/admin/pages/"}
    )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get(VERIFY).status_code == 200

    response = client.post(VERIFY, {"otp_token": "12345", "next": "/admin/pages/"})
    assert response.status_code == 200
    assert NOT_CORRECT in response.content

    response = client.post(VERIFY, {"otp_token": fresh_code(device), "next": "/admin/pages/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"
    assert client.get("/admin/pages/").status_code == 200


def test_recovery_code_works_once(required_for_superusers, client, superuser):
    client.force_login(superuser)
    _, codes = enrol(client)

    for expected in (302, 200):
        client.logout()
        client.force_login(superuser)
        assert client.get("/admin/").status_code == 302
        response = client.post(VERIFY, {"otp_token": codes[0].upper()})
        assert response.status_code == expected
    assert StaticToken.objects.filter(device__user=superuser).count() == 9


def test_password_alone_cannot_replace_the_device(required_for_superusers, client, superuser):
    client.force_login(superuser)
    enrol(client)
    client.logout()
    client.force_login(superuser)  # as someone who knows the password only
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post("/admin/two-factor/disable/").status_code == 302
    assert client.post("/admin/two-factor/recovery-codes/").status_code == 302
    assert TOTPDevice.objects.filter(user=superuser, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=superuser).count() == 10


def test_throttling_of_wrong_codes(required_for_superusers, client, superuser):
    client.force_login(superuser)
    enrol(client)
    client.logout()
    client.force_login(superuser)
    for _ in range(3):
        response = client.post(VERIFY, {"otp_token": "99999999"})
    assert THROTTLED in response.content
    # Even the right code is refused while throttled.
    device = TOTPDevice.objects.get(user=superuser)
    device.last_t = -1
    device.save(update_fields=["last_t"])
    response = client.post(VERIFY, {"otp_token": code_for(device)})
    assert response.status_code == 200


def test_open_redirect_after_verification_is_refused(required_for_superusers, client, superuser):
    client.force_login(superuser)
    device, _ = enrol(client)
    client.logout()
    client.force_login(superuser)
    response = client.post(
        VERIFY, {"otp_token": fresh_code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_role_decides_who_must_use_it(settings, client, make_org, make_user):
    settings.ADMIN_2FA_REQUIRED_FOR = ["superuser", "membership_officer"]
    org = make_org("org-a.example", default=True)
    groups = ensure_site_roles(org.site)
    officer = make_user("officer", groups[SiteRole.MEMBERSHIP_OFFICER])
    editor = make_user("editor", groups[SiteRole.EDITOR])

    client.force_login(officer)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(ENROL)

    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    # Optional for an editor: the account page offers it, and turning it on makes it count.
    response = client.get("/admin/account/")
    assert b"/admin/two-factor/" in response.content
    enrol(client)
    client.logout()
    client.force_login(editor)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_optional_user_can_turn_it_off(settings, client, superuser):
    settings.ADMIN_2FA_REQUIRED_FOR = []
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    enrol(client)
    response = client.post("/admin/two-factor/disable/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=superuser).exists()
    assert not StaticDevice.objects.filter(user=superuser).exists()


def test_required_user_cannot_turn_it_off(required_for_superusers, client, superuser):
    client.force_login(superuser)
    enrol(client)
    client.post("/admin/two-factor/disable/")
    assert TOTPDevice.objects.filter(user=superuser, confirmed=True).exists()


def test_reset_command(required_for_superusers, client, superuser):
    client.force_login(superuser)
    enrol(client)
    call_command("reset_two_factor", "root", verbosity=0)
    assert not TOTPDevice.objects.filter(user=superuser).exists()
    assert not StaticDevice.objects.filter(user=superuser).exists()
    client.logout()
    client.force_login(superuser)
    assert b"data-secret" not in client.get(ENROL).content


def test_screens_are_translated(required_for_superusers, client, superuser):
    client.force_login(superuser)
    client.cookies["language"] = "sq"
    response = client.get(ENROL, HTTP_ACCEPT_LANGUAGE="sq")
    assert "Konfiguroni verifikimin me dy hapa" in response.content.decode()
    assert "Vetëm fjalëkalimi nuk mjafton" in response.content.decode()
    client.cookies["language"] = "en"
    response = client.get(ENROL, HTTP_ACCEPT_LANGUAGE="en")
    assert "Your password alone cannot set it up" in response.content.decode()
    client.cookies["language"] = "sq"
    enrol(client)
    client.logout()
    client.force_login(superuser)
    response = client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="sq")
    assert "Shkruani kodin" in response.content.decode()


def test_anonymous_admin_requests_still_go_to_login(required_for_superusers, client):
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get(ENROL).status_code == 302


def test_the_set_up_link_is_emailed_by_the_task_worker_not_in_the_request(
    required_for_superusers, client, superuser, settings
):
    """No request waits for the mail server: the request queues a task, the worker
    makes the link and sends it; a task for a link replaced since sends nothing."""
    from django_tasks import default_task_backend

    from home.security.twofactor import email_enrolment_link

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    client.force_login(superuser)
    assert LINK_SENT in client.post(ENROL, {"send": "1"}).content
    assert mail.outbox == []
    [queued] = default_task_backend.results
    assert queued.task.name == "email_enrolment_link"
    # The link is made by the worker: the queued task holds only the device's id.
    assert queued.args == [TOTPDevice.objects.get(confirmed=False).pk]
    assert email_enrolment_link.call(*queued.args) is True
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["root@example.org"]
    assert link_from_email().startswith(ENROL)
    TOTPDevice.objects.all().delete()  # replaced by a newer link, or confirmed
    assert email_enrolment_link.call(*queued.args) is False
    assert len(mail.outbox) == 1
