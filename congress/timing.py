"""A congress's state from the clock: before, live or after.

Everything here takes ``now`` as an argument; callers pass ``django.utils.timezone.now()``
so that tests control the clock by patching it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import ngettext

from home.dates import format_day

# Kosovo keeps Central European time; the tz database has no Europe/Pristina.
CONGRESS_TIME_ZONE = ZoneInfo("Europe/Belgrade")

BEFORE = "before"
LIVE = "live"
AFTER = "after"

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def state_at(start, end, now):
    if now < start:
        return BEFORE
    if now < end:
        return LIVE
    return AFTER


def seconds_until_change(start, end, now):
    """Seconds until the state changes next, or None when it never changes again."""
    if now < start:
        return max(1, int((start - now).total_seconds()))
    if now < end:
        return max(1, int((end - now).total_seconds()))
    return None


def countdown(start, now):
    """("Starts in 3 days", seconds this text stays true), or ("", None) once started."""
    remaining = int((start - now).total_seconds())
    if remaining <= 0:
        return "", None
    if remaining >= DAY:
        count = remaining // DAY
        text = ngettext("Starts in %(count)s day", "Starts in %(count)s days", count)
        valid = remaining - count * DAY
    elif remaining >= HOUR:
        count = remaining // HOUR
        text = ngettext("Starts in %(count)s hour", "Starts in %(count)s hours", count)
        valid = remaining - count * HOUR
    else:
        count = -(-remaining // MINUTE)  # round up: "in 1 minute" for the last seconds
        text = ngettext("Starts in %(count)s minute", "Starts in %(count)s minutes", count)
        valid = remaining - (count - 1) * MINUTE
    return text % {"count": count}, max(1, valid)


def local(value):
    """``value`` in Kosovo's time (dates are returned as they are)."""
    if isinstance(value, datetime):
        return value.astimezone(CONGRESS_TIME_ZONE)
    return value


def format_date(value):
    """The day of ``value`` in Kosovo, in the active language: "23 maj 2019", "23 May 2019"."""
    return format_day(local(value))


def format_time(value):
    """The time of day of ``value`` in Kosovo, 24-hour clock: "10:00"."""
    return formats.date_format(local(value), "H:i")
