"""A congress page costs the same number of queries with 5 or 50 sessions and outcomes.

The count of a whole render includes Wagtail's routing and the site frame (menu,
language switcher, hreflang, organisation: about twenty queries that every page
pays, measured here on a plain StandardPage at the same depth). What the congress
adds on top (embeds, speakers, outcomes, photos) must stay small and flat.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from congress.models import Outcome
from home.cache import invalidate_page_cache
from home.models import StandardPage
from tests.congress.conftest import add_outcome, add_speaker, kosovo, session

START = kosovo(2019, 5, 23, 10, 0)
MAX_CONGRESS_QUERIES = 8  # what the congress adds to the frame (budget: 15)


def build(make_congress, size):
    photo = Image.objects.create(title=f"Foto {size}", file=get_test_image_file())
    speakers = [add_speaker(f"Folës {size}-{i}", photo=photo) for i in range(size)]
    agenda = [
        session(f"Seanca {i}", speakers=speakers[i : i + 2], room=f"Salla {i}") for i in range(size)
    ]
    page, page_en = make_congress(
        start=START,
        agenda=json.dumps(agenda),
        speakers=json.dumps([{"type": "speaker", "value": s.pk} for s in speakers]),
    )
    for i in range(size):
        add_outcome(
            page, number=i + 1, title=f"Rezoluta {i}", happened_at=START + timedelta(minutes=i)
        )
        if i % 5 == 0:
            add_outcome(page, kind=Outcome.PHOTO, image=photo, title=f"Foto {i}")
    return page, page_en


def count_queries(client, org, url):
    client.get(url, HTTP_HOST=org.hostname)  # first view makes the image renditions
    # Counted: the first render after a publish, with nothing kept from before
    # (home.cache.cached_per_generation); later renders ask for less.
    invalidate_page_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + "?uncached=1", HTTP_HOST=org.hostname)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def frame_queries(client, org, congress_index, language):
    index, index_en = congress_index
    parent = index if language == "sq" else index_en
    plain = StandardPage(title=f"Faqe e thjeshtë {language}", slug=f"plain-{language}")
    parent.add_child(instance=plain)
    plain.save_revision().publish()
    count, _ = count_queries(client, org, plain.url)
    return count


@pytest.mark.parametrize("language", ["sq", "en"])
def test_queries_stay_flat(client, org, make_congress, congress_index, language):
    frame = frame_queries(client, org, congress_index, language)
    counts = {}
    for size in (5, 50):
        page, page_en = build(make_congress, size)
        url = page.url if language == "sq" else page_en.url
        counts[size], html = count_queries(client, org, url)
        assert f"Seanca {size - 1}" in html and f"Rezoluta {size - 1}" in html
        assert f"Folës {size}-{size - 1}" in html
    assert counts[5] == counts[50], counts
    assert counts[50] - frame <= MAX_CONGRESS_QUERIES, (frame, counts)
