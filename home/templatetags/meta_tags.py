"""What a page says about itself to search engines and to the sites it is shared on
(meta description, Open Graph, Twitter card), and the language switcher of pages
that are not Wagtail pages (search results keep their query)."""

import html
import logging
import re
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.images.models import SourceImageIOError

from home.frame import Frame

register = template.Library()
logger = logging.getLogger(__name__)

# Open Graph wants language_TERRITORY.
OG_LOCALES = {"sq": "sq_AL", "en": "en_GB", "sr-latn": "sr_RS"}
SHARE_IMAGE_FILTER = "fill-1200x630"
DESCRIPTION_LENGTH = 160
# Page fields that can hold the page's own picture, in order of preference.
IMAGE_FIELDS = ("image", "hero_image")
# Page types shared as articles rather than as a website.
ARTICLE_TYPES = {"newspage"}


def plain_text(value, length=DESCRIPTION_LENGTH):
    """Text for a meta tag: no tags, entities read ("&amp;" → "&"), one space between
    words, cut at a word within ``length`` characters."""
    text = html.unescape(strip_tags(str(value or "")))
    text = re.sub(r"\s+", " ", text).strip()
    return Truncator(text).chars(length)


def og_locale(language_code):
    return OG_LOCALES.get(language_code, language_code.replace("-", "_"))


def _absolute(request, url):
    return request.build_absolute_uri(url) if request is not None else url


def _image(request, image):
    try:
        rendition = image.get_rendition(SHARE_IMAGE_FILTER)
    except SourceImageIOError:
        # The original file is gone (a restore without media, a storage fault): the
        # page is shared without a picture rather than not served at all.
        logger.warning("Share image %s has no file; og:image left out", image.pk)
        return None
    return {
        "url": _absolute(request, rendition.url),
        "width": rendition.width,
        "height": rendition.height,
    }


@register.simple_tag(takes_context=True)
def page_meta(context):
    """Title, plain-text description, absolute URL and image, locale and its
    alternates for the page being rendered (or, on a view without a page such as
    search, for the organisation)."""
    request = context.get("request")
    page = context.get("page")
    page = page if getattr(page, "pk", None) else None
    frame = Frame.for_request(request, page)
    org = frame.organisation()
    org_text = org["text"]
    tagline = getattr(org_text, "tagline", "") if org_text else ""
    language = translation.get_language() or settings.LANGUAGE_CODE

    if page is not None:
        language = frame.language_of(page)
        title = page.seo_title or page.title
        description = (
            page.search_description
            or getattr(page, "intro", "")
            or getattr(page, "hero_intro", "")
            or tagline
        )
        url = page.get_full_url(request)  # None for a page not in a site yet (preview)
        if url:
            url += context.get("page_subpath", "")
        alternates = [code for code in frame.translations(page) if code != language]
        image = next(
            (getattr(page, name) for name in IMAGE_FIELDS if getattr(page, name, None)), None
        )
        og_type = "article" if page._meta.model_name in ARTICLE_TYPES else "website"
    else:
        title = context.get("meta_title") or org["name"]
        description = tagline or org["name"]
        url = _absolute(request, request.path) if request is not None else ""
        offered = frame.site_frame.home_urls or dict(settings.LANGUAGES)
        alternates = [
            code for code, _name in settings.LANGUAGES if code in offered and code != language
        ]
        image = None
        og_type = "website"

    # The organisation's default picture when the page has none of its own.
    if image is None and org["settings"] is not None:
        image = getattr(org["settings"], "share_image", None)
    return {
        "title": plain_text(title, 200),
        "description": plain_text(description),
        "url": url,
        "type": og_type,
        "site_name": org["name"],
        "locale": og_locale(language),
        "alternate_locales": [og_locale(code) for code in alternates],
        "image": _image(request, image) if image is not None else None,
    }


@register.simple_tag(takes_context=True)
def switcher_links(context):
    """The language switcher's links. On the search page each language's search page
    with the same query; elsewhere the page's translations (home/frame.py)."""
    request = context.get("request")
    page = context.get("page")
    links = Frame.for_request(request, page).language_links(page, context.get("page_subpath", ""))
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "search":
        return links
    query = request.GET.get("q", "").strip()
    suffix = "?" + urlencode({"q": query}) if query else ""
    for link in links:
        with translation.override(link["code"]):
            link["url"] = reverse("search") + suffix
    return links
