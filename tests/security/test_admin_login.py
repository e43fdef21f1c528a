"""Brute-force protection of the admin login (django-axes through Wagtail's view)."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

LOGIN = "/admin/login/"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def attempt(client, username, password, address="203.0.113.5", language="en"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_lockout_after_failures_for_the_user_and_address(axes_on, client, superuser, password):
    for _ in range(2):
        response = attempt(client, "root", "wrong")
        assert response.status_code == 200  # Wagtail's form with its error
    response = attempt(client, "root", "wrong")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert b"30 minutes" in response.content

    # Locked: even the right password is refused now from that address.
    response = attempt(client, "root", password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    # Another address, or another user name from the same address, is not locked.
    assert attempt(Client(), "root", password, address="198.51.100.7").status_code == 302
    assert attempt(Client(), "someone", "wrong").status_code == 200


def test_lockout_message_is_translated(axes_on, client, superuser):
    for _ in range(3):
        response = attempt(client, "root", "wrong", language="sq")
    assert response.status_code == 429
    content = response.content.decode()
    assert "Shumë përpjekje të dështuara" in content
    assert 'lang="sq"' in content


def test_unlock_command(axes_on, client, superuser, password):
    for _ in range(3):
        attempt(client, "root", "wrong")
    assert attempt(client, "root", password).status_code == 429
    call_command("axes_reset_username", "root", verbosity=0)
    assert attempt(client, "root", password).status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)


def test_success_resets_the_count(axes_on, client, superuser, password):
    attempt(client, "root", "wrong")
    attempt(client, "root", "wrong")
    assert attempt(client, "root", password).status_code == 302
    client.logout()
    attempt(client, "root", "wrong")
    attempt(client, "root", "wrong")
    assert attempt(client, "root", password).status_code == 302


def test_forwarded_address_is_trusted_only_behind_configured_proxies(axes_on, superuser):
    def spoofed(forwarded):
        return Client().post(
            LOGIN,
            {"username": "root", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    axes_on.TRUSTED_PROXY_COUNT = 0
    # A client inventing a new X-Forwarded-For on each try does not escape the count.
    for number in range(3):
        response = spoofed(f"192.0.2.{number}")
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "10.0.0.1"


def test_login_with_client_login_is_unaffected_when_axes_is_off(client, superuser, password):
    # The test settings turn axes off so the suite's client.login() keeps working.
    assert client.login(username="root", password=password)
