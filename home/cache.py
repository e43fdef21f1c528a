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

import contextvars
import hashlib
import logging
import os
import pickle
import re
import struct
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CsrfViewMiddleware,
)
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

logger = logging.getLogger(__name__)
GENERATION_KEY = "pagecache:generation"
GENERATION_CACHE_SECONDS = 600
_request_generation = contextvars.ContextVar("page_cache_generation", default=None)
CSRF_PLACEHOLDER = b"__PAGE_CACHE_CSRF_TOKEN__"
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
EXCLUDED_PREFIXES = ("/admin/", "/documents/", "/static/", "/media/")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Django's GZipMiddleware leaves responses this short uncompressed; so do we.
GZIP_MIN_LENGTH = 200
# Headers of the first response that are not kept: each hit sets its own.
UNSTORED_HEADERS = {"content-length", "content-encoding", "etag", "x-cache", "set-cookie"}
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _cache_is_shared():
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def _generation_file():
    return Path(
        getattr(settings, "PAGE_CACHE_GENERATION_FILE", settings.VAR_DIR / "page-cache-generation")
    )


def current_generation():
    """The generation this request sees: read at most once per request (one Redis
    round trip instead of one per cached value), and moved on by the request's own
    changes. Requests that keep nothing (the admin) never read it."""
    memo = _request_generation.get()
    if memo is None:
        return _read_generation()
    if "generation" not in memo:
        memo["generation"] = _read_generation()
    return memo["generation"]


def _read_generation():
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
    """Make every cached page unreachable. Safe to connect to any signal.

    Inside a transaction the generation moves on now and again when it commits, so
    that nothing read before the commit can stay cached under the new generation."""
    _next_generation()
    if connection.in_atomic_block:
        transaction.on_commit(_next_generation)


def _next_generation():
    _move_generation_on()
    memo = _request_generation.get()
    if memo is not None:
        memo.pop("generation", None)  # read again when next needed


def _move_generation_on():
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


def cached_per_generation(name, compute, timeout=GENERATION_CACHE_SECONDS):
    """``compute()``, kept in the cache until the page-cache generation moves on
    (or ``timeout`` seconds). For what only publishing or settings change: sites,
    routes, menus, settings. None is not kept.

    With a shared cache (Redis) each worker also keeps what it read in its own
    memory (``_LocalCopies``): a key holds the generation, so what is under it never
    changes, and only the generation itself needs a round trip per request."""
    key = f"{name}:{current_generation()}"
    shared = _cache_is_shared()
    if shared:
        value = _local_copies.get(key)
        if value is not None:
            return value
    value = _get_or_none(key)
    if value is None:
        value = compute()
        if value is None:
            return None
        try:
            cache.set(key, value, timeout)
        except (pickle.PicklingError, TypeError, AttributeError):
            # Computed again next time: correct, but the work is not saved.
            logger.warning("%s cannot be cached", name, exc_info=True)
            return value
    if shared:
        _local_copies.set(key, value, timeout)
    return value


def _get_or_none(key):
    """``cache.get(key)``, with an entry that no longer unpickles (stored by an
    earlier release whose classes have changed) taken as a miss and overwritten."""
    try:
        return cache.get(key)
    except (pickle.UnpicklingError, AttributeError, ImportError, TypeError, EOFError):
        logger.warning("cache entry %s could not be read; computed again", key, exc_info=True)
        return None


class _LocalCopies:
    """A small, bounded, per-process store of pickled values with expiry times.
    Each get unpickles a copy, as Django's local-memory cache does, so that no two
    requests share (and change) one object."""

    def __init__(self, max_entries=2000):
        self.max_entries = max_entries
        self._data = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            expires, data = entry
            if expires < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
        return pickle.loads(data)  # noqa: S301 - what this process stored itself

    def set(self, key, value, timeout):
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._data[key] = (time.monotonic() + timeout, data)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()


_local_copies = _LocalCopies()


def cached_unless_preview(request, name, compute):
    """``cached_per_generation`` for data a page shows, except in a preview (which
    shows the editor's unsaved changes)."""
    if getattr(request, "is_preview", False):
        return compute()
    return cached_per_generation(name, compute)


def settings_for_site(model, site):
    """``model.for_site(site)`` for a Wagtail site setting, kept per generation (saving
    any site setting moves the generation on: home/signals.py)."""
    return cached_per_generation(
        f"settings:{model._meta.label_lower}:{site.pk}", lambda: model.for_site(site)
    )


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


def _random_csrf_string(length=CSRF_SECRET_LENGTH):
    """Random characters of CSRF_ALLOWED_CHARS, uniformly, from the system's CSPRNG.

    What ``django.utils.crypto.get_random_string`` gives, drawn from one
    ``os.urandom`` call instead of one call per character (a tenth of the cost,
    which matters on every cache hit of a page with a form)."""
    alphabet = CSRF_ALLOWED_CHARS
    limit = 256 - 256 % len(alphabet)  # no modulo bias
    chars = []
    while len(chars) < length:
        chars.extend(alphabet[b % len(alphabet)] for b in os.urandom(length + 8) if b < limit)
    return "".join(chars[:length])


_CHAR_INDEX = {c: i for i, c in enumerate(CSRF_ALLOWED_CHARS)}


