"""wagtail-localize checks model permissions only; home/security/scope.py adds the
per-object check to every one of its views (fail closed), and home/security/reports.py
narrows the listings. Here an editor of organisation A tries each translation
endpoint against organisation B's page and outcome translations."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.admin.menu import reports_menu
from wagtail_localize.models import StringTranslation

from home.models import SiteRole
from home.security.scope import LOCALIZE_RULES, SUPERUSER, is_allowed, rule_for

from .conftest import HOST
from .worlds import MARKER, build_world

EDITOR = SiteRole.EDITOR


@pytest.fixture
def world(make_org, make_user):
    return build_world(make_org, make_user)


def localize_views():
    """(view name, route) of every URL pattern in the wagtail_localize namespace."""
    found = []

    def walk(patterns, namespaces, route):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                extra = [pattern.namespace] if pattern.namespace else []
                walk(pattern.url_patterns, namespaces + extra, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and "wagtail_localize" in namespaces:
                name = ":".join([*namespaces, pattern.name or pattern.lookup_str])
                found.append((name, route + str(pattern.pattern)))

    walk(get_resolver().url_patterns, [], "/")
    return found


def test_every_localize_view_is_classified():
    views = localize_views()
    assert len(views) >= 17
    unclassified = [f"{name} {route}" for name, route in views if name not in LOCALIZE_RULES]
    assert unclassified == []


def test_an_unknown_localize_view_is_refused(world):
    editor, root = world["a"]["users"][EDITOR], world["root"]
    assert rule_for("wagtail_localize:a_new_view_in_an_upgrade") == SUPERUSER
    assert not is_allowed(editor, "wagtail_localize:a_new_view_in_an_upgrade", {})
    assert is_allowed(root, "wagtail_localize:a_new_view_in_an_upgrade", {})


def translation_urls(side):
    """Every translation endpoint with ``side``'s page and outcome translations."""
    urls = {}
    for kind in ("page", "outcome"):
        translation = side[f"{kind}_translation"]
        source = translation.source
        string = source.stringsegment_set.first()
        tid = translation.pk
        urls |= {
            f"{kind} strings": (
                "put",
                f"/admin/localize/translate/{tid}/strings/{string.pk}/edit/",
            ),
            f"{kind} download": ("get", f"/admin/localize/translate/{tid}/pofile/download/"),
            f"{kind} upload": ("post", f"/admin/localize/translate/{tid}/pofile/upload/"),
            f"{kind} machine": ("post", f"/admin/localize/translate/{tid}/machine_translate/"),
            f"{kind} stop": ("post", f"/admin/localize/translate/{tid}/disable/"),
            f"{kind} sync": ("post", f"/admin/localize/update/{source.pk}/"),
        }
    outcome = side["outcome"]
    urls["page preview"] = (
        "get",
        f"/admin/localize/translate/{side['page_translation'].pk}/preview/",
    )
    urls["outcome submit"] = (
        "get",
        f"/admin/localize/submit/snippet/congress/outcome/{outcome.pk}/",
    )
    urls["outcome api"] = ("get", f"/admin/localize/api/snippets/congress/outcome/{outcome.pk}/")
    urls["page convert"] = ("get", f"/admin/localize/page/{side['page'].pk}/convert_to_alias/")
    return urls


def request(client, method, url):
    data = {"value": "Tekst i ndryshuar"}
    if method == "put":
        return client.put(
            url,
            "value=Tekst+i+ndryshuar",
            content_type="application/x-www-form-urlencoded",
            HTTP_HOST=HOST,
        )
    return getattr(client, method)(url, data if method == "post" else None, HTTP_HOST=HOST)


def test_editor_of_a_reaches_no_translation_endpoint_of_b(client, world):
    b = world["b"]
    client.force_login(world["a"]["users"][EDITOR])
    statuses = {
        name: request(client, method, url).status_code
        for name, (method, url) in translation_urls(b).items()
    }
    assert statuses == dict.fromkeys(statuses, 403)
    for kind in ("page", "outcome"):
        translation = b[f"{kind}_translation"]
        translation.refresh_from_db()
        assert translation.enabled
    assert not StringTranslation.objects.filter(data="Tekst i ndryshuar").exists()


