"""Exports of the People list at any size: the CSV streamed as it is read, the XLSX
built by a task into a private file that only officers of its organisations can
download for a day, the generated test people, and a listing that never counts
everyone."""

import csv
import io
import os
import tracemalloc
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from home.csvsafe import neutralise
from home.models import SiteRole
from membership import exports
from membership.admin_views import PER_PAGE
from membership.management.commands.membership_seed_people import EMAIL_DOMAIN
from membership.models import AuditEntry, ConsentRecord, ExportJob, SignUp, Supporter
from membership.people import PeopleFilterForm, filtered
from membership.services import confirm, store_submission

pytestmark = pytest.mark.django_db

CSV_URL = reverse("membership_people_export", args=["csv"])
XLSX_URL = reverse("membership_people_export", args=["xlsx"])
EXPORTS_URL = reverse("membership_exports")
RISKY = {
    "given_name": '=HYPERLINK("http://evil.example","x")',
    "family_name": "+SUM(1,2)",
    "country": "@cmd",
}


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.MEMBERSHIP_EXPORT_ROOT = tmp_path / "exports"
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": tmp_path / "exports"}},
    }
    return settings.MEMBERSHIP_EXPORT_ROOT


def add(site, page, email, kind="membership", **person):
    ids = store_submission(
        site=site,
        page=page,
        language="sq",
        email=email,
        person={"given_name": "Arta", "family_name": "Shembulli", **person},
        signups=[{"kind": kind, "fields": {}, "consents": [("signup", "Pajtohem.")]}],
        notify=False,
    )
    confirm(ids)
    return Supporter.objects.get(site=site, email=email)


@pytest.fixture
def lists(org, org_b, join_page, volunteer_page, campaign):
    """Organisation A: a member, a volunteer and a risky signatory (community given);
    organisation B: one member."""
    add(org.site, join_page[0], "member-a@example.org", given_name="Mira")
    add(org.site, volunteer_page[0], "volunteer-a@example.org", kind="volunteer")
    ids = store_submission(
        site=org.site,
        page=campaign[0],
        language="sq",
        email="risky-a@example.org",
        person={**RISKY, "municipality": "jashte", "phone": "+383 44 123 456"},
        signups=[
            {
                "kind": "signature",
                "fields": {"community": "roma"},
                "consents": [("signup", "Po"), ("community", "Po")],
            }
        ],
        notify=False,
    )
    confirm(ids)
    add(org_b.site, org_b.home_sq, "member-b@example.org", given_name="Besa")


