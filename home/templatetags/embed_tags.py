"""Embeds that never break a page.

``{% safe_embed url as html %}`` gives the provider's player HTML, or an empty
string when the provider refuses, is unreachable or answers with nonsense; the
template then shows a plain link instead.
"""

import logging

from django import template
from django.utils.safestring import mark_safe
from wagtail.embeds import embeds
from wagtail.embeds.exceptions import EmbedException

register = template.Library()
logger = logging.getLogger(__name__)


def embed_html(url, max_width=None):
    if not url:
        return ""
    try:
        embed = embeds.get_embed(url, max_width=max_width)
    except EmbedException:
        return ""
    except Exception:  # network errors, timeouts, malformed provider answers
        logger.warning("Embed for %s could not be fetched", url, exc_info=True)
        return ""
    return mark_safe(embed.html or "")  # noqa: S308 - HTML from Wagtail's embed finder


@register.simple_tag
def safe_embed(url, max_width=None):
    return embed_html(url, max_width)
