import logging
import re
from collections import defaultdict

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.models import Locale, Page, Site

from .brand import brand_css, brand_version
from .models import OrganisationSettings
from .search import stem_words

logger = logging.getLogger(__name__)

SEARCH_PER_PAGE = 10
SEARCH_MAX_QUERY = 200


def _site_for(request):
    return Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()


def search_terms(query):
    """The words of a visitor's query, without the characters and upper-case words
    (AND, OR, NOT, NEAR, quotes, stars, brackets) that full-text engines read as
    operators: a search box takes words, not query syntax."""
    return " ".join(re.sub(r"[^\w\s]", " ", query).lower().split())


@require_GET
def search(request):
    """Full-text search over the live pages of this site in the current language."""
    query = request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_QUERY]
    terms = search_terms(query)
    site = _site_for(request)
    results = Page.objects.none()
    if terms and site is not None:
        root = site.root_page.localized
        pages = (
            Page.objects.live()
            .public()
            .descendant_of(root, inclusive=True)
            .filter(locale=Locale.get_active())
            .specific(defer=True)
        )
        # Pages index the stems of their words too (home/search.py): "mision" finds "misioni".
        results = pages.search(stem_words(terms, get_language()), operator="and")
    paginator = Paginator(results, SEARCH_PER_PAGE)
    try:
        with transaction.atomic():
            page_obj = paginator.get_page(request.GET.get("page"))
            list(page_obj)
    except DatabaseError:
        # The search engine refused the query after all: show no results, not an error.
        logger.warning("Search failed for %r", terms, exc_info=True)
        paginator = Paginator(Page.objects.none(), SEARCH_PER_PAGE)
        page_obj = paginator.get_page(1)
    return render(
        request,
        "home/search.html",
        {"query": query, "results": page_obj, "paginator": paginator, "meta_title": _("Search")},
    )


@require_GET
@cache_control(max_age=3600, public=True)
def sitemap(request):
    """Every live page of this site in every language, with its alternates, and the
    routes a page lists beyond itself (``Page.get_sitemap_urls``: a campaign's
    candidates' pages), with the same route under each translation as alternates."""
    site = _site_for(request)
    entries = []
    if site is not None:
        roots = list(site.root_page.get_translations(inclusive=True).live())
        path_filter = Q()
        for root in roots:
            path_filter |= Q(path__startswith=root.path)
        pages = list(
            Page.objects.live()
            .public()
            .filter(path_filter)
            .select_related("locale")
            .order_by("path")
            .specific()
        )
        by_key = defaultdict(dict)
        for page in pages:
            by_key[page.translation_key][page.locale.language_code] = page
        for page in pages:
            group = by_key[page.translation_key]
            page_url = page.get_full_url(request)
            routes = [("", page.last_published_at)] + [
                (entry["location"][len(page_url) :], entry.get("lastmod"))
                for entry in page.get_sitemap_urls(request)[1:]
                if entry["location"].startswith(page_url)
            ]
            for subpath, lastmod in routes:
                alternates = [
                    {"hreflang": code, "url": group[code].get_full_url(request) + subpath}
                    for code, _ in settings.LANGUAGES
                    if code in group
                ]
                default = group.get(settings.LANGUAGE_CODE) or page
                alternates.append(
                    {"hreflang": "x-default", "url": default.get_full_url(request) + subpath}
                )
                entries.append(
                    {"url": page_url + subpath, "lastmod": lastmod, "alternates": alternates}
                )
    xml = loader.render_to_string("sitemap.xml", {"entries": entries}, request)
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        *[f"Disallow: /{code}/search/" for code, _ in settings.LANGUAGES],
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """Rendered without the database: the page may be failing because it is down."""
    template = loader.get_template("500.html")
    return HttpResponse(template.render({"LANGUAGE_CODE": get_language()}), status=500)


def brand_stylesheet(request, version=""):
    """The brand stylesheet of the site the request is for; with the current
    ``version`` in its URL it is kept for a year (a new version has a new URL)."""
    site = Site.find_for_request(request)
    org_settings = OrganisationSettings.objects.filter(site=site).first() if site else None
    response = HttpResponse(brand_css(org_settings), content_type="text/css; charset=utf-8")
    if version == brand_version(org_settings):
        patch_cache_control(response, public=True, max_age=60 * 60 * 24 * 365, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response
