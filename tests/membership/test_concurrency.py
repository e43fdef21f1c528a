"""Many submissions at once: no duplicates, nothing lost, no 500.

These run on the configured database: SQLite by default, PostgreSQL when
DATABASE_URL points at one (the tests marked ``postgres`` need it and say so).
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from membership.models import SignUp, Supporter
from membership.services import store_submission

from .conftest import join_data, make_campaign, sign_url, statement_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

is_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it",
)


def run_at_once(jobs):
    """Run the callables in threads released together; returns their results."""
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
        thread.join(120)
    return results


def post_job(url, host, data):
    def job():
        return Client().post(url, data, HTTP_HOST=host).status_code

    return job


def test_fifty_different_people_at_once(org, join_page):
    sq, _ = join_page
    jobs = [
        post_job(sq.url, org.hostname, join_data(email=f"person{n}@example.org")) for n in range(50)
    ]
    results = run_at_once(jobs)
    assert results == [302] * 50, results
    assert Supporter.objects.count() == 50
    assert SignUp.objects.count() == 50
    assert SignUp.objects.filter(email_status=SignUp.EmailStatus.SENT).count() == 50


def test_twenty_identical_submissions_at_once_make_one(org, join_page):
    sq, _ = join_page
    data = join_data(email="same@example.org")
    results = run_at_once([post_job(sq.url, org.hostname, data) for _ in range(20)])
    assert results == [302] * 20, results
    assert Supporter.objects.count() == 1
    assert SignUp.objects.count() == 1


def test_twenty_identical_signatures_at_once_make_one(org):
    sq, _ = make_campaign(org)
    data = statement_data(email="same@example.org")
    results = run_at_once([post_job(sign_url(sq), org.hostname, data) for _ in range(20)])
    assert results == [302] * 20, results
    assert SignUp.objects.filter(kind="signature").count() == 1


@is_postgres
@pytest.mark.postgres
def test_service_level_race_on_postgresql(org, join_page):
    """Straight at the service (no HTTP in between), so the inserts really collide
    on PostgreSQL's unique indexes and get_or_create's recovery path runs."""
    sq, _ = join_page

    def job():
        return store_submission(
            site=org.site,
            page=sq,
            language="sq",
            email="race@example.org",
            person={"given_name": "Race"},
            signups=[
                {"kind": "membership", "consents": [("signup", "Po")]},
                {"kind": "volunteer", "consents": [("signup", "Po")]},
            ],
            notify=False,
        )

    results = run_at_once([job for _ in range(30)])
    assert all(isinstance(r, list) and len(r) == 2 for r in results), results
    assert len({tuple(r) for r in results}) == 1  # everyone got the same two rows
    assert Supporter.objects.count() == 1
    assert SignUp.objects.count() == 2


@is_postgres
@pytest.mark.postgres
def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"
