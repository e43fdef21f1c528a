"""schema.org Event data of a congress, for search engines and calendars."""

from . import timing

SCHEMA = "https://schema.org/"


def event_data(page, request=None, language=None):
    """The Event of ``page``; ``language`` is the page's language code (looked up
    from its locale when not given)."""
    streams = page.stream_urls
    place = {
        "@type": "Place",
        "name": page.venue_name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": page.venue_street,
            "postalCode": page.venue_postal_code,
            "addressLocality": page.venue_city,
            "addressCountry": page.venue_country,
        },
    }
    place["address"] = {k: v for k, v in place["address"].items() if v}
    if page.contact_phone:
        place["telephone"] = page.contact_phone
    locations = [place] + [{"@type": "VirtualLocation", "url": url} for url in streams]
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": page.title,
        "startDate": timing.local(page.start_at).isoformat(),
        "endDate": timing.local(page.end_at).isoformat(),
        "eventStatus": SCHEMA + "EventScheduled",
        "eventAttendanceMode": SCHEMA
        + ("MixedEventAttendanceMode" if streams else "OfflineEventAttendanceMode"),
        "location": locations if len(locations) > 1 else place,
        "inLanguage": language or page.locale.language_code,
        "url": page.get_full_url(request),
    }
    description = page.theme or page.intro
    if description:
        data["description"] = description
    organisers = [
        {
            "@type": "Organization",
            "name": b.value["name"],
            **({"url": b.value["url"]} if b.value.get("url") else {}),
        }
        for b in page.organisers
        if b.value["role"] == "organiser"
    ]
    if organisers:
        data["organizer"] = organisers if len(organisers) > 1 else organisers[0]
    if page.recording_url:
        data["recordedIn"] = {"@type": "VideoObject", "url": page.recording_url, "name": page.title}
    return data
