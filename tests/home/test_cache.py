import gzip
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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


@pytest.mark.parametrize(
    "query", ["utm_source=x", "fbclid=IwAR0abc", "utm_source=news&utm_medium=email&mc_cid=1"]
)
def test_tracking_parameters_are_hits_like_the_bare_url(client, org, query):
    bare = get(client, org, "/sq/")
    assert bare["X-Cache"] == "MISS"
    tracked = get(client, org, f"/sq/?{query}")
    assert tracked["X-Cache"] == "HIT"
    assert tracked.content == bare.content


def test_other_query_strings_go_to_the_view(client, org):
    get(client, org, "/sq/")
    assert "X-Cache" not in get(client, org, "/sq/?page=2")
    assert "X-Cache" not in get(client, org, "/sq/?utm_source=x&party=A")


def test_conditional_get_returns_304(client, org):
    first = get(client, org, "/sq/")
    assert first.has_header("ETag")
    again = get(client, org, "/sq/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


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
    """The About page rendered as a page holding a POST form (a CSRF token)."""
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string(
        '<main><form method="post">{% csrf_token %}<button>Go</button></form></main>'
    )

    def serve_with_form(self, request, *args, **kwargs):
        return HttpResponse(template.render({}, request))

    monkeypatch.setattr(StandardPage, "serve", serve_with_form)
    return "/sq/rreth-nesh/"


def test_a_page_with_a_csrf_token_is_never_stored(org, form_page):
    """Each visitor's token is their own: such a response sets the CSRF cookie, and
    a response that sets a cookie is not kept (Django's cache middleware's rule)."""
    tokens = set()
    for _ in range(2):
        visitor = Client()
        response = visitor.get(form_page, HTTP_HOST=org.hostname)
        assert "X-Cache" not in response
        assert "csrftoken" in response.cookies
        tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]*)"', response.text)[1])
    assert len(tokens) == 2


def test_a_returning_visitors_token_is_not_stored_either(org, form_page):
    visitor = Client()
    visitor.get(form_page, HTTP_HOST=org.hostname)
    assert "X-Cache" not in visitor.get(form_page, HTTP_HOST=org.hostname)
    assert "X-Cache" not in Client().get(form_page, HTTP_HOST=org.hostname)


@pytest.mark.parametrize("header", ["private", "no-cache", "no-store, max-age=0"])
def test_a_page_that_says_so_is_not_stored(org, standard_page, monkeypatch, header):
    real_serve = StandardPage.serve

    def serve(self, request, *args, **kwargs):
        response = real_serve(self, request, *args, **kwargs)
        response["Cache-Control"] = header
        return response

    monkeypatch.setattr(StandardPage, "serve", serve)
    Client().get("/sq/rreth-nesh/", HTTP_HOST=org.hostname)
    assert "X-Cache" not in Client().get("/sq/rreth-nesh/", HTTP_HOST=org.hostname)


def test_page_types_without_the_page_cache_are_not_stored(org, standard_page, monkeypatch):
    monkeypatch.setattr(StandardPage, "page_cache", False)
    get(Client(), org, "/sq/rreth-nesh/")
    assert "X-Cache" not in get(Client(), org, "/sq/rreth-nesh/")


