"""The SQL cost of the membership pages and of a valid sign-up.

Pages: with no cache at all (Django's DummyCache: no page cache, no Wagtail site or
root-path cache), the join and volunteer pages and a statement's sign page render
in at most 25 queries, the same number with 3 or 15 volunteer areas. The count is
of the whole request: Wagtail's routing, the frame (header, menu, footer) and the
page's own data.

Sign-ups (the target: 100 per second on PostgreSQL with two workers): the figures
include the routing, the transaction and the confirmation email (sent in the request
by the immediate task backend) and the link tokens the email carries (one insert).
Two rate limits are counted per sign-up (per client address, per recipient): in
Redis they cost no SQL; without Redis each is one statement, plus the deletion of
ended windows when a key is first seen in its window. Raise these only with a
reason."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from membership.models import ConsentRecord, SignUp, Supporter, VolunteerArea

from .conftest import join_data, make_campaign, sign_url, statement_data

MAX_PAGE_QUERIES = 25
# Three rate-limit keys (address and email, address, email sent), each first seen in
# its window: three counts and three deletions.
RATE_LIMIT_QUERIES = 0 if settings.CACHES["default"]["BACKEND"].startswith("django_redis") else 6
# 23: the email is sent in the request here (immediate task backend), and its sender
# first claims it with one conditional UPDATE so that no other sender sends it too;
# and the languages the site offers are read before the view (LanguagePrefixMiddleware).
MAX_JOIN_QUERIES = 23 + RATE_LIMIT_QUERIES
MAX_STATEMENT_QUERIES = 23 + RATE_LIMIT_QUERIES
SIZES = (3, 15)


def count_queries(client, url, host):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=host)
    assert response.status_code == 200
    return len(queries), response


def add_areas(rules, start, stop):
    locales = list(Locale.objects.filter(language_code__in=["sq", "en"]))
    VolunteerArea.objects.bulk_create(
        [
            VolunteerArea(
                settings=rules, key=f"area-{n}", locale=locale, name=f"Fusha {n}", sort_order=n
            )
            for n in range(start, stop)
            for locale in locales
        ]
    )


@pytest.mark.parametrize("language", ["sq", "en"])
@pytest.mark.parametrize("kind", ["join", "volunteer"])
def test_form_pages_render_cold_in_a_flat_number_of_queries(
    client, org, rules, join_page, volunteer_page, nothing_cached, language, kind
):
    pages = join_page if kind == "join" else volunteer_page
    page = pages[0] if language == "sq" else pages[1]
    counts = {}
    made = 0
    for size in SIZES:
        add_areas(rules, made, size)
        made = size
        client.get(page.url, HTTP_HOST=org.hostname)  # image renditions and the like
        counts[size], response = count_queries(client, page.url, org.hostname)
        if kind == "volunteer":
            assert response.content.decode().count('name="areas"') == size + 2
    assert all(count <= MAX_PAGE_QUERIES for count in counts.values()), counts
    assert counts[SIZES[0]] == counts[SIZES[1]], counts


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_sign_page_renders_cold_in_a_flat_number_of_queries(
    client, submit, org, nothing_cached, language
):
    sq, en = make_campaign(org, threshold=1)
    url = sign_url(sq if language == "sq" else en)
    counts = {}
    signed = 0
    for size in SIZES:
        for number in range(signed, size):
            submit(url, statement_data(email=f"person{number}@example.org"))
        signed = size
        SignUp.objects.update(state=SignUp.State.CONFIRMED)
        client.get(url, HTTP_HOST=org.hostname)
        counts[size], response = count_queries(client, url, org.hostname)
        assert f"{size} " in response.content.decode()
    assert all(count <= MAX_PAGE_QUERIES for count in counts.values()), counts
    assert counts[SIZES[0]] == counts[SIZES[1]], counts


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
    submit(sign_url(sq), statement_data(email="warm-up@example.org"))
    with CaptureQueriesContext(connection) as queries:
        response = submit(sign_url(sq), statement_data())
    assert response.status_code == 302
    assert len(queries) <= MAX_STATEMENT_QUERIES, "\n".join(q["sql"] for q in queries)
    assert Supporter.objects.filter(email="drita@example.org").count() == 1


def test_a_known_person_signing_again_costs_no_more_and_adds_nothing(submit, org):
    sq, en = make_campaign(org)
    submit(sign_url(sq), statement_data())
    with CaptureQueriesContext(connection) as queries:
        response = submit(sign_url(en), statement_data())
    assert response.status_code == 302
    assert len(queries) <= MAX_STATEMENT_QUERIES + 1
    assert SignUp.objects.count() == 1 and ConsentRecord.objects.count() == 1
