import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from congress import timing
from congress.jsonld import event_data

register = template.Library()

# The escapes of Django's json_script: the JSON can never close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def congress_date(value):
    """ "23 maj 2019" / "23 May 2019": the day in Kosovo, in the active language."""
    return timing.format_date(value) if value else ""


@register.filter
def congress_time(value):
    """ "10:00": the time of day in Kosovo."""
    return timing.format_time(value) if value else ""


@register.filter
def local_iso(value):
    """ISO 8601 with Kosovo's offset, for <time datetime>."""
    return timing.local(value).isoformat() if value else ""


@register.filter
def json_ld(data):
    """``<script type="application/ld+json">`` with the data safely escaped."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.simple_tag(takes_context=True)
def event_json_ld(context, language=None):
    """The schema.org Event of the congress page being rendered, as JSON-LD."""
    return json_ld(event_data(context["page"], context.get("request"), language))