def test_editor_of_a_may_use_them_on_a(client, world):
    a = world["a"]
    client.force_login(a["users"][EDITOR])
    urls = translation_urls(a)
    for name in ("page download", "outcome download", "page preview", "outcome api"):
        assert request(client, "get", urls[name][1]).status_code == 200, name
    response = request(client, "put", urls["outcome strings"][1])
    assert response.status_code in (200, 201)
    assert StringTranslation.objects.filter(data="Tekst i ndryshuar").count() == 1
    request(client, "post", urls["outcome stop"][1])
    a["outcome_translation"].refresh_from_db()
    assert not a["outcome_translation"].enabled


def test_translator_of_a_translates_a_pages_only(client, world):
    a, b = world["a"], world["b"]
    client.force_login(a["users"][SiteRole.TRANSLATOR])
    own = translation_urls(a)["page download"][1]
    other = translation_urls(b)["page download"][1]
    assert client.get(own, HTTP_HOST=HOST).status_code == 200
    assert client.get(other, HTTP_HOST=HOST).status_code == 403


def test_the_snippet_api_lists_nothing_to_scoped_users(client, world):
    listing = "/admin/localize/api/snippets/congress/outcome/"
    client.force_login(world["a"]["users"][EDITOR])
    assert client.get(listing, HTTP_HOST=HOST).status_code == 403
    client.force_login(world["root"])
    assert MARKER in client.get(listing, HTTP_HOST=HOST).content.decode()


def test_translations_report_shows_own_sites_translations(client, world):
    client.force_login(world["a"]["users"][EDITOR])
    assert (
        client.get(reverse("wagtail_localize:translations_report"), HTTP_HOST=HOST).status_code
        == 403
    )
    for name in ("security_translations_report", "security_translations_report_results"):
        content = client.get(reverse(name), HTTP_HOST=HOST).content.decode()
        assert "Rezoluta Alfa" in content and "Faqja Alfa" in content
        assert MARKER not in content
    client.force_login(world["root"])
    content = client.get(reverse("security_translations_report"), HTTP_HOST=HOST).content.decode()
    assert MARKER in content and "Faqja Alfa" in content


@pytest.mark.parametrize(
    "name", ["site_history", "site_history_results", "page_types_usage", "page_types_usage_results"]
)
def test_site_wide_reports_are_for_superusers(client, world, name):
    url = reverse(f"wagtailadmin_reports:{name}")
    for role in (EDITOR, SiteRole.TRANSLATOR, SiteRole.EVENT_STAFF):
        client.force_login(world["a"]["users"][role])
        assert client.get(url, HTTP_HOST=HOST).status_code == 403
    client.force_login(world["root"])
    assert client.get(url, HTTP_HOST=HOST).status_code == 200


def test_reports_menu_offers_what_may_be_opened(rf, world):
    def urls(user):
        request = rf.get("/admin/")
        request.user = user
        return {item.url for item in reports_menu.menu_items_for_request(request)}

    editor = urls(world["a"]["users"][EDITOR])
    assert reverse("security_translations_report") in editor
    assert reverse("wagtail_localize:translations_report") not in editor
    assert reverse("wagtailadmin_reports:site_history") not in editor
    assert reverse("wagtailadmin_reports:page_types_usage") not in editor
    assert reverse("wagtailadmin_reports:site_history") in urls(world["root"])


@pytest.mark.parametrize("kind", ["images", "documents"])
def test_admin_api_lists_own_collections_only(client, world, kind):
    a, b = world["a"], world["b"]
    item = "image" if kind == "images" else "document"
    client.force_login(a["users"][EDITOR])
    listing = client.get(f"/admin/api/main/{kind}/", HTTP_HOST=HOST).json()
    titles = {each["title"] for each in listing["items"]}
    assert titles == {a[item].title}
    assert client.get(f"/admin/api/main/{kind}/{b[item].pk}/", HTTP_HOST=HOST).status_code == 404
    client.force_login(world["root"])
    listing = client.get(f"/admin/api/main/{kind}/", HTTP_HOST=HOST).json()
    assert {each["title"] for each in listing["items"]} == {a[item].title, b[item].title}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/localize/submit/snippet/congress/speaker/abc/",
        "/admin/localize/api/snippets/congress/speaker/abc/",
    ],
)
def test_a_snippet_key_that_is_not_one_is_a_404(client, django_user_model, url):
    client.force_login(django_user_model.objects.create_user("plain", password="x" * 12))
    assert client.get(url, HTTP_HOST=HOST).status_code == 404
