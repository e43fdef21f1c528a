"""Rate limits (home/security/ratelimit.py) are counted where every worker sees them:
Redis when the default cache is django-redis, else the database. A store that is
down lets the hit through and logs it."""

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from home.security import ratelimit
from home.security.models import RateLimitCount

from .test_faults import database

ROOT = Path(__file__).resolve().parents[2]
LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"}
REDIS = {
    "BACKEND": "django_redis.cache.RedisCache",
    "LOCATION": os.environ.get("REDIS_URL", ""),
    "KEY_PREFIX": "ratelimit-test",
    "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
}


@pytest.fixture(autouse=True)
def no_redis(settings):
    """The database store (as without REDIS_URL), even in the run with Redis."""
    settings.CACHES = {**settings.CACHES, "default": LOCAL}


@pytest.fixture
def clock(monkeypatch):
    """The time ratelimit sees; ``clock.now`` is set by the test."""

    class Clock:
        now = 1_800_000_000.0

    monkeypatch.setattr(ratelimit.time, "time", lambda: Clock.now)
    return Clock


def test_hits_are_allowed_up_to_the_limit_per_key(db):
    assert [ratelimit.allow("signup:10.0.0.1", 3, 600) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert ratelimit.allow("signup:10.0.0.2", 3, 600)
    assert sorted(RateLimitCount.objects.values_list("count", flat=True)) == [1, 5]


def test_only_digests_of_keys_are_stored(db):
    ratelimit.allow("email:someone@example.org", 3, 600)
    (key,) = RateLimitCount.objects.values_list("key", flat=True)
    assert "someone" not in key and len(key) == 64


def test_a_new_window_starts_again_and_old_rows_are_deleted(db, clock):
    clock.now = 1_800_000_000.0  # a multiple of 600: the start of a window
    for _ in range(3):
        ratelimit.allow("signup:a", 2, 600)
        ratelimit.allow("signup:b", 2, 600)
    assert not ratelimit.allow("signup:a", 2, 600)
    clock.now += 599
    assert not ratelimit.allow("signup:a", 2, 600)
    clock.now += 1
    assert ratelimit.allow("signup:a", 2, 600)
    # The first hit of the new window deleted both ended rows, not just its own.
    assert RateLimitCount.objects.count() == 1


def count_in_threads(workers, hits, limit):
    """``workers`` threads, each with its own database connection, hitting one key."""
    allowed = []
    barrier = threading.Barrier(workers)

    def worker():
        try:
            barrier.wait()
            allowed.extend(ratelimit.allow("signup:shared", limit, 600) for _ in range(hits))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return allowed


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_several_connections_count_exactly():
    allowed = count_in_threads(workers=4, hits=10, limit=25)
    assert len(allowed) == 40
    assert allowed.count(True) == 25
    assert RateLimitCount.objects.get().count == 40


def hit_from_another_process(hits, limit):
    """A separate Python process with the test settings (its own local-memory cache,
    as each gunicorn worker has without Redis) on this test's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    code = (
        "import django; django.setup();"
        "from home.security.ratelimit import allow;"
        f"print(sum(allow('signup:10.0.0.7', {limit}, 600) for _ in range({hits})))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_BACKEND"}}
    env |= {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_limit_holds_across_worker_processes():
    """Two workers without Redis (each with a cache of its own) share one count."""
    first = hit_from_another_process(hits=4, limit=6)
    second = hit_from_another_process(hits=4, limit=6)
    assert (first, second) == (4, 2)
    assert RateLimitCount.objects.get().count == 8


def test_a_database_that_is_down_lets_hits_through_and_logs_it(db, caplog):
    with caplog.at_level(logging.WARNING, logger="home.security.ratelimit"), database(down=True):
        assert all(ratelimit.allow("signup:x", 1, 600) for _ in range(3))
    assert [r for r in caplog.records if "Rate limit not applied" in r.getMessage()]
    assert RateLimitCount.objects.count() == 0


def test_redis_that_is_down_lets_hits_through_and_logs_it(db, settings, caplog):
    settings.CACHES = {**settings.CACHES, "default": {**REDIS, "LOCATION": "redis://127.0.0.1:1/0"}}
    with caplog.at_level(logging.WARNING, logger="home.security.ratelimit"):
        assert all(ratelimit.allow("signup:x", 1, 600) for _ in range(3))
    assert [r for r in caplog.records if "Rate limit not applied" in r.getMessage()]


@pytest.fixture
def redis(settings):
    if not REDIS["LOCATION"]:
        pytest.skip("needs REDIS_URL (the PostgreSQL and Redis run)")
    settings.CACHES = {**settings.CACHES, "default": REDIS}
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_with_redis_concurrent_hits_count_exactly_in_redis(redis):
    allowed = count_in_threads(workers=4, hits=10, limit=25)
    assert allowed.count(True) == 25
    assert RateLimitCount.objects.count() == 0  # counted in Redis, not the database
    (name,) = redis.keys("ratelimit:*")
    assert redis.get(name) == 40
    assert 0 < redis.ttl(name) <= 600