def read_csv(response, delimiter=","):
    assert isinstance(response, StreamingHttpResponse)  # FileResponse is one too
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def denied(response):
    """Wagtail answers a PermissionDenied in the admin with a redirect to the
    dashboard (and a message), or 403."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


# -- CSV ---------------------------------------------------------------------------------


def test_the_csv_is_streamed_with_the_filtered_rows_of_the_officers_organisations(
    client, staff, org, org_b, lists
):
    client.force_login(staff["officer_a"])
    rows = read_csv(client.get(CSV_URL, {"kind": "volunteer"}))
    assert [row["Email"] for row in rows] == ["volunteer-a@example.org"]
    # read after the view returned, still in the officer's language (English)
    assert rows[0]["Kind"] == "Volunteering" and rows[0]["State"] == "Confirmed"
    everyone = read_csv(client.get(CSV_URL, {"dialect": "semicolon"}), delimiter=";")
    emails = {row["Email"] for row in everyone}
    assert emails == {"member-a@example.org", "volunteer-a@example.org", "risky-a@example.org"}
    risky = next(row for row in everyone if row["Email"] == "risky-a@example.org")
    assert risky["Given name"] == "'" + RISKY["given_name"]
    assert risky["Family name"] == "'+SUM(1,2)"
    assert "Community" not in risky  # no special-category permission
    entry = AuditEntry.objects.filter(action="export_list", username="officer_a").latest("pk")
    assert entry.site == org.site
    assert entry.detail["rows"] == 3 and entry.detail["format"] == "csv"

    # Another organisation's officer: none of A's people, even when asking for A.
    client.force_login(staff["officer_b"])
    rows = read_csv(client.get(CSV_URL, {"site": org.site.pk}))
    assert [row["Email"] for row in rows] == ["member-b@example.org"]
    client.force_login(staff["editor_a"])
    assert denied(client.get(CSV_URL))


def test_the_community_column_needs_its_own_permission(client, staff, lists):
    client.force_login(staff["admin"])
    rows = read_csv(client.get(CSV_URL, {"kind": "signature"}))
    assert [row["Community"] for row in rows] == ["Roma"]


def test_the_csv_is_sent_in_pieces_as_it_is_read(client, staff, org, monkeypatch):
    call_command("membership_seed_people", count=30, site=org.hostname, force=True, seed=1)
    monkeypatch.setattr(exports, "CSV_ROWS_PER_PIECE", 10)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 7)
    client.force_login(staff["officer_a"])
    response = client.get(CSV_URL)
    pieces = list(response.streaming_content)
    rows = SignUp.objects.filter(supporter__site=org.site).count()
    assert rows > 30
    assert len(pieces) == rows // 10 + 1
    assert b"".join(pieces).decode("utf-8").count("\r\n") == rows + 1


CELL_CHARACTERS = list("ab1 =+-@\t\r\n,;|\"'\u00a0\uff1d\uff0b\uff0d\uff20")


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(st.sampled_from(CELL_CHARACTERS), max_size=8), st.text(max_size=8)))
def test_the_fast_cell_is_exactly_neutralise(text):
    assert exports.cell(text) == neutralise(text)


def _peak_while_reading(site, include_special=False):

    signups = filtered({}, [site], [site])[2]
    tracemalloc.start()
    try:
        size = sum(len(piece) for piece in exports.csv_chunks(signups, include_special))
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def test_the_memory_of_a_csv_export_does_not_grow_with_the_list(org, org_b, monkeypatch):
    """Ten times the rows, not ten times the memory: the list is never held whole.
    Both lists span many reads and pieces, and a first export is read before either is
    measured, so that what is done once (loading a language's catalogue) counts for
    neither."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 200)
    monkeypatch.setattr(exports, "CSV_ROWS_PER_PIECE", 100)
    call_command("membership_seed_people", count=400, site=org.hostname, force=True, seed=2)
    call_command("membership_seed_people", count=4000, site=org_b.hostname, force=True, seed=3)
    _peak_while_reading(org.site)
    small, small_size = _peak_while_reading(org.site)
    large, large_size = _peak_while_reading(org_b.site)
    assert large_size > 8 * small_size
    assert large < 2 * small, (small, large)


def test_a_csv_too_long_to_stream_is_prepared_in_the_background(
    client, staff, org, lists, settings
):
    settings.MEMBERSHIP_EXPORT_STREAM_ROWS = 2
    client.force_login(staff["officer_a"])
    page = client.get(CSV_URL, {"dialect": "semicolon"})
    assert page.status_code == 200 and not page.streaming
    html = page.content.decode()
    assert "This list has more than 2 sign-ups" in html and 'method="post"' in html
    assert not AuditEntry.objects.filter(action="export_list").exists()

    client.post(CSV_URL + "?dialect=semicolon")
    job = job_of(staff["officer_a"])
    assert job.format == "csv" and job.state == ExportJob.State.DONE and job.rows == 3
    download = client.get(reverse("membership_export_download", args=[job.pk]))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"].endswith('.csv"')
    rows = read_csv(download, delimiter=";")
    assert {row["Email"] for row in rows} == {
        "member-a@example.org",
        "volunteer-a@example.org",
        "risky-a@example.org",
    }
    assert AuditEntry.objects.get(action="export_list").detail["rows"] == 3


# -- XLSX --------------------------------------------------------------------------------


def officers_of(org):
    return SiteRole.objects.get(site=org.site, role=SiteRole.MEMBERSHIP_OFFICER).group


def job_of(user):
    return ExportJob.objects.filter(username=user.get_username()).latest("pk")


def test_an_xlsx_export_is_a_job_whose_file_is_private_and_safe(
    client, staff, org, lists, export_root, settings
):
    officer = staff["officer_a"]
    client.force_login(officer)
    assert client.get(XLSX_URL).status_code == 405
    response = client.post(XLSX_URL + "?state=confirmed")
    assert response.status_code == 302 and response["Location"] == EXPORTS_URL
    job = job_of(officer)
    assert job.user == officer and list(job.sites.all()) == [org.site]
    assert job.filters == {"state": "confirmed"} and not job.include_special
    assert job.state == ExportJob.State.DONE and job.rows == 3 and job.finished_at
    assert job.path.parent == export_root and job.path.is_file()
    assert not str(job.path).startswith(str(settings.MEDIA_ROOT))
    assert AuditEntry.objects.filter(
        action="export_list", username="officer_a", detail__export=job.pk
    ).exists()

    listing = client.get(EXPORTS_URL).content.decode()
    download_url = reverse("membership_export_download", args=[job.pk])
    assert download_url in listing
    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    assert "Community" not in header
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    risky = next(row for row in rows if row["Email"].value == "risky-a@example.org")
    assert risky["Given name"].value == "'" + RISKY["given_name"]
    assert risky["Family name"].value == "'+SUM(1,2)"
    assert risky["Phone"].value == "+383 44 123 456" and risky["Phone"].number_format == "@"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_download_only_by_officers_of_the_exports_organisations(client, staff, org, lists):
    client.force_login(staff["officer_a"])
    client.post(XLSX_URL)
    job = job_of(staff["officer_a"])
    url = reverse("membership_export_download", args=[job.pk])

    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    for name in ("officer_b", "editor_a"):
        client.force_login(staff[name])
        assert denied(client.get(url)), name

    # A colleague of the same organisation may, and is logged.
    colleague = get_user_model().objects.create_user("officer_a2", password="pw", is_staff=True)
    colleague.groups.add(officers_of(org))
    client.force_login(colleague)
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(username="officer_a2", detail__export=job.pk).exists()
    # The exports screen lists one's own exports only.
    assert url not in client.get(EXPORTS_URL).content.decode()


def test_a_file_with_the_community_needs_that_permission_to_download(client, staff, org, lists):
    officer = staff["officer_a"]
    officer.user_permissions.add(Permission.objects.get(codename="view_special_category"))
    officer = type(officer).objects.get(pk=officer.pk)
    client.force_login(officer)
    client.post(XLSX_URL)
    job = job_of(officer)
    assert job.include_special
    url = reverse("membership_export_download", args=[job.pk])
    sheet = load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content))).active
    assert "Community" in [cell.value for cell in sheet[1]]
    colleague = get_user_model().objects.create_user("officer_a3", password="pw", is_staff=True)
    colleague.groups.add(officers_of(org))
    client.force_login(colleague)
    assert denied(client.get(url))


