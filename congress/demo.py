"""Demo congresses of Kosovo We Want, read from home/demo_data/kww.toml.

The 2nd National Congress (23 May 2019) is built from the public facts about it
(its times of day are an estimate). An upcoming congress, marked on the page as an
illustrative example, is always about a month in the future, so that the countdown,
"add to calendar" and the home-page panel can be seen.
"""

from datetime import timedelta

from django.utils import timezone

from home.demo import (  # noqa: F401 (translate_object: how tests translate an outcome)
    Texts,
    build_page,
    demo_data,
    ensure_demo_user,
    languages_of,
    translate,
    translate_object,
)
from home.models import SiteRole

from .models import Outcome
from .permissions import site_role_permissions
from .timing import CONGRESS_TIME_ZONE

FACEBOOK_STREAM = "https://www.facebook.com/FESPrishtina/videos/376874046257226/"


def _outcome(congress, spec):
    """An outcome of ``congress`` in Albanian, published, and its translation into each
    language of the congress page."""
    t = Texts()
    fields = t.take(spec)
    outcome = Outcome.objects.filter(
        congress=congress, locale=congress.locale, kind=fields["kind"], title=fields["title"]
    ).first()
    if outcome is None:
        outcome = Outcome(congress=congress, locale=congress.locale, **fields)
        outcome.save()
        outcome.save_revision().publish()
    translate(outcome, t, languages_of(congress))
    return outcome


# Days a congress would not be held on: New Year, Independence Day, Labour Day,
# Europe Day, Constitution Day.
HOLIDAYS = {(1, 1), (1, 2), (2, 17), (4, 9), (5, 1), (5, 9)}


def _example_congress(index, spec):
    """The illustrative congress, about a month from now; a demo database kept for
    months moves it forward again."""
    spec = dict(spec)
    sessions = spec.pop("sessions")
    start = timezone.localtime(timezone.now(), CONGRESS_TIME_ZONE) + timedelta(days=30)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() >= 5 or (start.month, start.day) in HOLIDAYS:
        start += timedelta(days=1)  # on a working day, as a congress would be
    spec["agenda"] = [
        {
            "type": "session",
            "value": {"day": start.date().isoformat(), "room": "", "description": "", **session},
        }
        for session in sessions
    ]
    existing = index.get_children().filter(slug=spec["slug"]["sq"]).first()
    end = start + timedelta(hours=3)
    page = build_page(index, spec, start_at=start, end_at=end)
    if existing is not None and existing.specific.end_at < timezone.now():
        for version in existing.get_translations(inclusive=True).specific():
            version.start_at, version.end_at = start, end
            version.save_revision().publish()
    return page


def load_demo(sites, report):
    """The ``demo_content`` hook: congresses of Kosovo We Want and its event staff."""
    kww = sites.get("kww")
    if kww is None:
        return
    data = demo_data("kww")
    index = build_page(kww["pages"]["home"], data["congresses"])
    kww["pages"]["congresses"] = index
    second = build_page(index, data["congress_2019"])
    for spec in data["congress_2019_outcomes"]:
        _outcome(second, spec)
    kww["pages"]["congress_2019"] = second
    kww["pages"]["congress_example"] = _example_congress(index, data["congress_example"])

    site_role = SiteRole.objects.get(site=kww["site"], role=SiteRole.EVENT_STAFF)
    site_role_permissions(site_role)  # the index pages exist now
    ensure_demo_user("kww", site_role.group, report)
