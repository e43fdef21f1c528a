"""Server-side cache of anonymous page views.

Anonymous GET requests for content pages are answered from the cache before the
session, the user or the database is touched, so a hit costs no SQL query.
A page opts in by setting ``response.page_cacheable`` (``home.models.BasePage``
does so for every page type unless the type sets ``page_cache = False``, as form
pages do). Logged-in users (anyone with a session cookie), previews, query strings
and non-GET requests always go to the view.

Invalidation is by generation: the key of every cached page contains a generation
number, and publishing, unpublishing, moving or deleting a page or changing an
organisation's settings moves it on, so every stored page becomes unreachable at
once. Menus and footers appear on every page, so emptying everything is the only
correct choice, and it is cheap. The generation lives in the cache itself when the
cache is shared (Redis), and in the modification time of a small file otherwise,
so that every gunicorn worker on the machine sees the change even with the
per-process local-memory cache.
"""

import hashlib
import os
import pickle
import re
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

GENERATION_KEY = "pagecache:generation"
CSRF_PLACEHOLDER = b"__PAGE_CACHE_CSRF_TOKEN__"
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
EXCLUDED_PREFIXES = ("/admin/", "/documents/", "/static/", "/media/")


def _cache_is_shared():
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def _generation_file():
    return Path(
        getattr(settings, "PAGE_CACHE_GENERATION_FILE", settings.VAR_DIR / "page-cache-generation")
    )


def current_generation():
    if _cache_is_shared():
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            generation = time.time_ns()
            cache.add(GENERATION_KEY, generation, timeout=None)
            generation = cache.get(GENERATION_KEY, generation)
        return generation
    try:
        return os.stat(_generation_file()).st_mtime_ns
    except FileNotFoundError:
        return 0


def invalidate_page_cache(**kwargs):
    """Make every cached page unreachable. Safe to connect to any signal."""
    if _cache_is_shared():
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
        return
    path = _generation_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.time_ns()
    try:
        previous = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        previous = 0
    path.touch()
    # Guarantee a new value even on file systems with a coarse clock.
    os.utime(path, ns=(max(now, previous + 1),) * 2)


def limit_page_cache(request, seconds):
    """Keep the page being rendered in the cache for at most ``seconds``
    (for content that changes with the clock, such as a congress going live)."""
    seconds = max(0, int(seconds))
    current = getattr(request, "page_cache_max_seconds", None)
    request.page_cache_max_seconds = seconds if current is None else min(current, seconds)


def page_cache_key(request):
    url = f"{request.scheme}://{request.get_host()}{request.path}"
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"pagecache:{current_generation()}:{digest}"


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._request_is_cacheable(request):
            response = self.get_response(request)
            if getattr(response, "page_cacheable", False):
                # A logged-in user's view of a page (with the editor's bar) is theirs.
                patch_cache_control(response, private=True, no_cache=True)
            return response

        key = page_cache_key(request)
        cached = cache.get(key)
        if cached is not None:
            return self._serve_cached(request, cached)

        response = self.get_response(request)
        if self._response_is_cacheable(response):
            timeout = settings.PAGE_CACHE_SECONDS
            limit = getattr(request, "page_cache_max_seconds", None)
            if limit is not None:
                timeout = min(timeout, limit)
            max_age = min(settings.PAGE_CACHE_CONTROL_MAX_AGE, timeout)
            patch_cache_control(response, public=True, max_age=max_age)
            patch_vary_headers(response, ("Cookie",))
            response["Last-Modified"] = http_date()
            response["X-Cache"] = "MISS"
            if timeout > 0:
                cache.set(key, self._storable_copy(response), timeout)
            if CSRF_INPUT.search(response.content):
                # This copy carries the visitor's own CSRF token: not for shared caches.
                patch_cache_control(response, private=True)
        return response

    @staticmethod
    def _storable_copy(response):
        """The response as it is kept: no cookies, CSRF tokens replaced by a marker."""
        stored = pickle.loads(pickle.dumps(response))  # noqa: S301 - our own object
        stored.cookies = type(response.cookies)()
        stored.content = CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
        stored.has_csrf_form = CSRF_PLACEHOLDER in stored.content
        return stored

    def _serve_cached(self, request, cached):
        response = cached  # a fresh object: the cache unpickles one per get()
        response["X-Cache"] = "HIT"
        if getattr(cached, "has_csrf_form", False):
            # A form on a cached page gets this visitor's own CSRF token (and cookie),
            # as if the page had been rendered for them.
            csrf = CsrfViewMiddleware(lambda req: response)
            csrf.process_request(request)
            content = cached.content
            while CSRF_PLACEHOLDER in content:
                content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode(), 1)
            response.content = content
            csrf.process_response(request, response)
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def _request_is_cacheable(request):
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and not request.META.get("QUERY_STRING")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(EXCLUDED_PREFIXES)
        )

    @staticmethod
    def _response_is_cacheable(response):
        return (
            getattr(response, "page_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
            and "private" not in response.get("Cache-Control", "")
            and "no-cache" not in response.get("Cache-Control", "")
        )