def test_one_export_at_a_time_per_user(client, staff, org, lists):
    client.force_login(staff["officer_a"])
    waiting = ExportJob.objects.create(user=staff["officer_a"], username="officer_a")
    waiting.sites.set([org.site])
    client.post(XLSX_URL)
    assert ExportJob.objects.count() == 1
    assert ExportJob.objects.get().state == ExportJob.State.QUEUED


def test_a_failed_export_leaves_no_file(client, staff, lists, export_root, monkeypatch):
    def broken(*args, **kwargs):
        target = args[2]
        target.write_bytes(b"half")
        raise RuntimeError("disk gone")

    monkeypatch.setattr(exports, "write_xlsx", broken)
    client.force_login(staff["officer_a"])
    client.post(XLSX_URL)
    job = job_of(staff["officer_a"])
    assert job.state == ExportJob.State.FAILED and job.file_name == ""
    assert not any(export_root.glob("*"))  # the half-written file was not kept
    assert "membership_export_download" not in client.get(EXPORTS_URL).content.decode()


def test_a_long_list_goes_on_as_many_sheets_as_it_needs(org, lists, monkeypatch):

    monkeypatch.setattr(exports, "XLSX_ROWS_PER_SHEET", 2)
    buffer = io.BytesIO()
    per_site = exports.write_xlsx(filtered({}, [org.site], [org.site])[2], False, buffer)
    assert per_site == {org.site.pk: 3}
    workbook = load_workbook(buffer)
    assert [sheet.max_row for sheet in workbook.worksheets] == [3, 2]


def test_exports_are_deleted_after_a_day(client, staff, org, lists, export_root, settings):
    client.force_login(staff["officer_a"])
    client.post(XLSX_URL)
    old = job_of(staff["officer_a"])
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    client.post(XLSX_URL)
    new = job_of(staff["officer_a"])
    assert new.pk != old.pk and old.path.is_file() and new.path.is_file()
    stray = export_root / "people-0-left-behind.xlsx.part"
    stray.write_bytes(b"x")
    day_old = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(stray, (day_old, day_old))

    out = io.StringIO()
    call_command("membership_purge", stdout=out)
    assert "1 expired exports deleted" in out.getvalue()
    assert not old.path.exists() and not stray.exists()
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert new.path.is_file()

    # Past its day, a download deletes it instead.
    ExportJob.objects.filter(pk=new.pk).update(created_at=timezone.now() - timedelta(hours=25))
    response = client.get(reverse("membership_export_download", args=[new.pk]))
    assert response.status_code == 302 and response["Location"] == EXPORTS_URL
    assert not new.path.exists() and not ExportJob.objects.filter(pk=new.pk).exists()