def test_gzip_and_plain_copies_are_what_django_made(client, org, standard_page):
    plain_miss = get(client, org, "/en/about-us/")
    zipped_miss = get(client, org, "/en/about-us/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert plain_miss["X-Cache"] == zipped_miss["X-Cache"] == "MISS"  # one copy each
    zipped = get(client, org, "/en/about-us/", HTTP_ACCEPT_ENCODING="gzip, br")
    plain = get(client, org, "/en/about-us/")
    assert zipped["X-Cache"] == plain["X-Cache"] == "HIT"
    assert zipped["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content)
    assert gzip.decompress(zipped.content) == plain.content == plain_miss.content


def test_unreadable_cache_entries_are_misses(client, org, standard_page, monkeypatch):
    """An entry that no longer unpickles (stored by an earlier release) is rendered
    again, never a 500."""
    cache = page_cache.page_cache()

    real_get = cache.get

    def failing_get(key, *args, **kwargs):
        if key.startswith("pagecache:page:"):
            raise AttributeError("Can't get attribute 'OldClass'")
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", failing_get)
    response = client.get("/en/about-us/", HTTP_HOST=org.hostname)
    assert response.status_code == 200 and "About us" in response.content.decode()


def test_an_unreachable_redis_serves_every_page(client, org, standard_page, settings, caplog):
    """Redis down (here: nothing listens on the port): every page is rendered, a
    publish works, and the failures are logged."""
    redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": settings.CACHES["default"].get("OPTIONS")
        or {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
    }
    settings.CACHES = {"default": redis, "pages": redis}
    for _ in range(2):
        response = get(client, org, "/en/about-us/")
        assert response.status_code == 200 and "About us" in response.text
        assert "X-Cache" not in response
    page, page_en = standard_page
    page_en.title = "About us, while Redis is down"
    page_en.save_revision().publish()
    assert "while Redis is down" in get(client, org, "/en/about-us/").text
    assert any(record.name.startswith("django_redis") for record in caplog.records)


def test_cache_entry_of_another_format_is_rendered_again(client, org, standard_page):
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/en/about-us/", HTTP_HOST=org.hostname)
    page_cache.page_cache().set(page_cache._cache_key(request), HttpResponse(b"stale"))
    response = get(client, org, "/en/about-us/")
    assert response.status_code == 200
    assert response["X-Cache"] == "MISS" and b"stale" not in response.content


def test_a_publish_leaves_other_organisations_cached(client, make_org):
    first = make_org("org-a.example", default=True)
    second = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    for org in (first, second):
        assert get(client, org, "/sq/")["X-Cache"] == "MISS"
    first.home_sq.hero_heading = "Titull i ri"
    first.home_sq.save_revision().publish()
    assert get(client, second, "/sq/")["X-Cache"] == "HIT"
    response = get(client, first, "/sq/")
    assert response["X-Cache"] == "MISS" and "Titull i ri" in response.text


def test_a_hostname_change_reaches_every_site(client, make_org):
    """After a hostname change the old name is another site's (the default) at once."""
    first = make_org("org-a.example", default=True)
    second = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    assert "Organizata B" in get(client, second, "/sq/").text
    second.site.hostname = "org-b-new.example"
    second.site.save()
    old = client.get("/sq/", HTTP_HOST="org-b.example")
    assert "Organizata A" in old.text and "Organizata B" not in old.text
    assert "Organizata B" in client.get("/sq/", HTTP_HOST="org-b-new.example").text
    assert get(client, first, "/sq/").status_code == 200


@pytest.mark.parametrize("shared", [False, True])
def test_generations_move_on_per_site(org, monkeypatch, shared):
    monkeypatch.setattr(page_cache, "_cache_is_shared", lambda: shared)
    seen = {page_cache.site_generation(org.site.pk)}
    other = page_cache.site_generation(org.site.pk + 1000)
    for _ in range(5):
        page_cache.invalidate_sites([org.site.pk])
        seen.add(page_cache.site_generation(org.site.pk))
    assert len(seen) == 6
    assert page_cache.site_generation(org.site.pk + 1000) == other
    page_cache.invalidate_sites()
    assert page_cache.site_generation(org.site.pk) not in seen


def test_limit_page_cache_shortens_the_stored_lifetime(rf):
    from home.cache import limit_page_cache

    request = rf.get("/")
    limit_page_cache(request, 300)
    limit_page_cache(request, 30)
    limit_page_cache(request, 120)
    assert request.page_cache_max_seconds == 30


def test_head_is_answered_from_the_stored_get(client, org):
    get(client, org, "/sq/")
    head = client.head("/sq/", HTTP_HOST=org.hostname)
    assert head.status_code == 200 and head["X-Cache"] == "HIT"


def test_hits_say_their_age_and_expire_with_their_limit(client, org, standard_page, monkeypatch):
    """A page limited to 60 s: a hit says how old it is (so a browser counts max-age
    from the render), and after 60 s it is rendered again."""
    import time

    real_serve = StandardPage.serve

    def serve(self, request, *args, **kwargs):
        page_cache.limit_page_cache(request, 60)
        return real_serve(self, request, *args, **kwargs)

    monkeypatch.setattr(StandardPage, "serve", serve)
    cache = page_cache.page_cache()
    real_set = cache.set
    timeouts = []

    def set_and_note(key, value, timeout=None, **kwargs):
        if key.startswith("pagecache:page:"):
            timeouts.append(timeout)
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", set_and_note)
    start = time.time()
    miss = get(client, org, "/en/about-us/")
    assert miss["X-Cache"] == "MISS" and "max-age=60" in miss["Cache-Control"]
    assert timeouts == [60]  # kept no longer than the page allows, whatever the backend
    monkeypatch.setattr(time, "time", lambda: start + 45)
    hit = get(client, org, "/en/about-us/")
    assert hit["X-Cache"] == "HIT" and 44 <= int(hit["Age"]) <= 46
    if not page_cache._cache_is_shared():  # local memory expires by this process's clock
        monkeypatch.setattr(time, "time", lambda: start + 61)
        assert get(client, org, "/en/about-us/")["X-Cache"] == "MISS"


def test_a_revalidation_after_a_change_is_rendered_kept_and_answered(client, org, standard_page):
    first = get(client, org, "/en/about-us/")
    page_cache.invalidate_sites([org.site.pk])
    again = get(client, org, "/en/about-us/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304  # unchanged content, the same validator
    assert get(client, org, "/en/about-us/")["X-Cache"] == "HIT"  # and kept meanwhile


def test_a_publish_reaches_every_host_of_a_site_root(client, org, standard_page):
    from wagtail.models import Site

    Site.objects.create(hostname="alias.example", port=80, root_page=org.home_sq)
    for host in (org.hostname, "alias.example"):
        client.get("/en/about-us/", HTTP_HOST=host)
        assert client.get("/en/about-us/", HTTP_HOST=host)["X-Cache"] == "HIT"
    _, page_en = standard_page
    page_en.title = "About us, once more"
    page_en.save_revision().publish()
    for host in (org.hostname, "alias.example"):
        assert "once more" in client.get("/en/about-us/", HTTP_HOST=host).text


def test_a_change_made_while_a_page_renders_leaves_that_render_stale(
    client, org, standard_page, monkeypatch
):
    real_serve = StandardPage.serve
    changes = [True]

    def serve(self, request, *args, **kwargs):
        response = real_serve(self, request, *args, **kwargs)
        if changes:
            changes.pop()
            page_cache.invalidate_sites([org.site.pk])  # another request publishes
        return response

    monkeypatch.setattr(StandardPage, "serve", serve)
    assert get(client, org, "/en/about-us/")["X-Cache"] == "MISS"
    assert get(client, org, "/en/about-us/")["X-Cache"] == "MISS"  # rendered again
    assert get(client, org, "/en/about-us/")["X-Cache"] == "HIT"


# -- one key per host, whatever its spelling ----------------------------------------------


def test_spellings_of_a_host_share_its_copy(client, org, standard_page):
    assert get(client, org, "/en/about-us/")["X-Cache"] == "MISS"
    for host in ("ORG-A.Example", "org-a.example.", "org-a.example:80", "Org-A.Example.:80"):
        response = client.get("/en/about-us/", HTTP_HOST=host)
        assert response["X-Cache"] == "HIT", host
    first = client.get("/en/about-us/", HTTP_HOST=org.hostname, secure=True)
    assert first["X-Cache"] == "MISS"
    second = client.get("/en/about-us/", HTTP_HOST="org-a.example:443", secure=True)
    assert second["X-Cache"] == "HIT"


def test_other_spellings_store_nothing(client, org, standard_page):
    """A copy is kept only for the host as the key spells it, so variants add no
    entries and never put their spelling into the copy others get."""
    for _ in range(2):
        response = client.get("/en/about-us/", HTTP_HOST="ORG-A.example.:80")
        assert response.status_code == 200 and "X-Cache" not in response
    assert get(client, org, "/en/about-us/")["X-Cache"] == "MISS"


def test_made_up_ports_store_nothing_but_the_servers_port_does(client, org, standard_page):
    for _ in range(2):
        response = client.get("/en/about-us/", HTTP_HOST="org-a.example:8081")
        assert response.status_code == 200 and "X-Cache" not in response
    # gunicorn of `make run` on port 8000, reached as org-a.example:8000
    served = {"HTTP_HOST": "org-a.example:8000", "SERVER_PORT": "8000"}
    assert client.get("/en/about-us/", **served)["X-Cache"] == "MISS"
    assert client.get("/en/about-us/", **served)["X-Cache"] == "HIT"


def test_a_host_not_allowed_never_reaches_the_store(
    client, org, standard_page, settings, monkeypatch
):
    settings.ALLOWED_HOSTS = [org.hostname]
    calls = []

    class Recorder:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(page_cache.caches["pages"], name)

    monkeypatch.setattr(page_cache, "page_cache", Recorder)
    for host in ("evil.example", "EVIL.example.", "evil.example:80"):
        assert client.get("/en/about-us/", HTTP_HOST=host).status_code == 400
    assert calls == []
    assert get(client, org, "/en/about-us/")["X-Cache"] == "MISS"
    assert calls
