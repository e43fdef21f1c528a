"""Fixtures of the movement tests: a bilingual campaign with demands, pledges and
progress, a movement page and a news index."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from movement.choices import Status
from movement.models import (
    CampaignIndexPage,
    CampaignPage,
    Demand,
    NewsIndexPage,
    NewsPage,
    Pledge,
    ProgressUpdate,
)
from tests.conftest import publish, translate

STATEMENT_CONSENT = "Pajtohem që emri im të shtohet te deklarata."


def make_campaign(org, demands=3, slug="vota-ime"):
    index = CampaignIndexPage.objects.child_of(org.home_sq).first()
    if index is None:
        index, _ = org.add_page(
            CampaignIndexPage(title="Fushatat", slug="fushatat", show_in_menus=True),
            en_fields={"title": "Campaigns", "slug": "campaigns"},
        )
    page = CampaignPage(
        title="Vota ime ka peshë",
        slug=slug,
        intro="Fushatë jopartiake për pjesëmarrje në zgjedhje.",
        hashtags="#VoteImeKaWare",
        election_date=datetime.date(2019, 10, 6),
        statement_text="<p>Ne kërkojmë që kërkesat tona të plotësohen.</p>",
        statement_consent_text=STATEMENT_CONSENT,
        statement_goal=100,
        statement_public_threshold=1,
    )
    for number in range(demands):
        page.demands.add(
            Demand(
                title=f"Kërkesa {number + 1}",
                explanation="Shpjegim i kërkesës.",
                indicator="Përqindja e punësuar",
                unit="%",
                baseline_value=Decimal(0),
                baseline_date=datetime.date(2019, 10, 1),
                target_value=Decimal(10),
                deadline=datetime.date(2022, 12, 31),
                source_url="https://example.org/burimi",
            )
        )
    index.add_child(instance=page)
    publish(page)
    en = translate(
        page,
        Locale.objects.get(language_code="en"),
        title="My vote counts",
        slug="my-vote-counts" if slug == "vota-ime" else f"{slug}-en",
        intro="A non-partisan campaign for turnout.",
        hashtags="#MyVoteCounts",
        statement_text="<p>We ask for our demands to be met.</p>",
        statement_consent_text="I agree that my name is added to the statement.",
    )
    for demand in en.demands.all():
        demand.title = demand.title.replace("Kërkesa", "Demand")
        demand.save()
    return page, en


def add_pledges(page, count, **fields):
    municipalities = ["prizren", "peje", "gjakove"]
    parties = ["Lista A", "Lista B"]
    Pledge.objects.bulk_create(
        [
            Pledge(
                campaign=page,
                name=f"Kandidat Shembull {number}",
                party=parties[number % 2],
                municipality=municipalities[number % 3],
                signed_on=datetime.date(2019, 9, 1),
                elected=number % 2 == 0,
                **fields,
            )
            for number in range(count)
        ]
    )


def add_updates(page, per_demand=1, value=Decimal(5), status=Status.IN_THE_WORKS):
    updates = []
    for demand in page.demands.all():
        for number in range(per_demand):
            updates.append(
                ProgressUpdate(
                    demand=demand,
                    locale=demand.locale,
                    date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number),
                    status=status,
                    value=value,
                    note="Shënim",
                )
            )
    ProgressUpdate.objects.bulk_create(updates)


@pytest.fixture
def campaign(org):
    return make_campaign(org)


@pytest.fixture
def news_index(org):
    return org.add_page(
        NewsIndexPage(title="Lajme", slug="lajme", intro="Çfarë ndodh.", show_in_menus=True),
        en_fields={"title": "News", "slug": "news", "intro": "What happens."},
    )


def add_news(org, index_pair, count, start=datetime.date(2024, 1, 1)):
    index_sq, _index_en = index_pair
    pages = []
    for number in range(count):
        date = start + datetime.timedelta(days=number)
        page, page_en = org.add_page(
            NewsPage(title=f"Lajm {number}", slug=f"lajm-{date:%Y%m%d}", date=date, intro="Hyrje"),
            parent=index_sq,
            en_fields={
                "title": f"News item {number}",
                "slug": f"news-{date:%Y%m%d}",
                "intro": "Intro",
            },
        )
        pages.append((page, page_en))
    return pages


def count_queries(client, url, **extra):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries), response


# -- the candidates' pledges online (tests/movement/test_pledge_*.py) -----------------


def open_for_pledges(page, days=60):
    """Move the campaign's election day (every language) ``days`` from today: a
    positive number opens the pledge form, a negative one closes it."""
    from django.utils import timezone

    day = timezone.localdate() + datetime.timedelta(days=days)
    CampaignPage.objects.filter(translation_key=page.translation_key).update(election_date=day)
    page.refresh_from_db()
    return day


def pledge_form_data(page, commit=(0,), comments=None, **overrides):
    """What a candidate sends on the pledge form of ``page`` (its demands, in its
    language): the demands at the positions ``commit`` ticked, with ``comments``."""
    import time

    from membership.forms import form_time_token

    demands = list(page.demands.all())
    data = {
        "name": "Arta Kandidatja",
        "email": "arta@example.org",
        "gender": "female",
        "party": "Lista A",
        "list_number": "7",
        "office": "assembly",
        "municipality": "",
        "profile_url": "https://example.org/arta",
        "consent": "on",
        "website": "",
        "form_time": form_time_token(now=time.time() - 60),
    }
    for position in commit:
        data[f"commit_{demands[position].pk}"] = "on"
    for position, comment in (comments or {}).items():
        data[f"comment_{demands[position].pk}"] = comment
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def pledge_campaign(org, settings):
    """A bilingual campaign whose election is two months away (pledging open), with
    generous rate limits (tests post many forms from one address)."""
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    sq, en = make_campaign(org, slug="zotimi")
    open_for_pledges(sq)
    en.refresh_from_db()
    return sq, en


@pytest.fixture
def post_pledge(client, org, django_capture_on_commit_callbacks):
    """POST to a pledge route as a browser would, running what is deferred until
    the commit (the emails) as a real commit would."""

    def post(url, data, using=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (using or client).post(url, data, HTTP_HOST=org.hostname, **extra)

    return post


def not_public_states():
    """(state, withdrawn on) of pledges the public never sees: waiting, declined, or
    withdrawn before the 2019 election of ``make_campaign``."""
    from movement.models import Pledge

    return [
        (Pledge.State.PENDING, None),
        (Pledge.State.CONFIRMED, None),
        (Pledge.State.PROOF, None),
        (Pledge.State.DECLINED, None),
        (Pledge.State.WITHDRAWN, datetime.date(2019, 9, 30)),
    ]
