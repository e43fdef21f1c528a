"""Brute-force protection of the admin login (django-axes through Wagtail's view):
per user name and address, per address and per account (home/security/lockout.py)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

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

    # The address is locked for every user name, and the account from new addresses.
    assert attempt(Client(), "someone", "wrong").status_code == 429
    assert attempt(Client(), "root", password, address="198.51.100.7").status_code == 429


def test_lockout_message_is_translated(axes_on, client, superuser):
    for _ in range(3):
        response = attempt(client, "root", "wrong", language="sq")
    assert response.status_code == 429
    content = response.content.decode()
    assert "Shumë përpjekje të dështuara" in content
    assert "nuk e zgjasin" in content
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


def test_one_address_guessing_many_accounts_is_locked(axes_on, client, superuser, make_user):
    for number in range(3):
        response = attempt(Client(), f"user{number}", "wrong")
    assert response.status_code == 429
    # Every account from that address now, the right password included.
    assert attempt(Client(), "root", "a-long-test-password-1").status_code == 429
    assert attempt(Client(), "user9", "wrong").status_code == 429
    # Another address is not affected.
    assert attempt(Client(), "user9", "wrong", address="198.51.100.7").status_code == 200


def test_many_addresses_guessing_one_account_are_locked(axes_on, superuser, password):
    for number in range(3):
        response = attempt(Client(), "root", "wrong", address=f"198.51.100.{number}")
    assert response.status_code == 429
    assert attempt(Client(), "root", password, address="198.51.100.99").status_code == 429
    # Other accounts from those addresses are not.
    assert attempt(Client(), "someone", "wrong", address="198.51.100.99").status_code == 200


def test_the_owner_still_gets_in_from_where_they_signed_in_before(axes_on, superuser, password):
    home = "203.0.113.80"
    assert attempt(Client(), "root", password, address=home).status_code == 302
    for number in range(3):
        attempt(Client(), "root", "wrong", address=f"198.51.100.{number}")
    assert attempt(Client(), "root", password, address="198.51.100.99").status_code == 429
    # The account lock does not reach the owner's usual address ...
    assert attempt(Client(), "root", password, address=home).status_code == 302
    # ... where the name-and-address count still applies.
    for _ in range(3):
        response = attempt(Client(), "root", "wrong", address=home)
    assert response.status_code == 429


def test_a_success_does_not_reset_the_count_of_the_address(axes_on, superuser, make_user, password):
    make_user("mallory")
    attempt(Client(), "root", "wrong")
    attempt(Client(), "root", "wrong")
    # Signing in to one's own account from the same address clears one's own count only.
    assert attempt(Client(), "mallory", password).status_code == 302
    assert attempt(Client(), "someone", "wrong").status_code == 429
    assert attempt(Client(), "root", password).status_code == 429


def test_trying_during_a_lockout_does_not_prolong_it(axes_on, superuser):
    for _ in range(3):
        attempt(Client(), "root", "wrong")
    before = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    for _ in range(3):
        assert attempt(Client(), "root", "wrong").status_code == 429
    after = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    assert after == before


def test_the_lock_ends_after_the_cool_off(axes_on, superuser, password):
    for number in range(3):
        attempt(Client(), "root", "wrong", address=f"198.51.100.{number}")
    assert attempt(Client(), "root", password, address="198.51.100.99").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert attempt(Client(), "root", password, address="198.51.100.99").status_code == 302
