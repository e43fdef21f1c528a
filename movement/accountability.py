"""What became of the pledges: a public page per pledging candidate and the
campaign page's summary (pledgers per party, elected pledgers, records per demand).

The candidate's page shows only a public pledge (``Pledge.objects.public()``) of the
campaign (any of its language versions); anything else is not found. It is cached
like the campaign page: a pledge, commitment or record saved empties the cache
(home/invalidation.py), and a deadline or the election day passing ends the cached
copy (``limit_page_cache``).

Candidates are listed in a neutral order, before and after the election: by name,
alphabetically, ignoring case and accents, with the letters of the Albanian alphabet
in their own order (ç after c, ë after e, dh after d, and so on), never by party.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from wagtail.contrib.routable_page.models import path
from wagtail.images import get_image_model

from home.alphabet import alphabetical_key
from home.cache import limit_page_cache

from .progress import local_today, seconds_until_next_deadline
from .records import CandidateRecord, Pledge, PledgeCommitment, localized_rows

PLEDGE_PHOTO_FILTER = "fill-160x160"
MAX_ID = 2**63 - 1  # of a BigAutoField


def in_alphabetical_order(pledges):
    return sorted(pledges, key=lambda pledge: (alphabetical_key(pledge.name), pledge.pk or 0))


def public_pledges(page):
    """The public pledges of ``page``'s campaign (any language version)."""
    return Pledge.objects.public().filter(campaign__translation_key=page.translation_key)


def pledge_photo_renditions():
    return get_image_model().get_rendition_model().objects.filter(filter_spec=PLEDGE_PHOTO_FILTER)


@dataclass
class PartyRow:
    party: str
    pledged: int = 0
    elected: int = 0


@dataclass
class DemandRecordRow:
    """For one demand: the elected pledgers who committed to it, how many of them
    have a record about it, and how many of those records go against the pledge."""

    demand: object
    committed: int = 0
    with_record: int = 0
    against: int = 0


def pledge_summary(pledges, demands, records):
    """The campaign page's summary of what became of the pledges.

    ``records``: (pledge id, demand translation key or None, stance) of each record
    (once per record, whatever its translations)."""
    parties = {}
    for pledge in pledges:
        row = parties.setdefault(pledge.party, PartyRow(pledge.party))
        row.pledged += 1
        row.elected += bool(pledge.elected)
    party_rows = sorted(
        parties.values(), key=lambda row: (not row.party, alphabetical_key(row.party))
    )
    elected = [pledge for pledge in pledges if pledge.elected]
    by_pledge_demand = defaultdict(list)
    for pledge_id, demand_key, stance in records:
        if demand_key is not None:
            by_pledge_demand[pledge_id, demand_key].append(stance)
    rows = []
    for demand in demands:
        row = DemandRecordRow(demand)
        for pledge in elected:
            if demand.translation_key not in pledge.committed_keys:
                continue
            row.committed += 1
            stances = by_pledge_demand.get((pledge.pk, demand.translation_key), [])
            row.with_record += bool(stances)
            row.against += stances.count(CandidateRecord.Stance.BROKEN)
        rows.append(row)
    return {
        "parties": party_rows,
        "pledged": len(pledges),
        "elected": elected,
        "demands": rows,
    }


@dataclass
class CandidateDemand:
    """One demand on a candidate's page: the candidate's commitment (or None), the
    demand's progress since the election and the candidate's records about it."""

    progress: object
    commitment: object = None
    records: list = field(default_factory=list)

    @property
    def demand(self):
        return self.progress.demand

    @property
    def committed(self):
        return self.commitment is not None


