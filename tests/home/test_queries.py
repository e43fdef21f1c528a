"""Home and standard pages render truly cold (nothing cached anywhere: Django's
dummy cache) in at most 25 SQL queries, the same number with 3 or 15 menu items and
body blocks, in both languages. The count is of the whole request: Wagtail's
routing and site lookup, the view restrictions, the frame (home/frame.py) and what
the page itself asks for."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from home.models import StandardPage

pytestmark = pytest.mark.django_db

MAX_QUERIES = 25
SIZES = (3, 15)


@pytest.fixture(autouse=True)
def _nothing_cached(nothing_cached):
    """Every test here counts a truly cold render."""


def count(client, org, url):
    client.get(url, HTTP_HOST=org.hostname)  # renditions and the like made once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=org.hostname)
    assert response.status_code == 200, url
    return len(queries)


def build(org, size):
    body = [("paragraph", f"<p>Paragrafi {n}</p>") for n in range(size)]
    for n in range(size):
        org.add_page(
            StandardPage(title=f"Faqja {n}", slug=f"faqja-{n}", show_in_menus=True, body=body),
            en_fields={"title": f"Page {n}", "slug": f"page-{n}"},
        )


@pytest.mark.parametrize("url", ["/sq/", "/en/", "/sq/faqja-1/", "/en/page-1/"])
def test_home_and_standard_pages_are_flat_and_within_budget(client, make_org, url):
    orgs = {}
    for size in SIZES:  # both sites first: Wagtail's site list is part of the count
        orgs[size] = make_org(f"org-{size}.example", name=f"Org {size}", default=size == 5)
    counts = {}
    for size, org in orgs.items():
        build(org, size)
        counts[size] = count(client, org, url)
    assert all(n <= MAX_QUERIES for n in counts.values()), counts
    assert counts[SIZES[0]] == counts[SIZES[1]], counts
