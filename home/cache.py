"""The page cache: anonymous page views served from the cache, with no SQL query.

``PageCacheMiddleware`` sits outside Django's GZip and conditional-GET middleware
and before the session, so what it keeps is the response those produced (gzip for a
browser that takes it, plain otherwise) and a hit touches neither the session, the
user nor the database.

What is stored: the 200 answer to an anonymous GET (no session cookie) of a Wagtail
page whose type keeps ``page_cache = True`` (``mark_page_cacheable``, a
``before_serve_page`` hook), or of a view that sets ``response.page_cacheable``.
Never a response that holds a CSP nonce, that sets a cookie (a page whose form used
a CSRF token sets the CSRF cookie: Django's own cache middleware has the same rule)
or that says ``private``, ``no-cache`` or ``no-store``. So nothing of one visitor
reaches another.

The key is the scheme, host (in one spelling: ``_host``), path and encoding; query
parameters that only track where a visitor came from (``utm_*``, ``fbclid``...) are
dropped from it, any other query string goes to the view.

Invalidation is by generation, one per site: an entry records the site and the
generation it was rendered in, and is a miss once that site's generation has moved
on. ``home/invalidation.py`` lists what moves it. The generations live in the cache
when it is shared (Redis); with the per-process local-memory cache they are the
modification times of small files, so that every worker on the machine sees them.

A cache that fails (Redis down) is a miss: the page is rendered, and a warning is
logged.
"""

import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from wagtail.models import Site

logger = logging.getLogger(__name__)

EXCLUDED_PREFIXES = ("/admin/", "/documents/", "/static/", "/media/")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
#: Query parameters that say where a visitor came from, never what the page shows.
TRACKING_PARAMETER = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|twclid|igshid"
    r"|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|ref_src|s_cid)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CachedPage:
    site_id: int
    generation: int
    stored_at: float
    status: int
    headers: tuple
    content: bytes


def limit_page_cache(request, seconds):
    """Keep the page being rendered in the cache for at most ``seconds``
    (content that changes with the clock, such as a congress going live)."""
    seconds = max(0, int(seconds))
    current = getattr(request, "page_cache_max_seconds", None)
    request.page_cache_max_seconds = seconds if current is None else min(current, seconds)


def mark_page_cacheable(page, request, serve_args, serve_kwargs):
    """Wagtail's ``before_serve_page`` hook (home/wagtail_hooks.py): a page that may
    be kept notes its site's generation before it renders, so that a change made
    while it renders leaves it stale at once."""
    if getattr(page, "page_cache", False):
        request.page_cache_allowed = True
        if getattr(request, "page_cache_key", None):
            _note_generation(request)


def _note_generation(request):
    if hasattr(request, "page_cache_generation"):
        return
    try:
        site = Site.find_for_request(request)  # Wagtail's, already found by its routing
        generation = site_generation(site.pk) if site is not None else None
    except Exception:
        logger.warning("Page cache unavailable; %s not kept", request.path, exc_info=True)
        generation = None
    request.page_cache_generation = (site.pk, generation) if generation is not None else None


# -- generations ------------------------------------------------------------------------


def _cache_is_shared():
    return not settings.CACHES["pages"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))


def page_cache():
    return caches["pages"]


def _generation_file(site_id):
    return Path(settings.PAGE_CACHE_GENERATION_DIR) / f"site-{site_id}"


def site_generation(site_id):
    """The site's generation now. Raises when the cache is unreachable."""
    if _cache_is_shared():
        key = f"pagecache:generation:{site_id}"
        generation = page_cache().get(key)
        if generation is None:
            page_cache().add(key, time.time_ns(), timeout=None)
            generation = page_cache().get(key)
        return generation
    try:
        return os.stat(_generation_file(site_id)).st_mtime_ns
    except FileNotFoundError:
        return 0


