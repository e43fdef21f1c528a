"""Check-in at the door (search by name, check in, undo, without JavaScript),
walk-ins, and the attendance counts in a congress page's outcomes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from congress.attendance import ATTENDANCE_MAX_AGE, attendance_context
from congress.registration_admin import counts
from congress.registrations import Registration
from congress.timing import AFTER, BEFORE, LIVE
from membership.records import ConsentRecord, SignUp, Supporter
from tests.congress import test_registration_admin as admin_tests

START = admin_tests.START
register = admin_tests.register
staff_user = admin_tests.staff_user
# The same sites, congresses and staff as the list's tests.
two_sites = admin_tests.two_sites
staff = admin_tests.staff

pytestmark = pytest.mark.django_db


def checkin_url(page):
    return reverse("congress_checkin", args=[page.pk])


def walk_in_url(page):
    return reverse("congress_walk_in", args=[page.pk])


@pytest.fixture
def door(two_sites):
    a = two_sites["page_a"]
    return {
        "arta": register(a, "Arta", "Krasniqi", "arta@example.org"),
        "besa": register(a, "Besa", "Gashi", "besa@example.org", status="waitlist"),
        "cancelled": register(a, "Cene", "Dushi", "cene@example.org", status="cancelled"),
        "pending": register(a, "Pend", "Pritja", "pend@example.org", status="pending"),
        "b": register(two_sites["page_b"], "Sekretb", "Sekretb", "sb@example.org"),
    }


def test_the_door_list_shows_who_may_come(client, staff, two_sites, door):
    response = client.get(checkin_url(two_sites["page_a"]))
    assert response.status_code == 200
    assert [r.pk for r in response.context["people"]] == [door["arta"].pk]
    assert [r.pk for r in response.context["waiting"]] == [door["besa"].pk]
    body = response.content.decode()
    # The staff's language here is Albanian: the two sections and each button's status.
    assert 'id="checkin-waiting"' in body and "Në sallë, me vend" in body
    assert "(ka vend)" in body and "(në listën e pritjes)" in body
    assert "Sekretb" not in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert f'id="r{door["arta"].pk}"' in body


def test_search_by_name(client, staff, two_sites, door):
    response = client.get(checkin_url(two_sites["page_a"]), {"q": "gash"})
    assert [r.pk for r in response.context["waiting"]] == [door["besa"].pk]
    assert response.context["people"] == []
    response = client.get(checkin_url(two_sites["page_a"]), {"q": "nobody"})
    assert response.context["people"] == []


def test_the_list_is_one_query_however_many_people(client, staff, two_sites, door):
    page = two_sites["page_a"]
    client.get(checkin_url(page))  # sessions, permissions cached
    with CaptureQueriesContext(connection) as few:
        client.get(checkin_url(page))
    for n in range(15):
        register(page, f"Emri{n}", f"Mbiemri{n}", f"p{n}@example.org")
    with CaptureQueriesContext(connection) as many:
        response = client.get(checkin_url(page))
    assert len(response.context["people"]) == 16
    assert len(response.context["waiting"]) == 1
    assert len(many) == len(few)
    registration_queries = [
        q for q in many.captured_queries if 'FROM "congress_registration"' in q["sql"]
    ]
    assert len(registration_queries) == 1


def test_check_in_and_undo(client, staff, two_sites, door):
    page = two_sites["page_a"]
    arta = door["arta"]
    response = client.post(checkin_url(page), {"registration": arta.pk, "action": "in", "q": "ar"})
    assert response.status_code == 302
    assert response["Location"] == f"{checkin_url(page)}?q=ar#r{arta.pk}"
    arta.refresh_from_db()
    assert arta.checked_in_at is not None
    assert arta.checked_in_by == staff
    first = arta.checked_in_at
    # Twice (a double tap): the first time stands.
    client.post(checkin_url(page), {"registration": arta.pk, "action": "in"})
    arta.refresh_from_db()
    assert arta.checked_in_at == first
    page_after = client.get(checkin_url(page)).content.decode()
    assert 'value="undo"' in page_after

    client.post(checkin_url(page), {"registration": arta.pk, "action": "undo"})
    arta.refresh_from_db()
    assert arta.checked_in_at is None and arta.checked_in_by is None


def test_check_in_refuses_what_is_not_at_this_door(client, staff, two_sites, door):
    page = two_sites["page_a"]
    online = register(page, "Onla", "Inë", "online@example.org", mode="online")
    for registration in (door["b"], door["cancelled"], door["pending"], online):
        response = client.post(checkin_url(page), {"registration": registration.pk})
        assert response.status_code == 404
        registration.refresh_from_db()
        assert registration.checked_in_at is None
    # Rubbish: a message, nothing changes, no error.
    response = client.post(checkin_url(page), {"registration": "x"}, follow=True)
    assert response.status_code == 200
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()
    # B's congress through A's staff: not found.
    response = client.post(checkin_url(two_sites["page_b"]), {"registration": door["b"].pk})
    assert response.status_code == 404
    assert client.get(checkin_url(two_sites["page_b"])).status_code == 404
    assert client.get(walk_in_url(two_sites["page_b"])).status_code == 404


def test_check_in_needs_csrf(two_sites, door):
    from django.test import Client

    user = staff_user(two_sites["site_a"], username="csrf-staff")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(checkin_url(two_sites["page_a"]), {"registration": door["arta"].pk})
    assert response.status_code == 403
    door["arta"].refresh_from_db()
    assert door["arta"].checked_in_at is None


def test_other_roles_cannot_check_in(client, two_sites, door):
    from home.models import SiteRole

    editor = staff_user(two_sites["site_a"], role=SiteRole.EDITOR, username="editor")
    client.force_login(editor)
    response = client.post(checkin_url(two_sites["page_a"]), {"registration": door["arta"].pk})
    assert response.status_code in (302, 403)
    door["arta"].refresh_from_db()
    assert door["arta"].checked_in_at is None
    other = staff_user(two_sites["site_b"], username="staff-b")
    client.force_login(other)
    response = client.post(checkin_url(two_sites["page_a"]), {"registration": door["arta"].pk})
    assert response.status_code == 404
    response = client.post(
        walk_in_url(two_sites["page_a"]), {"given_name": "X", "family_name": "Y"}
    )
    assert response.status_code == 404
    assert not Supporter.objects.filter(given_name="X").exists()


def test_walk_in_without_an_address(client, staff, two_sites):
    page = two_sites["page_a"]
    page.registration_consent_text = "Pajtohem që të dhënat të ruhen për kongresin."
    page.save()
    form = client.get(walk_in_url(page))
    assert form.status_code == 200
    assert "Pajtohem që të dhënat" in form.content.decode()
    response = client.post(
        walk_in_url(page),
        {"given_name": "Lule", "family_name": "Morina", "organisation": "OJQ", "consent": "on"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get(signup__supporter__given_name="Lule")
    assert registration.walk_in
    assert registration.status == Registration.Status.PLACE
    assert registration.mode == Registration.Mode.IN_PERSON
    assert registration.checked_in_at is not None and registration.checked_in_by == staff
    assert registration.organisation == "OJQ"
    assert registration.congress_id == page.pk
    signup = registration.signup
    assert signup.state == SignUp.State.CONFIRMED
    assert signup.source == SignUp.Source.PAPER and signup.entered_by == staff
    assert signup.supporter.email is None
    consent = ConsentRecord.objects.get(signup=signup)
    assert consent.text == page.registration_consent_text
    assert response["Location"].endswith(f"#r{registration.pk}")


def test_walk_in_refuses_bad_input(client, staff, two_sites):
    page = two_sites["page_a"]
    page.registration_consent_text = "Pajtohem."
    page.save()
    response = client.post(
        walk_in_url(page), {"given_name": "", "family_name": "M", "email": "not-an-address"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="id_given_name_error"' in body
    assert 'id="id_given_name_error"' in body
    assert set(response.context["form"].errors) == {"given_name", "email", "consent"}
    assert not Registration.objects.exists()
    assert not Supporter.objects.filter(family_name="M").exists()


def test_walk_in_with_the_address_of_a_registration(client, staff, two_sites):
    """Someone on the waiting list comes to the door: the same registration gets the
    place and the check-in, not a second one."""
    page = two_sites["page_a"]
    waiting = register(page, "Besa", "Gashi", "besa@example.org", status="waitlist", mode="online")
    response = client.post(
        walk_in_url(page),
        {"given_name": "Besa", "family_name": "Gashi", "email": "BESA@example.org"},
    )
    assert response.status_code == 302
    assert Registration.objects.count() == 1
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.PLACE
    assert waiting.mode == Registration.Mode.IN_PERSON
    assert waiting.checked_in_at is not None
    assert not waiting.walk_in


def test_checking_in_someone_waiting_gives_a_place(client, staff, two_sites, door):
    """Someone on the waiting list who is let in at the door has a place: the hall's
    count says so, and the waiting list will not move them up later."""
    page = two_sites["page_a"]
    besa = door["besa"]
    response = client.post(checkin_url(page), {"registration": besa.pk, "action": "in"})
    assert response.status_code == 302
    besa.refresh_from_db()
    assert besa.status == Registration.Status.PLACE
    assert besa.checked_in_at is not None and besa.checked_in_by == staff
    counted = {row["mode"]: row for row in counts(page)}
    assert counted["in_person"]["places"] == 2 and counted["in_person"]["waitlist"] == 0
    # Undo takes back the check-in, not the place (it was used).
    client.post(checkin_url(page), {"registration": besa.pk, "action": "undo"})
    besa.refresh_from_db()
    assert besa.status == Registration.Status.PLACE and besa.checked_in_at is None


def test_walk_in_frees_a_place_in_the_other_mode(client, staff, two_sites):
    """An online registration with a place walks in: the online place goes to the
    first on the online waiting list, and a pending change is dropped."""
    page = two_sites["page_a"]
    page.online_places = 1
    page.save()
    online = register(
        page, "Dita", "Hoxha", "dita@example.org", mode="online", proposed={"role": "x"}
    )
    waiting = register(page, "Ema", "Berisha", "ema@example.org", mode="online", status="waitlist")
    response = client.post(
        walk_in_url(page),
        {"given_name": "Dita", "family_name": "Hoxha", "email": "dita@example.org"},
    )
    assert response.status_code == 302
    online.refresh_from_db()
    waiting.refresh_from_db()
    assert online.mode == Registration.Mode.IN_PERSON
    assert online.status == Registration.Status.PLACE
    assert online.proposed == {}
    assert online.checked_in_at is not None
    assert waiting.status == Registration.Status.PLACE
    assert waiting.emails.filter(message="moved_up").exists()


def test_walk_in_revives_a_withdrawn_sign_up_with_its_consent(client, staff, two_sites):
    page = two_sites["page_a"]
    page.registration_consent_text = "Pajtohem përsëri."
    page.save()
    gone = register(page, "Fati", "Kelmendi", "fati@example.org", status="cancelled")
    SignUp.objects.filter(pk=gone.signup_id).update(state=SignUp.State.WITHDRAWN)
    response = client.post(
        walk_in_url(page),
        {
            "given_name": "Fati",
            "family_name": "Kelmendi",
            "email": "fati@EXAMPLE.org",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.status == Registration.Status.PLACE and gone.checked_in_at is not None
    signup = SignUp.objects.get(pk=gone.signup_id)
    assert signup.state == SignUp.State.CONFIRMED and signup.withdrawn_at is None
    assert ConsentRecord.objects.filter(signup=signup, text="Pajtohem përsëri.").exists()
    assert Registration.objects.count() == 1


# -- attendance in the outcomes -------------------------------------------------------


class FakeRequest:
    pass


def test_attendance_counts(two_sites, door):
    page, page_en = two_sites["page_a"], two_sites["page_a_en"]
    register(page, "Era", "Berisha", "era@example.org", mode="online")
    Registration.objects.filter(pk=door["arta"].pk).update(checked_in_at=START)
    assert attendance_context(page, BEFORE) == {}
    request = FakeRequest()
    context = attendance_context(page_en, LIVE, request)  # the translation counts too
    attendance = context["attendance"]
    modes = {row["mode"]: row for row in attendance["modes"]}
    assert modes["in_person"]["registered"] == 1
    assert modes["in_person"]["checked_in"] == 1
    assert modes["online"]["registered"] == 1
    assert attendance["registered"] == 2 and attendance["checked_in"] == 1
    assert request.page_cache_max_seconds == ATTENDANCE_MAX_AGE
    assert attendance_context(page, AFTER)["attendance"]["checked_in"] == 1


def test_no_registrations_no_attendance(two_sites):
    request = FakeRequest()
    assert attendance_context(two_sites["page_b"], AFTER, request) == {}
    # Nothing to count and registration off: the page cache is left alone.
    assert not hasattr(request, "page_cache_max_seconds")


@pytest.mark.parametrize("language", ["sq", "en"])
def test_outcomes_show_attendance_after_the_congress(
    client, clock, nothing_cached, two_sites, door, language
):
    page = two_sites["page_a"] if language == "sq" else two_sites["page_a_en"]
    Registration.objects.filter(pk=door["arta"].pk).update(checked_in_at=START)
    clock.set(START - timedelta(days=1))
    before = client.get(page.url).content.decode()
    assert 'class="congress-attendance"' not in before
    clock.set(START + timedelta(days=1))
    after = client.get(page.url)
    assert after.status_code == 200
    body = after.content.decode()
    assert 'class="congress-attendance"' in body
    assert 'id="outcomes"' in body
    heading = "Pjesëmarrja" if language == "sq" else "Attendance"
    assert heading in body
