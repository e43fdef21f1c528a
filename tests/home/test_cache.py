import gzip
import os
import re
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from wagtail.models import Page

from home import cache as page_cache
from home.models import StandardPage


def get(client, org, path, **extra):
    return client.get(path, HTTP_HOST=org.hostname, **extra)


def test_anonymous_page_is_served_from_cache_without_sql(client, org, standard_page):
    first = get(client, org, "/en/about-us/")
    assert first["X-Cache"] == "MISS"
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    assert "Cookie" in first["Vary"]
    with CaptureQueriesContext(connection) as queries:
        second = get(client, org, "/en/about-us/")
    assert second["X-Cache"] == "HIT"
    assert len(queries) == 0
    assert second.content == first.content


def test_publish_invalidates(client, org, standard_page):
    page, page_en = standard_page
    assert get(client, org, "/en/about-us/")["X-Cache"] == "MISS"
    assert get(client, org, "/en/about-us/")["X-Cache"] == "HIT"
    page_en.title = "About us, renewed"
    page_en.save_revision().publish()
    response = get(client, org, "/en/about-us/")
    assert response["X-Cache"] == "MISS"
    assert "About us, renewed" in response.content.decode()


def test_unpublish_and_move_invalidate(client, org, standard_page):
    page, _ = standard_page
    other, _ = org.add_page(StandardPage(title="Tjetër", slug="tjeter"))
    assert get(client, org, "/sq/rreth-nesh/").status_code == 200
    page.unpublish()
    assert get(client, org, "/sq/rreth-nesh/").status_code == 404

    assert get(client, org, "/sq/tjeter/")["X-Cache"] == "MISS"
    assert get(client, org, "/sq/tjeter/")["X-Cache"] == "HIT"
    inner, _ = org.add_page(StandardPage(title="Brenda", slug="brenda"))
    Page.objects.get(pk=inner.pk).move(Page.objects.get(pk=other.pk), pos="last-child")
    assert get(client, org, "/sq/tjeter/")["X-Cache"] == "MISS"
    assert get(client, org, "/sq/tjeter/brenda/").status_code == 200


def test_organisation_settings_change_invalidates(client, org):
    assert "Slogani shqip" in get(client, org, "/sq/").content.decode()
    text = org.settings.texts.get(locale__language_code="sq")
    text.tagline = "Slogan i ri"
    text.save()
    response = get(client, org, "/sq/")
    assert response["X-Cache"] == "MISS"
    assert "Slogan i ri" in response.content.decode()


def test_logged_in_users_are_never_served_or_stored(client, org, admin_user):
    get(client, org, "/sq/")  # stored for anonymous visitors
    client.force_login(admin_user)
    response = get(client, org, "/sq/")
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]
    client.logout()


def test_query_strings_bypass_the_cache(client, org):
    get(client, org, "/sq/")
    response = get(client, org, "/sq/?utm_source=x")
    assert "X-Cache" not in response


