"""Outcomes: published on their own, shown as a running record in both languages."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from congress.constants import OutcomeKind
from congress.demo import translate_object
from congress.models import Outcome
from tests.congress.conftest import add_outcome, kosovo

START = kosovo(2019, 5, 23, 10, 0)


def page_html(client, org, url):
    response = client.get(url, HTTP_HOST=org.hostname)
    assert response.status_code == 200
    return response, response.content.decode()


def test_published_outcomes_show_and_drafts_do_not(client, org, make_congress):
    page, _ = make_congress(start=START)
    add_outcome(
        page,
        number=3,
        status="adopted",
        title="Për punë të denjë",
        text="Kongresi kërkon paga të drejta.",
        happened_at=START + timedelta(hours=1),
    )
    add_outcome(page, title="Draft i fshehtë", publish_it=False)
    _, html = page_html(client, org, page.url)
    assert "Rezolutë nr. 3" in html
    assert "U miratua" in html
    assert "Për punë të denjë" in html and "Kongresi kërkon paga të drejta." in html
    assert "23 maj 2019, 11:00" in html
    assert "Draft i fshehtë" not in html


def test_outcomes_of_other_congresses_stay_on_their_page(client, org, make_congress):
    page, _ = make_congress(start=START)
    other, _ = make_congress(start=START + timedelta(days=400))
    add_outcome(other, title="Vetëm te tjetri")
    _, html = page_html(client, org, page.url)
    assert "Vetëm te tjetri" not in html


def test_untranslated_outcome_shows_in_albanian_then_in_english(client, org, make_congress):
    page, page_en = make_congress(start=START)
    outcome = add_outcome(
        page,
        kind=OutcomeKind.QUOTE,
        title="Zëri i të rinjve",
        text="Duam të mbetemi këtu.",
        attribution="Një studente",
    )
    _, html_en = page_html(client, org, page_en.url)
    assert '<article class="congress-outcome congress-outcome--quote" lang="sq"' in html_en
    assert "Duam të mbetemi këtu." in html_en and "Not yet translated." in html_en

    translate_object(
        outcome,
        "en",
        {
            "Zëri i të rinjve": "The voice of the young",
            "Duam të mbetemi këtu.": "We want to stay here.",
            "Një studente": "A student",
        },
    )
    english = outcome.get_translation(page_en.locale)
    assert english.live and english.congress_id == page.pk
    _, html_en = page_html(client, org, page_en.url)
    assert "We want to stay here." in html_en and "A student" in html_en
    assert "Duam të mbetemi këtu." not in html_en
    assert "Not yet translated." not in html_en
    _, html = page_html(client, org, page.url)
    assert "Duam të mbetemi këtu." in html and "We want to stay here." not in html


def test_publishing_an_outcome_refreshes_the_cached_page(client, org, make_congress):
    page, _ = make_congress(start=START)
    first, _ = page_html(client, org, page.url)
    assert first["X-Cache"] == "MISS"
    second, _ = page_html(client, org, page.url)
    assert second["X-Cache"] == "HIT"
    outcome = add_outcome(page, title="Vendim i ri", publish_it=False)
    third, html = page_html(client, org, page.url)
    assert "Vendim i ri" not in html  # a draft changes nothing
    outcome.save_revision().publish()
    fourth, html = page_html(client, org, page.url)
    assert fourth["X-Cache"] == "MISS"
    assert "Vendim i ri" in html
    outcome.refresh_from_db()
    outcome.unpublish()
    _, html = page_html(client, org, page.url)
    assert "Vendim i ri" not in html


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"kind": OutcomeKind.PHOTO}, "image"),
        ({"kind": OutcomeKind.DOCUMENT}, "document"),
        ({"kind": OutcomeKind.RESOLUTION, "text": ""}, "text"),
    ],
)
def test_outcome_needs_what_its_kind_shows(make_congress, fields, field):
    page, _ = make_congress()
    outcome = Outcome(congress=page, locale=page.locale, **fields)
    with pytest.raises(ValidationError) as error:
        outcome.clean()
    assert field in error.value.message_dict
