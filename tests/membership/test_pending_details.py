"""What a form says about a known person waits with its sign-up until that sign-up
is confirmed (a form does not prove who typed it). The rule: a person's details
are those of their first confirmed sign-up; later confirmations only fill what is
still empty."""

import pytest
from django.core import mail

from membership.models import SignUp, Supporter
from membership.services import confirm, erase_supporter, person_export, withdraw

from .conftest import (
    confirm_link,
    join_data,
    make_campaign,
    path_of,
    sign_url,
    statement_data,
    volunteer_data,
)
from .test_links import press

pytestmark = pytest.mark.django_db


def confirm_all():
    confirm(SignUp.objects.filter(state=SignUp.State.PENDING).values_list("pk", flat=True))


@pytest.fixture
def known(submit, org):
    """A confirmed signatory with no phone and no year of birth."""
    sq, _ = make_campaign(org)
    submit(sign_url(sq), statement_data(email="arta@example.org", given_name="Arta"))
    confirm_all()
    person = Supporter.objects.get()
    assert person.phone == "" and person.year_of_birth is None
    return person


def test_an_unconfirmed_form_changes_nothing_of_a_known_person(submit, known, join_page):
    before = Supporter.objects.values().get(pk=known.pk)
    response = submit(
        join_page[0],
        join_data(
            email="ARTA@example.org",
            given_name="Someone",
            family_name="Else",
            phone="+383 49 999 999",
            year_of_birth="1970",
        ),
    )
    assert response.status_code == 302
    assert Supporter.objects.values().get(pk=known.pk) == before
    membership = SignUp.objects.get(kind="membership")
    assert membership.state == "pending"
    assert membership.proposed_details["phone"] == "+383 49 999 999"


def test_confirming_applies_what_it_said_without_overwriting_confirmed_details(
    submit, known, join_page
):
    submit(
        join_page[0],
        join_data(
            email="arta@example.org",
            given_name="Someone",
            phone="+383 49 999 999",
            year_of_birth="1970",
        ),
    )
    confirm_all()
    person = Supporter.objects.get()
    assert person.phone == "+383 49 999 999" and person.year_of_birth == 1970  # filled
    assert person.given_name == "Arta"  # confirmed before: kept
    assert SignUp.objects.get(kind="membership").proposed_details == {}


def test_of_two_pending_sign_ups_the_confirmed_one_wins(submit, known, join_page, volunteer_page):
    submit(join_page[0], join_data(email="arta@example.org", phone="+383 44 111 111"))
    submit(volunteer_page[0], volunteer_data(email="arta@example.org", phone="+383 44 222 222"))
    assert Supporter.objects.get().phone == ""
    volunteer = SignUp.objects.get(kind="volunteer")
    confirm([volunteer.pk])
    assert Supporter.objects.get().phone == "+383 44 222 222"
    confirm([SignUp.objects.get(kind="membership").pk])  # later: fills nothing set
    assert Supporter.objects.get().phone == "+383 44 222 222"


def test_details_planted_before_the_owner_confirmed_are_replaced(submit, org, join_page):
    """Someone else signs up with Arta's address first; Arta confirms only her own
    sign-up: the person is what she confirmed, nothing of the other form stays."""
    sq, _ = make_campaign(org)
    submit(
        join_page[0],
        join_data(
            email="arta@example.org",
            given_name="Fake",
            phone="+383 49 666 666",
            year_of_birth="1950",
        ),
    )
    assert Supporter.objects.get().given_name == "Fake"  # a new person starts as typed
    submit(sign_url(sq), statement_data(email="arta@example.org", given_name="Arta"))
    confirm([SignUp.objects.get(kind="signature").pk])
    person = Supporter.objects.get()
    assert (person.given_name, person.phone, person.year_of_birth) == ("Arta", "", None)
    assert person.municipality == "fushe-kosove"


def test_sent_again_before_confirming_the_newest_details_count(submit, known, join_page):
    submit(join_page[0], join_data(email="arta@example.org", phone="+383 44 111 111"))
    submit(join_page[0], join_data(email="arta@example.org", phone="+383 44 333 333"))
    assert SignUp.objects.filter(kind="membership").count() == 1
    confirm_all()
    assert Supporter.objects.get().phone == "+383 44 333 333"


def test_withdrawal_erasure_and_access_requests_cover_waiting_details(submit, known, join_page):
    submit(join_page[0], join_data(email="arta@example.org", phone="+383 44 111 111"))
    membership = SignUp.objects.get(kind="membership")
    export = person_export(Supporter.objects.get())
    item = next(s for s in export["signups"] if s["kind"] == "membership")
    assert item["details_waiting_for_confirmation"]["phone"] == "+383 44 111 111"
    withdraw(known)
    membership.refresh_from_db()
    assert membership.state == "withdrawn" and membership.proposed_details == {}
    submit(join_page[0], join_data(email="arta@example.org", phone="+383 44 111 111"))
    assert SignUp.objects.get(kind="membership").proposed_details
    erase_supporter(Supporter.objects.get())
    assert not SignUp.objects.exclude(proposed_details={}).exists()
    confirm_all()  # an erased person gets nothing back
    assert Supporter.objects.get().phone == ""


def test_an_earlier_link_never_confirms_a_later_form_of_someone_else(
    submit, client, known, join_page
):
    """Arta asks to join (email 1); then someone else sends the same form with her
    address and his phone. Arta's press on email 1 confirms her application, and
    nothing of his form lands on her record: the link confirms what it was sent for."""
    mail.outbox.clear()
    submit(join_page[0], join_data(email="arta@example.org", phone="+383 44 111 111"))
    first = path_of(confirm_link(mail.outbox[0]))
    submit(
        join_page[0],
        join_data(email="arta@example.org", phone="+383 49 666 666", year_of_birth="1950"),
        REMOTE_ADDR="203.0.113.66",
    )
    html = client.get(first, HTTP_HOST=known.site.hostname).content.decode()
    assert press(client, join_page[0].url, html, known.site.hostname).status_code == 302
    person = Supporter.objects.get()
    assert SignUp.objects.get(kind="membership").state == "confirmed"
    assert (person.phone, person.year_of_birth) == ("", None)


def test_the_latest_link_applies_the_details_it_was_sent_for(submit, client, known, join_page):
    mail.outbox.clear()
    submit(join_page[0], join_data(email="arta@example.org", phone="+383 44 111 111"))
    link = path_of(confirm_link(mail.outbox[-1]))
    html = client.get(link, HTTP_HOST=known.site.hostname).content.decode()
    assert press(client, join_page[0].url, html, known.site.hostname).status_code == 302
    assert Supporter.objects.get().phone == "+383 44 111 111"
