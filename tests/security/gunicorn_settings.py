"""Settings for the gunicorn shutdown test: the test settings, a slow view, and a
SQLite database of its own (GUNICORN_TEST_DB)."""

import os

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.security.gunicorn_urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["GUNICORN_TEST_DB"],
        "OPTIONS": dict(SQLITE_OPTIONS),  # noqa: F405
    }
}
_memory = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {"default": _memory, "pages": _memory}
