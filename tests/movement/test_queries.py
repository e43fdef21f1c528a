"""Every movement page type renders truly cold, with no cache at all (Django's
DummyCache: no page cache, no Wagtail site or root-path cache), in at most 25 SQL
queries, the same number with 3 or 15 items (demands, pledges with photos,
documents and commitments, progress updates with evidence, candidates' records and
their translations, campaigns, news, sections, signatures), in both languages.

The count is of the whole request: Wagtail's routing, the view restrictions, the
frame (header, menu, footer; home/frame.py) and what the page itself asks for. Each
measurement follows one warm-up view, which makes the image renditions.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.blocks import StreamValue
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale

from membership.models import JoinPage, SignUp, Supporter, VolunteerPage
from movement.blocks import MovementStreamBlock
from movement.choices import Status
from movement.models import (
    CampaignIndexPage,
    CandidateRecord,
    MovementPage,
    Pledge,
    PledgeCommitment,
    ProgressUpdate,
)

from .conftest import add_news, count_queries, make_campaign

pytestmark = pytest.mark.django_db

MAX_QUERIES = 25
SIZES = (3, 15)


@pytest.fixture(autouse=True)
def _no_cache_at_all(nothing_cached):
    """Every test here counts a truly cold render."""


def measure(client, url):
    """(queries of a cold render, response), after a warm-up view that makes the
    image renditions."""
    assert client.get(url).status_code == 200
    return count_queries(client, url)


def assert_budget(counts):
    print("queries", counts)
    assert all(count <= MAX_QUERIES for count in counts.values()), counts
    assert counts[SIZES[0]] == counts[SIZES[1]], counts


def image(title):
    return Image.objects.create(title=title, file=get_test_image_file())


def document(title):
    return Document.objects.create(
        title=title, file=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4 test")
    )


def full_campaign(org, size, slug):
    """A campaign with ``size`` demands (two updates each, with evidence documents),
    ``size`` pledges with photos and scanned pledges, and a hero image."""
    page, page_en = make_campaign(org, demands=size, slug=slug)
    hero = image(f"Kryesore {slug}")
    for version in (page, page_en):
        version.image = hero
        version.save_revision().publish()
    photo, scan, evidence = image(f"Foto {slug}"), document(f"skan-{slug}"), document(f"d-{slug}")
    Pledge.objects.bulk_create(
        [
            Pledge(
                campaign=page,
                name=f"Kandidat {number}",
                party=f"Lista {number % 3}",
                municipality=["prizren", "peje"][number % 2],
                photo=photo if number % 2 else image(f"Foto {slug} {number}"),
                document=scan,
                elected=number % 2 == 0,
            )
            for number in range(size)
        ]
    )
    demands = list(page.demands.all())
    PledgeCommitment.objects.bulk_create(
        [
            PledgeCommitment(pledge=pledge, demand=demand)
            for pledge in Pledge.objects.filter(campaign=page)
            for demand in demands
        ]
    )
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                demand=demand,
                locale=demand.locale,
                date=datetime.date(2020, 1, 1) + datetime.timedelta(days=day),
                status=Status.IN_THE_WORKS,
                value=Decimal(day + 1),
                evidence_url="https://example.org/deshmi",
                evidence_document=evidence,
                note=f"Shënim {day}",
            )
            for demand in page.demands.all()
            for day in range(2)
        ]
    )
    supporters = Supporter.objects.bulk_create(
        [Supporter(site=org.site, email=f"{slug}-{n}@example.org") for n in range(size)]
    )
    SignUp.objects.bulk_create(
        [SignUp(supporter=s, kind="signature", state="confirmed", page=page) for s in supporters]
    )
    return page, page_en, scan


@pytest.mark.parametrize("language", ["sq", "en"])
def test_campaign_page(client, org, language):
    counts = {}
    for size in SIZES:
        page, page_en, scan = full_campaign(org, size, slug=f"fushata-{size}")
        url = (page if language == "sq" else page_en).url
        counts[size], response = measure(client, url)
        assert len(response.context["progress"]) == size
        assert len(response.context["pledges"]) == size
        assert all(len(item.updates) == 2 for item in response.context["progress"])
        html = response.content.decode()
        assert html.count('class="pledge__photo"') == size
        rows = response.context["pledge_summary"]["demands"]
        assert [row.committed for row in rows] == [(size + 1) // 2] * size
        assert html.count(f'href="{scan.url}"') == size
        assert 'property="og:image"' in html
        assert f"{size} " in html.split('class="statement__counter"', 1)[1][:200]
    assert_budget(counts)


def candidate_with_records(org, size, slug):
    """A campaign of ``size`` demands (two updates each) and a candidate committed to
    all of them (with comments), with ``size`` records about the demands and ``size``
    about none, each translated into English."""
    page, page_en, scan = full_campaign(org, size, slug=slug)
    pledge = Pledge.objects.filter(campaign=page).order_by("pk").first()
    demands = list(page.demands.all())
    PledgeCommitment.objects.filter(pledge=pledge).update(comment="Koment i kandidatit")
    english = Locale.objects.get(language_code="en")
    for number in range(2 * size):
        record = CandidateRecord.objects.create(
            pledge=pledge,
            demand=demands[number] if number < size else None,
            locale=page.locale,
            date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number),
            summary=f"Veprim {number}",
            source_url="https://www.kuvendikosoves.org/",
        )
        translated = record.copy_for_translation(english)
        translated.summary = f"Action {number}"
        translated.save()
    return page, page_en, pledge, scan


@pytest.mark.parametrize("language", ["sq", "en"])
def test_candidate_page(client, org, language):
    counts = {}
    for size in SIZES:
        page, page_en, pledge, scan = candidate_with_records(org, size, slug=f"kandidat-{size}")
        url = (page if language == "sq" else page_en).candidate_url(pledge)
        counts[size], response = measure(client, url)
        html = response.content.decode()
        assert len(response.context["demands"]) == size
        assert html.count("commitment--yes") == size
        assert html.count('class="record ') == 2 * size
        word = "Veprim" if language == "sq" else "Action"
        assert f"{word} {2 * size - 1}" in html and "Koment i kandidatit" in html
        assert html.count('class="pledge__photo"') == 1
        assert f'href="{scan.url}"' in html
        assert all(len(item.progress.updates) == 2 for item in response.context["demands"])
    assert_budget(counts)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_campaign_sign_page(client, org, language):
    counts = {}
    for size in SIZES:
        page, page_en, _scan = full_campaign(org, size, slug=f"nenshkrim-{size}")
        url = (page if language == "sq" else page_en).url + "sign/"
        counts[size], response = measure(client, url)
        assert 'name="statement-email"' in response.content.decode()
    assert_budget(counts)


def test_campaign_print_version(client, org):
    counts = {}
    for size in SIZES:
        page, _ = make_campaign(org, demands=size, slug=f"shtyp-{size}")
        counts[size], response = measure(client, page.url + "statement/print/")
        assert len(response.context["demands"]) == size
    assert_budget(counts)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_campaign_index_page(client, org, language):
    counts = {}
    for size in SIZES:
        existing = 0 if size == SIZES[0] else SIZES[0]
        for number in range(existing, size):
            page, _ = make_campaign(org, demands=1, slug=f"fushata-{number}")
            if number % 2:
                page.image = image(f"Kopertina {number}")
                page.save_revision().publish()
        index = CampaignIndexPage.objects.child_of(org.home_sq).get()
        url = index.url if language == "sq" else index.get_translation(org.home_en.locale).url
        counts[size], response = measure(client, url)
        assert len(response.context["campaigns"]) == size
    assert_budget(counts)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_news_index_and_news_pages(client, org, news_index, language):
    index, index_en = news_index
    index_counts, page_counts = {}, {}
    made = []
    for size in SIZES:
        made += add_news(
            org,
            news_index,
            size - len(made),
            start=datetime.date(2024, 1, 1) + datetime.timedelta(days=len(made)),
        )
        url = (index if language == "sq" else index_en).url
        index_counts[size], response = measure(client, url)
        assert len(response.context["news"]) == min(size, 10)
        newest_sq, newest_en = made[-1]
        page_counts[size], _ = measure(client, (newest_sq if language == "sq" else newest_en).url)
    assert_budget(index_counts)
    assert_budget(page_counts)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_movement_page(client, org, language):
    form_texts = {"consent_text": "Pajtohem.", "thank_you": "Faleminderit."}
    join, _ = org.add_page(
        JoinPage(title="Bëhu anëtar", slug="behu-anetar", **form_texts),
        en_fields={"title": "Join", "slug": "join"},
    )
    org.add_page(VolunteerPage(title="Vullnetarizo", slug="vullnetarizo", **form_texts))
    stream = MovementStreamBlock()
    counts = {}
    for size in SIZES:
        points = [{"title": f"Vlera {n}", "text": "Tekst"} for n in range(size)]
        body = [
            ("mission", {"heading": "Misioni", "statement": "Deklarata", "goals": points}),
            ("vision", {"heading": "Vizioni", "intro": "", "points": points}),
            ("values", {"heading": "Vlerat", "values": points}),
            (
                "work_areas",
                {
                    "heading": "Puna",
                    "intro": "",
                    "areas": [
                        {"title": f"Fusha {n}", "text": "", "activities": ["Aktivitet"]}
                        for n in range(size)
                    ],
                },
            ),
            (
                "closing_actions",
                {
                    "heading": "Bashkohu",
                    "text": "",
                    "actions": [
                        {"kind": "join", "text": "Bëhu anëtar", "description": ""},
                        {"kind": "volunteer", "text": "Vullnetarizo", "description": ""},
                    ],
                },
            ),
        ]
        value = StreamValue(
            stream, [(name, stream.child_blocks[name].to_python(data)) for name, data in body]
        )
        page, page_en = org.add_page(
            MovementPage(title=f"Rreth nesh {size}", slug=f"rreth-nesh-{size}", body=value),
            en_fields={"title": f"About us {size}", "slug": f"about-us-{size}"},
        )
        counts[size], response = measure(client, (page if language == "sq" else page_en).url)
        assert f"Vlera {size - 1}" in response.content.decode()
    assert_budget(counts)
