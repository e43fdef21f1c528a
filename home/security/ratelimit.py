"""Rate limits counted in a store that every worker shares.

``allow(key, limit, window_seconds)`` records one hit of ``key`` and says whether it
is still within ``limit`` hits in the current fixed window of ``window_seconds``.

The store is Redis when the ``default`` cache is django-redis (``REDIS_URL``): an
atomic ``INCR`` of a key that expires with its window. Without Redis it is the
database (``RateLimitCount``): one row per key and window, inserted or raised by
one in a single atomic statement, so concurrent hits from any number of workers
count exactly. Rows of windows that have ended are deleted when a new window's row
is made.

Keys are stored as SHA-256 digests, never as the address or email they name. When
the store cannot be reached the hit is allowed (a sign-up is never lost to the
limit) and a warning is logged.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from .models import RateLimitCount

logger = logging.getLogger(__name__)


def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Record one hit of ``key``; True while it is within ``limit`` hits per window."""
    try:
        count = _hit(hashlib.sha256(key.encode()).hexdigest(), window_seconds)
    except Exception:
        logger.warning("Rate limit not applied: its store is unavailable", exc_info=True)
        return True
    if count is None:  # django-redis swallowed a connection error (IGNORE_EXCEPTIONS)
        logger.warning("Rate limit not applied: its store did not answer")
        return True
    return count <= limit


def _uses_redis():
    return settings.CACHES["default"]["BACKEND"].startswith("django_redis.")


def _hit(digest, window_seconds):
    """The number of hits of ``digest`` in the current window, this one included."""
    now = int(time.time())
    window_start = now - now % window_seconds
    if _uses_redis():
        return _hit_in_cache(f"ratelimit:{digest}:{window_start}", window_seconds)
    return _hit_in_database(digest, window_start, window_seconds, now)


def _hit_in_cache(name, window_seconds):
    if cache.add(name, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # it expired between add() and incr()
        return 1 if cache.add(name, 1, timeout=window_seconds) else cache.incr(name)


def _hit_in_database(digest, window_start, window_seconds, now):
    """One statement counts the hit and returns the count: an insert that, when the
    row of this key and window exists, adds one to it instead (``ON CONFLICT … DO
    UPDATE … RETURNING``, in PostgreSQL and in SQLite since 3.35). It is atomic in
    both, so concurrent hits from any number of workers count exactly. Django's ORM
    has no increment-on-conflict, hence the SQL."""
    table = connection.ops.quote_name(RateLimitCount._meta.db_table)
    sql = (
        f"INSERT INTO {table} (key, window_start, expires_at, count) VALUES (%s, %s, %s, 1) "  # noqa: S608 - our own table name
        f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1 "
        "RETURNING count"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest, window_start, window_start + window_seconds])
        (count,) = cursor.fetchone()
    if count == 1:  # the first hit of this key in this window: few, so cheap enough
        _purge(now)
    return count


def _purge(now):
    """Delete the rows of windows that have ended."""
    try:
        RateLimitCount.objects.filter(expires_at__lte=now).delete()
    except DatabaseError:
        logger.warning("Old rate-limit counts not deleted", exc_info=True)
