import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from wagtail.models import Page

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


def test_cached_page_with_a_form_gets_each_visitor_a_valid_csrf_token(org, standard_page):
    """A cached page keeps its forms usable: each visitor gets their own token."""
    from django.test import Client

    from home import cache as page_cache

    page, _ = standard_page

    def serve_with_form(self, request, *args, **kwargs):
        from django.http import HttpResponse
        from django.template import engines

        template = engines["django"].from_string(
            '<form method="post">{% csrf_token %}<button>Go</button></form>'
        )
        response = HttpResponse(template.render({}, request))
        response.page_cacheable = True
        return response

    original = StandardPage.serve
    StandardPage.serve = serve_with_form
    try:
        first_visitor = Client(enforce_csrf_checks=True)
        miss = first_visitor.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname)
        assert miss["X-Cache"] == "MISS"
        assert "private" in miss["Cache-Control"]
        second_visitor = Client(enforce_csrf_checks=True)
        hit = second_visitor.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname)
        assert hit["X-Cache"] == "HIT"
        html = hit.content.decode()
        assert page_cache.CSRF_PLACEHOLDER.decode() not in html
        assert "csrftoken" in hit.cookies
        token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        first_token = miss.content.decode().split('name="csrfmiddlewaretoken" value="')[1]
        assert token != first_token.split('"')[0]
        from django.middleware.csrf import _does_token_match

        assert _does_token_match(token, hit.cookies["csrftoken"].value)
    finally:
        StandardPage.serve = original


def test_shared_cache_keeps_the_generation_in_the_cache(client, org, monkeypatch):
    """With Redis (a shared cache) every worker reads the generation from the cache."""
    from django.core.cache import cache

    from home import cache as page_cache

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
