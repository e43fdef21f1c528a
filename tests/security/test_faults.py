"""The database unreachable or read-only: cached public pages keep being served,
everything else gets a translated "try again later" (503, Retry-After) and stores
nothing; the next request after recovery works."""

import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.test.utils import CaptureQueriesContext

from home.security.faults import is_database_fault

from .conftest import HOST

SQ_MESSAGE = "Ju lutemi provoni përsëri pas pak minutash"
EN_MESSAGE = "Please try again in a few minutes"
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def database(down=False, read_only=False):
    """Every statement fails as with a server that went away, or every write fails
    as with a read-only database (SQLite's wording)."""
    original = CursorWrapper._execute
    original_many = CursorWrapper._executemany

    def execute(self, sql, params, *ignore_args):
        if down:
            raise OperationalError("server closed the connection unexpectedly")
        if read_only and sql.lstrip().upper().startswith(WRITES):
            raise OperationalError("attempt to write a readonly database")
        return original(self, sql, params, *ignore_args)

    def executemany(self, sql, param_list, *ignore_args):
        if down or read_only:
            raise OperationalError("server closed the connection unexpectedly")
        return original_many(self, sql, param_list, *ignore_args)

    with (
        mock.patch.object(CursorWrapper, "_execute", execute),
        mock.patch.object(CursorWrapper, "_executemany", executemany),
    ):
        yield


@contextmanager
def postgres_read_only():
    """Inside: the database refuses every write, as a read-only replica or a server
    put into read-only mode would (PostgreSQL only). After: it works again."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-only: needs a read-only transaction (DATABASE_URL=postgres://…)")
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL transaction_read_only = on")
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        transaction.set_rollback(False)


@pytest.fixture
def pages(standard_page):
    return standard_page


def test_cached_pages_are_served_while_the_database_is_down(
    client, pages, django_assert_num_queries, caplog
):
    assert client.get("/sq/rreth-nesh/", HTTP_HOST=HOST)["X-Cache"] == "MISS"
    assert client.get("/sq/rreth-nesh/", HTTP_HOST=HOST)["X-Cache"] == "HIT"

    with database(down=True), django_assert_num_queries(0):
        response = client.get("/sq/rreth-nesh/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["X-Cache"] == "HIT"
    assert b"Rreth nesh" in response.content

    # A page not in the cache: the site's 500 page, which needs no database, asks
    # to come back (Retry-After); the failure is logged.
    client = Client(raise_request_exception=False)
    with database(down=True), caplog.at_level(logging.ERROR):
        response = client.get("/en/about-us/", HTTP_HOST=HOST)
        sq_response = client.get("/sq/search/?q=rreth", HTTP_HOST=HOST)
    assert response.status_code == 500
    assert response["Retry-After"] == "60"
    assert "Please try again in a few minutes" in response.content.decode()
    assert sq_response.status_code == 500
    assert '<html lang="sq">' in sq_response.content.decode()
    assert "server closed the connection" in caplog.text

    # Recovery: the next request works.
    response = client.get("/en/about-us/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert b"About us" in response.content


def test_form_post_while_the_database_is_down_gets_503(client, superuser, password):
    with database(down=True):
        response = client.post(
            "/admin/login/", {"username": "root", "password": password}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 503
    assert EN_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Recovery.
    response = client.post("/admin/login/", {"username": "root", "password": password})
    assert response.status_code == 302


def test_form_post_while_the_database_is_read_only_stores_nothing(superuser, password):
    client = Client(raise_request_exception=False)
    sessions = Session.objects.count()
    with database(read_only=True):
        response = client.post(
            "/admin/login/", {"username": "root", "password": password}, HTTP_ACCEPT_LANGUAGE="sq"
        )
    assert response.status_code == 503
    assert SQ_MESSAGE in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.last_login is None
    assert Session.objects.count() == sessions


def test_faults_outside_a_view_get_503_too(rf):
    """A fault in a middleware (a session saved after the view) does not reach
    process_exception; the 500 handler gives the same 503 page."""
    from home.security.faults import server_error

    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = server_error(rf.post("/sq/join/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_ordinary_errors_still_give_the_500_page(rf):
    from home.security.faults import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500


def test_classification_of_database_errors():
    from django.db import IntegrityError, InterfaceError, InternalError

    assert is_database_fault(OperationalError("connection refused"))
    assert is_database_fault(InterfaceError("connection already closed"))
    assert is_database_fault(InternalError("cannot execute INSERT in a read-only transaction"))
    assert not is_database_fault(IntegrityError("duplicate key"))
    assert not is_database_fault(InternalError("something else"))
    assert not is_database_fault(ValueError("no"))


@pytest.mark.postgres
def test_postgres_read_only_transaction(client, superuser, password, pages):
    client = Client(raise_request_exception=False)
    with postgres_read_only():
        response = client.post(
            "/admin/login/", {"username": "root", "password": password}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 503
    assert EN_MESSAGE in response.content.decode()
    assert response["Retry-After"] == "60"
    # Nothing was written, and the database works again.
    superuser.refresh_from_db()
    assert superuser.last_login is None
    response = client.post("/admin/login/", {"username": "root", "password": password})
    assert response.status_code == 302
    superuser.refresh_from_db()
    assert superuser.last_login is not None


@pytest.fixture
def join_page(settings, org):
    membership = pytest.importorskip("membership.models")
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    page, _ = org.add_page(
        membership.JoinPage(
            title="Bëhu anëtar", slug="behu-anetar", consent_text="Po.", thank_you="Faleminderit!"
        )
    )
    return page


def sign_up_rows():
    from membership.models import SignUp, Supporter

    return Supporter.objects.count(), SignUp.objects.count()


@pytest.mark.parametrize("fault", ["down", "read_only"])
def test_sign_up_while_the_database_fails_gets_503_and_stores_nothing(join_page, fault):
    from tests.membership.conftest import join_data

    client = Client(raise_request_exception=False)
    url = join_page.url
    with database(down=fault == "down", read_only=fault == "read_only"):
        response = client.post(url, join_data(), HTTP_HOST=HOST)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert SQ_MESSAGE in response.content.decode()
    assert sign_up_rows() == (0, 0)
    # Recovery: the same sign-up now goes through, whole.
    response = client.post(join_page.url, join_data(), HTTP_HOST=HOST)
    assert response.status_code == 302
    assert sign_up_rows() == (1, 1)


def test_sign_up_failing_half_way_keeps_nothing(join_page):
    """The database goes away between the person and their sign-up."""
    from tests.membership.conftest import join_data

    original = CursorWrapper._execute

    def execute(self, sql, params, *args):
        if sql.lstrip().upper().startswith("INSERT") and "membership_signup" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return original(self, sql, params, *args)

    client = Client(raise_request_exception=False)
    url = join_page.url
    with (
        mock.patch.object(CursorWrapper, "_execute", execute),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.post(url, join_data(), HTTP_HOST=HOST)
    assert response.status_code == 503
    # The person was inserted first; the transaction took them back out.
    assert any("INSERT" in q["sql"] and "membership_supporter" in q["sql"] for q in queries)
    assert sign_up_rows() == (0, 0)


@pytest.mark.postgres
def test_postgres_read_only_sign_up(join_page):
    from tests.membership.conftest import join_data

    client = Client(raise_request_exception=False)
    with postgres_read_only():
        response = client.post(join_page.url, join_data(), HTTP_HOST=HOST)
    assert response.status_code == 503
    assert sign_up_rows() == (0, 0)
    response = client.post(join_page.url, join_data(), HTTP_HOST=HOST)
    assert response.status_code == 302
    assert sign_up_rows() == (1, 1)
