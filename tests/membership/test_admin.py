"""The People area: who sees whom, exports, erasure, paper signatures, dashboard."""

import csv
import io
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import GroupSitePermission

from home.models import SiteRole
from membership.models import AuditEntry, ExportJob, SignUp, Supporter
from membership.services import confirm, store_submission

from .conftest import make_campaign

pytestmark = pytest.mark.django_db


def add_person(site, page, email, kind="membership", **person):
    person = {
        "given_name": "Arta",
        "family_name": "Shembulli",
        "municipality": "prishtine",
        **person,
    }
    ids = store_submission(
        site=site,
        page=page,
        language="sq",
        email=email,
        person=person,
        signups=[{"kind": kind, "fields": {}, "consents": [("signup", "Pajtohem.")]}],
        notify=False,
    )
    confirm(ids)
    return Supporter.objects.get(site=site, email=email)


@pytest.fixture
def people(org, org_b, join_page):
    a = add_person(org.site, join_page[0], "person-a@example.org", given_name="Arta")
    b = add_person(org_b.site, org_b.home_sq, "person-b@example.org", given_name="Besa")
    return a, b


def assert_denied(response):
    """Wagtail answers a PermissionDenied in the admin with a redirect to the
    dashboard and a message."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


def assert_not_found(client, response, person):
    """Another organisation's person: 404 (the language middleware first offers the
    same path under /sq/, which is not found either)."""
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert reverse("membership_person", args=[person.pk]) in response["Location"]
        followed = client.get(response["Location"])
        assert followed.status_code == 404
        assert person.email not in followed.content.decode()


def urls(person):
    return {
        "detail": reverse("membership_person", args=[person.pk]),
        "export": reverse("membership_person_export", args=[person.pk]),
        "erase": reverse("membership_person_erase", args=[person.pk]),
    }


def test_officer_role_gets_the_membership_permissions_and_nobody_else(staff, org):
    officer = staff["officer_a"]
    assert officer.has_perm("membership.view_supporter")
    assert officer.has_perm("membership.export_supporter")
    assert officer.has_perm("membership.erase_supporter")
    assert not officer.has_perm("membership.view_special_category")
    assert not officer.has_perm("wagtailcore.change_page")
    for name in ("editor_a", "events_a", "translator_a"):
        assert not staff[name].has_perm("membership.view_supporter"), name
    group = officer.groups.get()
    assert GroupSitePermission.objects.filter(
        group=group, site=org.site, permission__codename="change_membershipsettings"
    ).exists()


@pytest.mark.parametrize(
    "user, sees_a, sees_b",
    [
        ("officer_a", True, False),
        ("officer_b", False, True),
        ("admin", True, True),
        ("editor_a", None, None),
        ("events_a", None, None),
        ("translator_a", None, None),
    ],
)
def test_role_and_site_matrix(client, staff, people, user, sees_a, sees_b):
    a, b = people
    client.force_login(staff[user])
    index = client.get(reverse("membership_people"))
    listing_csv = client.get(reverse("membership_people_export", args=["csv"]))
    if sees_a is None:  # no personal data at all
        assert_denied(index)
        assert_denied(listing_csv)
        for person in (a, b):
            for name, url in urls(person).items():
                response = client.post(url) if name == "erase" else client.get(url)
                assert_denied(response)
        dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
        assert "person-a@example.org" not in dashboard
        assert "Signatures this week" not in dashboard
        assert Supporter.objects.filter(erased_at__isnull=True).count() == 2
        return
    html = index.content.decode()
    assert index.status_code == 200
    assert ("person-a@example.org" in html) is sees_a
    assert ("person-b@example.org" in html) is sees_b
    exported = b"".join(listing_csv.streaming_content).decode("utf-8-sig")
    assert ("person-a@example.org" in exported) is sees_a
    assert ("person-b@example.org" in exported) is sees_b
    for person, allowed in ((a, sees_a), (b, sees_b)):
        links = urls(person)
        detail = client.get(links["detail"])
        export = client.get(links["export"])
        if allowed:
            assert detail.status_code == 200 and person.email in detail.content.decode()
            assert export.status_code == 200
            assert json.loads(export.content)["email"] == person.email
        else:
            assert_not_found(client, detail, person)
            assert_not_found(client, export, person)
        erase = client.post(links["erase"])
        if allowed:
            assert erase.status_code == 302
        else:
            assert_not_found(client, erase, person)
        person.refresh_from_db()
        assert person.is_erased is allowed


def test_anonymous_users_are_sent_to_the_login(client, people):
    response = client.get(reverse("membership_people"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_filters_and_search(client, staff, org, join_page, volunteer_page, campaign):
    add_person(org.site, join_page[0], "m@example.org", given_name="Mira")
    add_person(
        org.site,
        volunteer_page[0],
        "v@example.org",
        kind="volunteer",
        given_name="Valon",
        municipality="peje",
    )
    pending = store_submission(
        site=org.site,
        page=campaign[0],
        language="sq",
        email="s@example.org",
        person={"given_name": "Sara", "municipality": "prizren"},
        signups=[{"kind": "signature", "consents": [("signup", "Po")]}],
        notify=False,
    )
    assert pending
    client.force_login(staff["officer_a"])
    people_url = reverse("membership_people")

    def listed(**params):
        html = client.get(people_url, params).content.decode()
        return {e for e in ("m@example.org", "v@example.org", "s@example.org") if e in html}

    assert listed() == {"m@example.org", "v@example.org", "s@example.org"}
    assert listed(kind="volunteer") == {"v@example.org"}
    assert listed(state="pending") == {"s@example.org"}
    assert listed(municipality="peje") == {"v@example.org"}
    assert listed(q="mira") == {"m@example.org"}
    assert listed(page=str(campaign[0].pk)) == {"s@example.org"}
    assert listed(date_from="2000-01-01", date_to="2000-01-02") == set()
    exported = b"".join(
        client.get(
            reverse("membership_people_export", args=["csv"]), {"kind": "volunteer"}
        ).streaming_content
    ).decode("utf-8-sig")
    assert "v@example.org" in exported and "m@example.org" not in exported


DANGEROUS = {
    "given_name": '=HYPERLINK("http://evil.example","x")',
    "family_name": "+SUM(1,2)",
    "country": "@cmd",
    "email": "-2+3@example.org",
}


@pytest.fixture
def risky_person(org, campaign):
    ids = store_submission(
        site=org.site,
        page=campaign[0],
        language="sq",
        email=DANGEROUS["email"],
        person={
            "given_name": DANGEROUS["given_name"],
            "family_name": DANGEROUS["family_name"],
            "municipality": "jashte",
            "country": DANGEROUS["country"],
            "phone": "+383 44 123 456",
        },
        signups=[
            {
                "kind": "signature",
                "fields": {"community": "roma"},
                "consents": [("signup", "Po"), ("community", "Po")],
            }
        ],
        notify=False,
    )
    SignUp.objects.filter(pk__in=ids).update(
        motivation="\tTAB", skills="\rCR", languages_spoken="-1"
    )
    return Supporter.objects.get()


def test_csv_export_neutralises_formulas_and_keeps_phones(client, staff, risky_person):
    client.force_login(staff["officer_a"])
    response = client.get(reverse("membership_people_export", args=["csv"]))
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    row = rows[0]
    assert row["Given name"] == "'" + DANGEROUS["given_name"]
    assert row["Family name"] == "'+SUM(1,2)"
    assert row["Country"] == "'@cmd"
    assert row["Email"] == "'-2+3@example.org"
    assert row["Motivation"] == "'\tTAB"
    assert row["Skills"] == "'\rCR"
    assert row["Languages spoken"] == "'-1"
    assert row["Phone"] == "'+383 44 123 456"
    assert "Community" not in row  # the officer has no special-category permission
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert AuditEntry.objects.filter(action="export_list", username="officer_a").exists()


def test_xlsx_export_has_only_text_cells_and_phones_as_typed(
    client, staff, risky_person, settings, tmp_path
):
    settings.MEMBERSHIP_EXPORT_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    client.force_login(staff["admin"])
    # built by a task (at once here), then downloaded from the Exports screen
    client.post(reverse("membership_people_export", args=["xlsx"]))
    job = ExportJob.objects.get()
    response = client.get(reverse("membership_export_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell for cell in sheet[2]], strict=True))
    assert values["Phone"].value == "+383 44 123 456"
    assert values["Phone"].data_type == "s"
    assert values["Phone"].number_format == "@"
    assert values["Given name"].value == "'" + DANGEROUS["given_name"]
    assert values["Community"].value == "Roma"  # a superuser has the permission
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_special_category_needs_its_own_permission(client, staff, risky_person):
    officer = staff["officer_a"]
    client.force_login(officer)
    detail = reverse("membership_person", args=[risky_person.pk])
    assert "Roma" not in client.get(detail).content.decode()
    data = json.loads(
        client.get(reverse("membership_person_export", args=[risky_person.pk])).content
    )
    assert "community" not in data["signups"][0]
    officer.user_permissions.add(Permission.objects.get(codename="view_special_category"))
    officer = type(officer).objects.get(pk=officer.pk)
    client.force_login(officer)
    assert "Roma" in client.get(detail).content.decode()
    data = json.loads(
        client.get(reverse("membership_person_export", args=[risky_person.pk])).content
    )
    assert data["signups"][0]["community"] == "roma"


def test_erasure_anonymises_keeps_counts_and_logs_who(client, staff, org, make_org):
    sq, _ = make_campaign(org, threshold=1)
    person = add_person(org.site, sq, "gone@example.org", kind="signature", phone="+383 44 1")
    assert sq.signature_count() == 1
    client.force_login(staff["officer_a"])
    page = client.get(reverse("membership_person_erase", args=[person.pk]))
    assert page.status_code == 200
    client.post(reverse("membership_person_erase", args=[person.pk]))
    person.refresh_from_db()
    assert person.is_erased
    assert person.email is None and person.given_name == "" and person.phone == ""
    assert sq.signature_count() == 1
    entry = AuditEntry.objects.get(action="erase")
    assert entry.username == "officer_a" and entry.supporter_ref == person.pk
    assert entry.site == org.site
    # The address can be used again.
    add_person(org.site, sq, "gone@example.org", kind="signature")
    assert sq.signature_count() == 2


def test_person_export_is_complete_and_logged(client, staff, people):
    a, _ = people
    client.force_login(staff["officer_a"])
    data = json.loads(client.get(reverse("membership_person_export", args=[a.pk])).content)
    assert data["given_name"] == "Arta"
    assert data["signups"][0]["kind"] == "membership"
    assert data["signups"][0]["consents"][0]["text"] == "Pajtohem."
    assert AuditEntry.objects.filter(action="export_person", supporter_ref=a.pk).exists()


def test_the_person_page_is_headed_by_the_persons_name(client, staff, people):
    a, _ = people
    client.force_login(staff["officer_a"])
    html = client.get(reverse("membership_person", args=[a.pk])).content.decode()
    assert re.search(r'<h1 class="w-header__title"[^>]*>\s*(<svg.*?</svg>)?\s*Arta', html, re.S)


def test_withdrawing_a_signup(client, staff, people):
    a, _ = people
    client.force_login(staff["officer_a"])
    signup = a.signups.get()
    client.post(reverse("membership_signup_withdraw", args=[a.pk, signup.pk]))
    signup.refresh_from_db()
    assert signup.state == "withdrawn" and signup.withdrawn_at


def test_paper_signatures_count_at_once_and_record_who(client, staff, org, org_b):
    sq, _ = make_campaign(org, threshold=1)
    client.force_login(staff["officer_a"])
    form = client.get(reverse("membership_paper")).content.decode()
    assert sq.title in form
    response = client.post(
        reverse("membership_paper"),
        {
            "page": str(sq.pk),
            "given_name": "Ferat",
            "family_name": "Shembulli",
            "municipality": "fushe-kosove",
        },
    )
    assert response.status_code == 302
    signature = SignUp.objects.get()
    assert signature.source == "paper" and signature.state == "confirmed"
    assert signature.entered_by == staff["officer_a"]
    assert sq.signature_count() == 1
    # Another organisation's officer cannot add to this statement.
    client.force_login(staff["officer_b"])
    response = client.post(
        reverse("membership_paper"),
        {"page": str(sq.pk), "given_name": "X", "family_name": "Y", "municipality": "peje"},
    )
    assert response.status_code == 200  # the form, with an error
    assert sq.signature_count() == 1


def test_csv_import_dry_run_reports_bad_rows_and_imports_nothing_until_clean(client, staff, org):
    sq, _ = make_campaign(org, threshold=1)
    client.force_login(staff["officer_a"])
    url = reverse("membership_paper_import")
    bad = (
        "given_name,family_name,municipality,country,email,phone\n"
        "Gent,Shembulli,Prizren,,,\n"
        ",Shembulli,Pejë,,,\n"
        "Hana,Shembulli,Atlantis,,,\n"
        "Iris,Shembulli,jashte,,,\n"
    )

    def upload(text, dry_run):
        data = {"page": str(sq.pk), "file": SimpleUploadedFile("s.csv", text.encode())}
        if dry_run:
            data["dry_run"] = "on"
        return client.post(url, data).content.decode()

    html = upload(bad, dry_run=False)
    assert "Line 3" in html and "Line 4" in html and "Line 5" in html
    assert "Line 2" not in html
    assert SignUp.objects.count() == 0
    good = (
        "given_name,family_name,municipality,country,email,phone\n"
        "Gent,Shembulli,Prizren,,,\n"
        "Jeta,Shembulli,Fushë Kosovë,,jeta@example.org,+383 44 555 666\n"
        "Iris,Shembulli,Outside Kosovo,Austri,,\n"
    )
    upload(good, dry_run=True)
    assert SignUp.objects.count() == 0
    html = upload(good, dry_run=False)
    assert SignUp.objects.filter(source="paper", state="confirmed").count() == 3
    assert sq.signature_count() == 3
    assert Supporter.objects.get(email="jeta@example.org").phone == "+383 44 555 666"
    assert AuditEntry.objects.filter(action="import", username="officer_a").exists()


def test_dashboard_counts_per_site(client, staff, org, people, volunteer_page):
    add_person(org.site, volunteer_page[0], "v@example.org", kind="volunteer")
    client.force_login(staff["officer_a"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Signatures this week" in html
    assert "Organisation A" in html and "Organisation B" not in html
    from membership.admin_views import dashboard_counts

    counts = dashboard_counts(staff["officer_a"])
    assert counts == [{"site": org.site, "members": 1, "volunteers": 1, "signatures_week": 0}]
    assert len(dashboard_counts(staff["admin"])) == 2
    assert dashboard_counts(staff["editor_a"]) == []


def test_people_menu_is_shown_only_to_people_who_may_see_people(client, staff, people):
    client.force_login(staff["officer_a"])
    assert reverse("membership_people") in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(staff["editor_a"])
    assert (
        reverse("membership_people")
        not in client.get(reverse("wagtailadmin_home")).content.decode()
    )


def test_roles_module_gives_each_site_its_officer_group(org, staff):
    from home.roles import sites_for_user

    assert list(sites_for_user(staff["officer_a"], SiteRole.MEMBERSHIP_OFFICER)) == [org.site]
