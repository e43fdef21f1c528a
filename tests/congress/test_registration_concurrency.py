"""Many confirmations at once for the last places: exactly as many places as are
left, everybody else on the waiting list, nothing lost, no error.

These run on the configured database: SQLite by default, PostgreSQL when
DATABASE_URL points at one (the CI runs them on both); the test marked
``is_postgres`` needs PostgreSQL and says so.
"""

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from congress.registration_forms import registration_signup
from congress.registrations import Registration, RegistrationEmail
from membership.models import SignUp
from membership.services import confirm, store_submission, withdraw

from .conftest import kosovo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

is_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it",
)


def run_at_once(jobs):
    """Run the callables in threads released together, each on its own database
    connection; returns their results (or the exception each raised)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return results


def pending_registrations(org, page, count, prefix="p", mode="in_person"):
    ids = []
    for n in range(count):
        ids += store_submission(
            site=org.site,
            page=page,
            language="sq",
            email=f"{prefix}{n}@example.org",
            person={"given_name": f"Person {n}", "family_name": "Shembulli"},
            signups=[registration_signup(page, mode=mode, consent="Pajtohem.")],
            notify=False,
        )
    return ids


@pytest.fixture
def full_but_ten(org, make_congress):
    """A congress with 15 places in the hall, 5 of them taken."""
    page, _en = make_congress(
        start=kosovo(2031, 5, 23, 10, 0),
        registration_enabled=True,
        in_person_places=15,
        online_places=None,
        registration_consent_text="Pajtohem.",
    )
    confirm(pending_registrations(org, page, 5, prefix="early"), site=org.site)
    assert Registration.objects.filter(status="place").count() == 5
    return page


def assert_places(page, places, waiting):
    counts = {
        status: Registration.objects.filter(congress=page, mode="in_person", status=status).count()
        for status in ("place", "waitlist", "pending")
    }
    assert counts == {"place": places, "waitlist": waiting, "pending": 0}, counts


def test_fifty_confirmations_for_the_last_ten_places(org, full_but_ten):
    page = full_but_ten
    ids = pending_registrations(org, page, 50)
    mail.outbox.clear()
    results = run_at_once([lambda pk=pk: confirm([pk], site=org.site) for pk in ids])
    assert all(result == {SignUp.Kind.REGISTRATION} for result in results), results
    assert_places(page, 15, 40)
    assert SignUp.objects.filter(pk__in=ids, state="confirmed").count() == 50
    # Each one was told, once.
    emails = RegistrationEmail.objects.filter(registration__signup_id__in=ids)
    assert emails.filter(message="place").count() == 10
    assert emails.filter(message="waitlist").count() == 40
    # The waiting list keeps the order of the confirmations.
    order = list(
        Registration.objects.filter(status="waitlist").values_list("status_changed_at", flat=True)
    )
    assert order == sorted(order)


def test_cancellations_and_confirmations_at_once_never_overfill(org, full_but_ten):
    page = full_but_ten
    ids = pending_registrations(org, page, 20)
    confirm(ids[:10], site=org.site)
    assert Registration.objects.filter(status="place").count() == 15
    early = [r.signup.supporter for r in Registration.objects.filter(status="place")[:5]]
    jobs = [lambda pk=pk: confirm([pk], site=org.site) for pk in ids[10:]]
    jobs += [lambda s=s: withdraw(s, page.pk) for s in early]
    results = run_at_once(jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    # 5 places freed and given to the waiting list: still 15 places, 5 waiting.
    assert_places(page, 15, 5)


@is_postgres
def test_on_postgresql_the_congress_row_is_locked(org, full_but_ten):
    """The same 50 at once on PostgreSQL, where transactions run truly in parallel."""
    page = full_but_ten
    ids = pending_registrations(org, page, 50, prefix="pg")
    results = run_at_once([lambda pk=pk: confirm([pk], site=org.site) for pk in ids])
    assert all(result == {SignUp.Kind.REGISTRATION} for result in results), results
    assert_places(page, 15, 40)
