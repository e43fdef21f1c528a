"""The printed pledge: blank, for signing on paper at a meeting, and the
candidate's own, filled in, through their link."""

import re

import pytest
from django.utils import timezone

from movement import links
from movement.models import Pledge, PledgeCommitment

pytestmark = pytest.mark.django_db


def print_url(page):
    return page.url + "pledge/print/"


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_blank_pledge_has_lines_and_a_box_for_every_demand(
    client, org, pledge_campaign, language
):
    page = pledge_campaign[0 if language == "sq" else 1]
    response = client.get(print_url(page), HTTP_HOST=org.hostname)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert 'name="robots" content="noindex"' in html
    assert "movement/pledge.css" in html and 'class="print-pledge"' in html
    text = text_of(html)
    labels = (
        ["Emri dhe mbiemri", "Numri në listë", "Kuvendi komunal", "Nënshkrimi", "Zotohem për:"]
        if language == "sq"
        else ["Name and surname", "Number on the list", "Municipal assembly", "Signature"]
    )
    for label in labels:
        assert label in text, label
    demands = list(page.demands.all())
    assert html.count("☐") == len(demands) + 3  # a box per demand, three for the office
    for demand in demands:
        assert demand.title in text
    assert "CC BY 4.0" in text
    assert "☒" not in html


def test_the_candidates_own_pledge_is_filled_in(client, org, pledge_campaign):
    sq, en = pledge_campaign
    demands = list(sq.demands.all())
    pledge = Pledge.objects.create(
        campaign=sq,
        name="Drita Kandidatja",
        party="Lista C",
        list_number=12,
        office=Pledge.Office.MAYOR,
        municipality="prizren",
        email="drita@example.org",
        language="en",
        state=Pledge.State.CONFIRMED,
        source=Pledge.Source.ONLINE,
        consent_text="I agree that my name… CC BY 4.0.",
    )
    PledgeCommitment.objects.create(pledge=pledge, demand=demands[1], comment="Në vitin e parë.")
    token = links.issue_token(pledge)
    for page in (sq, en):
        response = client.get(f"{print_url(page)}?token={token}", HTTP_HOST=org.hostname)
        assert response.status_code == 200
        assert response["Referrer-Policy"] == "same-origin"
        html = response.content.decode()
        text = text_of(html)
        for value in ("Drita Kandidatja", "Lista C", "12", "Prizren", "Në vitin e parë."):
            assert value in text, value
        assert html.count("☒") == 1 and html.count("☐") == len(demands) - 1
        titles = [d.title for d in page.demands.all()]
        committed = html.split("☒", 1)[1].split("</li>", 1)[0]
        assert titles[1] in committed  # the demand committed to, in this page's language
    assert "Kryetar i komunës" in text_of(
        client.get(f"{print_url(sq)}?token={token}", HTTP_HOST=org.hostname).content.decode()
    )


def test_a_print_link_that_does_not_work_shows_nothing_of_anyone(client, org, pledge_campaign):
    sq, _ = pledge_campaign
    pledge = Pledge.objects.create(
        campaign=sq, name="Drita Kandidatja", email="drita@example.org", state="pending"
    )
    token = links.issue_token(pledge)
    Pledge.objects.filter(pk=pledge.pk).update(link_expires_at=timezone.now())
    for url in (f"{print_url(sq)}?token={token}", f"{print_url(sq)}?token=x"):
        response = client.get(url, HTTP_HOST=org.hostname)
        assert response.status_code == 404
        assert "Drita" not in response.content.decode()
        assert "Për të marrë një lidhje të re" in response.content.decode()
