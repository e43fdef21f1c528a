"""Event staff's side of congress registrations: the list, its counts and filters,
the formula-safe CSV export, and who may reach them (per congress and site)."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from congress.models import CongressIndexPage, CongressPage
from congress.permissions import staff_congresses
from congress.registrations import Registration
from home.models import SiteRole
from home.roles import ensure_site_roles
from membership import services as membership_services
from membership.constants import SignUpKind
from membership.records import AuditEntry, SignUp
from tests.conftest import publish
from tests.congress.conftest import kosovo

START = kosovo(2030, 5, 23, 10, 0)

pytestmark = pytest.mark.django_db


def staff_user(site, role=SiteRole.EVENT_STAFF, username="ngjarjet"):
    groups = ensure_site_roles(site)
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "x")
    user.groups.add(groups[role])
    return user


def register(congress, given, family, email, mode="in_person", status="place", **fields):
    """A registration as the public form leaves it (a sign-up of the person on the
    congress's first version), then given ``status``."""
    site = congress.get_site()

    def on_store(signup):
        Registration.objects.update_or_create(
            signup=signup,
            defaults={"congress": congress, "mode": mode, "status": status, **fields},
        )

    ids = membership_services.store_submission(
        site=site,
        page=congress,
        language="sq",
        email=email,
        person={"given_name": given, "family_name": family, "municipality": "prishtine"},
        signups=[
            {
                "kind": SignUpKind.REGISTRATION,
                "consents": [("signup", "Pajtohem.")],
                "fields": {},
                "on_store": on_store,
            }
        ],
        notify=False,
    )
    if status != "pending":
        SignUp.objects.filter(pk__in=ids).update(
            state=SignUp.State.CONFIRMED, confirmed_at=timezone.now()
        )
    return Registration.objects.select_related("signup__supporter").get(signup_id=ids[0])


@pytest.fixture
def two_sites(make_org, make_congress, congress_index):
    """Site A (the ``org`` fixture's) with a bilingual congress, site B with its own."""
    page_a, page_a_en = make_congress(start=START, in_person_places=2, online_places=None)
    org_b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    index_b = CongressIndexPage(title="Kongreset B", slug="kongreset-b")
    org_b.home_sq.add_child(instance=index_b)
    publish(index_b)
    page_b = CongressPage(
        title="Kongresi i B",
        slug="kongresi-b",
        start_at=START,
        end_at=START + timedelta(hours=2),
        venue_name="Salla B",
    )
    index_b.add_child(instance=page_b)
    publish(page_b)
    return {
        "site_a": page_a.get_site(),
        "page_a": page_a,
        "page_a_en": page_a_en,
        "org_b": org_b,
        "site_b": org_b.site,
        "page_b": page_b,
    }


@pytest.fixture
def people(two_sites):
    a, b = two_sites["page_a"], two_sites["page_b"]
    return {
        "arta": register(a, "Arta", "Krasniqi", "arta@example.org", accessibility="Karrige"),
        "besa": register(a, "Besa", "Gashi", "besa@example.org", organisation="=SUM(1+1)"),
        "dren": register(a, "Dren", "Hoxha", "dren@example.org", status="waitlist"),
        "era": register(a, "Era", "Berisha", "era@example.org", mode="online"),
        "fis": register(a, "Fisnik", "Rama", "fis@example.org", status="pending"),
        "b": register(b, "Sekretb", "Sekretb", "sekretb@example.org"),
    }


@pytest.fixture
def staff(client, two_sites):
    user = staff_user(two_sites["site_a"])
    client.force_login(user)
    return user


def denied(response):
    """Wagtail answers a forbidden admin URL with 403, or with a redirect to the
    dashboard and a "no permission" message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")
    )


def list_url(page):
    return reverse("congress_registration_list", args=[page.pk])


def export_url(page):
    return reverse("congress_registration_export", args=[page.pk])


def test_staff_see_their_congress_with_counts(client, staff, two_sites, people):
    index = client.get(reverse("congress_registrations"))
    assert index.status_code == 200
    body = index.content.decode()
    assert two_sites["page_a"].title in body
    assert "Kongresi i B" not in body
    # The English translation is not a second congress: registrations are kept on
    # the first version.
    assert list_url(two_sites["page_a_en"]) not in body

    response = client.get(list_url(two_sites["page_a"]))
    assert response.status_code == 200
    counts = {row["mode"]: row for row in response.context["counts"]}
    assert counts["in_person"]["places"] == 2
    assert counts["in_person"]["capacity"] == 2
    assert counts["in_person"]["waitlist"] == 1
    assert counts["in_person"]["pending"] == 1
    assert counts["online"]["places"] == 1
    assert counts["online"]["capacity"] is None
    body = response.content.decode()
    for name in ("Arta Krasniqi", "Besa Gashi", "Dren Hoxha", "Era Berisha", "Karrige"):
        assert name in body
    assert "Sekretb" not in body


def test_filters(client, staff, two_sites, people):
    url = list_url(two_sites["page_a"])
    names = lambda response: {  # noqa: E731
        r.signup.supporter.given_name for r in response.context["registrations"]
    }
    assert names(client.get(url, {"mode": "online"})) == {"Era"}
    assert names(client.get(url, {"status": "waitlist"})) == {"Dren"}
    assert names(client.get(url, {"q": "krasn"})) == {"Arta"}
    assert names(client.get(url, {"q": "besa gashi"})) == {"Besa"}
    Registration.objects.filter(pk=people["arta"].pk).update(checked_in_at=timezone.now())
    assert names(client.get(url, {"checked_in": "yes"})) == {"Arta"}
    assert "Arta" not in names(client.get(url, {"checked_in": "no"}))
    # Nonsense in a filter: an empty list, not an error.
    response = client.get(url, {"mode": "<script>"})
    assert response.status_code == 200
    assert names(response) == set()


def test_export_is_formula_safe_and_filtered(client, staff, two_sites, people):
    response = client.get(export_url(two_sites["page_a"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, data = rows[0], rows[1:]
    assert len(data) == 5
    assert len(header) == 15
    by_name = {row[1]: row for row in data}
    assert by_name["Besa"][6] == "'=SUM(1+1)"  # organisation
    assert by_name["Arta"][9] == "Karrige"  # accessibility needs
    assert by_name["Arta"][3] == "arta@example.org"
    assert "Sekretb" not in text
    assert AuditEntry.objects.filter(
        site=two_sites["site_a"], action=AuditEntry.Action.EXPORT_LIST
    ).exists()

    only_waitlist = client.get(export_url(two_sites["page_a"]), {"status": "waitlist"})
    assert only_waitlist.content.decode().count("\r\n") == 2  # header and Dren

    semicolon = client.get(export_url(two_sites["page_a"]), {"dialect": "semicolon"})
    first = semicolon.content.decode().lstrip("\ufeff").split("\r\n")[0]
    assert ";" in first and "," not in first


def test_translation_url_and_other_site_are_not_found(client, staff, two_sites, people):
    for page in (two_sites["page_b"], two_sites["page_a_en"]):
        for url in (list_url(page), export_url(page)):
            assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "role", [SiteRole.EDITOR, SiteRole.TRANSLATOR, SiteRole.MEMBERSHIP_OFFICER]
)
def test_other_roles_are_refused(client, two_sites, people, role):
    user = staff_user(two_sites["site_a"], role=role, username=f"u-{role}")
    client.force_login(user)
    page = two_sites["page_a"]
    for url in (reverse("congress_registrations"), list_url(page), export_url(page)):
        assert denied(client.get(url)), url
    assert not staff_congresses(user, "view_registration").exists()


def test_event_staff_of_the_other_site(client, two_sites, people):
    user = staff_user(two_sites["site_b"], username="staff-b")
    client.force_login(user)
    page = two_sites["page_a"]
    assert client.get(list_url(page)).status_code == 404
    assert client.get(export_url(page)).status_code == 404
    index = client.get(reverse("congress_registrations")).content.decode()
    assert "Kongresi i B" in index
    assert page.title not in index


def test_superuser_sees_every_congress(client, two_sites, people):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    assert client.get(list_url(two_sites["page_b"])).status_code == 200
    assert set(staff_congresses(root, "view_registration")) == {
        two_sites["page_a"].page_ptr.specific,
        two_sites["page_b"].page_ptr.specific,
    }


def test_menu_item_only_for_those_who_may(client, staff, two_sites):
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("congress_registrations") in dashboard
    editor = staff_user(two_sites["site_a"], role=SiteRole.EDITOR, username="editor")
    client.force_login(editor)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("congress_registrations") not in dashboard


def test_event_staff_group_holds_the_permissions(two_sites):
    group = ensure_site_roles(two_sites["site_a"])[SiteRole.EVENT_STAFF]
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "view_registration",
        "change_registration",
        "export_registration",
        "check_in_registration",
        "view_question",
        "change_question",
    } <= codenames
    editor = ensure_site_roles(two_sites["site_a"])[SiteRole.EDITOR]
    assert "view_registration" not in set(editor.permissions.values_list("codename", flat=True))