def test_conditional_get_returns_304(client, org):
    first = get(client, org, "/sq/")
    assert first.has_header("ETag") and first.has_header("Last-Modified")
    again = get(client, org, "/sq/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = get(client, org, "/sq/", HTTP_IF_MODIFIED_SINCE=http_date())
    assert since.status_code == 304


def test_not_found_is_not_cached(client, org):
    get(client, org, "/sq/nuk-ka/")
    assert "X-Cache" not in get(client, org, "/sq/nuk-ka/")


@pytest.mark.parametrize("cache_seconds", [0])
def test_cache_can_be_turned_off(client, org, settings, cache_seconds):
    settings.PAGE_CACHE_SECONDS = cache_seconds
    get(client, org, "/sq/")
    assert "X-Cache" not in get(client, org, "/sq/")


@pytest.fixture
def form_page(org, standard_page, monkeypatch):
    """The About page rendered as a cacheable page holding two POST forms."""
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string(
        "<main>"
        + "<p>Words of the page, long enough to be compressed.</p>" * 20
        + '<form method="post">{% csrf_token %}<button>Go</button></form>'
        + '<form method="post">{% csrf_token %}<button>Sign</button></form></main>'
    )

    def serve_with_form(self, request, *args, **kwargs):
        response = HttpResponse(template.render({}, request))
        response.page_cacheable = True
        return response

    monkeypatch.setattr(StandardPage, "serve", serve_with_form)
    return "/sq/rreth-nesh/"


def _tokens(html):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', html)


def test_cached_page_with_a_form_gets_each_visitor_a_valid_csrf_token(org, form_page):
    """A cached page keeps its forms usable: each visitor gets their own token."""
    from django.middleware.csrf import _does_token_match

    first_visitor = Client(enforce_csrf_checks=True)
    miss = first_visitor.get(form_page, HTTP_HOST=org.hostname)
    assert miss["X-Cache"] == "MISS"
    assert "private" in miss["Cache-Control"]
    second_visitor = Client(enforce_csrf_checks=True)
    hit = second_visitor.get(form_page, HTTP_HOST=org.hostname)
    assert hit["X-Cache"] == "HIT"
    assert "private" in hit["Cache-Control"]
    html = hit.content.decode()
    assert page_cache.CSRF_PLACEHOLDER.decode() not in html
    assert "csrftoken" in hit.cookies
    tokens = _tokens(html)
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # masked afresh, one secret
    assert not set(tokens) & set(_tokens(miss.content.decode()))
    assert all(_does_token_match(t, hit.cookies["csrftoken"].value) for t in tokens)
    # and Django's own CSRF check accepts the form posted with it
    posted = second_visitor.post(
        form_page, {"csrfmiddlewaretoken": tokens[1]}, HTTP_HOST=org.hostname
    )
    assert posted.status_code != 403


def test_cached_form_keeps_a_returning_visitors_csrf_secret(org, form_page):
    from django.middleware.csrf import _does_token_match

    visitor = Client(enforce_csrf_checks=True)
    visitor.get(form_page, HTTP_HOST=org.hostname)
    secret = visitor.cookies["csrftoken"].value
    hit = visitor.get(form_page, HTTP_HOST=org.hostname)
    assert hit["X-Cache"] == "HIT"
    assert hit.cookies["csrftoken"].value == secret  # renewed, not replaced
    assert all(_does_token_match(t, secret) for t in _tokens(hit.content.decode()))


def test_cache_hit_is_sent_compressed_from_the_stored_copy(org, form_page):
    """A hit is not compressed again: the stored deflate pieces are joined with the
    visitor's token between them, and the result is valid gzip of the page."""
    from django.middleware.csrf import _does_token_match

    Client().get(form_page, HTTP_HOST=org.hostname)
    plain = Client().get(form_page, HTTP_HOST=org.hostname)
    visitor = Client()
    zipped = visitor.get(form_page, HTTP_HOST=org.hostname, HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["X-Cache"] == "HIT"
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert "Content-Encoding" not in plain
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content)
    html = gzip.decompress(zipped.content).decode()
    tokens = _tokens(html)
    assert all(_does_token_match(t, visitor.cookies["csrftoken"].value) for t in tokens)
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", html) == strip.sub("", plain.content.decode())
    # each visitor's copy is their own: no validator shared between them
    assert zipped["ETag"] != plain["ETag"] and "Last-Modified" not in zipped


def test_page_with_a_form_is_not_revalidated_into_another_token(org, form_page):
    """A browser that revalidates a page with a form gets the page again (with a
    token matching the cookie it has now), never a 304 for the copy it kept."""
    from django.middleware.csrf import _does_token_match

    Client().get(form_page, HTTP_HOST=org.hostname)
    visitor = Client()
    kept = visitor.get(form_page, HTTP_HOST=org.hostname)
    visitor.cookies.clear()  # cookies cleared, the browser's cache kept
    again = visitor.get(
        form_page,
        HTTP_HOST=org.hostname,
        HTTP_IF_NONE_MATCH=kept["ETag"],
        HTTP_IF_MODIFIED_SINCE=http_date(),
    )
    assert again.status_code == 200 and again["X-Cache"] == "HIT"
    tokens = _tokens(again.content.decode())
    assert all(_does_token_match(t, again.cookies["csrftoken"].value) for t in tokens)


def test_unreadable_cache_entries_are_misses(client, org, standard_page, monkeypatch):
    """An entry stored by an earlier release may no longer unpickle: it is rendered
    again, never a 500."""
    from django.core.cache import cache

    real_get = cache.get

    def failing_get(key, *args, **kwargs):
        if key.startswith(("pagecache:", "routing:", "frame:")) and "generation" not in key:
            raise AttributeError("Can't get attribute 'OldClass'")
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", failing_get)
    response = client.get("/en/about-us/", HTTP_HOST=org.hostname)
    assert response.status_code == 200 and "About us" in response.content.decode()


def test_cache_hit_answers_a_revalidation_with_304(client, org, standard_page):
    get(client, org, "/en/about-us/")
    hit = get(client, org, "/en/about-us/", HTTP_ACCEPT_ENCODING="gzip")
    again = get(client, org, "/en/about-us/", HTTP_IF_NONE_MATCH=hit["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_cache_entry_of_another_format_is_rendered_again(client, org, standard_page):
    from django.core.cache import cache
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/en/about-us/", HTTP_HOST=org.hostname)
    cache.set(page_cache.page_cache_key(request), HttpResponse(b"stale"))
    response = get(client, org, "/en/about-us/")
    assert response.status_code == 200
    assert response["X-Cache"] == "MISS" and b"stale" not in response.content


def test_csrf_strings_are_uniform_over_the_allowed_characters():
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token

    drawn = "".join(page_cache._random_csrf_string() for _ in range(400))
    assert len(drawn) == 400 * 32 and set(drawn) == set(CSRF_ALLOWED_CHARS)
    counts = Counter(drawn)
    expected = len(drawn) / len(CSRF_ALLOWED_CHARS)
    assert max(counts.values()) < expected * 1.6 and min(counts.values()) > expected * 0.5
    secret = page_cache._random_csrf_string()
    tokens = {page_cache._mask_secret(secret) for _ in range(5)}
    assert len(tokens) == 5
    assert {_unmask_cipher_token(t) for t in tokens} == {secret}


def test_shared_cache_keeps_the_generation_in_the_cache(client, org, monkeypatch):
    """With Redis (a shared cache) every worker reads the generation from the cache."""
    from django.core.cache import cache

    monkeypatch.setattr(page_cache, "_cache_is_shared", lambda: True)
    assert get(client, org, "/sq/")["X-Cache"] == "MISS"
    assert get(client, org, "/sq/")["X-Cache"] == "HIT"
    generation = cache.get(page_cache.GENERATION_KEY)
    assert generation is not None
    page_cache.invalidate_page_cache()
    assert cache.get(page_cache.GENERATION_KEY) == generation + 1
    assert get(client, org, "/sq/")["X-Cache"] == "MISS"


def test_file_generation_changes_on_every_invalidation(settings, tmp_path):
    from home import cache as page_cache

    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "gen"
    seen = {page_cache.current_generation()}
    for _ in range(5):
        page_cache.invalidate_page_cache()
        seen.add(page_cache.current_generation())
    assert len(seen) == 6


def test_limit_page_cache_shortens_the_stored_lifetime(rf):
    from home.cache import limit_page_cache

    request = rf.get("/")
    limit_page_cache(request, 300)
    limit_page_cache(request, 30)
    limit_page_cache(request, 120)
    assert request.page_cache_max_seconds == 30


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a Redis server (REDIS_URL), as CI's second pass"
)
def test_redis_cache_reuses_one_client_per_pool():
    """Django makes a new Redis client per cache operation; ours keeps one."""
    from django.core.cache import caches

    from home.cache_backends import RedisCache

    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    first = cache._cache.get_client(write=True)
    cache.set("reuse-check", {"a": 1}, 5)
    assert cache.get("reuse-check") == {"a": 1}
    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client(write=False) is cache._cache.get_client(write=False)
    cache.delete("reuse-check")


def test_values_kept_per_generation_are_copies_and_follow_the_generation(monkeypatch):
    """With a shared cache each worker also keeps its own copies: a request that
    changes what it got changes nothing for the next, and a new generation is read
    afresh."""
    monkeypatch.setattr(page_cache, "_cache_is_shared", lambda: True)
    page_cache._local_copies.clear()
    calls = []

    def compute():
        calls.append(1)
        return {"menu": ["a"]}

    first = page_cache.cached_per_generation("test:menu", compute)
    first["menu"].append("changed by a request")
    assert page_cache.cached_per_generation("test:menu", compute) == {"menu": ["a"]}
    assert len(calls) == 1
    page_cache.invalidate_page_cache()
    assert page_cache.cached_per_generation("test:menu", compute) == {"menu": ["a"]}
    assert len(calls) == 2
    assert page_cache.cached_per_generation("test:nothing", lambda: None) is None


def test_local_copies_expire_and_stay_bounded(monkeypatch):
    copies = page_cache._LocalCopies(max_entries=3)
    now = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now[0])
    for number in range(5):
        copies.set(f"k{number}", number, timeout=10)
    assert [copies.get(f"k{number}") for number in range(5)] == [None, None, 2, 3, 4]
    now[0] += 11
    assert copies.get("k4") is None
