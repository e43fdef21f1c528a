"""What congress pages show, gathered in a fixed number of queries however long the
agenda, the list of speakers or the record of outcomes grows.

Pages whose content follows the clock (a countdown, a congress going live or
ending) tell the page cache how long they stay true with ``limit_page_cache``."""

from django.conf import settings
from django.db.models import Q, prefetch_related_objects

from home.cache import limit_page_cache
from home.templatetags.embed_tags import embed_html
from membership.organisation_flow import member_organisations

from . import timing
from .attendance import attendance_context
from .blocks import provider_name
from .question_flow import question_context
from .registration_flow import registration_context
from .snippets import Outcome, Speaker


def index_context(congresses, request, now):
    """Upcoming congresses (soonest first) and past ones (newest first) of
    ``congresses``, a queryset of congress pages, each with its ``state``."""
    congresses = list(congresses.select_related("locale").order_by("start_at"))
    for congress in congresses:
        congress.state = congress.state_at(now)
        change = congress.seconds_until_change(now)
        if change is not None:
            limit_page_cache(request, change)
    upcoming = [c for c in congresses if c.end_at > now]
    past = [c for c in reversed(congresses) if c.end_at <= now]
    return {"upcoming": upcoming, "past": past}


def congress_context(page, request, now):
    state = page.state_at(now)
    countdown_text, countdown_valid = timing.countdown(page.start_at, now)
    for seconds in (page.seconds_until_change(now), countdown_valid):
        if seconds is not None:
            limit_page_cache(request, seconds)

    streams, recording = stream_links(page, state)
    speakers = localized_speakers(page)
    outcomes = outcome_record(page, newest_first=state == timing.LIVE)
    organisers = [block.value for block in page.organisers.blocks_by_name("organiser")]
    prefetch_renditions(
        [speaker.photo for speaker in speakers.values()]
        + [outcome.image for outcome in outcomes]
        + [organiser["logo"] for organiser in organisers]
    )
    return {
        "state": state,
        "countdown": countdown_text,
        "streams": streams,
        "recording": recording,
        "sessions": agenda_sessions(page, speakers),
        "speaker_list": speaker_list(page, speakers),
        "outcomes": outcomes,
        "organisers": [o for o in organisers if o["role"] == "organiser"],
        "partners": [o for o in organisers if o["role"] == "partner"],
        "ics_url": page.ics_url(request),
        "member_organisations": (
            member_organisations(page.get_site()) if page.show_member_organisations else []
        ),
        **registration_context(page, request, now),
        **question_context(page, request, now),
        **attendance_context(page, state, request),
    }


def stream_links(page, state):
    """(livestreams, recording): after the congress a recording replaces the streams."""
    if state == timing.AFTER and page.recording_url:
        url = page.recording_url
        return [], {"url": url, "provider": provider_name(url), "embed_html": embed_html(url)}
    streams = []
    for block in page.livestreams.blocks_by_name("livestream"):
        value = block.value
        if not value.get("url"):
            continue
        streams.append(
            {
                "url": value["url"],
                "provider": value.provider(),
                "label": value.get("label", ""),
                "embed_html": embed_html(value["url"]),
            }
        )
    return streams, None


def _sessions(page):
    return [block.value for block in page.agenda.blocks_by_name("session")]


def _chosen_speakers(page):
    """The speakers chosen in the speaker list and in the agenda, as chosen (Wagtail
    loads each block type of a stream in one query); deleted speakers are left out."""
    chosen = [block.value for block in page.speakers.blocks_by_name("speaker")]
    for session in _sessions(page):
        chosen.extend(session["speakers"])
    return [speaker for speaker in chosen if speaker is not None]


def localized_speakers(page):
    """{id of a chosen speaker: that speaker in the page's language if translated,
    else the speaker as chosen}, with their photos, in one query for the agenda and
    the speaker list."""
    chosen = _chosen_speakers(page)
    if not chosen:
        return {}
    ids = {speaker.pk for speaker in chosen}
    keys = {speaker.translation_key for speaker in chosen}
    rows = Speaker.objects.filter(
        Q(pk__in=ids) | Q(translation_key__in=keys, locale_id=page.locale_id)
    ).select_related("photo")
    by_pk = {speaker.pk: speaker for speaker in rows}
    translated = {s.translation_key: s for s in by_pk.values() if s.locale_id == page.locale_id}
    return {pk: translated.get(by_pk[pk].translation_key, by_pk[pk]) for pk in ids if pk in by_pk}


def speaker_list(page, speakers):
    chosen = [block.value for block in page.speakers.blocks_by_name("speaker")]
    return [speakers[s.pk] for s in chosen if s is not None and s.pk in speakers]


def agenda_sessions(page, speakers):
    return [
        {
            # The block's id, the same in every translation: questions name it.
            "id": block.id,
            "day": session["day"],
            "start_time": session["start_time"],
            "end_time": session["end_time"],
            "title": session["title"],
            "room": session["room"],
            "description": session["description"],
            "speakers": [
                speakers[s.pk] for s in session["speakers"] if s is not None and s.pk in speakers
            ],
        }
        for block in page.agenda.blocks_by_name("session")
        for session in [block.value]
    ]


def prefetch_renditions(images):
    """One query for the renditions of every photo and logo on the page."""
    images = [image for image in images if image is not None]
    if images:
        prefetch_related_objects(images, "renditions")


def outcome_record(page, newest_first=False):
    """The live outcomes of the congress in the page's language.

    An outcome not yet translated into this language is shown in the language it was
    written in (``outcome.untranslated``, ``outcome.shown_language``), so visitors of
    every language follow the congress as it happens."""
    rows = Outcome.objects.filter(
        live=True, congress__translation_key=page.translation_key
    ).select_related("image", "document", "locale")

    def rank(outcome):
        if outcome.locale_id == page.locale_id:
            return 0
        if outcome.locale.language_code == settings.LANGUAGE_CODE:
            return 1
        return 2

    chosen = {}
    for outcome in rows:
        current = chosen.get(outcome.translation_key)
        if current is None or rank(outcome) < rank(current):
            chosen[outcome.translation_key] = outcome
    record = sorted(chosen.values(), key=lambda o: (o.happened_at, o.pk), reverse=newest_first)
    for outcome in record:
        outcome.shown_language = outcome.locale.language_code
        outcome.untranslated = outcome.locale_id != page.locale_id
    return record
