"""Congress pages cost a fixed number of SQL queries, whether they hold 3 or 15
sessions, speakers, outcomes, organisers and documents, with nothing kept in any
cache (Django's DummyCache): a render as cold as the first one after a deploy.

A whole render is counted: Wagtail's routing, the site frame (menu, language
switcher, hreflang, organisation) and what the congress adds. The congress's own
share is the difference to a plain StandardPage at the same depth.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from congress.constants import OutcomeKind
from home.models import StandardPage
from tests.congress.conftest import add_outcome, add_speaker, kosovo, session

START = kosovo(2030, 5, 23, 10, 0)
# A whole render, frame and routing included (one of them: the languages the site
# offers, read by LanguagePrefixMiddleware before the view).
MAX_QUERIES = 27
# What a congress page adds to the frame: among them its first version (whose
# registration and questions settings hold for every translation) and, once it is
# live, the attendance counts.
MAX_OWN_QUERIES = 10
SIZES = (3, 15)
STATES = {
    "before": START - timedelta(days=2),
    "live": START + timedelta(hours=1),
    "after": START + timedelta(hours=5),
}


@pytest.fixture(autouse=True)
def _no_cache(nothing_cached):
    """Every test here counts a truly cold render."""


def count_queries(client, org, url):
    # The first view makes the image renditions and stores the embeds: data kept in
    # the database, not a cache. The second view is counted.
    assert client.get(url, HTTP_HOST=org.hostname).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=org.hostname)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def frame_queries(client, org, parent):
    plain = StandardPage(title=f"Faqe e thjeshtë {parent.pk}", slug=f"plain-{parent.pk}")
    parent.add_child(instance=plain)
    plain.save_revision().publish()
    return count_queries(client, org, plain.url)[0]


def build(make_congress, size):
    photo = Image.objects.create(title=f"Foto {size}", file=get_test_image_file())
    document = get_document_model().objects.create(
        title=f"Dokument {size}", file=get_test_image_file(filename=f"doc-{size}.png")
    )
    speakers = [add_speaker(f"Folës {size}-{i}", photo=photo) for i in range(size)]
    agenda = [
        session(f"Seanca {i}", speakers=speakers[i : i + 2], room=f"Salla {i}") for i in range(size)
    ]
    organisers = [
        {
            "type": "organiser",
            "value": {
                "name": f"Organizata {size}-{i}",
                "role": "organiser" if i % 2 else "partner",
                "url": "https://example.org/",
                "logo": photo.pk,
            },
        }
        for i in range(size)
    ]
    documents = [
        {"type": "document", "value": {"document": document.pk, "title": f"Akti {size}-{i}"}}
        for i in range(size)
    ]
    page, page_en = make_congress(
        start=START,
        recording_url="https://www.youtube.com/watch?v=demo",
        agenda=json.dumps(agenda),
        speakers=json.dumps([{"type": "speaker", "value": s.pk} for s in speakers]),
        organisers=json.dumps(organisers),
        documents=json.dumps(documents),
    )
    for i in range(size):
        add_outcome(
            page, number=i + 1, title=f"Rezoluta {i}", happened_at=START + timedelta(minutes=i)
        )
        if i % 5 == 0:
            add_outcome(page, kind=OutcomeKind.PHOTO, image=photo, title=f"Foto {i}")
    return page, page_en


@pytest.mark.parametrize("language", ["sq", "en"])
def test_congress_page_queries_stay_flat(
    client, org, clock, make_congress, congress_index, language
):
    index, index_en = congress_index
    frame = frame_queries(client, org, index if language == "sq" else index_en)
    pages = {size: build(make_congress, size) for size in SIZES}
    for state, now in STATES.items():
        clock.set(now)
        counts = {}
        for size, (page, page_en) in pages.items():
            url = page.url if language == "sq" else page_en.url
            counts[size], html = count_queries(client, org, url)
            assert f"congress--{state}" in html
            assert f"Seanca {size - 1}" in html and f"Rezoluta {size - 1}" in html
            assert f"Folës {size}-{size - 1}" in html and f"Akti {size}-{size - 1}" in html
            assert f"Organizata {size}-{size - 1}" in html
        assert counts[SIZES[0]] == counts[SIZES[1]], (state, counts)
        assert counts[SIZES[1]] <= MAX_QUERIES, (state, frame, counts)
        assert counts[SIZES[1]] - frame <= MAX_OWN_QUERIES, (state, frame, counts)


def add_congresses(make_congress, count):
    """``count`` congresses, past and to come, one of them live at ``START``."""
    for i in range(count):
        make_congress(start=START + timedelta(days=30 * (i - count // 2)))


@pytest.mark.parametrize("language", ["sq", "en"])
def test_index_and_home_page_queries_stay_flat(
    client, org, clock, make_congress, congress_index, language
):
    index, index_en = congress_index
    clock.set(START + timedelta(hours=1))
    index_url = index.url if language == "sq" else index_en.url
    home_url = f"/{language}/"
    index_counts, home_counts = {}, {}
    made = 0
    for size in SIZES:
        add_congresses(make_congress, size - made)
        made = size
        index_counts[size], html = count_queries(client, org, index_url)
        assert html.count('class="card congress-card"') == size
        home_counts[size], home = count_queries(client, org, home_url)
        assert "congress-panel--live" in home
    assert index_counts[SIZES[0]] == index_counts[SIZES[1]], index_counts
    assert index_counts[SIZES[1]] <= MAX_QUERIES, index_counts
    assert home_counts[SIZES[0]] == home_counts[SIZES[1]], home_counts
    assert home_counts[SIZES[1]] <= MAX_QUERIES, home_counts
