"""Fixtures of the congress tests: a congress index and congresses in two languages,
and a clock the tests set (``django.utils.timezone.now`` patched)."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from wagtail.embeds.finders import get_finders
from wagtail.models import Locale, Site

from congress.constants import OutcomeKind
from congress.models import CongressIndexPage, CongressPage, Outcome, Speaker
from congress.timing import CONGRESS_TIME_ZONE
from tests.conftest import publish, translate

FACEBOOK = "https://www.facebook.com/FESPrishtina/videos/376874046257226/"


def kosovo(*args):
    return datetime(*args, tzinfo=CONGRESS_TIME_ZONE)


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, value):
        self.now = value


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_embed_finders():
    get_finders.cache_clear()
    yield
    get_finders.cache_clear()


@pytest.fixture
def congress_index(org):
    index, index_en = org.add_page(
        CongressIndexPage(title="Kongreset", slug="kongreset", intro="Kongreset tona"),
        en_fields={"title": "Congresses", "slug": "congresses", "intro": "Our congresses"},
    )
    return index, index_en


def session(title, start="10:00", end="11:00", room="Salla A", speakers=(), day=None):
    return {
        "type": "session",
        "value": {
            "day": day,
            "start_time": start,
            "end_time": end,
            "title": title,
            "room": room,
            "description": "",
            "speakers": [s.pk for s in speakers],
        },
    }


@pytest.fixture
def make_congress(congress_index):
    index, _index_en = congress_index
    counter = {"n": 0}

    def factory(start=None, hours=4, streams=(FACEBOOK,), parent=None, en=True, **fields):
        counter["n"] += 1
        start = start or kosovo(2019, 5, 23, 10, 0)
        values = {
            "title": f"Kongresi i {counter['n']}-të Kombëtar",
            "slug": f"kongresi-{counter['n']}",
            "number": counter["n"],
            "theme": "Siguri sociale – Zhvillim ekonomik – Punë dhe jetë e denjë",
            "start_at": start,
            "end_at": start + timedelta(hours=hours),
            "venue_name": "Salla e kongresit",
            "venue_street": "Rr. Pashko Vasa 23",
            "venue_postal_code": "10000",
            "venue_city": "Prishtinë",
            "venue_country": "Kosovë",
            "contact_phone": "+383 (0) 38 600 108",
            "livestreams": json.dumps(
                [
                    {"type": "livestream", "value": {"url": u, "provider_name": "", "label": ""}}
                    for u in streams
                ]
            ),
        }
        values.update(fields)
        page = CongressPage(**values)
        (parent or index).add_child(instance=page)
        publish(page)
        page_en = None
        if en:
            page_en = translate(
                page,
                Locale.objects.get(language_code="en"),
                title=f"Congress {counter['n']}",
                slug=f"congress-{counter['n']}",
                theme="Social Security – Economic Development – Decent Work and Life",
                venue_city="Prishtina",
            )
        return page, page_en

    return factory


def add_outcome(congress, publish_it=True, **fields):
    values = {
        "kind": OutcomeKind.RESOLUTION,
        "text": "Teksti i rezolutës",
        "locale": congress.locale,
    }
    values.update(fields)
    # As in the admin: an outcome is a draft until it is published.
    outcome = Outcome(congress=congress, live=False, **values)
    outcome.save()
    if publish_it:
        outcome.save_revision().publish()
        outcome.refresh_from_db()
    return outcome


def add_speaker(name="Arta Shembulli", site=None, **fields):
    """A speaker of ``site`` (by default the default site, else the first one)."""
    values = {"role": "Koordinatore", "organisation": "Platforma", "bio": "Biografi e shkurtër"}
    values.update(fields)
    site = site or Site.objects.order_by("-is_default_site", "pk").first()
    return Speaker.objects.create(
        name=name, site=site, locale=Locale.objects.get(language_code="sq"), **values
    )
