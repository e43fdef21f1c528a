"""Sharing (Open Graph, Twitter card, plain share links) and small formatting helpers."""

from decimal import Decimal
from urllib.parse import quote, urlencode

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.translation import get_language

register = template.Library()


def _share_text(page):
    hashtags = getattr(page, "hashtags", "")
    text = page.seo_title or page.title
    return f"{text} {hashtags}".strip() if hashtags and hashtags not in text else text


@register.simple_tag(takes_context=True)
def share_links(context, page):
    """Plain links to share ``page`` on WhatsApp, Facebook, X and by email."""
    request = context.get("request")
    url = page.get_full_url(request)
    text = _share_text(page)
    return [
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{text} {url}"})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("X", "https://x.com/intent/post?" + urlencode({"text": text, "url": url})),
        (
            "email",
            f"mailto:?subject={quote(text)}&body={quote(url)}",
        ),
    ]


@register.filter
def plain_number(value):
    """12.50 → 12.5, 10.00 → 10; empty for None."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if value == value.to_integral():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value.normalize():f}"


@register.filter
def with_unit(value, unit):
    """A number with its unit: "10%", "4 budgets"."""
    number = plain_number(value)
    if not number or not unit:
        return number
    return f"{number}{unit}" if unit in ("%", "‰") else f"{number} {unit}"


# Languages that write month names in lower case ("6 tetor 2019"); Django's own
# Albanian format capitalises them.
LOWERCASE_MONTHS = {"sq", "sr-latn"}


def _format_date(value, fmt):
    if not value:
        return ""
    text = date_filter(value, fmt)
    if (get_language() or "").lower() in LOWERCASE_MONTHS:
        text = text.lower()
    return text


@register.filter
def long_date(value):
    """6 tetor 2019 / 6 October 2019."""
    return _format_date(value, "j F Y")


@register.filter
def month_year(value):
    """tetor 2019 / October 2019."""
    return _format_date(value, "F Y")
