"""Two-factor authentication of admin users: enrolment, verification after login,
recovery codes, and who must use it (ADMIN_2FA_REQUIRED_FOR)."""

import re

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from home.models import SiteRole
from home.roles import ensure_site_roles

# The admin speaks the user's language, Albanian unless they chose another.
NOT_CORRECT = "Ky kod nuk është i saktë".encode()
THROTTLED = "Shumë kode të gabuara".encode()
ENROL = "/admin/two-factor/enrol/"
VERIFY = "/admin/two-factor/verify/"


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


def enrol(client):
    """Set up a TOTP device through the screens; returns (device, recovery codes)."""
    response = client.get(ENROL)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(ENROL, {"otp_token": fresh_code(device)})
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

    response = client.get(ENROL)
    content = response.content.decode()
    assert "<svg" in content and "data-secret" in content
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)
    secret = re.search(r"<code data-secret>([A-Z2-7 ]+)</code>", content).group(1)
    assert len(secret.replace(" ", "")) == 32

    response = client.post(ENROL, {"otp_token": "000000" if code_for(device) != "000000" else "1"})
    assert response.status_code == 200
    assert NOT_CORRECT in response.content
    assert client.get("/admin/pages/").status_code == 302

    device, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=superuser).count() == 10
    assert client.get("/admin/pages/").status_code == 200


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


def test_screens_are_translated(required_for_superusers, client, superuser):
    client.force_login(superuser)
    client.cookies["language"] = "sq"
    response = client.get(ENROL, HTTP_ACCEPT_LANGUAGE="sq")
    assert "Konfiguroni verifikimin me dy hapa" in response.content.decode()
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
