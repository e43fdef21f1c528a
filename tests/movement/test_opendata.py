"""Open data of a campaign: JSON and CSV at stable URLs, CC BY 4.0, safe cells."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone
from wagtail.models import Locale

from movement.models import CandidateRecord, Pledge, PledgeCommitment
from movement.opendata import LICENSE_URL, PLEDGE_COLUMNS, RECORD_COLUMNS, safe_cell

from .conftest import add_pledges, add_updates, not_public_states

pytestmark = pytest.mark.django_db


def _csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_page_links_every_file(client, campaign):
    page, page_en = campaign
    html = client.get(page_en.url).content.decode()
    names = ["data.json", "data/demands.csv", "data/progress.csv", "data/pledges.csv"]
    for name in [*names, "data/records.csv"]:
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
    for name in ("demands", "progress", "pledges", "records"):
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


def _pledge_with_records(page):
    """An elected candidate's online pledge with a comment on one demand, and two
    records (one translated); plus private data that must never be published."""
    demands = list(page.demands.all())
    pledge = Pledge.objects.create(
        campaign=page,
        name="Drita Berisha",
        party="Lista A",
        list_number=7,
        office=Pledge.Office.ASSEMBLY,
        municipality="prizren",
        profile_url="https://example.org/drita",
        signed_on=datetime.date(2019, 9, 12),
        source=Pledge.Source.ONLINE,
        elected=True,
        email="drita.private-marker@example.org",
        language="sq",
        consent_text="PËLQIMI-PRIVAT-MARKER",
        review_message="MESAZHI-I-SHQYRTIMIT-MARKER",
        approved_at=timezone.now(),
        link_digest="f" * 64,
    )
    PledgeCommitment.objects.create(pledge=pledge, demand=demands[0], comment="Do ta mbroj.")
    PledgeCommitment.objects.create(pledge=pledge, demand=demands[2])
    vote = CandidateRecord.objects.create(
        pledge=pledge,
        demand=demands[2],
        locale=page.locale,
        date=datetime.date(2020, 3, 1),
        kind=CandidateRecord.Kind.VOTE,
        stance=CandidateRecord.Stance.KEPT,
        summary="Votoi për buxhetin.",
        source_url="https://www.kuvendikosoves.org/seanca-1",
    )
    english = vote.copy_for_translation(Locale.objects.get(language_code="en"))
    english.summary = "Voted for the budget."
    english.save()
    CandidateRecord.objects.create(
        pledge=pledge,
        locale=page.locale,
        date=datetime.date(2021, 4, 2),
        kind=CandidateRecord.Kind.STATEMENT,
        stance=CandidateRecord.Stance.BROKEN,
        summary="Deklaroi të kundërtën.",
        source_url="https://www.kuvendikosoves.org/seanca-2",
    )
    return pledge, demands


def test_pledges_have_their_public_fields_and_commitments(client, campaign):
    page, page_en = campaign
    pledge, demands = _pledge_with_records(page)
    data = json.loads(client.get(page_en.url + "data.json").content)
    [row] = data["pledges"]
    assert row["id"] == pledge.pk
    assert row["list_number"] == 7 and row["office"] == "assembly"
    assert row["profile_url"] == "https://example.org/drita"
    assert row["source"] == "online" and row["withdrawn_on"] is None
    assert row["candidate_url"] == f"{page_en.full_url}candidates/{pledge.pk}/"
    assert row["commitments"] == [
        {"demand_id": str(demands[0].translation_key), "comment": "Do ta mbroj."},
        {"demand_id": str(demands[2].translation_key), "comment": ""},
    ]
    assert "committed_demand_ids" not in row
    assert {d["id"] for d in data["demands"]} >= {c["demand_id"] for c in row["commitments"]}
    assert data["files"]["records_csv"].endswith("/data/records.csv")

    [csv_row] = _csv(client.get(page.url + "data/pledges.csv"))
    assert list(csv_row) == PLEDGE_COLUMNS
    assert csv_row["committed_demand_ids"] == (
        f"{demands[0].translation_key} {demands[2].translation_key}"
    )
    assert csv_row["candidate_url"] == f"{page.full_url}candidates/{pledge.pk}/"
    assert csv_row["source"] == "online" and csv_row["list_number"] == "7"


def test_records_in_json_and_csv_in_the_pages_language(client, campaign):
    page, page_en = campaign
    pledge, demands = _pledge_with_records(page)
    data = json.loads(client.get(page_en.url + "data.json").content)
    assert data["records"] == [
        {
            "pledge_id": pledge.pk,
            "candidate": "Drita Berisha",
            "date": "2021-04-02",
            "kind": "statement",
            "stance": "broken",
            "demand_id": "",
            "summary": "Deklaroi të kundërtën.",  # not translated yet: the original
            "source_url": "https://www.kuvendikosoves.org/seanca-2",
        },
        {
            "pledge_id": pledge.pk,
            "candidate": "Drita Berisha",
            "date": "2020-03-01",
            "kind": "vote",
            "stance": "kept",
            "demand_id": str(demands[2].translation_key),
            "summary": "Voted for the budget.",
            "source_url": "https://www.kuvendikosoves.org/seanca-1",
        },
    ]
    response = client.get(page.url + "data/records.csv")
    assert response.status_code == 200
    assert response["Link"] == f'<{LICENSE_URL}>; rel="license"'
    assert 'filename="vota-ime-records.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == RECORD_COLUMNS
    assert [r["summary"] for r in rows] == ["Deklaroi të kundërtën.", "Votoi për buxhetin."]
    assert rows[1]["demand_id"] == str(demands[2].translation_key)


@pytest.mark.parametrize("state, withdrawn_on", not_public_states())
def test_no_private_data_and_only_public_pledges_in_any_file(client, campaign, state, withdrawn_on):
    page, page_en = campaign
    _pledge_with_records(page)
    hidden = Pledge.objects.create(
        campaign=page,
        name="Kandidat-I-Fshehur",
        state=state,
        withdrawn_on=withdrawn_on,
        email="hidden-marker@example.org",
        approved_at=timezone.now() if withdrawn_on else None,
    )
    CandidateRecord.objects.create(
        pledge=hidden,
        locale=page.locale,
        summary="Veprim-I-Fshehur",
        source_url="https://example.org/fshehur",
    )
    markers = [
        "private-marker",
        "hidden-marker",
        "PËLQIMI-PRIVAT-MARKER",
        "MESAZHI-I-SHQYRTIMIT-MARKER",
        "f" * 64,
        "Kandidat-I-Fshehur",
        "Veprim-I-Fshehur",
        '"state"',
        "approved",
        "email",
    ]
    files = ["data.json", "data/demands.csv", "data/progress.csv", "data/pledges.csv"]
    files.append("data/records.csv")
    for version in (page, page_en):
        for name in files:
            response = client.get(version.url + name)
            assert response.status_code == 200
            text = response.content.decode("utf-8-sig")
            for marker in markers:
                assert marker not in text, (name, marker)
            assert "Drita Berisha" in text or name in ("data/demands.csv", "data/progress.csv")
    # withdrawn after the election: still published, and says when
    hidden.state = Pledge.State.WITHDRAWN
    hidden.approved_at = timezone.now()
    hidden.withdrawn_on = datetime.date(2020, 1, 15)
    hidden.save()
    rows = _csv(client.get(page.url + "data/pledges.csv"))
    assert [r["withdrawn_on"] for r in rows if r["name"] == "Kandidat-I-Fshehur"] == ["2020-01-15"]
