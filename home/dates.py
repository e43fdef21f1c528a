"""Days and moments written for people, in the active language."""

from django.utils import formats, timezone, translation
from django.utils.translation import pgettext

# Languages that write month names in lower case ("23 maj 2019") while Django's
# catalogue capitalises them.
LOWERCASE_MONTH_LANGUAGES = {"sq"}


def format_day(value):
    """The day of ``value`` (a date, or a datetime already in the wanted time zone):
    "23 maj 2019", "23 May 2019"."""
    text = formats.date_format(value, pgettext("long date format", "j F Y"))
    if translation.get_language() in LOWERCASE_MONTH_LANGUAGES:
        month = formats.date_format(value, "F")
        text = text.replace(month, month.lower())
    return text


def format_moment(value):
    """A moment in the site's time, in the active language: "6 tetor 2019, 19:00"."""
    value = timezone.localtime(value)
    return f"{format_day(value)}, {formats.date_format(value, 'H:i')}"
