"""The demo content of the movement app, built by load_demo, twice."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from movement.models import (
    CampaignPage,
    CandidateRecord,
    MovementPage,
    NewsPage,
    Pledge,
    PledgeCommitment,
    ProgressUpdate,
)
from tests.home.test_language_purity import one_language_texts, problems

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Page.objects.count(),
        Pledge.objects.count(),
        ProgressUpdate.objects.count(),
        NewsPage.objects.count(),
        PledgeCommitment.objects.count(),
        CandidateRecord.objects.count(),
    )


def test_load_demo_builds_movement_content_idempotently(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # demo passwords go to a temporary folder
    Site.objects.all().delete()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first

    campaign = CampaignPage.objects.get(locale__language_code="sq")
    campaign_en = CampaignPage.objects.get(locale__language_code="en")
    assert campaign.election_date.isoformat() == "2019-10-06"
    assert [d.deadline.year for d in campaign.demands.all()] == [2022, 2022, 2022]
    assert [d.target_value for d in campaign_en.demands.all()] == [10, 90, 39]
    assert Pledge.objects.filter(campaign=campaign, elected=True).count() >= 2
    assert campaign.signature_count() > 0
    assert MovementPage.objects.filter(locale__language_code="en").count() == 2

    site = Site.objects.get(hostname="myvotecounts.localhost")
    response = client.get(campaign_en.get_url(), HTTP_HOST=f"{site.hostname}:{site.port}")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "More jobs in the public sector" in html
        and "Arbër Hoxha" in html
        and "Illustrative example" in html
    )
    volt = MovementPage.objects.get(slug="rreth-nesh")
    html = client.get(volt.get_url(), HTTP_HOST="voltkosova.localhost:8000").content.decode()
    assert "Misioni ynë" in html and "Vlerat tona" in html and "Bëhu anëtar" in html

    # The pledges' commitments and what the elected ones did since, on their pages
    # in both languages, each page in its language only.
    assert PledgeCommitment.objects.filter(pledge__campaign=campaign).count() == 16
    records = CandidateRecord.objects.filter(locale__language_code="en")
    originals = CandidateRecord.objects.filter(locale__language_code="sq")
    assert records.count() == 4 == originals.count()
    assert all(r.summary.startswith("Illustrative example:") for r in records)
    assert records.filter(stance=CandidateRecord.Stance.BROKEN).count() == 1
    host = f"{site.hostname}:{site.port}"
    only = one_language_texts()
    arber = Pledge.objects.get(name="Arbër Hoxha")
    for version, words in [
        (campaign, ["Shembull ilustrues: votoi për amendamentin", "Kundër zotimit"]),
        (campaign_en, ["Illustrative example: voted for the amendment", "Against the pledge"]),
    ]:
        candidate_urls = [
            entry["location"]
            for entry in version.get_sitemap_urls()
            if "/candidates/" in entry["location"]
        ]
        assert len(candidate_urls) == 6
        for url in candidate_urls:
            response = client.get(url, HTTP_HOST=host)
            assert response.status_code == 200, url
            found = problems(response.content.decode(), version.locale.language_code, only)
            assert found == [], (url, found)
        html = client.get(version.candidate_url(arber), HTTP_HOST=host).content.decode()
        assert all(word in html for word in words), version
        assert 'href="https://www.kuvendikosoves.org/"' in html
