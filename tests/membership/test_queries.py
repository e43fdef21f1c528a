"""The SQL cost of a valid sign-up (the target: 100 sign-ups per second on PostgreSQL
with two workers). The figures include Wagtail's routing of the page (site, locale,
pages, view restrictions), the transaction and the confirmation email (sent in the
request by the immediate task backend). Before this work: 33 (join) and 34
(statement). Raise these only with a reason."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from membership.models import ConsentRecord, SignUp, Supporter

from .conftest import join_data, make_campaign, statement_data

MAX_JOIN_QUERIES = 20
MAX_STATEMENT_QUERIES = 20


def test_a_valid_join_post_stays_within_its_query_budget(submit, org, join_page):
    sq, _ = join_page
    submit(sq, join_data(email="warm-up@example.org"))  # fills Wagtail's caches
    with CaptureQueriesContext(connection) as queries:
        response = submit(sq, join_data())
    assert response.status_code == 302
    assert len(queries) <= MAX_JOIN_QUERIES, "\n".join(q["sql"] for q in queries)
    signup = SignUp.objects.get(supporter__email="arta@example.org")
    assert signup.email_status == SignUp.EmailStatus.SENT
    assert ConsentRecord.objects.get(signup=signup).revision_id == sq.live_revision_id


def test_a_valid_statement_post_stays_within_its_query_budget(submit, org):
    sq, _ = make_campaign(org)
    submit(sq, statement_data(email="warm-up@example.org"))
    with CaptureQueriesContext(connection) as queries:
        response = submit(sq, statement_data())
    assert response.status_code == 302
    assert len(queries) <= MAX_STATEMENT_QUERIES, "\n".join(q["sql"] for q in queries)
    assert Supporter.objects.filter(email="drita@example.org").count() == 1


def test_a_known_person_signing_again_costs_no_more_and_adds_nothing(submit, org):
    sq, en = make_campaign(org)
    submit(sq, statement_data())
    with CaptureQueriesContext(connection) as queries:
        response = submit(en, statement_data())
    assert response.status_code == 302
    assert len(queries) <= MAX_STATEMENT_QUERIES + 1
    assert SignUp.objects.count() == 1 and ConsentRecord.objects.count() == 1