def _mask_secret(secret):
    """``django.middleware.csrf._mask_cipher_secret``: a fresh mask per token, so
    the token in the page differs on every response (no BREACH oracle)."""
    mask = _random_csrf_string()
    n = len(CSRF_ALLOWED_CHARS)
    cipher = "".join(
        CSRF_ALLOWED_CHARS[(_CHAR_INDEX[s] + _CHAR_INDEX[m]) % n]
        for s, m in zip(secret, mask, strict=True)
    )
    return mask + cipher


def _deflate(data, last):
    """Raw deflate of ``data`` on its own: ends on a byte boundary (a full flush)
    so that pieces compressed apart can be joined into one stream."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH
    )


def _stored_block(data):
    """``data`` as a non-final, uncompressed deflate block (data under 64 KB)."""
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


@dataclass(frozen=True)
class CachedPage:
    """A page as the cache keeps it: status, headers and the body cut at each CSRF
    token, plain and compressed, so that a hit neither renders nor compresses.

    A hit joins the pieces with the visitor's tokens. The compressed form is the
    pieces' deflate streams with each token between them as a stored (uncompressed)
    block: valid gzip for any token, and a token is never compressed together with
    the page, so its length tells nothing (BREACH)."""

    status: int
    headers: tuple
    parts: tuple
    gzip_parts: tuple

    @classmethod
    def from_response(cls, response):
        headers = tuple(
            (name, value)
            for name, value in response.items()
            if name.lower() not in UNSTORED_HEADERS
        )
        content = CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
        parts = tuple(content.split(CSRF_PLACEHOLDER))
        if len(parts) == 1:
            # Weak: the same for the plain and the compressed body.
            etag = f'W/"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
            headers += (("ETag", etag),)
        else:
            # A page with a form is each visitor's own (their token): no validator that
            # would answer 304 with a page holding another token than their cookie.
            headers = tuple((n, v) for n, v in headers if n.lower() != "last-modified")
        gzip_parts = ()
        if len(content) >= GZIP_MIN_LENGTH:
            gzip_parts = tuple(
                _deflate(part, last=i == len(parts) - 1) for i, part in enumerate(parts)
            )
        return cls(response.status_code, headers, parts, gzip_parts)

    def plain(self, tokens=()):
        return _interleave(self.parts, [t.encode() for t in tokens])

    def gzipped(self, tokens=()):
        encoded = [t.encode() for t in tokens]
        body = _interleave(self.parts, encoded)
        deflated = _interleave(self.gzip_parts, [_stored_block(t) for t in encoded])
        return GZIP_HEADER + deflated + struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)


def _interleave(pieces, between):
    out = [pieces[0]]
    for token, piece in zip(between, pieces[1:], strict=True):
        out += (token, piece)
    return b"".join(out)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Used for its cookie handling only (reading and setting the CSRF cookie).
        self._csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        token = _request_generation.set({})
        try:
            return self._respond(request)
        finally:
            _request_generation.reset(token)

    def _respond(self, request):
        if not self._request_is_cacheable(request):
            response = self.get_response(request)
            if getattr(response, "page_cacheable", False):
                # A logged-in user's view of a page (with the editor's bar) is theirs.
                patch_cache_control(response, private=True, no_cache=True)
            return response

        key = page_cache_key(request)
        cached = _get_or_none(key)
        if isinstance(cached, CachedPage):  # anything else: a stale format, re-render
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
            has_form = bool(CSRF_INPUT.search(response.content))
            if not has_form:
                response["Last-Modified"] = http_date()
            response["X-Cache"] = "MISS"
            if timeout > 0:
                cache.set(key, CachedPage.from_response(response), timeout)
            if has_form:
                # This copy carries the visitor's own CSRF token: not for shared caches.
                patch_cache_control(response, private=True)
        return response

    def _serve_cached(self, request, cached):
        response = HttpResponse(status=cached.status)
        for name, value in cached.headers:
            response.headers[name] = value
        response["X-Cache"] = "HIT"
        tokens = ()
        if len(cached.parts) > 1:
            # A form on a cached page gets this visitor's own CSRF token (and cookie),
            # as if the page had been rendered for them.
            tokens = [self._csrf_token(request) for _ in cached.parts[1:]]
            patch_cache_control(response, private=True)
        patch_vary_headers(response, ("Accept-Encoding",))
        if cached.gzip_parts and ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            response.content = cached.gzipped(tokens)
            response["Content-Encoding"] = "gzip"
        else:
            response.content = cached.plain(tokens)
        response["Content-Length"] = str(len(response.content))
        if len(cached.parts) > 1:
            self._csrf.process_response(request, response)
        return response

    def _csrf_token(self, request):
        """A masked CSRF token for this visitor, as ``django.middleware.csrf.get_token``
        makes it, with the random characters drawn in one system call."""
        if "CSRF_COOKIE" not in request.META:
            self._csrf.process_request(request)  # reads the visitor's cookie, if any
        secret = request.META.get("CSRF_COOKIE") or _random_csrf_string()
        # Like get_token(): (re)send the cookie, which also renews its expiry.
        request.META.update({"CSRF_COOKIE": secret, "CSRF_COOKIE_NEEDS_UPDATE": True})
        return _mask_secret(secret)

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
