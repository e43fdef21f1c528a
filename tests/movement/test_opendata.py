"""Open data of a campaign: JSON and CSV at stable URLs, CC BY 4.0, safe cells."""

import csv
import io
import json

import pytest

from movement.models import Pledge
from movement.opendata import LICENSE_URL, safe_cell

from .conftest import add_pledges, add_updates

pytestmark = pytest.mark.django_db


def _csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_page_links_every_file(client, campaign):
    page, page_en = campaign
    html = client.get(page_en.url).content.decode()
    for name in ("data.json", "data/demands.csv", "data/progress.csv", "data/pledges.csv"):
        assert f'href="{page_en.url}{name}"' in html
    assert '<link rel="alternate" type="application/json"' in html
    assert 'rel="license"' in html


def test_json_has_demands_progress_pledges_count_and_licence(client, campaign):
    page, page_en = campaign
    add_updates(page, per_demand=2)
    add_pledges(page, 3)
    response = client.get(page_en.url + "data.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Link"] == f'<{LICENSE_URL}>; rel="license"'
    data = json.loads(response.content)
    assert data["license"] == {"name": "CC BY 4.0", "url": LICENSE_URL}
    assert data["language"] == "en"
    assert data["campaign"]["title"] == "My vote counts"
    assert data["campaign"]["election_date"] == "2019-10-06"
    assert [d["title"] for d in data["demands"]] == ["Demand 1", "Demand 2", "Demand 3"]
    first = data["demands"][0]
    assert first["baseline_value"] == 0 and first["target_value"] == 10
    assert first["deadline"] == "2022-12-31" and first["deadline_passed"] is True
    assert first["status"] == "in_the_works" and first["latest_value"] == 5
    assert first["progress_percent"] == 50
    assert len(first["progress"]) == 2
    assert len(data["pledges"]) == 3
    assert data["signature_count"] is None  # below the public threshold (0 < 1)
    # The same demand has the same id in every language.
    sq = json.loads(client.get(page.url + "data.json").content)
    assert [d["id"] for d in sq["demands"]] == [d["id"] for d in data["demands"]]
    assert sq["demands"][0]["title"] == "Kërkesa 1"


def test_csv_files_content_and_headers(client, campaign):
    page, page_en = campaign
    add_updates(page, per_demand=2)
    add_pledges(page, 2)
    response = client.get(page.url + "data/demands.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Link"] == f'<{LICENSE_URL}>; rel="license"'
    assert 'filename="vota-ime-demands.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert [r["title"] for r in rows] == ["Kërkesa 1", "Kërkesa 2", "Kërkesa 3"]
    assert rows[0]["target_value"] == "10" and rows[0]["progress_percent"] == "50"
    progress = _csv(client.get(page.url + "data/progress.csv"))
    assert len(progress) == 6 and progress[0]["status"] == "in_the_works"
    pledges = _csv(client.get(page.url + "data/pledges.csv"))
    assert [p["name"] for p in pledges] == ["Kandidat Shembull 0", "Kandidat Shembull 1"]
    assert pledges[0]["municipality_name"] == "Prizren"


def test_csv_cells_cannot_run_formulas(client, campaign):
    page, _ = campaign
    Pledge.objects.create(campaign=page, name='=HYPERLINK("http://x")', party="+cmd|' /C calc'!A0")
    rows = _csv(client.get(page.url + "data/pledges.csv"))
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["party"].startswith("'+")
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell(-5) == "-5"  # numbers stay numbers
    assert safe_cell("Prizren") == "Prizren"
    # A cell a semicolon spreadsheet would split (the list separator in Albanian).
    assert safe_cell("Krasniqi;@SUM(1+1)") == "Krasniqi;'@SUM(1+1)"


def test_csv_files_in_the_semicolon_dialect(client, campaign):
    """?dialect=semicolon: the same rows with ";" between cells, which spreadsheets
    in Albanian and most European locales open directly, UTF-8 with its BOM."""
    page, _ = campaign
    add_pledges(page, 2)
    Pledge.objects.filter(campaign=page).update(party="Lista; A")
    for name in ("demands", "progress", "pledges"):
        comma = client.get(f"{page.url}data/{name}.csv")
        semicolon = client.get(f"{page.url}data/{name}.csv?dialect=semicolon")
        assert semicolon.status_code == 200
        assert semicolon["Content-Type"].startswith("text/csv")
        assert semicolon["Link"] == f'<{LICENSE_URL}>; rel="license"'
        assert semicolon.content.startswith("\ufeff".encode())
        text = semicolon.content.decode("utf-8-sig")
        assert text.splitlines()[0] == comma.content.decode("utf-8-sig").splitlines()[0].replace(
            ",", ";"
        )
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        assert rows == _csv(comma)
    pledges = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"{page.url}data/pledges.csv?dialect=semicolon").content.decode(
                    "utf-8-sig"
                )
            ),
            delimiter=";",
        )
    )
    assert pledges[0]["party"] == "Lista; A"


def test_data_urls_of_other_pages_are_not_found(client, campaign, standard_page):
    page, _ = standard_page
    assert client.get(page.url + "data.json").status_code == 404
    assert client.get("/sq/nowhere/data.json").status_code == 404
    campaign_page, _ = campaign
    url = campaign_page.url + "data.json"
    assert client.get(url).status_code == 200
    campaign_page.unpublish()
    assert client.get(url).status_code == 404
