"""A registration withdrawn by staff in the People area (at the person's request)
follows the person's own withdrawal: the place goes to the first person waiting."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from congress.registrations import Registration
from tests.congress.test_registration import (  # noqa: F401 - fixtures
    _commit_at_once,
    _generous_rate_limit,
    congress,
    register_and_confirm,
    registration_of,
)

pytestmark = pytest.mark.django_db


def test_staff_withdrawing_a_registration_moves_the_waiting_list_up(client, org, congress):  # noqa: F811
    sq, _en = congress  # two places in the hall
    for name in ("ana", "besa", "drita"):
        register_and_confirm(client, sq, org.hostname, email=f"{name}@example.org")
    assert registration_of("drita@example.org").status == Registration.Status.WAITLIST

    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(admin)
    ana = registration_of("ana@example.org")
    url = reverse("membership_signup_withdraw", args=[ana.signup.supporter_id, ana.signup_id])
    assert client.post(url, HTTP_HOST=org.hostname).status_code == 302

    assert registration_of("ana@example.org").status == Registration.Status.CANCELLED
    assert registration_of("drita@example.org").status == Registration.Status.PLACE