def _move_on(site_ids):
    for site_id in site_ids:
        try:
            if _cache_is_shared():
                key = f"pagecache:generation:{site_id}"
                try:
                    moved = page_cache().incr(key)
                except ValueError:  # not there: any new value will do
                    moved = page_cache().add(key, time.time_ns(), timeout=None)
                if moved is None:  # django-redis swallowed a connection error
                    raise ConnectionError("the cache did not answer")
                continue
            path = _generation_file(site_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            previous = path.stat().st_mtime_ns if path.exists() else 0
            path.touch()
            # A new value even on a file system with a coarse clock.
            os.utime(path, ns=(max(time.time_ns(), previous + 1),) * 2)
        except Exception:
            logger.exception("The page cache of site %s could not be emptied", site_id)


def invalidate_sites(site_ids=None):
    """Make the cached pages of these sites (None: every site) unreachable.

    Inside a transaction the generation moves on now and again at the commit, so a
    page rendered by another request before the commit is not kept as current."""

    def move_on():
        ids = site_ids
        if ids is None:
            ids = list(Site.objects.values_list("pk", flat=True))
        _move_on(set(ids))

    move_on()
    if connection.in_atomic_block:
        transaction.on_commit(move_on)


# -- the middleware -----------------------------------------------------------------------


DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host(request):
    """(the host as the key knows it, whether a copy may be stored under it).

    ``get_host()`` raises ``DisallowedHost`` for a host not in ALLOWED_HOSTS, so such
    a host never reaches the cache. The key's host is in lower case, without a
    trailing dot or the scheme's default port: ``Example.org.:443`` finds the copy of
    ``example.org``. A copy is stored only for a host sent in that form, with no port
    or the one the server was reached on (links in a page are built from the host as
    sent), so variants and made-up ports add no entries and never put their spelling
    into the copy that others get."""
    sent = request.get_host()
    name, colon, port = sent.rpartition(":")
    if not colon or sent.endswith("]"):  # no port (or an IPv6 address without one)
        name, port = sent, ""
    name = name.lower().rstrip(".")
    if port == DEFAULT_PORTS.get(request.scheme):
        port = ""
    host = f"{name}:{port}" if port else name
    return host, sent == host and port in ("", request.get_port())


def _cache_key(request, host=None):
    host = host or _host(request)[0]
    gzip = bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
    url = f"{request.scheme}://{host}{request.path}:{int(gzip)}"
    return "pagecache:page:" + hashlib.sha256(url.encode()).hexdigest()


def _only_tracking_parameters(request):
    return all(TRACKING_PARAMETER.match(name) for name in request.GET)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._request_is_cacheable(request):
            return self._uncached(request)
        try:
            host, storable = _host(request)
        except DisallowedHost:
            return self.get_response(request)  # answered 400 further on
        key = _cache_key(request, host)

        try:
            entry = self._entry(key)
            if entry is not None and entry.generation == site_generation(entry.site_id):
                return self._serve(request, entry)
        except Exception:
            logger.warning("Page cache unavailable; rendering %s", request.path, exc_info=True)
            return self.get_response(request)
        if not storable:
            return self.get_response(request)
        request.page_cache_key = key

        # A browser revalidating an expired copy gets the page rendered in full (and
        # kept), then the 304 it asked for.
        conditions = {
            name: request.META.pop(name)
            for name in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
            if name in request.META
        }
        response = self.get_response(request)
        request.META.update(conditions)
        noted = None
        if self._response_is_cacheable(request, response):
            # A view that is not a page (open data) notes its site after it ran.
            _note_generation(request)
            noted = request.page_cache_generation
        if noted is not None:
            self._store(request, response, key, *noted)
        else:
            response = self._finish_uncached(request, response)
        if conditions and request.method == "GET" and response.has_header("ETag"):
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response

    @staticmethod
    def _entry(key):
        """The stored page, or None; an entry that no longer unpickles (an earlier
        release's) is dropped."""
        try:
            entry = page_cache().get(key)
        except (AttributeError, ImportError, TypeError, ValueError, EOFError):
            logger.warning("Unreadable page cache entry dropped", exc_info=True)
            page_cache().delete(key)
            return None
        return entry if isinstance(entry, CachedPage) else None

    @staticmethod
    def _store(request, response, key, site_id, generation):
        timeout = settings.PAGE_CACHE_SECONDS
        limit = getattr(request, "page_cache_max_seconds", None)
        if limit is not None:
            timeout = min(timeout, limit)
        patch_cache_control(
            response, public=True, max_age=min(settings.PAGE_CACHE_CONTROL_MAX_AGE, timeout)
        )
        patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
        response["X-Cache"] = "MISS"
        if timeout <= 0:
            return
        headers = tuple((name, value) for name, value in response.items() if name != "X-Cache")
        entry = CachedPage(
            site_id, generation, time.time(), response.status_code, headers, response.content
        )
        try:
            page_cache().set(key, entry, timeout)
        except Exception:
            logger.warning("Page cache unavailable; %s not kept", request.path, exc_info=True)

    def _uncached(self, request):
        return self._finish_uncached(request, self.get_response(request))

    @staticmethod
    def _finish_uncached(request, response):
        if getattr(request, "page_cache_allowed", False) and settings.SESSION_COOKIE_NAME in (
            request.COOKIES
        ):
            # A signed-in user's view of a page (with the editor's bar) is theirs.
            patch_cache_control(response, private=True, no_cache=True)
        return response

    @staticmethod
    def _serve(request, entry):
        response = HttpResponse(entry.content, status=entry.status)
        for name, value in entry.headers:
            response[name] = value
        response["X-Cache"] = "HIT"
        # How long it has been kept: a browser or proxy counts it against max-age.
        response["Age"] = str(max(0, int(time.time() - entry.stored_at)))
        return get_conditional_response(request, etag=response.get("ETag"), response=response)

    @staticmethod
    def _request_is_cacheable(request):
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(EXCLUDED_PREFIXES)
            and _only_tracking_parameters(request)
        )

    @staticmethod
    def _response_is_cacheable(request, response):
        cache_control = response.get("Cache-Control", "")
        return (
            request.method == "GET"
            and (
                getattr(request, "page_cache_allowed", False)
                or getattr(response, "page_cacheable", False)
            )
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not getattr(request, "csp_nonce", None)  # true once a nonce was made
            and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
        )
