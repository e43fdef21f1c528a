"""Restricted pages and documents: "logged-in users only" means the owning
organisation's people, a password without its second factor opens nothing, and the
page cache never keeps nor hands out a restricted page."""

import pytest
from django.core.files.base import ContentFile
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.documents import get_document_model
from wagtail.models import (
    BaseViewRestriction,
    Collection,
    CollectionViewRestriction,
    PageViewRestriction,
)

from home.models import SiteRole, StandardPage
from home.roles import ensure_site_roles, site_collection

from .test_two_factor import VERIFY, fresh_code

Document = get_document_model()
LOGIN = BaseViewRestriction.LOGIN
GROUPS = BaseViewRestriction.GROUPS


@pytest.fixture
def two_orgs(make_org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    org_a = make_org("org-a.example", "Organizata A", "Organisation A", default=True)
    org_b = make_org("org-b.example", "Organizata B", "Organisation B")
    return org_a, org_b, ensure_site_roles(org_a.site), ensure_site_roles(org_b.site)


@pytest.fixture
def people(two_orgs, make_user):
    _, _, roles_a, roles_b = two_orgs
    return {
        "editor_a": make_user("editor_a", roles_a[SiteRole.EDITOR]),
        "officer_a": make_user("officer_a", roles_a[SiteRole.MEMBERSHIP_OFFICER]),
        "editor_b": make_user("editor_b", roles_b[SiteRole.EDITOR]),
        "nobody": make_user("nobody"),
        "root": make_user("root", superuser=True),
    }


def restricted_page(org, restriction_type=LOGIN, groups=()):
    page, _ = org.add_page(StandardPage(title="Vetëm për anëtarë", slug="anetare", intro="Sekret"))
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=restriction_type)
    restriction.groups.set(groups)
    return page


def get_page(client, org, page):
    return client.get(page.relative_url(org.site), HTTP_HOST=org.hostname)


def document_in(collection, restriction_type=LOGIN, groups=()):
    document = Document.objects.create(
        title="Procesverbal",
        file=ContentFile(b"%PDF-1.4 secret minutes", name="minutes.pdf"),
        collection=collection,
    )
    if restriction_type is not None:
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=restriction_type
        )
        restriction.groups.set(groups)
    return document


def get_document(client, document):
    return client.get(document.url)


def is_login_redirect(response):
    return response.status_code == 302 and "/_util/login/" in response["Location"]


# -- "logged-in users only" ------------------------------------------------------------


def test_login_restricted_page_is_for_its_organisation_only(client, two_orgs, people):
    org_a, _, _, _ = two_orgs
    page = restricted_page(org_a)

    assert is_login_redirect(get_page(client, org_a, page))
    for outsider in ("editor_b", "nobody"):
        client.force_login(people[outsider])
        response = get_page(client, org_a, page)
        assert is_login_redirect(response), outsider
        assert b"Sekret" not in response.content
    for insider in ("editor_a", "officer_a", "root"):
        client.force_login(people[insider])
        response = get_page(client, org_a, page)
        assert response.status_code == 200, insider
        assert b"Sekret" in response.content


def test_the_rule_covers_pages_below_and_the_english_tree(client, two_orgs, people):
    org_a, _, _, _ = two_orgs
    page = restricted_page(org_a)
    child, _ = org_a.add_page(StandardPage(title="Nënfaqe", slug="nenfaqe", intro="Brenda"), page)
    about, about_en = org_a.add_page(
        StandardPage(title="Rreth", slug="rreth", intro="Hyrje"),
        en_fields={"title": "About", "slug": "about", "intro": "Members only"},
    )
    PageViewRestriction.objects.create(page=about_en, restriction_type=LOGIN)
    client.force_login(people["editor_b"])
    assert is_login_redirect(get_page(client, org_a, child))
    assert is_login_redirect(get_page(client, org_a, about_en))
    client.force_login(people["editor_a"])
    assert get_page(client, org_a, child).status_code == 200
    assert get_page(client, org_a, about_en).status_code == 200


def test_group_restrictions_keep_their_meaning(client, two_orgs, people):
    org_a, _, roles_a, roles_b = two_orgs
    page = restricted_page(org_a, GROUPS, groups=[roles_b[SiteRole.EDITOR]])
    # The editor chose a group of another organisation: its members are let in.
    client.force_login(people["editor_b"])
    assert get_page(client, org_a, page).status_code == 200
    client.force_login(people["editor_a"])
    assert is_login_redirect(get_page(client, org_a, page))


