"""Destructive actions in People are asked first: GET shows what would happen and a
button (a plain form, no JavaScript), only its POST acts; another organisation's
officer gets a 404 either way; the POST-only buttons refuse GET."""

import re

import pytest
from django.urls import reverse

from membership.models import AuditEntry, SignUp

from .test_admin import add_person, assert_denied, assert_not_found

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, org_b, join_page):
    a = add_person(org.site, join_page[0], "person-a@example.org", given_name="Arta")
    b = add_person(org_b.site, org_b.home_sq, "person-b@example.org", given_name="Besa")
    return a, b


def withdraw_url(person):
    return reverse("membership_signup_withdraw", args=[person.pk, person.signups.get().pk])


def erase_url(person):
    return reverse("membership_person_erase", args=[person.pk])


def confirmation_form(html, action):
    """The page's POST form to ``action`` (or to itself), with its CSRF token."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S)
    for attrs, body in forms:
        target = re.search(r'action="([^"]*)"', attrs)
        if 'method="post"' in attrs and (target is None or target.group(1) == action):
            if "csrfmiddlewaretoken" in body and 'type="submit"' in body:
                return body
    return None


def test_the_person_page_links_to_the_confirmations_and_posts_nothing_destructive(
    client, staff, people
):
    a, _ = people
    client.force_login(staff["officer_a"])
    html = client.get(reverse("membership_person", args=[a.pk])).content.decode()
    assert f'href="{withdraw_url(a)}"' in html
    assert f'href="{erase_url(a)}"' in html
    assert confirmation_form(html, withdraw_url(a)) is None
    assert confirmation_form(html, erase_url(a)) is None


def test_withdraw_asks_first_and_acts_only_on_post(client, staff, people):
    a, _ = people
    client.force_login(staff["officer_a"])
    url = withdraw_url(a)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mark this sign-up as withdrawn" in html
    assert confirmation_form(html, url) is not None
    assert reverse("membership_person", args=[a.pk]) in html  # Cancel
    signup = a.signups.get()
    assert signup.state == "confirmed" and signup.withdrawn_at is None

    done = client.post(url)
    assert done.status_code == 302
    assert done["Location"] == reverse("membership_person", args=[a.pk])
    signup.refresh_from_db()
    assert signup.state == "withdrawn" and signup.withdrawn_at
    # Asked again: it is withdrawn already, nothing to confirm, nothing changes.
    withdrawn_at = signup.withdrawn_at
    again = client.get(url)
    assert again.status_code == 302
    client.post(url)
    signup.refresh_from_db()
    assert signup.withdrawn_at == withdrawn_at


def test_erase_asks_first_and_acts_only_on_post(client, staff, people):
    a, _ = people
    client.force_login(staff["officer_a"])
    page = client.get(erase_url(a))
    assert page.status_code == 200
    assert confirmation_form(page.content.decode(), erase_url(a)) is not None
    a.refresh_from_db()
    assert not a.is_erased and not AuditEntry.objects.filter(action="erase").exists()
    assert client.post(erase_url(a)).status_code == 302
    a.refresh_from_db()
    assert a.is_erased
    assert client.get(erase_url(a)).status_code == 302  # erased already: nothing to ask


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisations_officer_gets_404_on_every_destructive_action(
    client, staff, people, method
):
    a, b = people
    client.force_login(staff["officer_b"])
    for url in (withdraw_url(a), erase_url(a)):
        response = getattr(client, method)(url)
        assert_not_found(client, response, a)
        assert "Arta" not in response.content.decode()
    a.refresh_from_db()
    assert not a.is_erased and a.signups.get().state == "confirmed"
    # Their own person's sign-up under the other person's URL: not found either.
    mixed = reverse("membership_signup_withdraw", args=[a.pk, b.signups.get().pk])
    assert_not_found(client, getattr(client, method)(mixed), a)
    assert b.signups.get().state == "confirmed"


@pytest.mark.parametrize("user", ["editor_a", "events_a", "translator_a"])
def test_staff_without_the_role_are_denied(client, staff, people, user):
    a, _ = people
    client.force_login(staff[user])
    for url in (withdraw_url(a), erase_url(a)):
        assert_denied(client.get(url))
        assert_denied(client.post(url))
    a.refresh_from_db()
    assert not a.is_erased and a.signups.get().state == "confirmed"


def test_post_only_buttons_refuse_get_and_confirmations_refuse_other_methods(client, staff, people):
    a, _ = people
    SignUp.objects.filter(supporter=a).update(state="pending", email_status="failed")
    client.force_login(staff["officer_a"])
    for url in (
        reverse("membership_person_resend", args=[a.pk]),
        reverse("membership_people_resend"),
    ):
        assert client.get(url).status_code == 405
    assert SignUp.objects.get(supporter=a).email_status == "failed"
    for url in (withdraw_url(a), erase_url(a)):
        assert client.put(url).status_code == 405
        assert client.delete(url).status_code == 405
    a.refresh_from_db()
    assert not a.is_erased and a.signups.get().state == "pending"
