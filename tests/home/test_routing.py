"""Wagtail's routing remembered per page-cache generation (home/routing.py): pages
outside the page cache are found without routing queries, and every change that
could change a route (publish, unpublish, move, delete, sites, view restrictions)
is seen at once."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from home import cache as page_cache
from home.models import StandardPage

from ..conftest import publish


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0  # every request renders: what is left is routing


def get(client, org, path):
    return client.get(path, HTTP_HOST=org.hostname)


def queries_of(client, org, path):
    with CaptureQueriesContext(connection) as queries:
        response = get(client, org, path)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_second_render_runs_no_routing_query(client, org, standard_page):
    first = queries_of(client, org, "/sq/rreth-nesh/")
    second = queries_of(client, org, "/sq/rreth-nesh/")
    assert any("wagtailcore_site" in sql for sql in first)
    assert not any("wagtailcore_site" in sql for sql in second)
    assert not any("wagtailcore_pageviewrestriction" in sql for sql in second)
    # the page is no longer looked up by slug, level after level
    assert not any('"wagtailcore_page"."slug" =' in sql for sql in second)
    assert len(second) < len(first)


def test_published_change_is_served_at_once(client, org, standard_page):
    page, _ = standard_page
    get(client, org, "/sq/rreth-nesh/")
    page.title = "Rreth nesh, e re"
    publish(page)
    assert "Rreth nesh, e re" in get(client, org, "/sq/rreth-nesh/").content.decode()


def test_unpublished_moved_and_deleted_pages_are_not_routed_to(client, org, standard_page):
    page, page_en = standard_page
    get(client, org, "/sq/rreth-nesh/")
    get(client, org, "/en/about-us/")
    page.unpublish()
    assert get(client, org, "/sq/rreth-nesh/").status_code == 404

    other, other_en = org.add_page(
        StandardPage(title="Tjetër", slug="tjeter"), en_fields={"slug": "other"}
    )
    assert get(client, org, "/en/about-us/").status_code == 200
    page_en.move(Page.objects.get(pk=other_en.pk), pos="last-child")
    moved = get(client, org, "/en/about-us/")
    assert moved.status_code != 200  # 404, or Wagtail's redirect to where it went
    assert moved.get("Location", "/en/other/about-us/") == "/en/other/about-us/"
    assert get(client, org, "/en/other/about-us/").status_code == 200

    Page.objects.get(pk=other_en.pk).delete()
    assert get(client, org, "/en/other/").status_code == 404
    assert get(client, org, "/en/other/about-us/").status_code == 404


def test_new_view_restriction_applies_to_a_remembered_route(client, org, standard_page):
    page, _ = standard_page
    assert get(client, org, "/sq/rreth-nesh/").status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.LOGIN
    )
    response = get(client, org, "/sq/rreth-nesh/")
    assert response.status_code == 302 and "login" in response["Location"]
    restriction.delete()
    assert get(client, org, "/sq/rreth-nesh/").status_code == 200


def test_restriction_on_an_ancestor_is_found(client, org, standard_page):
    page, _ = standard_page
    child, _ = org.add_page(StandardPage(title="Nën", slug="nen"), parent=page)
    assert get(client, org, "/sq/rreth-nesh/nen/").status_code == 200
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert get(client, org, "/sq/rreth-nesh/nen/").status_code == 302
    assert child.specific.get_view_restrictions().count() == 1


def test_a_new_site_is_found(client, org, make_org):
    get(client, org, "/sq/")
    other = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    response = get(client, other, "/sq/")
    assert response.status_code == 200
    assert "Organizata B" in response.content.decode()


def test_site_and_route_are_told_apart_by_host_and_language(client, org, make_org):
    other = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    assert "Organizata A" in get(client, org, "/sq/").content.decode()
    assert "Organizata B" in get(client, other, "/sq/").content.decode()
    assert "Organisation A" in get(client, org, "/en/").content.decode()
    assert "Organizata A" in get(client, org, "/sq/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_change_inside_a_transaction_moves_the_generation_on_at_commit(make_org):
    """What a request reads before a change commits cannot stay cached under the
    generation the change made."""
    make_org("org-c.example")
    before = page_cache.current_generation()
    with transaction.atomic():
        page_cache.invalidate_page_cache()
        inside = page_cache.current_generation()
        assert inside != before
    assert page_cache.current_generation() != inside


def test_routes_that_are_not_pages_get_404(client, org, standard_page):
    assert get(client, org, "/sq/nuk-ekziston/").status_code == 404
    assert get(client, org, "/sq/nuk-ekziston/").status_code == 404


def test_password_and_login_restrictions_still_reach_wagtails_views(client, org, standard_page):
    """Wagtail's _util/ views (password form, login) are not taken for pages."""
    page, _ = standard_page
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="sekret"
    )
    form = get(client, org, "/sq/rreth-nesh/")
    assert form.status_code == 200 and "_util/authenticate_with_password" in form.content.decode()
    action = f"/sq/_util/authenticate_with_password/{restriction.pk}/{page.pk}/"
    posted = client.post(
        action, {"password": "sekret", "return_url": "/sq/rreth-nesh/"}, HTTP_HOST=org.hostname
    )
    assert posted.status_code == 302 and posted["Location"] == "/sq/rreth-nesh/"
    assert "Hyrje" in get(client, org, "/sq/rreth-nesh/").content.decode()

    restriction.delete()
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    redirect = get(client, org, "/sq/rreth-nesh/")
    assert redirect.status_code == 302
    login = client.get(redirect["Location"], HTTP_HOST=org.hostname)
    assert "_util/login" in redirect["Location"] and login.status_code == 200


def test_hosts_outside_allowed_hosts_are_not_remembered(client, org, settings, monkeypatch):
    from home import routing

    kept = []
    real = routing.cached_per_generation

    def spy(name, compute, *args, **kwargs):
        kept.append(name)
        return real(name, compute, *args, **kwargs)

    monkeypatch.setattr(routing, "cached_per_generation", spy)
    settings.ALLOWED_HOSTS = [org.hostname]
    assert client.get("/sq/", HTTP_HOST="made-up.example").status_code == 400
    assert not [name for name in kept if "made-up.example" in name]
    assert client.get("/sq/", HTTP_HOST=org.hostname).status_code == 200
    assert f"routing:site:{org.hostname}:80" in kept