class AccountabilityPageMixin:
    """Routes of the candidates' pages; mixed into ``CampaignPage`` before
    ``RoutablePageMixin``."""

    candidate_template = "movement/candidate_page.html"

    def candidate_path(self, pledge_id):
        return self.reverse_subpage("candidate", kwargs={"pledge_id": pledge_id}).lstrip("/")

    def candidate_url(self, pledge, request=None):
        """The URL of ``pledge``'s public page under this page."""
        return (self.get_url(request) or "/") + self.candidate_path(pledge.pk)

    def get_public_pledges(self):
        """The public pledges of this campaign, in alphabetical order, with photo,
        document and commitments (``pledge.committed_keys``: the translation keys of
        the demands committed to); the photos' renditions in one more query."""
        commitments = PledgeCommitment.objects.select_related("demand").order_by("sort_order", "pk")
        pledges = list(
            public_pledges(self)
            .select_related("document", "photo", "campaign")
            .prefetch_related(
                models.Prefetch("photo__renditions", queryset=pledge_photo_renditions()),
                models.Prefetch("commitments", queryset=commitments),
            )
            .order_by("name", "pk")
        )
        for pledge in pledges:
            pledge.committed_keys = {c.demand.translation_key for c in pledge.commitments.all()}
        return in_alphabetical_order(pledges)

    def get_candidate_records(self, pledges):
        """The records of ``pledges``, newest first, each once, in this page's language
        (else the default language, else any)."""
        rows = (
            CandidateRecord.objects.filter(pledge__in=[p.pk for p in pledges])
            .select_related("demand", "locale", "pledge")
            .order_by("-date", "-pk")
        )
        return localized_rows(list(rows), self.locale_id, settings.LANGUAGE_CODE)

    def record_facts(self, pledges):
        """(pledge id, demand translation key, stance) of every record of ``pledges``,
        once per record whatever its translations: one query."""
        rows = (
            CandidateRecord.objects.filter(pledge__in=[p.pk for p in pledges])
            .values_list("translation_key", "pledge_id", "demand__translation_key", "stance")
            .distinct()
        )
        seen = {}
        for key, pledge_id, demand_key, stance in rows:
            seen.setdefault(key, (pledge_id, demand_key, stance))
        return list(seen.values())

    def limit_cache_to_deadlines(self, request, progress):
        """A cached copy ends when the next deadline passes, when the election day
        begins (pledging closes) and when it is over."""
        election = self.election_date
        eve = election - datetime.timedelta(days=1) if election else None
        seconds = seconds_until_next_deadline(
            [item.demand.deadline for item in progress] + [eve, election]
        )
        if seconds is not None:
            limit_page_cache(request, seconds)

    def get_sitemap_urls(self, request=None):
        urls = super().get_sitemap_urls(request)
        if not urls:
            return urls
        base = self.get_full_url(request)
        lastmod = urls[0].get("lastmod")
        ids = public_pledges(self).order_by("pk").values_list("pk", flat=True)
        return urls + [
            {"location": base + self.candidate_path(pledge_id), "lastmod": lastmod}
            for pledge_id in ids
        ]

    @path("candidates/<int:pledge_id>/", name="candidate")
    def candidate(self, request, pledge_id):
        """The public page of one pledging candidate."""
        if pledge_id > MAX_ID:  # beyond any id, and beyond what the database takes
            raise Http404
        commitments = PledgeCommitment.objects.select_related("demand").order_by("sort_order", "pk")
        pledge = (
            public_pledges(self)
            .filter(pk=pledge_id)
            .select_related("document", "photo", "campaign")
            .prefetch_related(
                models.Prefetch("photo__renditions", queryset=pledge_photo_renditions()),
                models.Prefetch("commitments", queryset=commitments),
            )
            .first()
        )
        if pledge is None:
            raise Http404
        today = local_today()
        progress = self.get_demand_progress(today)
        self.limit_cache_to_deadlines(request, progress)

        by_demand = {c.demand.translation_key: c for c in pledge.commitments.all()}
        records = self.get_candidate_records([pledge])
        items, placed = [], set()
        for item in progress:
            key = item.demand.translation_key
            about = [r for r in records if r.demand is not None and r.demand.translation_key == key]
            placed.update(r.pk for r in about)
            items.append(CandidateDemand(item, by_demand.get(key), about))
        other_records = [r for r in records if r.pk not in placed]
        language = self.locale.language_code
        url = self.get_url(request)
        election = self.election_date
        context = {
            "page": self,
            "self": self,
            "request": request,
            "pledge": pledge,
            "demands": items,
            "committed_count": sum(item.committed for item in items),
            "other_records": other_records,
            "records_count": len(records),
            "comments_in_other_language": bool(pledge.language and pledge.language != language),
            "page_language": language,
            "election_passed": bool(election and election < today),
            "candidate_url": url + self.candidate_path(pledge.pk),
            "candidate_full_url": request.build_absolute_uri(url + self.candidate_path(pledge.pk)),
            "campaign_url": url,
            "pledges_url": url + "#pledges",
            "today": today,
            "meta_title": f"{pledge.name} · {self.title}",
            "page_subpath": self.candidate_path(pledge.pk),
        }
        return TemplateResponse(request, self.candidate_template, context)
