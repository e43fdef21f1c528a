"""What a congress page shows, gathered in a fixed number of queries however long
the agenda or the record of outcomes grows."""

from datetime import date, time

from django.conf import settings
from django.db.models import Q, prefetch_related_objects

from home.cache import cached_unless_preview, limit_page_cache
from home.templatetags.embed_tags import embed_html

from . import timing
from .blocks import provider_name
from .jsonld import event_data
from .models import Outcome, Speaker


def congress_context(page, request, now):
    state = page.state_at(now)
    countdown_text, countdown_valid = timing.countdown(page.start_at, now)
    for seconds in (page.seconds_until_change(now), countdown_valid):
        if seconds is not None:
            limit_page_cache(request, seconds)

    # What the page shows changes with a publish (of the page or of an outcome) or
    # with the state: kept per generation and state, except in previews.
    content = cached_unless_preview(
        request, f"congress:content:{page.pk}:{state}", lambda: congress_content(page, state)
    )
    return {
        "state": state,
        "countdown": countdown_text,
        **content,
        "event_json_ld": cached_unless_preview(
            request,
            f"congress:jsonld:{page.pk}:{request.scheme}:{request.get_host()}",
            lambda: event_data(page, request),
        ),
        "ics_url": page.ics_url(request),
    }


def congress_content(page, state):
    streams, recording = stream_links(page, state)
    speakers = localized_speakers(page)
    outcomes = outcome_record(page, newest_first=state == timing.LIVE)
    prefetch_renditions(speakers, outcomes)
    return {
        "streams": streams,
        "recording": recording,
        "sessions": agenda_sessions(page, speakers),
        "speaker_list": speaker_list(page, speakers),
        "outcomes": outcomes,
        # plain dicts: a block's value holds its block, which cannot be cached
        "organisers": [dict(b.value) for b in page.organisers if b.value["role"] == "organiser"],
        "partners": [dict(b.value) for b in page.organisers if b.value["role"] == "partner"],
    }


def stream_links(page, state):
    """(livestreams, recording): after the congress a recording replaces the streams."""
    if state == timing.AFTER and page.recording_url:
        url = page.recording_url
        return [], {"url": url, "provider": provider_name(url), "embed_html": embed_html(url)}
    streams = []
    for block in page.livestreams:
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


def _raw_values(stream, block_type):
    """The stored values of one block type, without loading chosen objects one block
    type at a time (speakers are fetched for the whole page in one query below)."""
    return [item["value"] for item in stream.raw_data if item["type"] == block_type]


def _list_values(items):
    """The values of a stored ListBlock: plain values, or the newer form
    ``{"type": "item", "value": …, "id": …}`` (which a translated copy is saved in)."""
    return [item.get("value") if isinstance(item, dict) else item for item in items or []]


def _speaker_ids(page):
    ids = [pk for pk in _raw_values(page.speakers, "speaker") if pk]
    for value in _raw_values(page.agenda, "session"):
        ids.extend(pk for pk in _list_values(value.get("speakers")) if pk)
    return ids


def localized_speakers(page):
    """{id of a chosen speaker: that speaker in the page's language if translated,
    else the speaker as chosen}, in one query for the agenda and the speaker list."""
    ids = set(_speaker_ids(page))
    if not ids:
        return {}
    same_people = Speaker.objects.filter(pk__in=ids).values("translation_key")
    rows = Speaker.objects.filter(
        Q(pk__in=ids) | Q(translation_key__in=same_people, locale_id=page.locale_id)
    ).select_related("photo")
    by_pk = {s.pk: s for s in rows}
    by_key = {s.translation_key: s for s in by_pk.values() if s.locale_id == page.locale_id}
    return {pk: by_key.get(by_pk[pk].translation_key, by_pk[pk]) for pk in ids if pk in by_pk}


def speaker_list(page, speakers):
    return [speakers[pk] for pk in _raw_values(page.speakers, "speaker") if pk in speakers]


def _parse(value, parser):
    if not value or not isinstance(value, str):
        return value or None
    try:
        return parser(value)
    except ValueError:
        return None


def agenda_sessions(page, speakers):
    sessions = []
    for value in _raw_values(page.agenda, "session"):
        sessions.append(
            {
                "day": _parse(value.get("day"), date.fromisoformat),
                "start_time": _parse(value.get("start_time"), time.fromisoformat),
                "end_time": _parse(value.get("end_time"), time.fromisoformat),
                "title": value.get("title", ""),
                "room": value.get("room", ""),
                "description": value.get("description", ""),
                "speakers": [
                    speakers[pk] for pk in _list_values(value.get("speakers")) if pk in speakers
                ],
            }
        )
    return sessions


def prefetch_renditions(speakers, outcomes):
    """One query for the renditions of every photo on the page."""
    images = [s.photo for s in speakers.values() if s.photo_id]
    images += [o.image for o in outcomes if o.image_id]
    if images:
        prefetch_related_objects(images, "renditions")


def outcome_record(page, newest_first=False):
    """The live outcomes of the congress in the page's language.

    An outcome not yet translated into this language is shown in the language it was
    written in (``outcome.shown_language`` differs from the page's), so visitors of
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
    return record
