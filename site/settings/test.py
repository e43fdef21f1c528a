"""Tests: fast hashing, plain static files, immediate tasks, in-memory mail."""

import os

_TEST_ENV = {
    "SECRET_KEY": "test-only-key",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
}
_saved = {name: os.environ.get(name) for name in _TEST_ENV}
for _name, _value in _TEST_ENV.items():
    os.environ.setdefault(_name, _value)

from .base import *  # noqa: E402, F403

# Leave the environment as it was, so that subprocesses started by tests (checks
# with production variables) see only what they are given.
for _name, _value in _saved.items():
    if _value is None:
        os.environ.pop(_name, None)

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
WAGTAILEMBEDS_FINDERS = [{"class": "tests.embeds.OfflineEmbedFinder"}]
if not REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests",
        }
    }
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
