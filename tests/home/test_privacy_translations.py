"""A page's translations follow its privacy; deleting a source page deletes its
translations, deleting a translation deletes only it (home/translations_tree.py,
home/security/restrictions.py)."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import BaseViewRestriction, GroupPagePermission, Page, PageViewRestriction

from home.models import SiteRole, StandardPage
from home.roles import ensure_site_roles
from tests.conftest import publish
from tests.security.worlds import localize

LOGIN = BaseViewRestriction.LOGIN
GROUPS = BaseViewRestriction.GROUPS
PASSWORD = BaseViewRestriction.PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles(org):
    return ensure_site_roles(org.site)


@pytest.fixture
def editor(roles, django_user_model):
    user = django_user_model.objects.create_user("redaktor", "r@example.org", "x")
    user.groups.add(roles[SiteRole.EDITOR])
    return user


@pytest.fixture
def albanian_only(org, django_user_model):
    """A user who may edit and publish the Albanian tree of ``org`` but not the English."""
    group = Group.objects.create(name="Vetëm shqip")
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=org.home_sq, permission_id=_permission(codename)
        )
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = django_user_model.objects.create_user("shqip", "sq@example.org", "x")
    user.groups.add(group)
    return user


def translate(page):
    """The English translation of ``page``, made and published by wagtail-localize."""
    target = localize(page).get_target_instance()
    # wagtail-localize publishes once the transaction commits, which a test never does.
    target.get_latest_revision().publish()
    return Page.objects.get(pk=target.pk).specific


@pytest.fixture
def pages(org):
    """An Albanian page and its English translation."""
    page = StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje")
    org.home_sq.add_child(instance=page)
    publish(page)
    return page, translate(page)


def restriction_of(page):
    restrictions = list(PageViewRestriction.objects.filter(page=page))
    assert len(restrictions) <= 1, restrictions
    if not restrictions:
        return None
    restriction = restrictions[0]
    return (
        restriction.restriction_type,
        restriction.password,
        set(restriction.groups.values_list("name", flat=True)),
    )


def set_privacy(client, page, restriction_type, password="", groups=()):
    response = client.post(
        f"/admin/pages/{page.pk}/privacy/",
        {"restriction_type": restriction_type, "password": password, "groups": list(groups)},
    )
    assert response.status_code == 200, response.status_code
    assert json.loads(response.content)["step"] == "set_privacy_done"


def anonymous_get(client, org, page):
    client.logout()
    return client.get(page.url, HTTP_HOST=org.hostname)


# -- privacy ----------------------------------------------------------------------------


def test_every_change_of_the_sources_privacy_reaches_its_translation(client, org, editor, pages):
    page, translation = pages
    group = Group.objects.get(site_role__site=org.site, site_role__role=SiteRole.EDITOR)
    other = Group.objects.get(site_role__site=org.site, site_role__role=SiteRole.TRANSLATOR)
    client.force_login(editor)

    set_privacy(client, page, LOGIN)
    assert restriction_of(translation) == (LOGIN, "", set()) == restriction_of(page)

    set_privacy(client, page, PASSWORD, password="fjalekalim-i-gjate")
    assert restriction_of(translation) == (PASSWORD, "fjalekalim-i-gjate", set())

    set_privacy(client, page, GROUPS, groups=[group.pk, other.pk])
    assert restriction_of(translation) == (GROUPS, "", {group.name, other.name})
    set_privacy(client, page, GROUPS, groups=[group.pk])
    assert restriction_of(translation) == (GROUPS, "", {group.name}) == restriction_of(page)

    set_privacy(client, page, BaseViewRestriction.NONE)
    assert restriction_of(page) is None
    assert restriction_of(translation) is None


def test_the_translation_is_closed_to_visitors_at_once_though_it_was_cached(
    client, org, editor, pages
):
    page, translation = pages
    assert anonymous_get(client, org, translation).status_code == 200
    assert anonymous_get(client, org, translation)["X-Cache"] == "HIT"

    client.force_login(editor)
    set_privacy(client, page, LOGIN)

    response = anonymous_get(client, org, translation)
    assert response.status_code == 302
    assert "/_util/login/" in response["Location"]


def test_a_translation_made_later_is_as_private_as_its_source(client, org, editor):
    page = StandardPage(title="Vetëm anëtarët", slug="anetaret", intro="Hyrje")
    org.home_sq.add_child(instance=page)
    publish(page)
    group = Group.objects.get(site_role__site=org.site, site_role__role=SiteRole.EDITOR)
    client.force_login(editor)
    set_privacy(client, page, GROUPS, groups=[group.pk])

    translation = translate(page)

    assert restriction_of(translation) == (GROUPS, "", {group.name})


def test_a_restriction_copied_without_its_groups_takes_the_sources(org, pages, roles):
    """wagtail-localize copies a source's restriction without its groups when it
    makes the translation's; the copy takes them from the source."""
    page, translation = pages
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=GROUPS)
    restriction.groups.set([roles[SiteRole.EDITOR]])
    PageViewRestriction.objects.filter(page=translation).delete()

    PageViewRestriction.objects.create(page=translation, restriction_type=GROUPS)

    assert restriction_of(translation) == (GROUPS, "", {roles[SiteRole.EDITOR].name})


