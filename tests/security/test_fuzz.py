"""Hypothesis fuzzing of every public form and URL parameter: search, pagination,
campaign filters, open data, the congress calendar, sign-up forms and their
confirmation links. Whatever arrives, the answer is never a server error."""

from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from home.cache import invalidate_sites

from .conftest import HOST

movement_fixtures = pytest.importorskip("tests.movement.conftest")
congress_fixtures = pytest.importorskip("tests.congress.conftest")
membership_fixtures = pytest.importorskip("tests.membership.conftest")
membership_models = pytest.importorskip("membership.models")

# Fixtures of the other apps' tests, used here by name.
congress_index = congress_fixtures.congress_index
make_congress = congress_fixtures.make_congress
news_index = movement_fixtures.news_index
join_page = membership_fixtures.join_page

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text as a browser or a script could send it (no lone surrogates: not encodable).
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
raw = st.binary(max_size=200).map(quote_from_bytes)
numberish = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "last", "∞", "٣", "1" * 400, "%00"]),
    text,
)


def assert_no_server_error(response, what):
    assert response.status_code < 500, (what, response.status_code)


def get(client, path, query):
    return client.generic("GET", f"{path}?{query}" if query else path, HTTP_HOST=HOST)


@pytest.fixture
def public_site(request, org, standard_page):
    campaign, _ = movement_fixtures.make_campaign(org)
    movement_fixtures.add_pledges(campaign, 3)
    news = request.getfixturevalue("news_index")
    movement_fixtures.add_news(org, news, 3)
    join = request.getfixturevalue("join_page")
    congress = request.getfixturevalue("make_congress")()
    invalidate_sites()
    return {"campaign": campaign, "news": news[0], "join": join[0], "congress": congress[0]}


@FUZZ
@given(q=text, page=numberish, extra=raw)
def test_search(client, public_site, q, page, extra):
    query = urlencode({"q": q, "page": page}) + "&" + extra
    assert_no_server_error(get(client, "/sq/search/", query), query)


@FUZZ
@given(page=numberish, party=text, municipality=text)
def test_pagination_and_filters(client, public_site, page, party, municipality):
    news = get(client, public_site["news"].url, urlencode({"page": page}))
    assert_no_server_error(news, page)
    query = urlencode({"party": party, "municipality": municipality, "page": page})
    assert_no_server_error(get(client, public_site["campaign"].url, query), query)


@FUZZ
@given(segment=text, name=st.sampled_from(["demands", "progress", "pledges", "x"]), query=raw)
def test_open_data_urls(client, public_site, segment, name, query):
    base = public_site["campaign"].url
    for path in (
        f"{base}data.json",
        f"{base}data/{name}.csv",
        f"/sq/{quote(segment, safe='')}/data.json",
        f"/sq/fushatat/{quote(segment, safe='')}/data/{name}.csv",
    ):
        assert_no_server_error(get(client, path, query), path)


@FUZZ
@given(suffix=text, query=raw)
def test_congress_calendar(client, public_site, suffix, query):
    url = public_site["congress"].url
    for path in (f"{url}calendar/", f"{url}calendar/{quote(suffix, safe='')}", url):
        assert_no_server_error(get(client, path, query), path)


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "given_name",
                "family_name",
                "email",
                "phone",
                "municipality",
                "country",
                "year_of_birth",
                "motivation",
                "consent",
                "website",
                "form_time",
                "csrfmiddlewaretoken",
            ]
        ),
        text,
    ),
    confirm=text,
)
def test_join_form_and_confirmation_link(client, settings, public_site, fields, confirm):
    settings.MEMBERSHIP_RATE_LIMIT = (10_000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (10_000, 600)
    page = public_site["join"]
    data = membership_fixtures.join_data(**{k: v.replace("\x00", "") for k, v in fields.items()})
    assert_no_server_error(client.post(page.url, data, HTTP_HOST=HOST), data)
    raw_data = {k: v for k, v in fields.items()}  # NUL bytes and all, as sent
    assert_no_server_error(client.post(page.url, raw_data, HTTP_HOST=HOST), raw_data)
    assert_no_server_error(get(client, page.url, urlencode({"confirm": confirm})), confirm)


@FUZZ
@given(path=st.lists(text, min_size=1, max_size=4), query=raw)
def test_any_public_path(client, public_site, path, query):
    url = "/sq/" + "/".join(quote(part, safe="") for part in path) + "/"
    assert_no_server_error(get(client, url, query), url)
