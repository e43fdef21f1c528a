"""Organisations' applications: who reaches which, whatever the URL says.

Two organisations (sites) each hold an application. Only membership officers of a
site (and superusers) list, read and decide its applications; an officer of the other
site gets 404 for the URL of an application that is not theirs and never sees it
listed; every other role is refused (403, or the admin's redirect to its
dashboard), and anonymous visitors get the login page.
"""

import pytest
from django.urls import reverse
from wagtail.users.models import UserProfile

from home.models import SiteRole
from home.roles import ensure_site_roles
from membership.models import OrganisationApplication, SignUp, Supporter

MARKER = "Sekretb"


def _application(site, name):
    person = Supporter.objects.create(
        site=site, email=f"contact-{site.pk}@example.org", given_name=f"{name} kontakt"
    )
    signup = SignUp.objects.create(
        supporter=person, kind=SignUp.Kind.ORGANISATION, state=SignUp.State.CONFIRMED
    )
    return OrganisationApplication.objects.create(
        signup=signup, site=site, name=name, kind="ngo", work="Punë"
    )


@pytest.fixture
def world(make_org, make_user):
    a = make_org("org-a.example", default=True)
    b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    roles = {"a": ensure_site_roles(a.site), "b": ensure_site_roles(b.site)}
    users = {}
    for side in ("a", "b"):
        for role in (
            SiteRole.EDITOR,
            SiteRole.TRANSLATOR,
            SiteRole.EVENT_STAFF,
            SiteRole.MEMBERSHIP_OFFICER,
        ):
            user = make_user(f"{role}-{side}", roles[side][role])
            user.is_staff = True
            user.save()
            profile = UserProfile.get_for_user(user)
            profile.preferred_language = "en"
            profile.save()
            users[f"{role}-{side}"] = user
    users["root"] = make_user("root", superuser=True)
    return {
        "users": users,
        "app_a": _application(a.site, "Shoqata A"),
        "app_b": _application(b.site, f"Shoqata {MARKER}"),
    }


def refused(response):
    """Wagtail's admin answers PermissionDenied with a redirect to the dashboard and a
    message (or a 403 where it cannot)."""
    if response.status_code == 302:
        assert response["Location"].rstrip("/").endswith("/admin")
    else:
        assert response.status_code == 403
    assert b"Shoqata" not in response.content


OFFICER_A = f"{SiteRole.MEMBERSHIP_OFFICER}-a"
OTHER_ROLES_A = [
    f"{role}-a" for role in (SiteRole.EDITOR, SiteRole.TRANSLATOR, SiteRole.EVENT_STAFF)
]


@pytest.mark.django_db
class TestApplicationScope:
    def test_officer_lists_only_own_sites_applications(self, client, world):
        client.force_login(world["users"][OFFICER_A])
        response = client.get(reverse("membership_organisations"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Shoqata A" in html
        assert MARKER not in html
        # A filter naming another review state changes nothing about the scope.
        html = client.get(reverse("membership_organisations") + "?review=waiting").content
        assert MARKER.encode() not in html

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_other_sites_application_is_404_for_an_officer(self, client, world, method):
        client.force_login(world["users"][OFFICER_A])
        url = reverse("membership_organisation", args=[world["app_b"].pk])
        data = {"decision": "approved", "message": ""} if method == "post" else None
        response = getattr(client, method)(url, data)
        assert response.status_code == 404
        world["app_b"].refresh_from_db()
        assert world["app_b"].review == OrganisationApplication.Review.WAITING

    def test_officer_of_b_reaches_b_not_a(self, client, world):
        client.force_login(world["users"][f"{SiteRole.MEMBERSHIP_OFFICER}-b"])
        assert (
            client.get(reverse("membership_organisation", args=[world["app_b"].pk])).status_code
            == 200
        )
        assert (
            client.get(reverse("membership_organisation", args=[world["app_a"].pk])).status_code
            == 404
        )

    @pytest.mark.parametrize("username", OTHER_ROLES_A)
    @pytest.mark.parametrize("target", ["list", "own", "other", "post_own"])
    def test_other_roles_are_refused(self, client, world, username, target):
        client.force_login(world["users"][username])
        if target == "list":
            response = client.get(reverse("membership_organisations"))
        else:
            app = world["app_b"] if target == "other" else world["app_a"]
            url = reverse("membership_organisation", args=[app.pk])
            if target == "post_own":
                response = client.post(url, {"decision": "approved", "message": ""})
            else:
                response = client.get(url)
        refused(response)
        world["app_a"].refresh_from_db()
        assert world["app_a"].review == OrganisationApplication.Review.WAITING

    def test_anonymous_is_sent_to_login(self, client, world):
        for url in (
            reverse("membership_organisations"),
            reverse("membership_organisation", args=[world["app_a"].pk]),
        ):
            response = client.get(url)
            assert response.status_code == 302
            assert "login" in response["Location"]

    def test_superuser_reaches_both(self, client, world):
        client.force_login(world["users"]["root"])
        html = client.get(reverse("membership_organisations")).content.decode()
        assert "Shoqata A" in html and MARKER in html

    def test_menu_item_only_for_reviewers(self, client, world):
        client.force_login(world["users"][OFFICER_A])
        assert (
            reverse("membership_organisations")
            in client.get(reverse("wagtailadmin_home")).content.decode()
        )
        client.force_login(world["users"][f"{SiteRole.EVENT_STAFF}-a"])
        assert (
            reverse("membership_organisations")
            not in client.get(reverse("wagtailadmin_home")).content.decode()
        )

    def test_review_permission_is_the_officers_only(self, world):
        users = world["users"]
        assert users[OFFICER_A].has_perm("membership.review_organisationapplication")
        for username in OTHER_ROLES_A:
            assert not users[username].has_perm("membership.review_organisationapplication")