def test_a_translations_privacy_is_changed_on_its_source(client, org, editor, pages):
    page, translation = pages
    client.force_login(editor)

    # Wagtail's answer to a permission it refuses: back to the dashboard.
    for response in (
        client.get(f"/admin/pages/{translation.pk}/privacy/"),
        client.post(f"/admin/pages/{translation.pk}/privacy/", {"restriction_type": LOGIN}),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert restriction_of(translation) is None
    assert restriction_of(page) is None

    # The translation editor says where its privacy is set, with a link there; the
    # source's editor says that the translations follow it. In the user's language.
    html = client.get(f"/admin/pages/{translation.pk}/edit/").text
    assert "data-privacy-shared" in html
    assert f'href="/admin/pages/{page.pk}/edit/"' in html
    assert "Një përkthim ka privatësinë e faqes së vet burimore" in html
    html = client.get(f"/admin/pages/{page.pk}/edit/").text
    assert "Përkthimet kanë privatësinë e faqes së tyre burimore" in html
    assert "(English)" in html


def test_deleting_a_private_translation_leaves_its_source_private(client, org, editor, pages):
    page, translation = pages
    client.force_login(editor)
    set_privacy(client, page, LOGIN)

    response = client.post(f"/admin/pages/{translation.pk}/delete/")

    assert response.status_code == 302
    assert not Page.objects.filter(pk=translation.pk).exists()
    assert restriction_of(page) == (LOGIN, "", set())


# -- deletion ---------------------------------------------------------------------------


def test_the_confirmation_names_the_translations_deleted_with_the_page(client, org, editor, pages):
    page, translation = pages
    client.force_login(editor)

    response = client.get(f"/admin/pages/{page.pk}/delete/")

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    [warning] = [message for message in messages if "Fshirja e kësaj faqeje" in message]
    assert f"English: „{translation.title}“" in warning

    response = client.post(f"/admin/pages/{page.pk}/delete/")

    assert response.status_code == 302
    assert not Page.objects.filter(pk__in=[page.pk, translation.pk]).exists()


def test_deleting_a_translation_deletes_only_that_translation(client, org, editor, pages):
    page, translation = pages
    client.force_login(editor)

    response = client.get(f"/admin/pages/{translation.pk}/delete/")
    assert not [m for m in response.context["messages"] if "Fshirja e kësaj faqeje" in str(m)]
    client.post(f"/admin/pages/{translation.pk}/delete/")

    assert not Page.objects.filter(pk=translation.pk).exists()
    assert Page.objects.filter(pk=page.pk, live=True).exists()


def test_a_user_who_may_not_delete_a_translation_cannot_delete_its_source(
    client, org, pages, albanian_only
):
    """Someone who may delete the Albanian page but not its English translation is
    told so, and nothing is deleted."""
    page, translation = pages
    client.force_login(albanian_only)

    for method in (client.get, client.post):
        response = method(f"/admin/pages/{page.pk}/delete/", follow=True)
        messages = [str(message) for message in response.context["messages"]]
        assert any("nuk mund të fshihet" in message for message in messages), messages
    assert Page.objects.filter(pk__in=[page.pk, translation.pk]).count() == 2


def test_nothing_of_another_organisation_follows_a_page(client, make_org, editor, pages, org):
    """A page that shares the translation key of one of organisation A's pages but
    lies in organisation B's site (moved there by a superuser) is neither made
    private nor deleted with A's page."""
    page, translation = pages
    other = make_org("org-b.example", "Organizata B", "Organisation B")
    translation.move(other.home_en, pos="last-child")
    translation.refresh_from_db()
    client.force_login(editor)

    set_privacy(client, page, LOGIN)
    assert restriction_of(translation) is None

    response = client.get(f"/admin/pages/{page.pk}/delete/")
    assert not [m for m in response.context["messages"] if "Fshirja e kësaj faqeje" in str(m)]
    client.post(f"/admin/pages/{page.pk}/delete/")
    assert Page.objects.filter(pk=translation.pk).exists()


def _permission(codename):
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename).pk


# -- unpublishing and the bulk actions ----------------------------------------------------


def test_unpublishing_the_source_unpublishes_its_translation(client, org, editor, pages):
    page, translation = pages
    client.force_login(editor)

    response = client.get(f"/admin/pages/{page.pk}/unpublish/")
    assert response.context["translation_count"] == 1
    client.post(f"/admin/pages/{page.pk}/unpublish/")

    assert not Page.objects.get(pk=page.pk).live
    assert not Page.objects.get(pk=translation.pk).live


def test_unpublishing_a_translation_unpublishes_only_it(client, org, editor, pages):
    page, translation = pages
    client.force_login(editor)

    client.post(f"/admin/pages/{translation.pk}/unpublish/")

    assert not Page.objects.get(pk=translation.pk).live
    assert Page.objects.get(pk=page.pk).live


def test_a_user_who_may_not_unpublish_a_translation_cannot_unpublish_its_source(
    client, org, pages, albanian_only
):
    page, translation = pages
    client.force_login(albanian_only)

    response = client.post(f"/admin/pages/{page.pk}/unpublish/", follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert any("nuk mund të hiqet nga publikimi" in message for message in messages), messages
    assert Page.objects.filter(pk__in=[page.pk, translation.pk], live=True).count() == 2


@pytest.mark.parametrize("action", ["delete", "unpublish"])
def test_the_bulk_actions_take_a_source_only_with_its_translations(
    client, org, editor, pages, action
):
    page, translation = pages
    client.force_login(editor)
    url = f"/admin/bulk/wagtailcore/page/{action}/"

    response = client.post(f"{url}?id={page.pk}", follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert any("shkon bashkë me përkthimet" in message for message in messages), messages
    assert Page.objects.filter(pk__in=[page.pk, translation.pk], live=True).count() == 2

    client.post(f"{url}?id={page.pk}&id={translation.pk}")

    remaining = Page.objects.filter(pk__in=[page.pk, translation.pk], live=True)
    assert not remaining.exists()
