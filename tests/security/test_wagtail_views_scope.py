"""Wagtail's own admin views that show or take an organisation's objects without
the check the rest of the admin makes (home/security/scope.py WAGTAIL_GUARDS, the
page chooser hook, home/security/tags.py, the scoped snippet chooser)."""

import pytest
from django.urls import reverse
from wagtail.users.models import UserProfile

from congress.models import CongressPage
from home.models import SiteRole

from .conftest import HOST
from .worlds import MARKER, build_world

pytestmark = pytest.mark.django_db
EDITOR = SiteRole.EDITOR


@pytest.fixture
def world(make_org, make_user):
    return build_world(make_org, make_user)


def get(client, url, **params):
    return client.get(url, params, HTTP_HOST=HOST)


def test_the_page_chooser_browses_and_searches_own_sites_only(client, world):
    a, b = world["a"], world["b"]
    client.force_login(a["users"][EDITOR])
    start = get(client, reverse("wagtailadmin_choose_page")).content.decode()
    assert a["org"].home_sq.title in start and b["org"].home_sq.title not in start
    own = get(client, reverse("wagtailadmin_choose_page_child", args=[a["org"].home_sq.pk]))
    assert "Faqja Alfa" in own.content.decode()
    other = get(client, reverse("wagtailadmin_choose_page_child", args=[b["page"].pk]), multiple=1)
    assert other.status_code == 302
    assert other["Location"] == reverse("wagtailadmin_choose_page") + "?multiple=1"
    found = get(client, reverse("wagtailadmin_choose_page_search"), q="Faqja").content.decode()
    assert "Faqja Alfa" in found and MARKER not in found


def test_the_page_chooser_with_a_page_type_starts_in_own_tree(client, world):
    a, b = world["a"], world["b"]
    # Only B's Albanian congress is left: Wagtail would start at B's congress index.
    CongressPage.objects.exclude(pk=b["congress"].pk).delete()
    client.force_login(a["users"][EDITOR])
    response = get(client, reverse("wagtailadmin_choose_page"), page_type="congress.congresspage")
    assert response.status_code == 302
    response = client.get(response["Location"], HTTP_HOST=HOST)
    assert response.status_code == 200 and MARKER not in response.content.decode()


def test_several_chosen_pages_must_all_be_the_users(client, world):
    a, b = world["a"], world["b"]
    client.force_login(a["users"][EDITOR])
    url = reverse("wagtailadmin_choose_page_chosen_multiple")
    assert get(client, url, id=[a["page"].pk, a["draft"].pk]).status_code == 200
    assert get(client, url, id=[a["page"].pk, b["draft"].pk]).status_code == 403
    client.force_login(world["root"])
    assert MARKER in get(client, url, id=[b["draft"].pk]).content.decode()


@pytest.mark.parametrize("role", [EDITOR, SiteRole.TRANSLATOR, SiteRole.EVENT_STAFF])
def test_the_explorer_opens_no_page_of_another_organisation(client, world, role):
    a, b = world["a"], world["b"]
    client.force_login(a["users"][role])
    for name in ("wagtailadmin_explore", "wagtailadmin_explore_results"):
        response = get(client, reverse(name, args=[b["draft"].pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_explore_root")
    own = get(client, reverse("wagtailadmin_explore", args=[a["org"].home_sq.pk]))
    assert own.status_code == 200


def test_the_move_confirmation_needs_the_move_permission(client, world):
    a, b = world["a"], world["b"]
    client.force_login(a["users"][EDITOR])
    other = reverse("wagtailadmin_pages:move_confirm", args=[b["draft"].pk, b["page"].pk])
    assert get(client, other).status_code == 403
    own = reverse("wagtailadmin_pages:move_confirm", args=[a["draft"].pk, a["page"].pk])
    assert get(client, own).status_code == 200
    client.force_login(a["users"][SiteRole.MEMBERSHIP_OFFICER])
    assert get(client, own).status_code == 403


def test_tag_lists_name_only_the_users_own_tags(client, world):
    client.force_login(world["a"]["users"][EDITOR])
    for url in ("/admin/images/", "/admin/documents/", "/admin/images/chooser/"):
        body = get(client, url).content.decode()
        assert "etiketa-Alfa" in body and MARKER not in body, url
    client.force_login(world["root"])
    assert MARKER in get(client, "/admin/images/chooser/").content.decode()
    assert MARKER in get(client, "/admin/documents/").content.decode()


def test_tag_autocomplete_suggests_only_the_users_own_tags(client, world):
    client.force_login(world["a"]["users"][EDITOR])
    for url in ("/admin/tag-autocomplete/", "/admin/tag-autocomplete/taggit/tag/"):
        assert get(client, url, term="etiketa").json() == ["etiketa-Alfa"], url
    client.force_login(world["root"])
    assert (
        MARKER.lower()
        in " ".join(get(client, "/admin/tag-autocomplete/", term="etiketa").json()).lower()
    )


def test_media_choosers_are_for_those_who_may_choose_media(client, world):
    client.force_login(world["a"]["users"][SiteRole.MEMBERSHIP_OFFICER])
    assert get(client, "/admin/images/chooser/").status_code == 403
    assert get(client, "/admin/documents/chooser/").status_code == 403
    client.force_login(world["a"]["users"][SiteRole.EVENT_STAFF])
    assert get(client, "/admin/documents/chooser/").status_code == 200


def test_an_incomplete_external_link_form_is_a_clear_400(client, world):
    user = world["a"]["users"][EDITOR]
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "sq"
    profile.save()
    client.force_login(user)
    url = reverse("wagtailadmin_choose_page_external_link")
    response = client.post(url, {}, HTTP_HOST=HOST)
    assert response.status_code == 400
    assert "Formulari i lidhjes mbërriti i paplotë" in response.content.decode()
    complete = {"external-link-chooser-url": "https://example.org/"}
    assert client.post(url, complete, HTTP_HOST=HOST).status_code == 200


@pytest.mark.parametrize("model", ["congress/outcome", "congress/speaker", "movement/pledge"])
def test_snippet_choosers_without_a_creation_form_have_no_create_view(client, world, model):
    client.force_login(world["a"]["users"][EDITOR])
    url = f"/admin/snippets/choose/{model}/create/"
    assert client.post(url, {}, HTTP_HOST=HOST).status_code == 404
    assert client.get(url, HTTP_HOST=HOST).status_code == 404


def test_superusers_choose_every_organisations_pages(client, world):
    client.force_login(world["root"])
    body = get(client, reverse("wagtailadmin_choose_page")).content.decode()
    assert world["b"]["org"].home_sq.title in body
    child = reverse("wagtailadmin_choose_page_child", args=[world["b"]["org"].home_sq.pk])
    assert "Faqja " + MARKER in get(client, child).content.decode()