def test_a_worker_deletes_the_file_at_the_end_of_its_day(staff, org, lists, settings):
    """On a backend that can run tasks later (the database worker), building the
    file schedules its deletion."""
    from django_tasks import default_task_backend

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", exports.EXPORT_QUEUE],
        }
    }
    job = ExportJob.objects.create(user=staff["officer_a"], username="officer_a")
    job.sites.set([org.site])
    exports.build_export.call(job.pk)
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.path.is_file()
    [scheduled] = default_task_backend.results
    assert scheduled.task.name == "discard_export" and scheduled.args == [job.pk]
    assert scheduled.task.run_after == job.expires_at
    assert scheduled.task.queue_name == "exports"
    exports.discard_export.call(job.pk)  # too early: kept
    assert job.path.is_file()
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=2))
    exports.discard_export.call(job.pk)
    assert not job.path.exists() and not ExportJob.objects.filter(pk=job.pk).exists()


# -- generated people --------------------------------------------------------------------


def test_the_seed_command_adds_clearly_generated_people_fast(org, join_page, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("membership_seed_people", count=5, site=org.hostname)
    with pytest.raises(CommandError, match="No site"):
        call_command("membership_seed_people", count=5, site="nowhere.example", force=True)
    call_command("membership_seed_people", count=120, site=org.hostname, force=True, batch=50)
    people = Supporter.objects.filter(site=org.site)
    assert people.count() == 120
    assert all(p.email is None or p.email.endswith("@" + EMAIL_DOMAIN) for p in people)
    signups = SignUp.objects.filter(supporter__site=org.site)
    assert signups.count() >= 120
    assert ConsentRecord.objects.filter(signup__in=signups).count() == signups.count()
    # Nothing waits for a confirmation email.
    assert not signups.filter(email_status=SignUp.EmailStatus.QUEUED).exists()
    # New rows after them get ids of their own.
    later = add(org.site, join_page[0], "after-the-seed@example.org")
    assert later.pk > max(p.pk for p in people)


# -- the listing -------------------------------------------------------------------------


def _listing(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("membership_people"), params)
    assert response.status_code == 200
    return response.content.decode(), queries


def test_the_people_page_never_counts_the_whole_listing(client, staff, org, org_b):
    client.force_login(staff["officer_a"])
    call_command("membership_seed_people", count=PER_PAGE + 5, site=org.hostname, force=True)
    _listing(client)  # warm-up
    html, queries = _listing(client)
    counting = [
        q["sql"] for q in queries if "COUNT(*)" in q["sql"] and "email_status" not in q["sql"]
    ]
    assert counting == []
    assert f"People 1–{PER_PAGE}" in html and "p=2" in html
    html, _queries = _listing(client, p="2")
    assert f"{PER_PAGE + 5} people" in html and "Page 2" in html and "p=1" in html
    # The number of queries does not depend on how many people there are.
    call_command("membership_seed_people", count=PER_PAGE, site=org.hostname, force=True)
    _html, after = _listing(client)
    assert len(after) == len(queries)


def test_the_last_page_says_how_many_people_match(client, staff, org, lists):
    client.force_login(staff["officer_a"])
    html, _queries = _listing(client)
    assert "3 people" in html
    html, _queries = _listing(client, q="mira")
    assert "1 person" in html


def test_the_page_filter_offers_the_pages_of_ones_own_organisations(
    org, org_b, lists, campaign, join_page
):
    form = PeopleFilterForm(sites=[org.site])
    offered = {value for value, _label in form.fields["page"].choices}
    assert {str(campaign[0].pk), str(join_page[0].pk)} <= offered
    assert str(org_b.home_sq.pk) not in offered
    form_b = PeopleFilterForm(sites=[org_b.site])
    assert {value for value, _label in form_b.fields["page"].choices} == {"", str(org_b.home_sq.pk)}


def test_export_files_on_disk_are_readable_by_the_site_user_only(staff, org, lists, export_root):
    """Not by the web server or other users of the machine: the folder is 0700 and
    each file 0600, whatever the process's umask."""
    job = ExportJob.objects.create(user=staff["officer_a"], username="officer_a")
    job.sites.set([org.site])
    exports.build_export.call(job.pk)
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE
    assert job.path.stat().st_mode & 0o777 == 0o600
    assert export_root.stat().st_mode & 0o777 == 0o700
