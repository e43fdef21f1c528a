"""Wagtail's routing, remembered per page-cache generation.

Before a page renders, Wagtail finds the site for the host (a query), the home page
in the active language (a query), its specific type (a query), then each page along
the path (two queries per level) and the view restrictions above the page (a
query): six to eight queries that give the same answer until a page is published,
unpublished, moved or deleted, a site or a view restriction changes, which is
exactly when the page-cache generation moves on (``home/signals.py``).

So the answers are kept in the cache under the generation, as ``home/frame.py``
keeps the menu:

- ``SiteMiddleware`` sets ``request._wagtail_site``, Wagtail's own per-request
  memo, from the cache (``Site.find_for_request`` then costs nothing);
- ``serve`` (in front of Wagtail's ``serve`` view, same URL pattern) sets
  ``request._wagtail_route_for_request``, Wagtail's memo of the route, from the
  cache; on a miss Wagtail routes as usual and the result is kept;
- ``restricted_paths`` lists the paths of pages with view restrictions, so that
  ``BasePage.get_view_restrictions`` answers "none" without a query for the (usual)
  page with no restricted ancestor.

A page served from this cache is the live page as loaded when the route was first
found in this generation: what a visitor sees of it can only change by publishing,
which moves the generation on (so a sign-up records the revision the visitor saw).
Preview and editing in the admin never use it.
"""

import hashlib

from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http.request import split_domain_port
from django.utils.translation import get_language
from wagtail import views as wagtail_views
from wagtail.models import PageViewRestriction, Site

from .cache import EXCLUDED_PREFIXES, cached_per_generation


def restricted_paths():
    """Tree paths of the pages that carry a view restriction (for every site)."""
    return cached_per_generation(
        "routing:restricted",
        lambda: tuple(PageViewRestriction.objects.values_list("page__path", flat=True)),
    )


def is_restricted(page_path, restricted=None):
    restricted = restricted_paths() if restricted is None else restricted
    return any(page_path.startswith(path) for path in restricted)


class SiteMiddleware:
    """Finds the Wagtail site of the request from the cache (after the page cache,
    so a hit never gets here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Pages only: the admin, media and static files find their site as they need.
        if not hasattr(request, "_wagtail_site") and not request.path.startswith(EXCLUDED_PREFIXES):
            try:
                host = request.get_host()  # only allowed hosts are remembered
            except DisallowedHost:
                return self.get_response(request)  # answered 400 further on
            hostname = split_domain_port(host)[0]
            port = request.get_port()
            try:
                site = cached_per_generation(
                    f"routing:site:{hostname}:{port}", lambda: Site._find_for_request(request)
                )
            except DatabaseError:
                site = None  # Wagtail asks again in the view, where faults are handled
            if site is not None:
                request._wagtail_site = site
        return self.get_response(request)


def serve(request, path):
    """Wagtail's page view, with the route looked up in the cache first."""
    if not hasattr(request, "_wagtail_route_for_request"):
        site = Site.find_for_request(request)
        if site is not None:
            digest = hashlib.sha256(path.encode()).hexdigest()
            # Kept before the page renders, so nothing of the render is stored.
            request._wagtail_route_for_request = cached_per_generation(
                f"routing:route:{site.pk}:{get_language()}:{digest}",
                lambda: wagtail_views.Page.route_for_request(request, path),
            )
    return wagtail_views.serve(request, path)
