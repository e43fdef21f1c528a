"""An iCalendar file per congress ("add to calendar")."""

from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event


def congress_calendar(page, request=None):
    """The congress as a VCALENDAR with one VEVENT, times in UTC.

    The UID is the same in every language: it is one event."""
    site = page.get_site()
    host = site.hostname if site else "localhost"
    url = page.get_full_url(request)

    lines = [line for line in (page.theme, page.intro) if line]
    for stream in page.livestreams:
        if stream.value.get("url"):
            lines.append(
                _("Livestream on %(provider)s: %(url)s")
                % {"provider": stream.value.provider(), "url": stream.value["url"]}
            )
    if page.recording_url:
        lines.append(_("Recording: %(url)s") % {"url": page.recording_url})
    if url:
        lines.append(url)

    calendar = Calendar()
    calendar.add("prodid", "-//Civic site//Congress//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"congress-{page.translation_key}@{host}")
    event.add("dtstamp", (page.last_published_at or timezone.now()).astimezone(UTC))
    event.add("dtstart", page.start_at.astimezone(UTC))
    event.add("dtend", page.end_at.astimezone(UTC))
    event.add("summary", page.title)
    event.add("location", page.location_text)
    if url:
        event.add("url", url)
    event.add("description", "\n\n".join(lines))
    calendar.add_component(event)
    return calendar.to_ical()
