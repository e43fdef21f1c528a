"""The permission matrix: every role of two organisations against the admin URLs that
exist, and bulk actions with ids mixed from another site.

"ok" is a 200; "no" a refusal (Wagtail's redirect to the dashboard, 403, or 404 for
an object the user may not know about); "login" the redirect of an anonymous user;
None means the answer does not matter for security (both are fine).
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from home.models import SiteRole, StandardPage
from home.roles import ensure_site_roles

from .conftest import HOST

membership_services = pytest.importorskip("membership.services")
from membership.models import Supporter  # noqa: E402

ROLES = ["anonymous", "editor", "translator", "event_staff", "officer_a", "officer_b", "root"]


@pytest.fixture
def world(make_org, make_user):
    a = make_org("org-a.example", default=True)
    b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    page_a, page_a_en = a.add_page(
        StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje"),
        en_fields={"title": "About us", "slug": "about-us"},
    )
    page_b, _ = b.add_page(StandardPage(title="Rreth B", slug="rreth-b", intro="Hyrje"))
    roles_a, roles_b = ensure_site_roles(a.site), ensure_site_roles(b.site)
    users = {
        "editor": make_user("editor", roles_a[SiteRole.EDITOR]),
        "translator": make_user("translator", roles_a[SiteRole.TRANSLATOR]),
        "event_staff": make_user("event_staff", roles_a[SiteRole.EVENT_STAFF]),
        "officer_a": make_user("officer_a", roles_a[SiteRole.MEMBERSHIP_OFFICER]),
        "officer_b": make_user("officer_b", roles_b[SiteRole.MEMBERSHIP_OFFICER]),
        "root": make_user("root", superuser=True),
    }

    def person(site, page, email):
        ids = membership_services.store_submission(
            site=site,
            page=page,
            language="sq",
            email=email,
            person={"given_name": "Arta", "family_name": "Shembulli"},
            signups=[{"kind": "membership", "fields": {}, "consents": [("signup", "Po.")]}],
            notify=False,
        )
        membership_services.confirm(ids)
        return Supporter.objects.get(site=site, email=email)

    person_a = person(a.site, page_a, "a@example.org")
    person_b = person(b.site, page_b, "b@example.org")
    return {
        "a": a,
        "b": b,
        "page_a": page_a,
        "page_a_en": page_a_en,
        "page_b": page_b,
        "person_a": person_a,
        "person_b": person_b,
        "users": users,
    }


def admin_urls(w):
    a, b, pa, pb = w["a"], w["b"], w["page_a"], w["page_b"]
    rev_a, rev_b = pa.latest_revision_id, pb.latest_revision_id
    return {
        "explorer_a": f"/admin/pages/{a.home_sq.pk}/",
        "explorer_b": f"/admin/pages/{b.home_sq.pk}/",
        "edit_a": f"/admin/pages/{pa.pk}/edit/",
        "edit_b": f"/admin/pages/{pb.pk}/edit/",
        "add_a": f"/admin/pages/add/home/standardpage/{a.home_sq.pk}/",
        "add_b": f"/admin/pages/add/home/standardpage/{b.home_sq.pk}/",
        "copy_a": f"/admin/pages/{pa.pk}/copy/",
        "copy_b": f"/admin/pages/{pb.pk}/copy/",
        "move_a": f"/admin/pages/{pa.pk}/move/",
        "delete_a": f"/admin/pages/{pa.pk}/delete/",
        "delete_b": f"/admin/pages/{pb.pk}/delete/",
        "unpublish_a": f"/admin/pages/{pa.pk}/unpublish/",
        "unpublish_b": f"/admin/pages/{pb.pk}/unpublish/",
        "history_a": f"/admin/pages/{pa.pk}/history/",
        "history_b": f"/admin/pages/{pb.pk}/history/",
        "revision_a": f"/admin/pages/{pa.pk}/revisions/{rev_a}/view/",
        "revision_b": f"/admin/pages/{pb.pk}/revisions/{rev_b}/view/",
        "compare_b": f"/admin/pages/{pb.pk}/revisions/compare/earliest...latest/",
        "draft_a": f"/admin/pages/{pa.pk}/view_draft/",
        "draft_b": f"/admin/pages/{pb.pk}/view_draft/",
        "privacy_b": f"/admin/pages/{pb.pk}/privacy/",
        "translate_a": f"/admin/localize/submit/page/{pa.pk}/",
        "translate_b": f"/admin/localize/submit/page/{pb.pk}/",
        "snippets": "/admin/snippets/",
        "org_settings_a": f"/admin/settings/home/organisationsettings/{a.site.pk}/",
        "org_settings_b": f"/admin/settings/home/organisationsettings/{b.site.pk}/",
        "member_settings_a": f"/admin/settings/membership/membershipsettings/{a.site.pk}/",
        "member_settings_b": f"/admin/settings/membership/membershipsettings/{b.site.pk}/",
        "users": "/admin/users/",
        "groups": "/admin/groups/",
        "sites": "/admin/sites/",
        "workflows": "/admin/workflows/list/",
        "people": reverse("membership_people"),
        "people_export": reverse("membership_people_export", args=["csv"]),
        "person_a": reverse("membership_person", args=[w["person_a"].pk]),
        "person_b": reverse("membership_person", args=[w["person_b"].pk]),
        "person_export_b": reverse("membership_person_export", args=[w["person_b"].pk]),
        "person_erase_b": reverse("membership_person_erase", args=[w["person_b"].pk]),
    }


OK, NO, ANY = "ok", "no", None

# role: {url name: expected}; names not listed are "no" for that role.
EXPECTED = {
    # The snippets index of Wagtail redirects to the only snippet group there is.
    "root": {"*": OK, "snippets": ANY},
    # The explorer may show another site's home page title (public anyway), never
    # its pages: see test_explorer_of_another_site_shows_none_of_its_pages.
    "editor": {
        "explorer_a": OK,
        "explorer_b": ANY,
        "delete_a": OK,  # Wagtail: change + publish include deleting
        "edit_a": OK,
        "add_a": OK,
        "copy_a": OK,
        "unpublish_a": OK,
        "history_a": OK,
        "revision_a": OK,
        "draft_a": OK,
        "snippets": ANY,
        "translate_a": ANY,
        "move_a": ANY,
    },
    "translator": {
        "explorer_a": OK,
        "explorer_b": ANY,
        "copy_a": ANY,  # the form shows; copying needs "add": test_translator_cannot_copy
        "edit_a": OK,
        "history_a": OK,
        "revision_a": OK,
        "draft_a": OK,
        "translate_a": OK,
        "snippets": ANY,
    },
    "event_staff": {"explorer_a": ANY, "snippets": ANY},
    "officer_a": {
        "people": OK,
        "people_export": OK,
        "person_a": OK,
        "member_settings_a": OK,
    },
    "officer_b": {
        "people": OK,
        "people_export": OK,
        "person_b": OK,
        "person_export_b": OK,
        "person_erase_b": OK,
        "member_settings_b": OK,
    },
}


def expected(role, name):
    if role == "anonymous":
        return "login"
    table = EXPECTED[role]
    return table.get(name, table.get("*", NO))


def outcome(client, response):
    if response.status_code == 302 and response["Location"].startswith("/sq/admin/"):
        # A 404 in the admin: the language middleware first offers the /sq/ path.
        response = client.get(response["Location"], HTTP_HOST=HOST)
    status = response.status_code
    if status == 200:
        return OK
    if status == 302 and "/admin/login/" in response["Location"]:
        return "login"
    if status in (302, 403, 404):
        return NO
    raise AssertionError(f"unexpected {status}")


def test_permission_matrix(client, world):
    urls = admin_urls(world)
    wrong = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(world["users"][role])
        for name, url in urls.items():
            want = expected(role, name)
            got = outcome(client, client.get(url, HTTP_HOST=HOST))
            if want is not None and got != want:
                wrong.append(f"{role:12} {name:18} expected {want}, got {got}  ({url})")
    assert wrong == [], "\n" + "\n".join(wrong)


def test_explorer_of_another_site_shows_none_of_its_pages(client, world):
    b = world["b"]
    draft = StandardPage(title="Skicë sekrete B", slug="skice-b", intro="x", live=False)
    b.home_sq.add_child(instance=draft)
    draft.save_revision()
    for role in ("editor", "translator"):
        client.force_login(world["users"][role])
        content = client.get(f"/admin/pages/{b.home_sq.pk}/", HTTP_HOST=HOST).content.decode()
        assert "Skicë sekrete B" not in content and "Rreth B" not in content
        search = client.get("/admin/pages/search/?q=sekrete", HTTP_HOST=HOST).content.decode()
        assert "Skicë sekrete B" not in search


def test_translator_cannot_copy(client, world):
    page_a = world["page_a"]
    client.force_login(world["users"]["translator"])
    client.post(
        f"/admin/pages/{page_a.pk}/copy/",
        {
            "new_title": "Kopje",
            "new_slug": "kopje",
            "new_parent_page": world["a"].home_sq.pk,
            "copy_subpages": "",
            "publish_copies": "",
            "alias": "",
        },
        HTTP_HOST=HOST,
    )
    assert not StandardPage.objects.filter(slug="kopje").exists()


def test_translator_cannot_translate_another_sites_pages(client, world):
    """wagtail-localize checks only the model permission; the project adds the
    per-page check (home/security/scope.py)."""
    from wagtail.models import Locale

    page_b = world["page_b"]
    en = Locale.objects.get(language_code="en")
    for role in ("translator", "editor"):
        client.force_login(world["users"][role])
        response = client.post(
            f"/admin/localize/submit/page/{page_b.pk}/", {"locales": [en.pk]}, HTTP_HOST=HOST
        )
        assert response.status_code in (302, 403)
        assert StandardPage.objects.filter(translation_key=page_b.translation_key).count() == 1
    # Their own site's page: allowed.
    client.force_login(world["users"]["translator"])
    page_a = world["page_a"]
    source = StandardPage.objects.filter(translation_key=page_a.translation_key)
    assert source.count() == 2  # already translated by the fixture
    response = client.get(f"/admin/localize/submit/page/{page_a.pk}/", HTTP_HOST=HOST)
    assert response.status_code == 200


def test_people_of_another_site_leak_nowhere(client, world):
    """Nothing of site B's person reaches site A's officer: listing, search, export."""
    client.force_login(world["users"]["officer_a"])
    listing = client.get(reverse("membership_people") + "?q=example", HTTP_HOST=HOST)
    assert b"b@example.org" not in listing.content
    assert b"a@example.org" in listing.content
    export = client.get(
        reverse("membership_people_export", args=["csv"]) + f"?site={world['b'].site.pk}",
        HTTP_HOST=HOST,
    )
    assert b"b@example.org" not in b"".join(export.streaming_content)


def test_bulk_unpublish_with_ids_of_another_site_changes_nothing_there(client, world):
    page_a, page_b = world["page_a"], world["page_b"]
    client.force_login(world["users"]["editor"])
    # A page goes with its translation (home/translations_tree.py), so both are chosen.
    ids = f"id={page_a.pk}&id={world['page_a_en'].pk}&id={page_b.pk}"
    url = f"/admin/bulk/wagtailcore/page/unpublish/?{ids}"
    response = client.get(url, HTTP_HOST=HOST)
    assert response.status_code == 200
    client.post(url, {"include_descendants": ""}, HTTP_HOST=HOST)
    page_b.refresh_from_db()
    assert page_b.live
    page_a.refresh_from_db()
    assert not page_a.live  # the editor's own page: done


def test_bulk_delete_with_ids_of_another_site_changes_nothing_there(client, world):
    page_a, page_b = world["page_a"], world["page_b"]
    ids = f"id={page_a.pk}&id={world['page_a_en'].pk}&id={page_b.pk}"
    url = f"/admin/bulk/wagtailcore/page/delete/?{ids}"
    for role in ("officer_a", "translator", "editor"):
        client.force_login(world["users"][role])
        client.post(url, {}, HTTP_HOST=HOST)
        assert StandardPage.objects.filter(pk=page_b.pk).exists()
        if role != "editor":  # they may not delete pages at all
            assert StandardPage.objects.filter(pk=page_a.pk).exists()
    # The editor may delete their own site's page, and did.
    assert not StandardPage.objects.filter(pk=page_a.pk).exists()


def test_bulk_user_actions_need_user_rights(client, world):
    root = world["users"]["root"]
    client.force_login(world["users"]["editor"])
    client.post(
        f"/admin/bulk/{get_user_model()._meta.app_label}/user/set_active_state/?id={root.pk}",
        {"mark_as_active": ""},
        HTTP_HOST=HOST,
    )
    root.refresh_from_db()
    assert root.is_active
