"""Importing paper signatures: the same file or row is never added twice, a checked
file is imported without choosing it again (and is not kept), and a municipality is
read in any of the site's languages whatever the officer's admin language."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from home.models import SiteRole
from membership.admin_views import _municipality_code, paper_row_key
from membership.models import AuditEntry, SignUp, Supporter
from membership.records import PaperImport, PaperUpload
from membership.services import erase_supporter, purge

from .conftest import make_campaign
from .test_concurrency import run_at_once

URL = "membership_paper_import"
HEADER = "given_name,family_name,municipality,country,email,phone\n"
# Eight rows without an address and two with one.
FIRST = (
    HEADER
    + "".join(f"Emri{n},Shembulli,Prizren,,,\n" for n in range(8))
    + ("Jeta,Shembulli,Fushë Kosovë,,jeta@example.org,\nLira,Shembulli,Pejë,,lira@example.org,\n")
)


def upload(client, page, text, dry_run=False):
    data = {"page": str(page.pk), "file": SimpleUploadedFile("paper.csv", text.encode())}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse(URL), data)


def confirm_data(html):
    """The fields of the "Import" button under a checked file."""
    page = re.search(r'name="page" value="(\d+)"', html)
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', html)
    assert page and fingerprint, html
    return {"page": page.group(1), "fingerprint": fingerprint.group(1)}


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


def signatures(page):
    return SignUp.objects.filter(page=page, kind="signature").count()


@pytest.fixture
def statement(org):
    return make_campaign(org, threshold=1)[0]


@pytest.fixture
def officer(client, staff):
    client.force_login(staff["officer_a"])
    return staff["officer_a"]


@pytest.mark.django_db
def test_the_same_file_imported_twice_is_refused_and_adds_nothing(client, officer, statement):
    assert upload(client, statement, FIRST).status_code == 302
    assert signatures(statement) == 10
    assert Supporter.objects.count() == 10
    record = PaperImport.objects.get()
    assert record.rows == 10 and record.username == "officer_a"

    again = upload(client, statement, FIRST)
    html = text_of(again)
    assert again.status_code == 200
    assert "This file was imported for this statement already" in html
    assert f"on {timezone.localtime(record.imported_at):%Y-%m-%d %H:%M} by officer_a" in html
    assert signatures(statement) == 10 and Supporter.objects.count() == 10
    # Checking it again says so too, and keeps nothing.
    checked = text_of(upload(client, statement, FIRST, dry_run=True))
    assert "This file was imported for this statement already" in checked
    assert 'name="fingerprint"' not in checked
    assert PaperUpload.objects.count() == 0
    assert AuditEntry.objects.filter(action="import").count() == 1


@pytest.mark.django_db
def test_the_same_file_may_be_imported_for_another_statement(client, officer, org, statement):
    from movement.models import CampaignPage

    other, _ = org.add_page(
        CampaignPage(
            title="Deklarata tjetër",
            slug="tjeter",
            statement_text="<p>Tjetër.</p>",
            statement_consent_text="Pajtohem.",
        ),
        parent=statement.get_parent(),
    )
    upload(client, statement, FIRST)
    assert upload(client, other, FIRST).status_code == 302
    assert signatures(statement) == 10 and signatures(other) == 10
    # The people with an address are the same people; the others cannot be told apart
    # from other people with the same name, and are new rows.
    assert Supporter.objects.filter(email__isnull=False).count() == 2


@pytest.mark.django_db
def test_an_overlapping_file_adds_only_the_new_rows(client, officer, statement):
    upload(client, statement, FIRST)
    # The same people written differently (case, diacritics, code or name), and two more.
    overlapping = HEADER + (
        "emri0,SHEMBULLI,prizren,,,\n"
        "Emri1 , Shembulli ,PRIZREN,,,\n"
        "Jeta,Shembulli,fushe-kosove,,JETA@example.org,\n"
        "Emri0,Shembulli,Pejë,,,\n"
        "Dita,Shembulli,Prizren,,,+383 44 000 111\n"
    )
    checked = upload(client, statement, overlapping, dry_run=True)
    html = text_of(checked)
    assert "2 new signatures are ready to import." in html
    assert "3 rows are there already and will not be added again." in html
    assert signatures(statement) == 10

    done = client.post(reverse(URL), confirm_data(html))
    assert done.status_code == 302
    assert signatures(statement) == 12
    messages = [str(m) for m in get_messages(done.wsgi_request)]
    assert messages == [
        "2 paper signatures were imported. 3 rows were there already and were not added again."
    ]
    assert PaperImport.objects.get(rows=2)
    assert Supporter.objects.filter(given_name="Emri0").count() == 2  # Prizren and Pejë


@pytest.mark.django_db
def test_the_same_signature_twice_in_one_file_is_a_problem(client, officer, statement):
    text = HEADER + "Gent,Shembulli,Prizren,,,\nArta,Shembulli,Pejë,,,\ngent,shembulli,prizren,,,\n"
    html = text_of(upload(client, statement, text))
    assert "Line 4: The same signature is on line 2 already." in html
    assert signatures(statement) == 0
    # The same name with a phone number is somebody else.
    text = HEADER + "Gent,Shembulli,Prizren,,,\nGent,Shembulli,Prizren,,,+383 44 1\n"
    assert upload(client, statement, text).status_code == 302
    assert signatures(statement) == 2


@pytest.mark.django_db
def test_a_checked_file_is_imported_without_choosing_it_again_and_is_not_kept(
    client, officer, statement
):
    checked = upload(client, statement, FIRST, dry_run=True)
    html = text_of(checked)
    assert "10 new signatures are ready to import." in html
    assert signatures(statement) == 0
    kept = PaperUpload.objects.get()
    assert kept.user == officer and kept.page_id == statement.pk
    assert kept.expires_at <= timezone.now() + timedelta(minutes=60)
    # The button carries the file's fingerprint, not the file.
    data = confirm_data(html)
    assert set(data) == {"page", "fingerprint"}
    done = client.post(reverse(URL), data)
    assert done.status_code == 302
    assert signatures(statement) == 10
    assert PaperUpload.objects.count() == 0
    # Pressing it again (the back button) imports nothing more.
    again = text_of(client.post(reverse(URL), data))
    assert "This file was imported for this statement already" in again
    assert signatures(statement) == 10


@pytest.mark.django_db
def test_a_checked_file_expires_and_is_deleted(client, officer, statement):
    data = confirm_data(text_of(upload(client, statement, FIRST, dry_run=True)))
    PaperUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(reverse(URL), data)
    assert response.status_code == 200
    assert "The checked file is kept for 60 minutes only and is gone" in text_of(response)
    assert signatures(statement) == 0
    assert PaperUpload.objects.count() == 0
    # The daily purge deletes expired files nobody came back for, too.
    upload(client, statement, FIRST, dry_run=True)
    purge(now=timezone.now() + timedelta(minutes=61))
    assert PaperUpload.objects.count() == 0


@pytest.mark.django_db
def test_checking_another_file_deletes_the_first(client, officer, statement):
    first = confirm_data(text_of(upload(client, statement, FIRST, dry_run=True)))
    upload(client, statement, HEADER + "Gent,Shembulli,Prizren,,,\n", dry_run=True)
    assert PaperUpload.objects.count() == 1
    assert "is gone" in text_of(client.post(reverse(URL), first))
    assert signatures(statement) == 0


@pytest.mark.django_db
def test_a_checked_file_is_only_its_officers(client, staff, org, roles_a, statement):
    from django.contrib.auth import get_user_model

    client.force_login(staff["officer_a"])
    data = confirm_data(text_of(upload(client, statement, FIRST, dry_run=True)))
    colleague = get_user_model().objects.create_user("officer_a2", is_staff=True)
    colleague.groups.add(roles_a[SiteRole.MEMBERSHIP_OFFICER])
    other = Client()
    other.force_login(colleague)
    response = other.post(reverse(URL), data)
    assert response.status_code == 200 and signatures(statement) == 0
    # Another organisation's officer: not their statement.
    other.force_login(staff["officer_b"])
    response = other.post(reverse(URL), data)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")
    assert signatures(statement) == 0
    assert PaperUpload.objects.count() == 1  # still there for its officer
    assert client.post(reverse(URL), data).status_code == 302
    assert signatures(statement) == 10


@pytest.mark.django_db
def test_a_file_that_is_not_csv_is_a_problem_not_an_error(client, officer, statement):
    too_long = HEADER + '"' + "x" * 200_000 + '",Shembulli,Prizren,,,\n'
    response = upload(client, statement, too_long)
    assert response.status_code == 200
    assert "This line cannot be read as CSV." in text_of(response)
    response = upload(client, statement, HEADER + "Ge\x00nt,Shembulli,Prizren,,,\n")
    assert "The file is not UTF-8 text." in text_of(response)
    assert signatures(statement) == 0 and PaperUpload.objects.count() == 0


@pytest.mark.django_db
def test_paper_entry_of_the_same_row_twice_makes_one_signature(client, officer, statement):
    row = {
        "page": str(statement.pk),
        "given_name": "Ferat",
        "family_name": "Shembulli",
        "municipality": "fushe-kosove",
    }
    first = client.post(reverse("membership_paper"), row, follow=True)
    assert "The signature was added and counts now." in text_of(first)
    second = client.post(reverse("membership_paper"), {**row, "given_name": "FERAT "}, follow=True)
    assert "This signature was there already; it was not added again." in text_of(second)
    assert signatures(statement) == 1
    assert list(AuditEntry.objects.values_list("detail__rows", flat=True)) == [0, 1]


@pytest.mark.django_db
def test_erasure_empties_the_paper_row_key(client, officer, statement):
    upload(client, statement, HEADER + "Gent,Shembulli,Prizren,,,\n")
    signup = SignUp.objects.get()
    assert signup.paper_key == paper_row_key(
        {"given_name": "Gent", "family_name": "Shembulli", "municipality": "prizren"}
    )
    assert "Gent" not in signup.paper_key and len(signup.paper_key) == 64
    erase_supporter(signup.supporter, officer)
    signup.refresh_from_db()
    assert signup.paper_key is None


# -- municipalities and "outside Kosovo" in any language --------------------------------


@pytest.mark.parametrize("admin_language", ["sq", "en"])
@pytest.mark.parametrize(
    "written",
    ["Outside Kosovo", "Jashtë Kosovës", "JASHTE KOSOVES", "jashtë  kosovës", "jashte"],
)
@pytest.mark.django_db
def test_outside_kosovo_is_read_in_any_language_and_stored_as_the_code(
    client, staff, statement, admin_language, written
):
    officer = staff["officer_a"]
    profile = UserProfile.get_for_user(officer)
    profile.preferred_language = admin_language
    profile.save()
    client.force_login(officer)
    text = HEADER + f"Iris,Shembulli,{written},Austri,,\n"
    response = upload(client, statement, text)
    assert response.status_code == 302, text_of(response)
    person = Supporter.objects.get()
    assert person.municipality == "jashte" and person.country == "Austri"


@pytest.mark.django_db
def test_the_check_and_the_refusal_are_in_the_officers_language(client, staff, statement):
    officer = staff["officer_a"]
    profile = UserProfile.get_for_user(officer)
    profile.preferred_language = "sq"
    profile.save()
    client.force_login(officer)
    html = text_of(upload(client, statement, FIRST, dry_run=True))
    assert "10 nënshkrime të reja janë gati për import." in html
    assert ">Importo</button>" in html
    client.post(reverse(URL), confirm_data(html))
    html = text_of(upload(client, statement, FIRST))
    assert "Ky skedar është importuar tashmë për këtë deklaratë" in html


@pytest.mark.parametrize("language", ["sq", "sr-latn", "en"])
def test_municipality_names_are_read_whatever_the_language(language):
    with translation.override(language):
        assert _municipality_code("Outside Kosovo") == "jashte"
        assert _municipality_code("Jashtë Kosovës") == "jashte"
        assert _municipality_code("Fushe Kosove") == "fushe-kosove"
        assert _municipality_code("FUSHË-KOSOVË") == "fushe-kosove"
        assert _municipality_code("mitrovice-jug") == "mitrovice-jug"
        assert _municipality_code("Mitrovicë e Jugut") == "mitrovice-jug"
        assert _municipality_code("Gllogoc") == "drenas"
        assert _municipality_code("Drenas (Gllogoc)") == "drenas"
        assert _municipality_code("Hani i Elezit") == "hani-i-elezit"
        # Serbian names, with or without their letters, in whatever language.
        assert _municipality_code("Priština") == "prishtine"
        assert _municipality_code("Djakovica") == _municipality_code("Đakovica") == "gjakove"
        assert _municipality_code("Elez Han") == "hani-i-elezit"
        assert _municipality_code("Van Kosova") == "jashte"
        assert _municipality_code("") == ""
        assert _municipality_code("Atlantis") is None


# -- at once ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_confirmation_twice_at_once_imports_one_set_of_rows(staff, statement):
    clients = [Client() for _ in range(2)]
    for each in clients:
        each.force_login(staff["officer_a"])
    data = confirm_data(text_of(upload(clients[0], statement, FIRST, dry_run=True)))

    def press(each):
        return lambda: each.post(reverse(URL), data).status_code

    results = run_at_once([press(each) for each in clients])
    assert sorted(results) == [200, 302], results
    assert signatures(statement) == 10
    assert Supporter.objects.count() == 10
    assert PaperImport.objects.count() == 1
    assert PaperUpload.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_file_uploaded_by_two_officers_at_once_is_imported_once(
    staff, org, roles_a, statement
):
    from django.contrib.auth import get_user_model

    colleague = get_user_model().objects.create_user("officer_a2", is_staff=True)
    colleague.groups.add(roles_a[SiteRole.MEMBERSHIP_OFFICER])
    clients = [Client(), Client()]
    clients[0].force_login(staff["officer_a"])
    clients[1].force_login(colleague)

    def send(each):
        return lambda: upload(each, statement, FIRST).status_code

    results = run_at_once([send(each) for each in clients])
    assert sorted(results) == [200, 302], results
    assert signatures(statement) == 10
    assert PaperImport.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_files_at_once_add_each_row_once(staff, statement):
    # Two different files sharing eight rows without an address.
    second = FIRST.replace("Jeta,", "Vesa,").replace("jeta@", "vesa@")
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(staff["officer_a"])
    results = run_at_once(
        [
            lambda: upload(clients[0], statement, FIRST).status_code,
            lambda: upload(clients[1], statement, second).status_code,
        ]
    )
    assert results == [302, 302], results
    assert signatures(statement) == 11
    assert PaperImport.objects.count() == 2
