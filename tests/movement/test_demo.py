"""The demo content of the movement app, built by load_demo, twice."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from movement.models import CampaignPage, MovementPage, NewsPage, Pledge, ProgressUpdate

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Page.objects.count(),
        Pledge.objects.count(),
        ProgressUpdate.objects.count(),
        NewsPage.objects.count(),
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
