"""Each organisation's staff work in its own media collection and page tree."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from home.models import SiteRole
from home.roles import ensure_site_roles, site_collection, sites_for_user


@pytest.fixture
def two_orgs(make_org):
    a = make_org("org-a.example", "Organizata A", "Organisation A", default=True)
    b = make_org("org-b.example", "Organizata B", "Organisation B")
    return a, b


def editor_of(org, username):
    groups = ensure_site_roles(org.site)
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(groups[SiteRole.EDITOR])
    return user


def test_roles_are_idempotent_and_tied_to_their_site(two_orgs):
    a, b = two_orgs
    first = ensure_site_roles(a.site)
    again = ensure_site_roles(a.site)
    assert {role: g.pk for role, g in first.items()} == {role: g.pk for role, g in again.items()}
    assert len(first) == 4
    assert SiteRole.objects.filter(site=a.site).count() == 4
    assert SiteRole.objects.filter(site=b.site).count() == 0


def test_sites_for_user(two_orgs):
    a, b = two_orgs
    editor = editor_of(a, "ana")
    assert list(sites_for_user(editor, SiteRole.EDITOR)) == [a.site]
    assert list(sites_for_user(editor, SiteRole.MEMBERSHIP_OFFICER)) == []


def test_editor_edits_own_pages_not_another_sites(client, two_orgs):
    a, b = two_orgs
    client.force_login(editor_of(a, "ana"))
    own = client.get(reverse("wagtailadmin_pages:edit", args=[a.home_en.pk]))
    other = client.get(reverse("wagtailadmin_pages:edit", args=[b.home_sq.pk]))
    assert own.status_code == 200
    assert other.status_code in (302, 403)


def test_editor_uploads_and_sees_only_own_collection(client, two_orgs):
    a, b = two_orgs
    client.force_login(editor_of(a, "ana"))
    ensure_site_roles(b.site)
    mine = Image.objects.create(
        title="Imazhi A", file=get_test_image_file(), collection=site_collection(a.site)
    )
    theirs = Image.objects.create(
        title="Imazhi B", file=get_test_image_file(), collection=site_collection(b.site)
    )
    assert client.get(reverse("wagtailimages:add")).status_code == 200
    listing = client.get(reverse("wagtailimages:index")).content.decode()
    assert "Imazhi A" in listing and "Imazhi B" not in listing
    assert client.get(reverse("wagtailimages:edit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("wagtailimages:edit", args=[theirs.pk])).status_code in (302, 403)