def test_login_restricted_document_is_for_its_organisation_only(client, two_orgs, people):
    org_a, _, _, _ = two_orgs
    document = document_in(site_collection(org_a.site))

    assert is_login_redirect(get_document(client, document))
    for outsider in ("editor_b", "nobody"):
        client.force_login(people[outsider])
        response = get_document(client, document)
        assert is_login_redirect(response), outsider
    for insider in ("editor_a", "officer_a", "root"):
        client.force_login(people[insider])
        response = get_document(client, document)
        assert response.status_code == 200, insider
        assert b"secret minutes" in b"".join(response.streaming_content)


def test_sub_collections_and_collections_of_no_organisation(client, two_orgs, people):
    org_a, _, _, _ = two_orgs
    minutes = site_collection(org_a.site).add_child(name="Procesverbale")
    # The restriction sits on the organisation's collection; the document below it.
    CollectionViewRestriction.objects.create(
        collection=site_collection(org_a.site), restriction_type=LOGIN
    )
    document = document_in(minutes, restriction_type=None)
    client.force_login(people["editor_b"])
    assert is_login_redirect(get_document(client, document))
    client.force_login(people["editor_a"])
    assert get_document(client, document).status_code == 200

    elsewhere = Collection.get_first_root_node().add_child(name="Arkiva e përbashkët")
    shared = document_in(elsewhere)
    client.force_login(people["editor_a"])
    assert is_login_redirect(get_document(client, shared))
    client.force_login(people["root"])
    assert get_document(client, shared).status_code == 200


# -- a password without its second factor -------------------------------------------


def test_password_alone_opens_no_restricted_page_or_document(settings, client, two_orgs, people):
    settings.ADMIN_2FA_REQUIRED_FOR = ["membership_officer"]
    org_a, _, roles_a, _ = two_orgs
    officer = people["officer_a"]
    page = restricted_page(org_a)
    group_document = document_in(
        site_collection(org_a.site), GROUPS, groups=[roles_a[SiteRole.MEMBERSHIP_OFFICER]]
    )

    # An officer with a device who gave only the password: anonymous outside the
    # verify screen, and the site's login page sends them to it.
    device = TOTPDevice.objects.create(user=officer, name="authenticator", confirmed=True)
    client.force_login(officer)
    for response in (get_page(client, org_a, page), get_document(client, group_document)):
        assert is_login_redirect(response)
    login = client.get(get_page(client, org_a, page)["Location"], HTTP_HOST=org_a.hostname)
    assert login.status_code == 302 and login["Location"].startswith(VERIFY)
    assert "next=%2Fsq%2Fanetare%2F" in login["Location"]

    response = client.post(VERIFY, {"otp_token": fresh_code(device), "next": "/sq/anetare/"})
    assert response.status_code == 302
    assert get_page(client, org_a, page).status_code == 200
    assert get_document(client, group_document).status_code == 200


def test_required_user_without_device_is_anonymous_outside_enrolment(
    settings, client, two_orgs, people
):
    settings.ADMIN_2FA_REQUIRED_FOR = ["membership_officer"]
    org_a, _, _, _ = two_orgs
    page = restricted_page(org_a)
    document = document_in(site_collection(org_a.site))
    client.force_login(people["officer_a"])
    assert is_login_redirect(get_page(client, org_a, page))
    assert is_login_redirect(get_document(client, document))
    # An optional user (an editor) is unaffected.
    client.force_login(people["editor_a"])
    assert get_page(client, org_a, page).status_code == 200


def test_an_optional_device_counts_too(settings, client, two_orgs, people):
    settings.ADMIN_2FA_REQUIRED_FOR = []
    org_a, _, _, _ = two_orgs
    page = restricted_page(org_a)
    editor = people["editor_a"]
    TOTPDevice.objects.create(user=editor, name="authenticator", confirmed=True)
    client.force_login(editor)
    assert is_login_redirect(get_page(client, org_a, page))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


# -- the page cache -------------------------------------------------------------------


def test_page_cache_never_keeps_or_serves_a_restricted_page(client, two_orgs, people):
    org_a, _, _, _ = two_orgs
    page = restricted_page(org_a)
    client.force_login(people["editor_a"])
    response = get_page(client, org_a, page)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    client.logout()
    client.cookies.clear()
    for _ in range(2):
        response = get_page(client, org_a, page)
        assert is_login_redirect(response)
        assert response.get("X-Cache") != "HIT"


def test_a_cached_page_that_becomes_restricted_is_not_served_from_the_cache(
    client, two_orgs, people
):
    org_a, _, _, _ = two_orgs
    page, _ = org_a.add_page(StandardPage(title="Lajm", slug="lajm", intro="Publike"))
    get_page(client, org_a, page)
    assert get_page(client, org_a, page)["X-Cache"] == "HIT"
    PageViewRestriction.objects.create(page=page, restriction_type=LOGIN)
    assert is_login_redirect(get_page(client, org_a, page))
